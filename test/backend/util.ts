// Helpers for the kernel tests: a seeded random source, host ↔ buffer moves, error measures, and the
// backends to check (device.ts: each CPU GEMM path, or the MISTRAL_TUNE_TEST_DEVICE backend).
import assert from 'node:assert/strict';
import type { Backend, DeviceBuffer } from '../../src/backend/backend.ts';
import { loadOpenBlas } from '../../src/backend/cpu/openblas.ts';
import { bf16ToF32, f32ToBf16 } from '../../src/backend/dtype.ts';
import { Rng } from '../../src/util/rng.ts';

/** The float dtypes kernel tests run in: f32 or bf16 (MISTRAL_TUNE_TEST_PRECISION) and f64. */
export type Float = 'f32' | 'f64' | 'bf16';

/** A seeded generator of uniform numbers in [0, 1) (the project's Rng). */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** n normal(0, std) numbers (Box–Muller) from `rand`. */
export function randn(rand: () => number, n: number, std = 1): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const u = Math.max(rand(), 1e-12), v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out.push(r * Math.cos(2 * Math.PI * v) * std, r * Math.sin(2 * Math.PI * v) * std);
  }
  return out.slice(0, n);
}

/** The values as they are stored in a buffer of `dtype` (f32 and bf16 round to nearest even). */
export function stored(values: ArrayLike<number>, dtype: Float): number[] {
  if (dtype === 'bf16') return Array.from(bf16ToF32(f32ToBf16(values)));
  return Array.from(values, (x) => (dtype === 'f32' ? Math.fround(x) : x));
}

export function upload(be: Backend, dtype: Float | 'i32', values: ArrayLike<number>): DeviceBuffer {
  const buf = be.alloc(dtype, values.length);
  if (dtype === 'i32') be.upload(buf, { dtype, data: Int32Array.from(values) });
  else if (dtype === 'f32') be.upload(buf, { dtype, data: Float32Array.from(values) });
  else if (dtype === 'bf16') be.upload(buf, { dtype, data: f32ToBf16(values) });
  else be.upload(buf, { dtype, data: Float64Array.from(values) });
  return buf;
}

export function download(be: Backend, buf: DeviceBuffer): number[] {
  return Array.from(be.download(buf));
}

/** max |a − b| / max(|b|, floor): an element-wise relative error that tolerates zeros. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (!(Number.isNaN(x) && Number.isNaN(y))) return Infinity;
      continue;
    }
    if (x === y) continue; // equal infinities
    worst = Math.max(worst, Math.abs(x - y) / Math.max(Math.abs(y), floor));
  }
  return worst;
}

/** Asserts a ≈ b element-wise, printing the worst error and where. */
export function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string, floor = 1): void {
  const err = maxRelErr(a, b, floor);
  if (!(err <= tol)) {
    let at = 0, worst = -1;
    for (let i = 0; i < a.length; i++) {
      const e = Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), floor);
      if (!(e <= worst)) { worst = e; at = i; }
    }
    assert.fail(`${what}: max rel err ${err} > ${tol} (at ${at}: got ${a[at]}, want ${b[at]})`);
  }
}

/** The backends under test (device.ts): each CPU GEMM path on cpu, the test device otherwise. */
export { testBackends as backends } from './device.ts';

export const hasOpenBlas = loadOpenBlas() !== null;
