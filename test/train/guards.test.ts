// Folders that are not ours are never emptied: --overwrite only replaces a run directory, the quickstart
// only its own folder; and a failed setup leaves no output folder behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { quickstart } from '../../src/quickstart.ts';
import { validate } from '../../src/train/config.ts';
import { listCheckpoints } from '../../src/train/checkpoint.ts';
import { train } from '../../src/train/trainer.ts';
import { setQuiet } from '../../src/util/log.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { WRITTEN_RECORD } from '../../src/util/written-record.ts';

const tmp = (): string => tempDir('mt-guards-');
const data = path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl');

test('--overwrite refuses a non-empty folder that is not a run directory', () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'precious.txt'), 'keep me');
  const cfg = validate({ model: TINY_BASE, data: { train: data }, max_steps: 1, eval: { samples: 0 }, output_dir: dir }, 'test');
  assert.throws(() => train(cfg, { overwrite: true }), /not a run directory/);
  assert.equal(fs.readFileSync(path.join(dir, 'precious.txt'), 'utf8'), 'keep me');
});

// a library call was told to "pass --overwrite (or --resume …)", flags it has no way to give
test('train() called from the library names its options, the CLI its flags, when output_dir is taken', () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, '.mistral-tune-run'), '{}');
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '');
  const cfg = validate({ model: TINY_BASE, data: { train: data }, max_steps: 1, eval: { samples: 0 }, output_dir: dir }, 'test');
  assert.throws(() => train(cfg), { message: `${dir}: output_dir exists and is not empty: choose another output_dir, or set options.overwrite (or options.resume to continue it)` });
  assert.throws(() => train(cfg, {}, FLAG_WORDS), { message: `${dir}: output_dir exists and is not empty: choose another output_dir, or pass --overwrite (or --resume to continue it)` });
  assert.deepEqual(fs.readdirSync(dir).sort(), ['.mistral-tune-run', 'metrics.jsonl']);
});

// `train runs/x/config.yaml` (a finished run's own config) was told "or pass --overwrite", which then refused to empty the
// folder holding that config: the taken folder offers only what would be taken
test('a taken output_dir that holds the config (or the current directory) does not offer --overwrite, which would refuse it', async () => {
  const { RunDir } = await import('../../src/train/run-dir.ts');
  const dir = tmp();
  fs.writeFileSync(path.join(dir, '.mistral-tune-run'), '{}');
  fs.writeFileSync(path.join(dir, 'config.yaml'), 'seed: 0\n');
  assert.throws(() => RunDir.check(dir, false, [path.join(dir, 'config.yaml')]),
    { message: `${dir}: output_dir exists and is not empty: choose another output_dir, or --resume to continue it (--overwrite would empty a folder that holds ${path.join(dir, 'config.yaml')})` });
  assert.throws(() => RunDir.check(dir, true, [path.join(dir, 'config.yaml')]), { message: `${dir}: --overwrite would empty a folder that holds ${path.join(dir, 'config.yaml')}: choose another output_dir` });
  assert.throws(() => RunDir.check(dir, false, [path.join(tmp(), 'c.yaml')]), { message: `${dir}: output_dir exists and is not empty: choose another output_dir, or pass --overwrite (or --resume to continue it)` });
});

// a refused resume (data.train edited, best/ damaged, another model) told a library caller to "train again with --overwrite"
test('train() called from the library names options.overwrite when it refuses a resume, the CLI --overwrite', () => {
  const dir = tmp();
  const train1 = path.join(dir, 'train.jsonl');
  fs.copyFileSync(data, train1);
  const cfg = validate({ model: TINY_BASE, data: { train: train1 }, max_steps: 1, batch_size: 2, eval: { samples: 0 }, checkpoint: { every_steps: 1 },
    output_dir: path.join(dir, 'run') }, 'test');
  setQuiet(true);
  try {
    train(cfg);
    fs.rmSync(path.join(cfg.output_dir, 'report.json')); // as if killed before its end
    fs.writeFileSync(train1, fs.readFileSync(data, 'utf8').split('\n')[0] + '\n');
    assert.throws(() => train(cfg, { resume: true }), /put the data and the tokenizer back, or train again with options\.overwrite$/);
    assert.throws(() => train(cfg, { resume: true }, FLAG_WORDS), /put the data and the tokenizer back, or train again with --overwrite$/);
  } finally {
    setQuiet(false);
  }
});

// a checkpoint whose tensors do not fit the run (one that recorded no config, under a config.yaml edited in lora.r) told a
// library caller to train "again with --overwrite"
test('train() names options.overwrite when a checkpoint\'s tensors do not fit the run, the CLI --overwrite', () => {
  const dir = tmp();
  const cfg = (r: number): ReturnType<typeof validate> => validate({ model: TINY_BASE, data: { train: data }, max_steps: 1, batch_size: 2, eval: { samples: 0 },
    checkpoint: { every_steps: 1 }, lora: { r }, output_dir: path.join(dir, 'run') }, 'test');
  setQuiet(true);
  try {
    const run = cfg(2);
    train(run);
    fs.rmSync(path.join(run.output_dir, 'report.json')); // as if killed before its end
    const stateFile = path.join(listCheckpoints(run.output_dir).at(-1)!, 'trainer_state.json');
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { extra: Record<string, unknown> };
    delete state.extra.config; // as an older checkpoint, which recorded none
    fs.writeFileSync(stateFile, JSON.stringify(state));
    fs.rmSync(path.join(path.dirname(stateFile), WRITTEN_RECORD)); // nor the files it wrote
    const yaml = path.join(run.output_dir, 'config.yaml');
    fs.writeFileSync(yaml, fs.readFileSync(yaml, 'utf8').replace(/^ {2}r: 2$/m, '  r: 4'));
    const said = (e: unknown): string => (e as Error).message;
    assert.throws(() => train(cfg(4), { resume: true }), (e) => /was written by another model or config: .*, or train again with options\.overwrite$/.test(said(e)) && !said(e).includes('--'));
    assert.throws(() => train(cfg(4), { resume: true }, FLAG_WORDS), /was written by another model or config: .*, or train again with --overwrite$/);
  } finally {
    setQuiet(false);
  }
});

test('a failed setup (missing model) writes no output folder, so the corrected rerun is not refused', () => {
  const out = path.join(tmp(), 'run');
  const bad = validate({ model: path.join(tmp(), 'nope'), data: { train: data }, max_steps: 1, eval: { samples: 0 }, output_dir: out }, 'test');
  assert.throws(() => train(bad), /model folder not found/);
  assert.equal(fs.existsSync(out), false);
  train(validate({ model: TINY_BASE, data: { train: data }, max_steps: 1, eval: { samples: 0 }, output_dir: out }, 'test'));
  assert.ok(fs.existsSync(path.join(out, 'adapter', 'adapter_model.safetensors')));
});

test('the quickstart refuses a folder with other files in it', () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'notes.md'), 'mine');
  assert.throws(() => quickstart({ out: dir, seed: 0, epochs: 1 }), /other files/);
  assert.ok(fs.existsSync(path.join(dir, 'notes.md')));
});
