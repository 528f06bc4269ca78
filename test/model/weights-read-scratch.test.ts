// The model load's host memory (src/model/weights.ts, safetensors.ts ReadScratch, cpu/buffer.ts storeFloats): every
// tensor is read into one reused buffer and uploaded as stored, the backend converting it; the weights are bit for bit
// those of the float32 route (readF32, hostFloats), for BF16, F16 and F32 tensors into f32, bf16 and f64 buffers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import type { DeviceBuffer } from '../../src/backend/backend.ts';
import { parseConfig } from '../../src/model/config.ts';
import { HF_NAMES, layerNormName, projectionName } from '../../src/model/names.ts';
import { ReadScratch, SafetensorsFile, writeSafetensors, type SafeDType, type TensorToWrite } from '../../src/model/safetensors.ts';
import { SafetensorsCheckpoint } from '../../src/model/safetensors-checkpoint.ts';
import { hostFloats, loadWeights, PROJECTIONS, projectionShape } from '../../src/model/weights.ts';
import { tmpDir } from './safetensors-helpers.ts';

const dir = tmpDir();

/** Deterministic 32-bit words (xorshift32). */
function words(seed: number, n: number): Uint32Array {
  const out = new Uint32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x;
  }
  return out;
}

/** Finite random values of `dtype` as stored: any sign, mantissa and exponent (subnormals included), no NaN or infinity. */
function storedValues(dtype: SafeDType, n: number, seed: number): TensorToWrite['data'] {
  const w = words(seed, n);
  if (dtype === 'F32') {
    // exponents across bf16's rounding cases; a mantissa whose low 16 bits are random makes every rounding case occur
    for (let i = 0; i < n; i++) if ((w[i]! & 0x7f800000) === 0x7f800000) w[i]! ^= 0x40000000;
    return new Float32Array(w.buffer);
  }
  const exponent = dtype === 'BF16' ? 0x7f80 : 0x7c00;
  return Uint16Array.from(w, (x) => ((x & 0xffff) & exponent) === exponent ? (x & 0xffff) ^ 0x4000 : x & 0xffff);
}

/** A one-layer model folder whose tensors cycle through BF16, F16 and F32 as stored. */
function mixedFolder(): { folder: string; raw: Record<string, unknown> } {
  const raw = {
    architectures: ['MistralForCausalLM'], model_type: 'mistral', vocab_size: 16, hidden_size: 8, intermediate_size: 12,
    num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 4, tie_word_embeddings: true,
  };
  const cfg = parseConfig(raw);
  const shapes: Array<[string, number[]]> = [
    [HF_NAMES.embed, [16, 8]], [HF_NAMES.finalNorm, [8]], [layerNormName(0, 'input'), [8]], [layerNormName(0, 'post_attention'), [8]],
    ...PROJECTIONS.map((p): [string, number[]] => [projectionName(0, p), projectionShape(cfg, p)]),
  ];
  const types: SafeDType[] = ['BF16', 'F16', 'F32'];
  const tensors: Record<string, TensorToWrite> = {};
  shapes.forEach(([name, shape], i) => {
    const dtype = types[i % types.length]!;
    tensors[name] = { dtype, shape, data: storedValues(dtype, shape.reduce((a, b) => a * b, 1), 7 + i) };
  });
  const folder = path.join(dir, 'mixed');
  fs.mkdirSync(folder, { recursive: true });
  writeSafetensors(path.join(folder, 'model.safetensors'), tensors);
  return { folder, raw };
}

test('a ReadScratch holds each read in the same memory, grown for a larger tensor, with the values of a fresh read', () => {
  const file = path.join(dir, 'scratch.safetensors');
  writeSafetensors(file, {
    big: { dtype: 'F32', shape: [6], data: Float32Array.from([1, -2, 3.5, 1e-40, 7, 8]) },
    half: { dtype: 'BF16', shape: [3], data: Uint16Array.from([0x3f80, 0xc000, 0x0001]) },
    ints: { dtype: 'I64', shape: [2], data: BigInt64Array.from([5n, -6n]) },
    small: { dtype: 'F16', shape: [2], data: Uint16Array.from([0x3c00, 0x8001]) },
  });
  const f = SafetensorsFile.open(file);
  try {
    const scratch = new ReadScratch();
    const small = f.read('small', scratch);
    assert.deepEqual(small, f.read('small'));
    const big = f.read('big', scratch); // larger: a new buffer
    assert.deepEqual(big, f.read('big'));
    for (const name of ['half', 'ints', 'small']) {
      const a = f.read(name, scratch);
      assert.equal(a.buffer, big.buffer, `${name}: read into the scratch's memory`);
      assert.equal(a.byteOffset, 0);
      assert.deepEqual(a, f.read(name), `${name}: the values of a fresh read`);
    }
  } finally {
    f.close();
  }
});

test('loadWeights reads every tensor into one buffer and loads BF16, F16 and F32 tensors bit for bit as the float32 route does', () => {
  const { folder, raw } = mixedFolder();
  const cfg = parseConfig(raw);
  const scratches = new Set<ReadScratch | undefined>();
  const readBytes = SafetensorsFile.prototype.readBytes;
  SafetensorsFile.prototype.readBytes = function spied(this: SafetensorsFile, name: string, limit?: number, scratch?: ReadScratch) {
    scratches.add(scratch);
    return readBytes.call(this, name, limit, scratch);
  };
  const ckpt = SafetensorsCheckpoint.open(folder);
  try {
    for (const dtype of ['f32', 'bf16', 'f64'] as const) {
      const backend = createBackend('cpu');
      scratches.clear();
      const w = loadWeights(backend, ckpt, cfg, dtype);
      assert.equal(scratches.size, 1, `${dtype}: one read buffer for all tensors`);
      assert.ok(!scratches.has(undefined), `${dtype}: no tensor read into a fresh buffer`);
      const loaded: Array<[string, DeviceBuffer]> = [
        [HF_NAMES.embed, w.embed], [HF_NAMES.finalNorm, w.finalNorm],
        [layerNormName(0, 'input'), w.layers[0]!.inputNorm], [layerNormName(0, 'post_attention'), w.layers[0]!.postAttentionNorm],
        ...PROJECTIONS.map((p): [string, DeviceBuffer] => [projectionName(0, p), w.layers[0]!.proj[p]]),
      ];
      for (const [name, buf] of loaded) {
        const reference = backend.alloc(dtype, buf.length);
        backend.upload(reference, hostFloats(ckpt.readF32(name), dtype));
        const got = backend.download(buf), want = backend.download(reference);
        assert.deepEqual(new Uint8Array(got.buffer, got.byteOffset, got.byteLength), new Uint8Array(want.buffer, want.byteOffset, want.byteLength),
          `${name} (${ckpt.info(name).dtype}) into ${dtype}`);
      }
    }
  } finally {
    SafetensorsFile.prototype.readBytes = readBytes;
    ckpt.close();
  }
});
