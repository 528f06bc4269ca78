// Nothing silent about NaN: a diverging run stops at the first non-finite loss or gradient norm (exit 2,
// one line naming the step, a metrics row marked "nonfinite", no adapter saved, the last checkpoint
// kept), and eval and generate refuse a model whose outputs are not finite — through the real CLI: train, export, eval
// and generate through main() in this process (in-process-cli.ts: the same exit status, stdout and stderr), where a
// process each cost ~1.5 CPU-s of start-up; none of these runs is signalled, preloaded or given an environment of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { SafetensorsFile, writeSafetensors } from '../../src/model/safetensors.ts';
import { Rng } from '../../src/util/rng.ts';
import { makeTokenizerModel, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli as inProcess } from './in-process-cli.ts';
import { WRITTEN_RECORD } from '../../src/util/written-record.ts';

/** The command through main() in this process. */
async function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const r = await inProcess(args);
  return { status: r.code, stdout: r.out, stderr: r.err };
}
const dir = tempDir('mt-nonfinite-');

/** Pre-tokenized rows for the 512-token tiny model. */
function writeRows(file: string, n: number): void {
  const rng = new Rng(3);
  const rows = Array.from({ length: n }, () => JSON.stringify({ input_ids: [1, ...Array.from({ length: 9 }, () => 3 + rng.below(500))] }));
  fs.writeFileSync(file, rows.join('\n') + '\n');
}

function trainConfig(name: string, model: string, extra: string, data = `{ train: ${path.join(dir, 'train.jsonl')} }`): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, [
    `model: ${model}`, `data: ${data}`, 'batch_size: 2', 'shuffle: false',
    'eval: { samples: 0 }', `output_dir: ${path.join(dir, name)}`, extra,
  ].join('\n') + '\n');
  return file;
}

const stepRows = (run: string): Array<Record<string, unknown>> =>
  fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => !('split' in r));

/** The one-line error of a failed command: exit 2, no stack trace. */
function oneLineError(r: { status: number | null; stderr: string }): string {
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return errors[0]!;
}

writeRows(path.join(dir, 'train.jsonl'), 8);

test('train: lr 1e6 without clipping stops at the first non-finite step; the last good checkpoint is kept, no adapter saved', async () => {
  const cfg = trainConfig('diverge', TINY_BASE, 'optimizer: { lr: 1.0e+6 }\ngrad_clip: null\nschedule: { type: constant }\nmax_steps: 12\ncheckpoint: { every_steps: 1, keep: 2 }');
  const line = oneLineError(await cli('train', cfg));
  const run = path.join(dir, 'diverge');
  const rows = stepRows(run);
  const last = rows[rows.length - 1]!;
  assert.equal(last.nonfinite, true, JSON.stringify(last));
  const step = last.step as number;
  assert.ok(step < 12, `stopped at step ${step}`);
  assert.match(line, new RegExp(`step ${step}\\b`));
  assert.match(line, /NaN|Infinity/);
  // the run folder named as such, not as the config's output_dir line (before: "diverge.yaml:6:1: output_dir: DIR: …")
  assert.ok(line.startsWith(`error: run ${run}: training diverged at step ${step}: `), line);
  assert.doesNotMatch(line, /\.yaml:\d|output_dir/);
  assert.match(line, /Lower optimizer\.lr, set grad_clip, or check the training data/);
  for (const r of rows.slice(0, -1)) assert.ok(typeof r.loss === 'number' && Number.isFinite(r.loss) && !('nonfinite' in r), JSON.stringify(r));
  assert.ok(!rows.some((r) => r.loss === null), 'a diverged step is never logged as loss null');
  assert.equal(fs.existsSync(path.join(run, 'adapter')), false, 'the broken adapter is not saved');
  const ckpts = fs.readdirSync(path.join(run, 'checkpoints'));
  assert.ok(ckpts.includes(`step-${String(step - 1).padStart(7, '0')}`), `checkpoints: ${ckpts}`);
  assert.ok(!ckpts.includes(`step-${String(step).padStart(7, '0')}`), 'the non-finite step is not checkpointed');
});

