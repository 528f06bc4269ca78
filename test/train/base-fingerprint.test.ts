// A finished LoRA run records its base weights' fingerprint in report.json; what reads the run's adapter over that
// base (eval, generate, classify, export) warns, once, when the base folder now holds other weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/util/rng.ts';
import { warnIfNotTrainedOn } from '../../src/train/model-fingerprint.ts';
import { FIXTURES, TINY, TINY_BASE } from '../helpers.ts';

const TINY_MODEL = path.join(FIXTURES, '..', '..', 'models', 'mistral-tune-tiny'); // hidden size 192, the fixture's 64
import { tempDir } from '../temp-dir.ts';
import { cliIn } from '../cli/in-process-cli.ts';

/** The CLI run in this process (main(), the command thread kept: in-process-cli.ts), from its working folder. */
const cli = (...args: string[]): ReturnType<typeof cliIn> => cliIn(process.cwd(), args);

test('a LoRA run whose base folder now holds other weights: eval and export --run warn once, naming both fingerprints; the same weights say nothing', async () => {
  const dir = tempDir('mt-base-fp-');
  const base = path.join(dir, 'base');
  fs.cpSync(TINY_BASE, base, { recursive: true });
  const rng = new Rng(5);
  const rows = Array.from({ length: 4 }, () => JSON.stringify({ input_ids: [1, ...Array.from({ length: 12 }, () => 3 + rng.below(500))] }));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'run.yaml'), [`model: ${base}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 2', 'max_steps: 1', 'eval: {samples: 0}', 'checkpoint: {every_steps: 1}', 'output_dir: run'].join('\n') + '\n');
  const trained = await cli('train', path.join(dir, 'run.yaml'));
  assert.equal(trained.status, 0, trained.stderr);
  const run = path.join(dir, 'run');
  const report = JSON.parse(fs.readFileSync(path.join(run, 'report.json'), 'utf8')) as { base_fingerprint?: string };
  assert.match(report.base_fingerprint ?? '', /^[0-9a-f]{16}$/);
  const evalRun = () => cli('eval', '--run', run, '--data', path.join(dir, 'train.jsonl'), '--json');
  const same = await evalRun();
  assert.equal(same.status, 0, same.stderr);
  assert.doesNotMatch(same.stderr, /other weights/);
  // one weight changed, shapes and types as they were: a fine-tuned copy put in the base's place
  const file = path.join(base, 'model.safetensors');
  const bytes = fs.readFileSync(file);
  bytes[8 + Number(bytes.readBigUInt64LE(0)) + 1] ^= 0x40;
  fs.writeFileSync(file, bytes);
  const changed = await evalRun();
  assert.equal(changed.status, 0, changed.stderr);
  const warning = new RegExp(`warning: .*run: the base model .*base holds other weights than the run's adapter was trained over \\(fingerprint ${report.base_fingerprint} then, [0-9a-f]{16} now\\)`);
  assert.match(changed.stderr, warning);
  assert.equal(changed.stderr.match(/other weights/g)?.length, 1, changed.stderr);
  const exported = await cli('export', '--run', run, '--out', path.join(dir, 'merged'), '--merge');
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stderr, warning);
  // the run's adapter given with --model: the same fingerprint is checked
  const lora = await cli('export', '--format', 'gguf-lora', '--model', base, '--adapter', path.join(run, 'adapter'), '--out', path.join(dir, 'a.gguf'));
  assert.equal(lora.status, 0, lora.stderr);
  assert.match(lora.stderr, warning);
  // and a checkpoint's adapter (RUN/checkpoints/step-N), by the same run's fingerprint
  assert.match(stderrOf(() => warnIfNotTrainedOn(path.join(run, 'checkpoints', 'step-0000001'), base)), warning);
});

/** What `body` writes to stderr (warnings), captured in this process. */
function stderrOf(body: () => void): string {
  const write = process.stderr.write;
  let out = '';
  process.stderr.write = ((chunk: string | Uint8Array) => { out += String(chunk); return true; }) as typeof process.stderr.write;
  try {
    body();
  } finally {
    process.stderr.write = write;
  }
  return out;
}

test('an adapter whose adapter_config.json names another base (a folder of other weights, or a hub name) warns once naming both; shapes that do not fit are an error', async () => {
  const dir = tempDir('mt-adapter-base-');
  const copy = (name: string): string => {
    const to = path.join(dir, name);
    fs.cpSync(TINY_BASE, to, { recursive: true });
    return to;
  };
  const other = copy('other'), same = copy('same'), named = copy('Mistral-7B-v0.1');
  const file = path.join(other, 'model.safetensors');
  const bytes = fs.readFileSync(file);
  bytes[8 + Number(bytes.readBigUInt64LE(0)) + 1] ^= 0x40; // shapes as they were, one weight changed
  fs.writeFileSync(file, bytes);
  const adapterFor = (baseName: string | null): string => {
    const a = fs.mkdtempSync(path.join(dir, 'adapter-'));
    fs.cpSync(path.join(TINY, 'adapter_step1'), a, { recursive: true });
    const cfgFile = path.join(a, 'adapter_config.json');
    fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), base_model_name_or_path: baseName }));
    return a;
  };
  const onOther = adapterFor(other);
  const warned = stderrOf(() => {
    warnIfNotTrainedOn(onOther, TINY_BASE);
    warnIfNotTrainedOn(onOther, TINY_BASE);
  });
  assert.equal(warned.split('\n').filter(Boolean).length, 1, warned);
  assert.match(warned, new RegExp(`^warning: ${onOther}: adapter_config.json's base_model_name_or_path is ${other}, whose weights are not those of the base model it is applied to, ${TINY_BASE} \\(fingerprint [0-9a-f]{16}, [0-9a-f]{16}\\): the adapter corrects weights it never saw`));
  assert.equal(stderrOf(() => warnIfNotTrainedOn(adapterFor(same), TINY_BASE)), '', 'another folder of the same weights');
  assert.equal(stderrOf(() => warnIfNotTrainedOn(adapterFor(null), other)), '', 'no base named, no run: nothing to compare');
  const hub = adapterFor('mistralai/Mistral-7B-v0.1');
  assert.match(stderrOf(() => warnIfNotTrainedOn(hub, TINY_BASE)), new RegExp(`base_model_name_or_path is mistralai/Mistral-7B-v0.1, and the base model it is applied to is ${TINY_BASE}, which is not named so: if it is not the model the adapter was trained on`));
  assert.equal(stderrOf(() => warnIfNotTrainedOn(hub, named)), '', 'a folder named as the hub id');

  // through the CLI: the warning, then the export; a base of other shapes is refused, naming the tensor
  const out = await cli('export', '--format', 'gguf-lora', '--model', TINY_BASE, '--adapter', adapterFor(other), '--out', path.join(dir, 'a.gguf'));
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stderr.match(/base_model_name_or_path/g)?.length, 1, out.stderr);
  const wrongShape = await cli('export', '--format', 'gguf-lora', '--model', TINY_MODEL, '--adapter', onOther, '--out', path.join(dir, 'b.gguf'));
  assert.equal(wrongShape.status, 2, wrongShape.stderr);
  // the first of its tensors in the file's order that does not fit (checked as the adapter is read, before the model loads)
  assert.match(wrongShape.stderr, /error: .*adapter_model\.safetensors: tensor "base_model\.model\.model\.layers\.0\.mlp\.down_proj\.lora_A\.weight" has shape \[4, 160\], expected \[4, 512\] from the base model at /);
  assert.equal(fs.existsSync(path.join(dir, 'b.gguf')), false);
});
