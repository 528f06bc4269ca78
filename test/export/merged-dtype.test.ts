// `mistral-tune export --merge` writes the merged model in the base model's dtype, whatever the precision
// of the merge: a BF16 base (test/fixtures/variants/bf16) gives BF16 tensors and config.json
// `torch_dtype: bfloat16` (the base's key) under --precision fp32 and bf16 alike (the same values: W + s·B·A rounded once), an
// F32 base (the tiny fixture) stays F32 under --precision bf16, an F16 base (the tiny fixture rounded to F16) gives
// F16 and `dtype: float16`, as PEFT's merge_and_unload and save_pretrained give. A base of mixed dtypes (BF16
// matrices, F32 norms) is written in the one dtype transformers loads it in (config.json's dtype, else the first
// floating tensor's), as save_pretrained after from_pretrained(dtype="auto") writes it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../../src/backend/dtype.ts';
import { checkpointDType } from '../../src/export/merged-folder.ts';
import { createBackend } from '../../src/backend/select.ts';
import { bufferTensor } from '../../src/model/save.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn } from '../cli/in-process-cli.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BF16_BASE = path.join(FIXTURES, 'variants', 'bf16');
const Q = 'model.layers.0.self_attn.q_proj.weight';

/** The CLI through main() in this process, from the repository's root (a process each cost ~1.5 CPU-s for a 2-step run); its exit status 0, as execFileSync required. */
async function cli(...args: string[]): Promise<void> {
  const r = await cliIn(ROOT, args);
  assert.equal(r.status, 0, `mistral-tune ${args.join(' ')}: ${r.stderr}`);
}

/** A 2-step LoRA run on `model` (pre-tokenized rows, ids below 64) through `mistral-tune train`. */
async function trainedRun(model: string): Promise<string> {
  const dir = tempDir('mt-merged-dtype-');
  fs.copyFileSync(path.join(BF16_BASE, 'rows.jsonl'), path.join(dir, 'train.jsonl'));
  const cfg = path.join(dir, 'cfg.json');
  fs.writeFileSync(cfg, JSON.stringify({
    model, data: { train: 'train.jsonl' }, lora: { r: 4, alpha: 8, target_modules: ['q_proj', 'down_proj'] },
    optimizer: { lr: 0.05 }, batch_size: 2, max_steps: 2, eval: { samples: 0 },
  }));
  await cli('train', cfg, '--output_dir', path.join(dir, 'run'));
  return path.join(dir, 'run');
}

/** Merges `run` through the CLI at `precision`; returns the folder's config.json and its weights file. */
async function exportMerged(run: string, precision: string): Promise<{ config: Record<string, unknown>; file: SafetensorsFile }> {
  const out = path.join(path.dirname(run), `merged-${precision}`);
  await cli('export', '--run', run, '--out', out, '--merge', '--precision', precision);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
  return { config, file: SafetensorsFile.open(path.join(out, 'model.safetensors')) };
}

test('a BF16 base model merges into BF16 files (config.json dtype bfloat16) under --precision fp32 and bf16', async () => {
  const run = await trainedRun(BF16_BASE);
  const base = SafetensorsFile.open(path.join(BF16_BASE, 'model.safetensors'));
  const merged: Array<{ precision: string; config: Record<string, unknown>; file: SafetensorsFile }> = [];
  for (const p of ['fp32', 'bf16']) merged.push({ precision: p, ...(await exportMerged(run, p)) });
  for (const { precision, config, file } of merged) {
    // under the base's key (its config.json says torch_dtype: transformers before 4.56 reads no other)
    assert.equal(config.torch_dtype, 'bfloat16', `--precision ${precision}: config.json torch_dtype`);
    assert.equal('dtype' in config, false);
    const notBf16 = file.names().filter((n) => file.info(n).dtype !== 'BF16');
    assert.deepEqual(notBf16, [], `--precision ${precision}: tensors not BF16`);
    assert.deepEqual(file.names().sort(), base.names().sort());
  }
  // the adapter really was merged, and both precisions rounded W + s·B·A once: the same bf16 values up to 1 ulp
  const [a, b] = merged.map((m) => bf16ToF32(m.file.read(Q) as Uint16Array));
  const w = bf16ToF32(base.read(Q) as Uint16Array);
  assert.ok(a!.some((x, i) => x !== w[i]), 'q_proj unchanged by the merge');
  a!.forEach((x, i) => assert.ok(Math.abs(x - b![i]!) <= Math.abs(x) * 2 ** -7, `${Q}[${i}]: ${x} (fp32) vs ${b![i]} (bf16)`));
});

test('an F32 base model merges into F32 files even under --precision bf16', async () => {
  const { config, file } = await exportMerged(await trainedRun(TINY_BASE), 'bf16');
  assert.equal(config.dtype, 'float32');
  assert.deepEqual(file.names().filter((n) => file.info(n).dtype !== 'F32'), []);
});

/** The tiny fixture with every tensor rounded to F16 (config.json's dtype float16), in a new folder. */
function f16Base(): string {
  const dir = tempDir('mt-f16-base-');
  const src = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const n of src.names()) tensors[n] = { dtype: 'F16', shape: src.info(n).shape, data: f32ToF16(src.readF32(n)) };
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  const config = JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, torch_dtype: undefined, dtype: 'float16' }));
  return dir;
}