test("train: an update that breaks the weights (its step's loss and gradient finite) stops the run at that step's evaluation, val or test, saving nothing of it", async () => {
  const train = path.join(dir, 'train.jsonl');
  const diverging = 'optimizer: { lr: 1.0e+30 }\ngrad_clip: null\nschedule: { type: constant }';
  const withVal = trainConfig('diverge-val', TINY_BASE, `${diverging}\nmax_steps: 3\ncheckpoint: { every_steps: 1 }`,
    `{ train: ${train}, val: ${train} }`);
  const line = oneLineError(await cli('train', withVal, '--eval.every_steps', '1'));
  assert.match(line, /training diverged at step 1: the val loss after its update is (NaN|-?Infinity) \(rows 0–\d+ of data\.val\); the run stopped without saving this step, no checkpoint was written/);
  const run = path.join(dir, 'diverge-val');
  const rows = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(rows[rows.length - 1], { step: 1, split: 'val', nonfinite: true });
  assert.equal(stepRows(run).length, 1);
  assert.equal(fs.existsSync(path.join(run, 'adapter')), false, 'no adapter of the broken weights');
  assert.equal(fs.existsSync(path.join(run, 'checkpoints')), false, 'the diverged step is not checkpointed');

  // no val: the test split, evaluated before the last step's weights are saved
  const withTest = trainConfig('diverge-test', TINY_BASE, `${diverging}\nmax_steps: 1`, `{ train: ${train}, test: ${train} }`);
  assert.match(oneLineError(await cli('train', withTest)), /training diverged at step 1: the test loss after its update is (NaN|-?Infinity) \(rows 0–\d+ of data\.test\)/);
  assert.equal(fs.existsSync(path.join(dir, 'diverge-test', 'adapter')), false, 'no adapter of the broken weights');
});

/** A model folder `name` whose final norm is all `value`, saved from a good model made in folder `good`. */
async function brokenModel(good: string, name: string, value: number): Promise<string> {
  const source = await makeTokenizerModel(path.join(dir, good));
  const backend = createBackend('cpu');
  const model = loadModel(source, { backend });
  backend.fill(model.weights.finalNorm, value);
  const broken = path.join(dir, name);
  saveModelFolder(model, broken, { sourceDir: source, head: 'causal' });
  return broken;
}

test('a model with a NaN weight: eval, generate and train refuse it as it loads, naming the tensor, its file and the element', async () => {
  const nan = await brokenModel('model', 'nan-model', NaN);
  const data = path.join(dir, 'text.jsonl');
  fs.writeFileSync(data, ['The sky is blue.', 'Water is wet.'].map((text) => JSON.stringify({ text })).join('\n') + '\n');
  const refusal = /^error: .*nan-model[\\/]model\.safetensors: tensor "model\.norm\.weight" holds NaN at \[0\]: the checkpoint is damaged/;
  assert.match(oneLineError(await cli('eval', '--model', nan, '--data', data, '--json')), refusal);
  const gen = await cli('generate', '--model', nan, '--prompt', 'Hello', '--raw', '--max-new-tokens', '4');
  assert.match(oneLineError(gen), refusal);
  assert.equal(gen.stdout.trim(), '', 'nothing generated');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), fs.readFileSync(data));
  assert.match(oneLineError(await cli('train', trainConfig('nan-run', nan, 'max_steps: 2'))), refusal);
  assert.equal(fs.existsSync(path.join(dir, 'nan-run', 'metrics.jsonl')), false, 'no step was run');
});

