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
  fs.rmSync(root, { recursive: true, force: true });
});
