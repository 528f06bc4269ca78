// The format's dtypes we do not read (FP8/FP6/FP4, unsigned, complex) in a model's checkpoint, as transformers 5.17
// takes them: a tensor the model does not read is unexpected (loaded past, reported), so here it is warned about as
// unused and the model computes; one the model reads is refused naming the file, the tensor and the dtype. The header
// is still checked: each dtype's size, F6 and F4 packed into whole bytes as safetensors requires.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { readAdapterInfo } from '../../src/model/peft.ts';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { TINY, TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { rawFile, rawTensors, throwsNaming, tmpDir } from './safetensors-helpers.ts';

const backend = createBackend('cpu');
/** Each dtype we do not read, with its size in bits. */
const UNREAD: ReadonlyArray<readonly [string, number]> = [
  ['F8_E4M3', 8], ['F8_E5M2', 8], ['F8_E8M0', 8], ['F8_E4M3FNUZ', 8], ['F8_E5M2FNUZ', 8], ['F6_E2M3', 6], ['F6_E3M2', 6],
  ['F4', 4], ['U16', 16], ['U32', 32], ['U64', 64], ['C64', 64],
];

test('a tensor of a dtype we do not read: its size is checked as safetensors checks it', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'w.safetensors');
  for (const [dtype, bits] of UNREAD) {
    const bytes = bits; // 8 elements
    rawFile(file, { w: { dtype, shape: [2, 4], data_offsets: [0, bytes] } }, new Uint8Array(bytes));
    const f = SafetensorsFile.open(file);
    assert.deepEqual(f.info('w'), { dtype, shape: [2, 4], begin: 0, end: bytes }, dtype);
    f.close();
    rawFile(file, { w: { dtype, shape: [2, 4], data_offsets: [0, bytes + 1] } }, new Uint8Array(bytes + 1));
    throwsNaming(() => SafetensorsFile.open(file), file, 'tensor "w"', `shape [2, 4] × ${dtype} is ${bytes} bytes but data_offsets span ${bytes + 1}`);
  }
  // packed: 3 FP4 values are 12 bits, which end inside a byte (safetensors: "does not end up at a byte boundary")
  for (const [dtype, shape, bytes, bits] of [['F4', [3], 2, 12], ['F4', [1], 1, 4], ['F6_E3M2', [3], 3, 18], ['F6_E2M3', [2], 2, 12]] as const) {
    rawFile(file, { w: { dtype, shape, data_offsets: [0, bytes] } }, new Uint8Array(bytes));
    throwsNaming(() => SafetensorsFile.open(file), file, 'tensor "w"', `× ${dtype} is ${bits} bits, not a whole number of bytes`);
  }
});

/** TINY_BASE's checkpoint as raw tensors (every one F32). */
function baseTensors(): Record<string, { dtype: string; shape: readonly number[]; bytes: Uint8Array }> {
  const f = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  const out: Record<string, { dtype: string; shape: readonly number[]; bytes: Uint8Array }> = {};
  for (const n of f.names()) out[n] = { dtype: f.info(n).dtype, shape: f.info(n).shape, bytes: f.readBytes(n) };
  f.close();
  return out;
}

/** A model folder of TINY_BASE's config.json and the given tensors. */
function modelFolder(tensors: ReturnType<typeof baseTensors>): string {
  const dir = tmpDir();
  fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(dir, 'config.json'));
  rawTensors(path.join(dir, 'model.safetensors'), tensors);
  return dir;
}

test('a checkpoint tensor of a dtype we do not read that the model does not read: warned about as unused, the model computes', () => {
  const base = loadModel(TINY_BASE, { backend });
  const batch = base.collate([{ inputIds: [1, 5, 9, 2] }]);
  const want = Array.from(base.logits(batch));
  for (const [dtype, bits] of UNREAD) {
    // a quantization scale or packed weight left beside the model's weights (transformers: UNEXPECTED, and loads)
    const dir = modelFolder({ ...baseTensors(), 'model.layers.0.mlp.up_proj.weight_scale': { dtype, shape: [4], bytes: new Uint8Array(bits / 2).fill(1) } });
    const { result: m, stderr } = captureStderr(() => loadModel(dir, { backend }));
    assert.deepEqual(Array.from(m.logits(batch)), want, dtype);
    const warnings = stderr.split('\n').filter((l) => l.startsWith('warning:'));
    assert.equal(warnings.length, 1, stderr);
    assert.match(warnings[0]!, /1 checkpoint tensor\(s\) are not used .*"model\.layers\.0\.mlp\.up_proj\.weight_scale" \(in model\.safetensors\)/);
  }
});

test('a weight the model reads of a dtype we do not read: refused naming the file, the tensor and the dtype', () => {
  const name = 'model.layers.0.mlp.up_proj.weight';
  const cases: ReadonlyArray<readonly [string, number, string]> = [
    ['F8_E4M3', 8, 'dtype F8_E4M3 (an 8-bit float: quantized weights) is not supported: use the model\'s unquantized weights (BF16, F16 or F32)'],
    ['F4', 4, 'dtype F4 (a 4-bit float: quantized weights) is not supported: use the model\'s unquantized weights'],
    ['U32', 32, 'has dtype U32: integer weights are quantized or packed ones, which are not supported: use the model\'s unquantized weights'],
    ['C64', 64, 'dtype C64 is not supported (supported: F64, F32, F16, BF16'],
  ];
  for (const [dtype, bits, why] of cases) {
    const tensors = baseTensors();
    const shape = tensors[name]!.shape;
    const numel = shape.reduce((a, b) => a * b, 1);
    tensors[name] = { dtype, shape, bytes: new Uint8Array((numel * bits) / 8) };
    const dir = modelFolder(tensors);
    throwsNaming(() => loadModel(dir, { backend }), path.join(dir, 'model.safetensors'), `tensor "${name}"`, why);
  }
});

test('an adapter tensor of a dtype it is not read in: refused from the header (readAdapterInfo), before a base model loads', () => {
  const adapter = path.join(TINY, 'adapter_step1');
  const src = SafetensorsFile.open(path.join(adapter, 'adapter_model.safetensors'));
  const name = src.names().sort()[0]!;
  const tensors: Parameters<typeof rawTensors>[1] = {};
  for (const n of src.names()) tensors[n] = { dtype: src.info(n).dtype, shape: src.info(n).shape, bytes: src.readBytes(n) };
  src.close();
  const numel = tensors[name]!.shape.reduce((a, b) => a * b, 1);
  // every tensor of an adapter is read as floats (readF32): what that read refuses, the header check refuses
  for (const [dtype, bits, why] of [
    ['F8_E4M3', 8, 'dtype F8_E4M3 (an 8-bit float: quantized weights) is not supported'],
    ['U32', 32, 'dtype U32 is not supported'],
    ['I32', 32, 'has dtype I32, expected a float type'],
  ] as const) {
    const dir = tmpDir();
    fs.copyFileSync(path.join(adapter, 'adapter_config.json'), path.join(dir, 'adapter_config.json'));
    const file = path.join(dir, 'adapter_model.safetensors');
    rawTensors(file, { ...tensors, [name]: { dtype, shape: tensors[name]!.shape, bytes: new Uint8Array((numel * bits) / 8) } });
    throwsNaming(() => readAdapterInfo(dir, 2), file, `tensor "${name}"`, why);
  }
});
