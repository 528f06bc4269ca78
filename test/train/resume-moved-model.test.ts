// --resume of a run whose model folder moved since its checkpoint: `train CONFIG --resume` with CONFIG naming the folder
// where it is now goes on as `train RUN --resume` with config.yaml set to it does, when the folder holds the weights the
// checkpoint was made over (their fingerprint, which a full fine-tuning checkpoint records too); other weights are refused,
// and a refused resume leaves config.yaml as it was. The CLI's runs are main() in this process (in-process-cli.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn } from '../cli/in-process-cli.ts';

/** `mistral-tune train ARGS` run in this process (main(), the command thread kept: in-process-cli.ts), from its working folder. */
const train = (...args: string[]): ReturnType<typeof cliIn> => cliIn(process.cwd(), ['train', ...args]);

/**
 * A 3-step run of `method` over a copy of the tiny model (`dir`/base), checkpointed at step 2, trained to its end and
 * made to look unfinished; then the model folder is moved to `dir`/base-moved, and `dir`/base-other holds a copy of it
 * with one weight changed. Returns the config the run was started with and the run folder.
 */
async function movedModelRun(method: 'lora' | 'full'): Promise<{ dir: string; config: string; run: string; moved: string; other: string; base: string }> {
  const dir = tempDir('mt-resume-moved-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 13 + i, 17] })).join('\n') + '\n');
  const base = path.join(dir, 'base'), moved = path.join(dir, 'base-moved'), other = path.join(dir, 'base-other');
  fs.cpSync(TINY_BASE, base, { recursive: true });
  const config = path.join(dir, 'run.yaml');
  fs.writeFileSync(config, [`model: ${base}`, `method: ${method}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 1', 'max_steps: 3',
    'eval: {samples: 0}', 'checkpoint: {every_steps: 2}', 'output_dir: run'].join('\n') + '\n');
  const trained = await train(config);
  assert.equal(trained.status, 0, trained.stderr);
  const run = path.join(dir, 'run');
  fs.rmSync(path.join(run, 'report.json')); // as if the run had not finished
  fs.renameSync(base, moved);
  fs.cpSync(moved, other, { recursive: true });
  const file = path.join(other, 'model.safetensors');
  const edited = fs.readFileSync(file);
  edited[8 + Number(edited.readBigUInt64LE(0)) + 1] ^= 0x40; // one weight, shapes and types as they were
  fs.writeFileSync(file, edited);
  return { dir, config, run, moved, other, base };
}

const resume = (target: string): ReturnType<typeof train> => train(target, '--resume');
const movedWarning = (base: string, now: string): string =>
  `warning: resume: model (${JSON.stringify(base)} then, ${JSON.stringify(now)} now; the same weights) changed since the checkpoint of step 2 was written`;

test('train CONFIG --resume with the config naming the LoRA run\'s model folder where it moved: the same weights go on, as train RUN --resume does; other weights are refused, config.yaml untouched', async () => {
  // before: "cannot resume with a different config: model (… then, … now) changed since the run's config.yaml", before
  // the checkpoint (and the fingerprint it records) was read
  const { config, run, moved, other, base } = await movedModelRun('lora');
  const saved = path.join(run, 'config.yaml');
  const yaml = fs.readFileSync(saved, 'utf8');
  const original = fs.readFileSync(config, 'utf8');
  fs.writeFileSync(config, original.replace(`model: ${base}`, `model: ${other}`));
  const r = await resume(config);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('error:')).length, 1, r.stderr);
  assert.ok(r.stderr.includes(`cannot resume: model (${JSON.stringify(base)} then, ${JSON.stringify(other)} now; other weights) changed since the checkpoint of step 2 was written`), r.stderr);
  assert.doesNotMatch(r.stderr, /config\.yaml was edited|\n\s+at /);
  assert.equal(fs.readFileSync(saved, 'utf8'), yaml, 'a refused resume leaves config.yaml as it was');
  fs.writeFileSync(config, original.replace(`model: ${base}`, `model: ${moved}`));
  const ok = await resume(config);
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(ok.stderr.includes(movedWarning(base, moved)), ok.stderr);
  assert.ok(fs.readFileSync(saved, 'utf8').includes(`model: ${moved}`), 'config.yaml records where the model is now');
});

test('a full fine-tuning run records its base model\'s fingerprint: its moved model folder resumes (train RUN and train CONFIG), other weights are refused', async () => {
  // before: a full fine-tuning checkpoint recorded none, so a moved model folder was refused as another model
  const { config, run, moved, other, base } = await movedModelRun('full');
  const saved = path.join(run, 'config.yaml');
  const yaml = fs.readFileSync(saved, 'utf8');
  fs.writeFileSync(saved, yaml.replace(`model: ${base}`, `model: ${other}`));
  const r = await resume(run);
  assert.equal(r.status, 2, r.stderr);
  assert.ok(r.stderr.includes(`cannot resume: model (${JSON.stringify(base)} then, ${JSON.stringify(other)} now; other weights) changed since the checkpoint of step 2 was written`), r.stderr);
  fs.writeFileSync(saved, yaml);
  fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace(`model: ${base}`, `model: ${moved}`));
  const ok = await resume(config);
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(ok.stderr.includes(movedWarning(base, moved)), ok.stderr);
  assert.ok(fs.existsSync(path.join(run, 'report.json')));
});
