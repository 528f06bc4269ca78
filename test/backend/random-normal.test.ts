// randomNormal (the device-side weight initialiser's kernel) against a direct scalar implementation
// (Philox4x32-10 in BigInt arithmetic, Box–Muller with Math.log and Math.cos), Random123's known-answer
// vectors, the counter contract (offset), bit equality with the f64 reference in f32 and bf16 storage (on
// CUDA too: MISTRAL_TUNE_TEST_DEVICE=cuda), and the distribution's mean and standard deviation.
import assert from 'node:assert/strict';
import { test, testBackend } from './device.ts';
import { normalAt, philox4x32 } from '../../src/backend/cpu/kernels/random-normal.ts';
import { bf16ToF32, f32ToBf16 } from '../../src/backend/dtype.ts';

const be = testBackend();

/** Philox4x32-10 written from the paper with BigInt: the scalar oracle of the kernel's hash. */
function philoxBig(ctr: [number, number, number, number], key: [number, number]): number[] {
  const M = 0xffffffffn;
  let [c0, c1, c2, c3] = ctr.map(BigInt) as [bigint, bigint, bigint, bigint];
  let [k0, k1] = key.map(BigInt) as [bigint, bigint];
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + 0x9e3779b9n) & M;
      k1 = (k1 + 0xbb67ae85n) & M;
    }
    const p0 = 0xd2511f53n * c0, p1 = 0xcd9e8d57n * c2;
    [c0, c1, c2, c3] = [((p1 >> 32n) ^ c1 ^ k0) & M, p1 & M, ((p0 >> 32n) ^ c3 ^ k1) & M, p0 & M];
  }
  return [c0, c1, c2, c3].map(Number);
}

/** The normal value at counter `ctr` of `seed`, with the platform's ln and cos. */
function normalDirect(seed: number, ctr: number, std: number): number {
  const w = philoxBig([ctr % 2 ** 32, Math.floor(ctr / 2 ** 32), 0, 0], [seed % 2 ** 32, Math.floor(seed / 2 ** 32)]);
  const u1 = (w[0]! + 0.5) / 2 ** 32, u2 = w[1]! / 2 ** 32;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2) * std;
}

test('Philox4x32-10 gives the Random123 known-answer vectors, and equals the BigInt implementation', () => {
  const out = new Uint32Array(4);
  const hex = (): string[] => [...out].map((x) => x.toString(16).padStart(8, '0'));
  philox4x32(out, 0, 0, 0, 0, 0, 0);
  assert.deepEqual(hex(), ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
  philox4x32(out, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);
  assert.deepEqual(hex(), ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
  philox4x32(out, 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0);
  assert.deepEqual(hex(), ['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  for (const [c, k] of [[[123456789, 7, 0, 0], [42, 0]], [[2 ** 32 - 1, 2 ** 20, 0, 0], [2 ** 31 + 5, 3]]] as const) {
    philox4x32(out, c[0], c[1], c[2], c[3], k[0], k[1]);
    assert.deepEqual([...out], philoxBig([...c], [...k]));
  }
});

test('randomNormal (f64) equals the direct scalar implementation to 1e-13, at counters past 2^32 and seeds past 2^32', () => {
  for (const [seed, offset] of [[0, 0], [1234, 2 ** 32 - 100], [2 ** 40 + 3, 2 ** 45]] as const) {
    const n = 400;
    const out = be.alloc('f64', n);
    be.randomNormal(out, seed, offset, 0.5, n);
    const got = be.download(out);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - normalDirect(seed, offset + i, 0.5)));
    assert.ok(worst < 1e-13, `seed ${seed}, offset ${offset}: max abs err ${worst}`);
    be.free(out);
  }
});

test('randomNormal in f32 and bf16 storage is the f64 reference rounded once (f32) or twice (f32, then bf16), bit for bit', () => {
  const n = 5000, seed = 99, offset = 777, std = 0.02;
  const want32 = Float32Array.from({ length: n }, (_, i) => normalAt(seed, offset + i, std));
  const f32 = be.alloc('f32', n), bf16 = be.alloc('bf16', n);
  be.randomNormal(f32, seed, offset, std, n);
  be.randomNormal(bf16, seed, offset, std, n);
  const got32 = be.download(f32), gotBf16 = be.download(bf16);
  const want16 = bf16ToF32(f32ToBf16(want32));
  let bad32 = 0, bad16 = 0;
  for (let i = 0; i < n; i++) {
    if (!Object.is(got32[i], want32[i])) bad32++;
    if (!Object.is(gotBf16[i], want16[i])) bad16++;
  }
  assert.equal(bad32, 0, `${bad32} of ${n} f32 values differ from the reference (first: ${got32[0]} vs ${want32[0]})`);
  assert.equal(bad16, 0, `${bad16} of ${n} bf16 values differ from the reference`);
  be.free(f32);
  be.free(bf16);
});

test('the counter contract: a call at offset k is the tail of a call at offset 0; another seed gives other values', () => {
  const n = 300, k = 123;
  const whole = be.alloc('f32', n + k), tail = be.alloc('f32', n), other = be.alloc('f32', n);
  be.randomNormal(whole, 5, 0, 1, n + k);
  be.randomNormal(tail, 5, k, 1, n);
  be.randomNormal(other, 6, k, 1, n);
  const w = be.download(whole), t = be.download(tail), o = be.download(other);
  assert.deepEqual([...t], [...w.subarray(k)]);
  assert.ok([...o].filter((x, i) => x === t[i]).length < 3, 'seeds 5 and 6 draw different values');
  for (const b of [whole, tail, other]) be.free(b);
});

test('randomNormal draws N(0, std²): mean, standard deviation, tails and symmetry of 200,000 values', () => {
  const n = 200_000, std = 0.02;
  const out = be.alloc('f32', n);
  be.randomNormal(out, 2024, 10, std, n);
  const x = be.download(out);
  let s = 0, s2 = 0, beyond2 = 0, neg = 0;
  for (const v of x) {
    s += v;
    s2 += v * v;
    if (Math.abs(v) > 2 * std) beyond2++;
    if (v < 0) neg++;
  }
  const mean = s / n, sd = Math.sqrt(s2 / n - mean * mean);
  assert.ok(Math.abs(mean) < 5 * std / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(sd / std - 1) < 0.01, `std ${sd} vs ${std}`);
  assert.ok(Math.abs(beyond2 / n - 0.0455) < 0.003, `P(|z| > 2) = ${beyond2 / n}, want 0.0455`);
  assert.ok(Math.abs(neg / n - 0.5) < 0.005, `P(z < 0) = ${neg / n}`);
  be.free(out);
});
