// A path that is not there, one slip away from a name beside it (`train-lora.yml` for the `train-lora.yaml` there), is
// said with that name: "file not found" alone left the user to spot the slip.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { nearFileHint } from '../../src/util/near-file.ts';
import { tempDir } from '../temp-dir.ts';

test('nearFileHint names a file or folder beside the missing one a slip away, and nothing when none is near', () => {
  const dir = tempDir('mt-near-file-');
  fs.writeFileSync(path.join(dir, 'train-lora.yaml'), '');
  fs.writeFileSync(path.join(dir, 'data.jsonl'), '');
  fs.mkdirSync(path.join(dir, 'mistral-tune-tiny'));
  assert.equal(nearFileHint(path.join(dir, 'train-lora.yml')), ' (did you mean "train-lora.yaml" beside it?)');
  assert.equal(nearFileHint(path.join(dir, 'Data.jsonl')), ' (did you mean "data.jsonl" beside it?)');
  assert.equal(nearFileHint(path.join(dir, 'mistral-tune-tin')), ' (did you mean "mistral-tune-tiny" beside it?)');
  assert.equal(nearFileHint(path.join(dir, 'other.csv')), '');
  // another file's name, not a slip: four letters apart (a third of a long name's letters was near enough for a key)
  assert.equal(nearFileHint(path.join(dir, 'train-full.yaml')), '');
  assert.equal(nearFileHint(path.join(dir, 'trian-lora.yml')), ' (did you mean "train-lora.yaml" beside it?)');
  assert.equal(nearFileHint(path.join(dir, 'gone', 'train-lora.yaml')), ''); // its folder is not there either
});

test('nearFileHint judges a name on what differs from one beside it, not on an extension both share', () => {
  // before: train examples/nope.yaml suggested "type.yaml": 2 edits of the whole name's 9 letters, though 2 of the stem's 4
  const dir = tempDir('mt-near-file-stem-');
  for (const f of ['type.yaml', 'train-lora.yaml', 'data.jsonl', 'b.yaml']) fs.writeFileSync(path.join(dir, f), '');
  assert.equal(nearFileHint(path.join(dir, 'nope.yaml')), '');
  assert.equal(nearFileHint(path.join(dir, 'a.yaml')), '', 'a one-letter stem all changed');
  assert.equal(nearFileHint(path.join(dir, 'tpye.yaml')), ' (did you mean "type.yaml" beside it?)');
  assert.equal(nearFileHint(path.join(dir, 'type.yml')), ' (did you mean "type.yaml" beside it?)');
  assert.equal(nearFileHint(path.join(dir, 'dta.jsonl')), ' (did you mean "data.jsonl" beside it?)');
  assert.equal(nearFileHint(path.join(dir, 'data.json')), ' (did you mean "data.jsonl" beside it?)');
  assert.equal(nearFileHint(path.join(dir, 'train-lora.yml')), ' (did you mean "train-lora.yaml" beside it?)');
  assert.equal(nearFileHint(path.join(dir, 'Data.jsonl')), ' (did you mean "data.jsonl" beside it?)');
});

test('nearFileHint counts a moved dot as one slip, and never suggests a name whose stem before the first dot is all another', () => {
  // before: the stems and last extensions were judged apart, so "Mistral-7B-v01" (its dot left out) and "data.jsonl." were
  // 3 edits from the names beside them, and "a.tar.gz" was a slip for "b.tar.gz" (its "stem" a.tar one letter off)
  const dir = tempDir('mt-near-file-dots-');
  for (const f of ['b.tar.gz', 'data.jsonl', 'run-1']) fs.writeFileSync(path.join(dir, f), '');
  fs.mkdirSync(path.join(dir, 'Mistral-7B-v0.1'));
  assert.equal(nearFileHint(path.join(dir, 'Mistral-7B-v01')), ' (did you mean "Mistral-7B-v0.1" beside it?)');
  assert.equal(nearFileHint(path.join(dir, 'data.jsonl.')), ' (did you mean "data.jsonl" beside it?)');
  assert.equal(nearFileHint(path.join(dir, 'a.tar.gz')), '');
  assert.equal(nearFileHint(path.join(dir, 'b.tar.xz')), ' (did you mean "b.tar.gz" beside it?)');
  assert.equal(nearFileHint(path.join(dir, 'run-2')), ' (did you mean "run-1" beside it?)');
});

test('train, prepare, eval and generate say the name beside a missing config, input, config data file, model, adapter or run folder', () => {
  const dir = tempDir('mt-near-file-cli-');
  fs.writeFileSync(path.join(dir, 'train-lora.yaml'), 'model: x\n');
  fs.writeFileSync(path.join(dir, 'data.jsonl'), '{"text": "a"}\n');
  fs.mkdirSync(path.join(dir, 'mistral-tune-tiny'));
  fs.mkdirSync(path.join(dir, 'adapter'));
  fs.mkdirSync(path.join(dir, 'run-1'));
  // a config's data file and an --adapter folder a slip off: "no such file" and "adapter folder not found" alone before
  fs.writeFileSync(path.join(dir, 'slip.yaml'), `model: ${JSON.stringify(path.resolve('models/mistral-tune-tiny'))}\ndata:\n  train: dta.jsonl\n`);
  const run = (...args: string[]): { status: number | null; stderr: string } =>
    spawnSync(process.execPath, ['bin/mistral-tune.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  const cases: Array<[string[], string]> = [
    [['train', path.join(dir, 'train-lora.yml')], `${path.join(dir, 'train-lora.yml')}: file not found (did you mean "train-lora.yaml" beside it?)`],
    [['prepare', '--input', path.join(dir, 'data.json'), '--out', path.join(dir, 'out')], '(did you mean "data.jsonl" beside it?)'],
    [['eval', '--model', path.join(dir, 'mistral-tune-tin'), '--data', path.join(dir, 'data.jsonl')], 'model folder not found (did you mean "mistral-tune-tiny" beside it?)'],
    [['train', path.join(dir, 'slip.yaml')], `data.train: ${path.join(dir, 'dta.jsonl')}: no such file (did you mean "data.jsonl" beside it?) (set data.train)`],
    // a run folder not there at all: it was "not a run directory: config.yaml not found"
    [['export', '--run', path.join(dir, 'run-2'), '--out', path.join(dir, 'exported')], `${path.join(dir, 'run-2')}: run directory not found (did you mean "run-1" beside it?)`],
    [['export', '--run', path.join(dir, 'data.jsonl', 'run'), '--out', path.join(dir, 'exported')], 'not a run directory: config.yaml not found'], // a file on the way (ENOTDIR): as before
    [['generate', '--model', 'models/mistral-tune-tiny', '--adapter', path.join(dir, 'adaptr'), '--prompt', 'hi'], 'adapter folder not found (did you mean "adapter" beside it?)'],
  ];
  for (const [args, said] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.trimEnd().split('\n').at(-1)!.endsWith(said), `${args[0]}: ${r.stderr}`);
  }
});
