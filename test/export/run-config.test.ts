// A run's config.yaml is read by eval/generate/classify/export --run (readRunConfig) as train --resume reads it
// (loadTrainConfig): a relative path in it — as a user writes after moving the base model, which the "not there" error
// asks for — is read from the run's folder, as the README says of a config's paths, not from the current directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunConfig } from '../../src/export/export.ts';
import { loadTrainConfig } from '../../src/train/config.ts';
import { tempDir } from '../temp-dir.ts';

test("a relative path in a run's config.yaml is read from the run's folder, by --run as by --resume", () => {
  const root = tempDir('mt-runcfg-');
  const run = path.join(root, 'runs', 'a');
  fs.mkdirSync(run, { recursive: true });
  fs.writeFileSync(path.join(run, 'config.yaml'), 'model: ../../models/base\ndata:\n  train: ../../data/train.jsonl\noutput_dir: .\n');
  const cfg = readRunConfig(run);
  assert.deepEqual([cfg.model, cfg.data.train], [path.join(root, 'models', 'base'), path.join(root, 'data', 'train.jsonl')]);
  const resumed = loadTrainConfig(path.join(run, 'config.yaml'));
  assert.deepEqual([resumed.model, resumed.data.train], [cfg.model, cfg.data.train]);
  // a quickstart of before 2026-12-03 wrote its paths relative to the folder it ran in: found from there still
  const old = path.join(root, 'runs', 'quickstart', 'run');
  fs.mkdirSync(path.join(root, 'runs', 'quickstart', 'model'), { recursive: true });
  fs.mkdirSync(old, { recursive: true });
  fs.writeFileSync(path.join(old, 'config.yaml'), 'model: runs/quickstart/model\ndata:\n  train: runs/quickstart/data/train.jsonl\noutput_dir: runs/quickstart/run\n');
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const legacy = readRunConfig(path.join('runs', 'quickstart', 'run'));
    assert.equal(legacy.model, path.join(root, 'runs', 'quickstart', 'model'));
    // missing from both: named as the run folder's, where the README says it is read from
    assert.equal(legacy.data.train, path.join(old, 'runs', 'quickstart', 'data', 'train.jsonl'));
  } finally {
    process.chdir(cwd);
  }
  fs.rmSync(root, { recursive: true, force: true });
});
