// --resume of a run with no valid checkpoint starts it again from step 0, over the model it started from: the run
// folder's marker records that model's fingerprint, and other weights (the same folder, or another one named by
// model:) are refused in one line, as a resume from a checkpoint refuses them; a run that recorded none says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate, type TrainConfig } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { isUserError } from '../../src/util/errors.ts';
import { TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

/** A 1-step LoRA run without checkpoints over a copy of the tiny model (`dir`/base), made to look unfinished. */
function restartableRun(): { dir: string; base: string; cfg: TrainConfig; marker: string } {
  const dir = tempDir('mt-restart-fp-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 2 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 13 + i] })).join('\n') + '\n');
  const base = path.join(dir, 'base');
  fs.cpSync(TINY_BASE, base, { recursive: true });
  const cfg = validate({ model: base, data: { train: path.join(dir, 'train.jsonl') }, lora: { r: 2 }, batch_size: 2, max_steps: 1, eval: { samples: 0 },
    checkpoint: { every_steps: null }, output_dir: path.join(dir, 'run') }, 'test');
  captureStderr(() => train(cfg));
  fs.rmSync(path.join(cfg.output_dir, 'report.json')); // as if killed before its end
  return { dir, base, cfg, marker: path.join(cfg.output_dir, '.mistral-tune-run') };
}

/** A copy of model folder `from` at `to` with one weight changed, shapes and types as they were (a fine-tuned copy). */
function otherWeights(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
  const file = path.join(to, 'model.safetensors');
  const bytes = fs.readFileSync(file);
  bytes[8 + Number(bytes.readBigUInt64LE(0)) + 1] ^= 0x40;
  fs.writeFileSync(file, bytes);
}

const resume = (cfg: TrainConfig): string => captureStderr(() => train(cfg, { resume: true })).stderr;

test('--resume without a checkpoint refuses other weights in the run\'s model folder, or in the folder model: now names; the same weights moved go on, said', () => {
  const { dir, base, cfg, marker } = restartableRun();
  const recorded = (JSON.parse(fs.readFileSync(marker, 'utf8')) as { model_fingerprint?: string }).model_fingerprint;
  assert.match(recorded ?? '', /^[0-9a-f]{16}$/, 'the marker records the model\'s fingerprint');
  const metrics = fs.readFileSync(path.join(cfg.output_dir, 'metrics.jsonl'), 'utf8');
  // before: a restart from step 0 took any weights in the folder without a word
  fs.renameSync(base, `${base}-kept`);
  otherWeights(`${base}-kept`, base);
  assert.throws(() => resume(cfg), (e: Error) => isUserError(e) && e.message.startsWith(`${path.join(cfg.output_dir, 'config.yaml')}: cannot resume: the model's weights ` +
    `changed since the run started (same folder, other tensors; fingerprint ${recorded} then, `) && e.message.endsWith('put that model back, or train again with options.overwrite'));
  assert.equal(fs.readFileSync(path.join(cfg.output_dir, 'metrics.jsonl'), 'utf8'), metrics, 'a refused resume changes nothing');
  // model: naming another folder (train CONFIG --resume): other weights refused, the same weights moved go on
  const other = validate({ ...cfg, model: base }, 'test');
  fs.rmSync(base, { recursive: true });
  fs.renameSync(`${base}-kept`, path.join(dir, 'moved'));
  otherWeights(path.join(dir, 'moved'), path.join(dir, 'other'));
  assert.throws(() => resume({ ...other, model: path.join(dir, 'other') }), (e: Error) => isUserError(e) &&
    e.message.includes(`cannot resume: model (${JSON.stringify(base)} then, ${JSON.stringify(path.join(dir, 'other'))} now; other weights) changed since the run started: put model: back`));
  const stderr = resume({ ...other, model: path.join(dir, 'moved') });
  assert.match(stderr, /warning: resume: model \(.* then, .* now; the same weights\) changed since the run started$/m);
  assert.match(stderr, /has no valid checkpoint \(checkpoint\.every_steps is null/);
  assert.ok(fs.existsSync(path.join(cfg.output_dir, 'report.json')));
});

test('--resume without a checkpoint of a run whose marker recorded no fingerprint (an older version\'s) says so and records it; another folder is refused', () => {
  const { dir, base, cfg, marker } = restartableRun();
  const { model_fingerprint: fingerprint, ...older } = JSON.parse(fs.readFileSync(marker, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(marker, JSON.stringify(older));
  fs.cpSync(base, path.join(dir, 'copy'), { recursive: true });
  assert.throws(() => resume({ ...cfg, model: path.join(dir, 'copy') }), (e: Error) => isUserError(e) && e.message.includes(
    'changed since the run started, and the run recorded no fingerprint of its model\'s weights (it was started by an older version of mistral-tune), so the weights there cannot be told from other ones'));
  const stderr = resume(cfg);
  assert.match(stderr, /warning: resume: the run recorded no fingerprint of its model's weights \(it was started by an older version of mistral-tune\): whether .*base still holds the weights it started from is not checked/);
  assert.equal((JSON.parse(fs.readFileSync(marker, 'utf8')) as Record<string, unknown>).model_fingerprint, fingerprint, 'the restarted run records its model\'s');
});