test('an F16 base model merges into F16 files (config.json dtype float16): W + s·B·A rounded once to F16', async () => {
  const base = f16Base();
  const run = await trainedRun(base);
  const { config, file } = await exportMerged(run, 'fp32');
  assert.equal(config.dtype, 'float16');
  assert.deepEqual(file.names().filter((n) => file.info(n).dtype !== 'F16'), []);
  const merged = f16ToF32(file.read(Q) as Uint16Array);
  const w = f16ToF32(SafetensorsFile.open(path.join(base, 'model.safetensors')).read(Q) as Uint16Array);
  assert.ok(merged.some((x, i) => x !== w[i]), 'q_proj unchanged by the merge');
});

test('a merged weight beyond float16\'s range is refused naming the tensor and the value, not written as an infinity', () => {
  const backend = createBackend('cpu');
  const buf = backend.alloc('f32', 3);
  backend.upload(buf, { dtype: 'f32', data: Float32Array.from([1, -70000, 2]) });
  assert.throws(() => bufferTensor(backend, buf, [3], 'f16', 'model.norm.weight'),
    /^UserError: tensor model\.norm\.weight holds -70000 \(at index 1\), beyond float16's range \(±65504\)/);
  backend.upload(buf, { dtype: 'f32', data: Float32Array.from([1, 65504, 65519]) }); // 65519 rounds down to 65504, the largest F16
  assert.deepEqual(Array.from(f16ToF32(bufferTensor(backend, buf, [3], 'f16', 'w').data as Uint16Array)), [1, 65504, 65504]);
});

/**
 * The tiny fixture with its matrices (2-D tensors) in `matrices` and its norms left F32, config.json's dtype `dtype`
 * (undefined: none), in a new folder.
 */
function mixedBase(matrices: 'BF16' | 'F16', dtype: string | undefined): string {
  const dir = tempDir('mt-mixed-base-');
  const src = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const n of src.names()) {
    const { shape } = src.info(n), data = src.readF32(n);
    tensors[n] = shape.length === 1 ? { dtype: 'F32', shape, data } : { dtype: matrices, shape, data: matrices === 'BF16' ? f32ToBf16(data) : f32ToF16(data) };
  }
  src.close();
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  const config = JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, torch_dtype: undefined, dtype }));
  return dir;
}

test('a mixed-dtype base is written in the dtype transformers loads it in: config.json\'s dtype, else the first floating tensor\'s', () => {
  assert.equal(checkpointDType(mixedBase('BF16', 'bfloat16')), 'bf16');
  assert.equal(checkpointDType(mixedBase('F16', 'float16')), 'f16');
  assert.equal(checkpointDType(mixedBase('BF16', 'float32')), 'f32', 'config.json says float32: all of it F32, as transformers loads it');
  // no dtype in config.json: the first floating tensor of the (first) file, names sorted as safetensors lists them (lm_head.weight)
  assert.equal(checkpointDType(mixedBase('F16', undefined)), 'f16');
  assert.equal(checkpointDType(mixedBase('BF16', 'auto')), 'bf16');
  assert.equal(checkpointDType(TINY_BASE), 'f32', 'a uniform F32 checkpoint stays F32');
});

/** `base` (its files as they are) in a new folder whose config.json says `dtype`. */
function withConfigDType(base: string, dtype: string): string {
  const dir = tempDir('mt-config-dtype-');
  fs.copyFileSync(path.join(base, 'model.safetensors'), path.join(dir, 'model.safetensors'));
  const config = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, torch_dtype: undefined, dtype }));
  return dir;
}

test('config.json\'s dtype decides over the dtype every file holds, as transformers 5 loads it (from_pretrained\'s dtype="auto")', () => {
  const f32UnderF16 = withConfigDType(TINY_BASE, 'float16');
  const bf16UnderF32 = withConfigDType(BF16_BASE, 'float32');
  assert.equal(checkpointDType(f32UnderF16), 'f16', 'F32 files, config.json float16: transformers loads, merges and saves F16');
  assert.equal(checkpointDType(bf16UnderF32), 'f32', 'BF16 files, config.json float32: loaded and saved as F32');
});

test('an F32 base whose config.json says float16 merges into F16 files (config.json dtype float16), as PEFT\'s merge_and_unload after transformers\' load writes it', async () => {
  const { config, file } = await exportMerged(await trainedRun(withConfigDType(TINY_BASE, 'float16')), 'fp32');
  assert.equal(config.dtype, 'float16');
  assert.deepEqual(file.names().filter((n) => file.info(n).dtype !== 'F16'), []);
});

test('BF16 matrices with F32 norms (config.json dtype bfloat16) merge into BF16 files, each norm rounded once to BF16', async () => {
  const base = mixedBase('BF16', 'bfloat16');
  const { config, file } = await exportMerged(await trainedRun(base), 'fp32');
  assert.equal(config.dtype, 'bfloat16');
  assert.deepEqual(file.names().filter((n) => file.info(n).dtype !== 'BF16'), []);
  const src = SafetensorsFile.open(path.join(base, 'model.safetensors'));
  const norm = 'model.layers.1.post_attention_layernorm.weight';
  assert.deepEqual(file.read(norm), f32ToBf16(src.readF32(norm)));
  src.close();
});