test('a model whose activations overflow (finite weights): train stops at step 1, eval and generate are errors naming the cause', async () => {
  const over = await brokenModel('over-good', 'overflow-model', 3e38);
  const data = path.join(dir, 'text.jsonl');
  fs.writeFileSync(data, ['The sky is blue.', 'Water is wet.'].map((text) => JSON.stringify({ text })).join('\n') + '\n');
  const ev = oneLineError(await cli('eval', '--model', over, '--data', data, '--json'));
  assert.match(ev, /loss of rows 0–1 is NaN: the model \(or adapter\) has NaN or infinite weights, or its activations overflow/);
  const gen = await cli('generate', '--model', over, '--prompt', 'Hello', '--raw', '--max-new-tokens', '4');
  assert.match(oneLineError(gen), /logit .* is NaN/);
  assert.equal(gen.stdout.trim(), '', 'nothing generated');

  fs.writeFileSync(path.join(dir, 'train.jsonl'), fs.readFileSync(data));
  const line = oneLineError(await cli('train', trainConfig('overflow-run', over, 'max_steps: 2')));
  assert.match(line, /step 1\b.*loss NaN/);
  assert.deepEqual(stepRows(path.join(dir, 'overflow-run')).map((r) => [r.step, r.nonfinite]), [[1, true]]);
});

test('export refuses non-finite weights in one line naming the tensor, leaving nothing behind: a NaN base (--format gguf), a merge that overflows (--merge)', async () => {
  const nan = await brokenModel('export-good', 'export-nan', NaN);

  const gguf = path.join(dir, 'gguf-out', 'nan.gguf');
  assert.match(oneLineError(await cli('export', '--model', nan, '--format', 'gguf', '--out', gguf)), /^error: .*model\.safetensors: tensor "model\.norm\.weight" holds NaN at \[0\]/);
  assert.equal(fs.existsSync(path.join(dir, 'gguf-out')), false, 'no file, no temp file, not even the folder made for it');

  // a run whose adapter turns huge afterwards (finite, so it loads): W + s·B·A overflows, and the merged export stops at
  // the first merged tensor in transformers' save order (dot_natural_key: a layer's mlp before its self_attn)
  const trained = await cli('train', trainConfig('export-run', path.join(dir, 'export-good'), 'max_steps: 1'));
  assert.equal(trained.status, 0, trained.stderr);
  const adapterFile = path.join(dir, 'export-run', 'adapter', 'adapter_model.safetensors');
  const adapter = SafetensorsFile.open(adapterFile);
  const huge = Object.fromEntries([...adapter.tensors].map(([name, info]) =>
    [name, { dtype: 'F32' as const, shape: info.shape, data: adapter.readF32(name).map(() => 1e30) }]));
  adapter.close();
  writeSafetensors(adapterFile, huge);
  // its record gone, as the refusal of a changed file says to do to use it as it is (written-record.ts)
  fs.rmSync(path.join(path.dirname(adapterFile), WRITTEN_RECORD));
  const merged = path.join(dir, 'merged-out');
  assert.match(oneLineError(await cli('export', '--run', path.join(dir, 'export-run'), '--merge', '--out', merged)),
    /^error: tensor model\.layers\.\d+\.(self_attn|mlp)\.\w+_proj\.weight holds -?Infinity \(at index \d+\): the weights are broken/);
  assert.equal(fs.existsSync(merged), false);
  assert.deepEqual(fs.readdirSync(dir).filter((e) => e.includes('merged-out')), [], 'no partial folder left');

  // the adapter copied as it is (no --merge) is read whole first: a NaN in it is named, not passed on
  const nanAdapter = SafetensorsFile.open(adapterFile);
  const withNan = Object.fromEntries([...nanAdapter.tensors].map(([name, info]) =>
    [name, { dtype: 'F32' as const, shape: info.shape, data: nanAdapter.readF32(name).map((v, i) => (i === 3 ? NaN : v)) }]));
  nanAdapter.close();
  writeSafetensors(adapterFile, withNan);
  const copied = path.join(dir, 'copied-out');
  assert.match(oneLineError(await cli('export', '--run', path.join(dir, 'export-run'), '--out', copied)),
    /^error: .*adapter_model\.safetensors: tensor \S+ holds NaN \(at index 3\): the weights are broken/);
  assert.equal(fs.existsSync(copied), false);
});
