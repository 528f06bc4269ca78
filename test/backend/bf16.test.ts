// bf16 buffers on the CPU backend, the oracle of the GPU's bf16 path: stored as bf16 for real, rounded
// to nearest even on every store (upload, fill, copy, each kernel's outputs), read exactly, math in f32.
import assert from 'node:assert/strict';
import { test, testBackend } from './device.ts';
import { bf16ToF32, f32ToBf16 } from '../../src/backend/dtype.ts';

const be = testBackend({ gemm: 'js' });
/** x rounded to bf16 and back. */
const r = (x: ArrayLike<number>): Float32Array => bf16ToF32(f32ToBf16(x));

test('a bf16 buffer stores 2 bytes per element and rounds to nearest even on upload, fill and copy', () => {
  const before = be.bytesInUse();
  const b = be.alloc('bf16', 4);
  assert.equal(be.bytesInUse() - before, 8);
  // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: even is 1; 1 + 3·2^-8 ties up to 1 + 2^-6
  be.upload(b, { dtype: 'f32', data: Float32Array.of(1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -9, -3.5) });
  assert.deepEqual(Array.from(be.download(b)), [1, 1 + 2 ** -6, 1, -3.5]);
  be.fill(b, 0.1);
  assert.deepEqual(Array.from(be.download(b)), Array.from(r([0.1, 0.1, 0.1, 0.1])));
  const f = be.alloc('f32', 4);
  be.upload(f, { dtype: 'f32', data: Float32Array.of(0.3, -7.77, 1e-3, 65504.5) });
  be.copy(b, f, 4); // the write-back of f32 master weights into bf16 model weights
  assert.deepEqual(Array.from(be.download(b)), Array.from(r([0.3, -7.77, 1e-3, 65504.5])));
  be.copy(f, b, 4); // bf16 → f32 is exact
  assert.deepEqual(Array.from(be.download(f)), Array.from(r([0.3, -7.77, 1e-3, 65504.5])));
  be.upload(b, { dtype: 'bf16', data: Uint16Array.of(0x3f80, 0xc060) }, 2); // stored bits as they are
  assert.deepEqual(Array.from(be.download(b)).slice(2), [1, -3.5]);
  be.free(b);
  be.free(f);
  assert.equal(be.bytesInUse(), before);
});

test('bf16 → f32 widens every bit pattern exactly, at either alignment and any length (two values a word where aligned)', () => {
  const all = Uint16Array.from({ length: 65536 + 3 }, (_, i) => (i * 40503) & 0xffff); // every pattern, in a scrambled order
  const one = new Float32Array(1), oneBits = new Uint32Array(one.buffer);
  for (const [start, length] of [[0, all.length], [1, 65536], [1, 65535], [2, 7], [3, 1], [0, 0], [1, 2]] as const) {
    const src = all.subarray(start, start + length); // start 1 and 3: 2 bytes past a 4-byte boundary
    const got = new Uint32Array(bf16ToF32(src).buffer);
    for (let i = 0; i < length; i++) {
      oneBits[0] = src[i]! << 16;
      if (got[i] !== oneBits[0]) assert.fail(`at ${start}+${i}: bits ${src[i]!.toString(16)} widened to ${got[i]!.toString(16)}`);
    }
  }
});

