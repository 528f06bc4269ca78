// OpenBLAS through koffi: cblas_sgemm / cblas_dgemm on typed arrays, when libopenblas.so.0 loads.
import { createRequire } from 'node:module';
import type { FloatArray } from '../dtype.ts';

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

type GemmFn = (
  order: number, transA: number, transB: number, m: number, n: number, k: number, alpha: number,
  a: FloatArray, lda: number, b: FloatArray, ldb: number, beta: number, c: FloatArray, ldc: number,
) => void;

export interface OpenBlas {
  /** Library name and thread count, for the log line. */
  readonly description: string;
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void;
  dgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float64Array, lda: number, b: Float64Array, ldb: number, beta: number, c: Float64Array, ldc: number): void;
}

let cached: OpenBlas | null | undefined;

/** Loads OpenBLAS once; null when the library is absent (the caller falls back to TypeScript loops). */
export function loadOpenBlas(): OpenBlas | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    const require = createRequire(import.meta.url);
    const koffi = require('koffi') as typeof import('koffi');
    const lib = koffi.load('libopenblas.so.0');
    const sgemm = lib.func('void cblas_sgemm(int, int, int, int, int, int, float, float *, int, float *, int, float, float *, int)') as GemmFn;
    const dgemm = lib.func('void cblas_dgemm(int, int, int, int, int, int, double, double *, int, double *, int, double, double *, int)') as GemmFn;
    let threads = 0;
    try {
      threads = (lib.func('int openblas_get_num_threads()') as () => number)();
    } catch {
      // older builds lack the symbol; the description just omits the count
    }
    const t = (x: boolean): number => (x ? TRANS : NO_TRANS);
    cached = {
      description: `OpenBLAS${threads ? `, ${threads} thread${threads > 1 ? 's' : ''}` : ''}`,
      sgemm: (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) =>
        sgemm(ROW_MAJOR, t(ta), t(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc),
      dgemm: (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) =>
        dgemm(ROW_MAJOR, t(ta), t(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc),
    };
  } catch {
    cached = null;
  }
  return cached;
}
