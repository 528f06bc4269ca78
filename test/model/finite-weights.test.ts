// The load's NaN guard (src/model/finite-weights.ts): the first NaN or infinity of a host copy in every dtype a weight
// is uploaded as, and a backend sum that overflows with finite values refusing nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend } from '../../src/backend/select.ts';
import { f32ToBf16, f32ToF16 } from '../../src/backend/dtype.ts';
import * as path from 'node:path';
import { FiniteWeights, firstNonFinite, firstNonFiniteTensor } from '../../src/model/finite-weights.ts';
import { SafetensorsFile, writeSafetensors } from '../../src/model/safetensors.ts';
import { tempDir } from '../temp-dir.ts';

test('firstNonFinite finds the first NaN or ±Infinity in f32, f64, bf16 and f16 data, and nothing in finite data', () => {
  const values = [0, -2.5, 65504, -0, 1e-7];
  for (const [bad, name] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity']] as const) {
    const data = [...values, bad, 1, bad];
    assert.deepEqual(firstNonFinite({ dtype: 'f32', data: Float32Array.from(data) }), { index: 5, value: name });
    assert.deepEqual(firstNonFinite({ dtype: 'f64', data: Float64Array.from(data) }), { index: 5, value: name });
    assert.deepEqual(firstNonFinite({ dtype: 'bf16', data: f32ToBf16(data) }), { index: 5, value: name });
    assert.deepEqual(firstNonFinite({ dtype: 'f16', data: f32ToF16(data) }), { index: 5, value: name });
  }
  // the largest finite values of each format, and subnormals, are finite
  assert.equal(firstNonFinite({ dtype: 'bf16', data: Uint16Array.from([0x7f7f, 0xff7f, 0x0001, 0x8001]) }), null);
  assert.equal(firstNonFinite({ dtype: 'f16', data: Uint16Array.from([0x7bff, 0xfbff, 0x0001, 0x8001]) }), null);
  assert.equal(firstNonFinite({ dtype: 'f32', data: Float32Array.from(values) }), null);
});

test('FiniteWeights refuses a NaN naming the tensor, file and element, and lets finite weights whose squares overflow f32 pass', () => {
  const backend = createBackend('cpu');
  const finite = new FiniteWeights(backend);
  const upload = (data: number[]) => {
    const buf = backend.alloc('f32', data.length);
    const host = { dtype: 'f32' as const, data: Float32Array.from(data) };
    backend.upload(buf, host);
    return { buf, host };
  };
  const nan = upload([1, 2, 3, 4, 5, NaN]);
  assert.throws(() => finite.require(nan.buf, nan.host, [2, 3], 'model.norm.weight', '/m/model.safetensors'),
    { name: 'UserError', message: /^\/m\/model\.safetensors: tensor "model\.norm\.weight" holds NaN at \[1, 2\]: the checkpoint is damaged/ });
  const huge = upload([3e38, -3e38, 1]);
  finite.require(huge.buf, huge.host, [3], 'model.huge', '/m/model.safetensors');
  finite.free();
});

test('firstNonFiniteTensor: the first floating tensor of a safetensors file with a NaN or an infinity, integer tensors skipped', () => {
  const file = path.join(tempDir('mt-finite-'), 'w.safetensors');
  writeSafetensors(file, {
    a: { dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) },
    b: { dtype: 'I32', shape: [2], data: Int32Array.from([0, -1]) },
    c: { dtype: 'F32', shape: [3], data: Float32Array.from([0, 1, -Infinity]) },
    d: { dtype: 'F32', shape: [1], data: Float32Array.from([NaN]) },
  });
  const st = SafetensorsFile.open(file);
  try {
    assert.deepEqual(firstNonFiniteTensor(st), { name: 'c', index: 2, value: -Infinity });
  } finally {
    st.close();
  }
});

test('FiniteWeights refuses a finite f32 weight past bf16\'s range that a bf16 buffer holds as Infinity (loaded with precision: bf16), naming the value', () => {
  const backend = createBackend('cpu');
  const finite = new FiniteWeights(backend);
  const host = { dtype: 'f32' as const, data: Float32Array.from([1, 3.4e38, 2, -1e30]) };
  const buf = backend.alloc('bf16', 4);
  backend.upload(buf, host);
  assert.throws(() => finite.require(buf, host, [2, 2], 'model.norm.weight', '/m/model.safetensors'),
    { name: 'UserError', message: /^\/m\/model\.safetensors: tensor "model\.norm\.weight" holds 3\.\d+e\+38 at \[0, 1\], past the range of bf16 \(it loads as Infinity\): the checkpoint is damaged/ });
  // the same values in an f32 buffer are finite, and -1e30 fits bf16
  const f32 = backend.alloc('f32', 4);
  backend.upload(f32, host);
  finite.require(f32, host, [2, 2], 'model.norm.weight', '/m/model.safetensors');
  finite.free();
});