test('kernels on bf16 buffers read exactly, compute in f32 and round each output once', () => {
  const m = 3, n = 5, k = 7;
  const av = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i + 1));
  const bv = Float32Array.from({ length: n * k }, (_, i) => Math.cos(i * 0.7));
  const up = (dtype: 'f32' | 'bf16', v: Float32Array) => {
    const buf = be.alloc(dtype, v.length);
    be.upload(buf, { dtype: 'f32', data: v });
    return buf;
  };
  // reference: the f32 kernel on the bf16-rounded inputs, its output rounded
  const cRef = be.alloc('f32', m * n);
  be.gemm(cRef, up('f32', r(av)), up('f32', r(bv)), { m, n, k, transB: true });
  const c = be.alloc('bf16', m * n);
  be.gemm(c, up('bf16', av), up('bf16', bv), { m, n, k, transB: true });
  assert.deepEqual(Array.from(be.download(c)), Array.from(r(be.download(cRef))));
  // mixed dtypes: bf16 activations times f32 LoRA factors into an f32 gradient (beta = 1 accumulates)
  const g = up('f32', Float32Array.from({ length: m * n }, () => 0.5));
  be.gemm(g, up('bf16', av), up('f32', bv), { m, n, k, transB: true, beta: 1 });
  const gRef = up('f32', Float32Array.from({ length: m * n }, () => 0.5));
  be.gemm(gRef, up('f32', r(av)), up('f32', bv), { m, n, k, transB: true, beta: 1 });
  assert.deepEqual(Array.from(be.download(g)), Array.from(be.download(gRef)));
  // aliasing: out = a + b with out and a the same bf16 buffer
  const a = up('bf16', av), b = up('bf16', av);
  be.add(a, a, b, m * k);
  assert.deepEqual(Array.from(be.download(a)), Array.from(r(r(av).map((x) => 2 * x))));
  // rmsnorm: out bf16, rstd f32 (exact), from bf16 x and w
  const C = 7, x = up('bf16', av), w = up('bf16', bv.subarray(0, C));
  const out = be.alloc('bf16', m * C), rstd = be.alloc('f32', m);
  be.rmsnormForward(out, rstd, x, w, m, C, 1e-5);
  const outRef = be.alloc('f32', m * C), rstdRef = be.alloc('f32', m);
  be.rmsnormForward(outRef, rstdRef, up('f32', r(av)), up('f32', r(bv.subarray(0, C))), m, C, 1e-5);
  assert.deepEqual(Array.from(be.download(rstd)), Array.from(be.download(rstdRef)));
  assert.deepEqual(Array.from(be.download(out)), Array.from(r(be.download(outRef))));
});

test('the embedding lookup of a bf16 table gives its rows exactly, into bf16 or f32 (gathered in the table\'s type, not staged whole)', () => {
  const V = 6, C = 3;
  const tv = Float32Array.from({ length: V * C }, (_, i) => Math.sin(i * 1.3) * 10);
  const table = be.alloc('bf16', V * C);
  be.upload(table, { dtype: 'f32', data: tv });
  const rows = be.alloc('i32', 4);
  be.upload(rows, { dtype: 'i32', data: Int32Array.of(5, 0, 9, 2) }); // 9: outside the table, a zero row
  const want = (src: Float32Array): number[] => [5, 0, -1, 2].flatMap((r) => (r < 0 ? [0, 0, 0] : Array.from(src.subarray(r * C, r * C + C))));
  for (const dtype of ['bf16', 'f32'] as const) {
    const out = be.alloc(dtype, 4 * C);
    be.gatherRows(out, table, rows, 4, C);
    assert.deepEqual(Array.from(be.download(out)), want(r(tv)), dtype);
  }
  // an f32 table gathered into bf16 rounds each element once
  const f = be.alloc('f32', V * C);
  be.upload(f, { dtype: 'f32', data: tv });
  const out = be.alloc('bf16', 4 * C);
  be.gatherRows(out, f, rows, 4, C);
  assert.deepEqual(Array.from(be.download(out)), Array.from(r(Float32Array.from(want(tv)))));
});

test('staged calls one after another (the f32 copies kept between calls) each read only their own arguments', () => {
  // a large call, then smaller ones with aliasing, then large again: each as the f32 kernel on its rounded inputs
  const up = (dtype: 'f32' | 'bf16', v: Float32Array) => {
    const buf = be.alloc(dtype, v.length);
    be.upload(buf, { dtype: 'f32', data: v });
    return buf;
  };
  for (const [m, n, k, seed] of [[9, 11, 13, 1], [2, 3, 4, 2], [9, 11, 13, 3], [1, 1, 40, 4]] as const) {
    const av = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * seed + 0.5));
    const bv = Float32Array.from({ length: n * k }, (_, i) => Math.cos(i * 0.3 * seed));
    const c = be.alloc('bf16', m * n), cRef = be.alloc('f32', m * n);
    be.gemm(c, up('bf16', av), up('bf16', bv), { m, n, k, transB: true });
    be.gemm(cRef, up('f32', r(av)), up('f32', r(bv)), { m, n, k, transB: true });
    assert.deepEqual(Array.from(be.download(c)), Array.from(r(be.download(cRef))), `gemm ${m}×${n}×${k}`);
    const a = up('bf16', av);
    be.add(a, a, a, m * k);
    assert.deepEqual(Array.from(be.download(a)), Array.from(r(r(av).map((x) => 2 * x))), `add ${m * k}`);
  }
});
