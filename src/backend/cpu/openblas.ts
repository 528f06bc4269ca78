// A CBLAS library through koffi (OpenBLAS, or Accelerate on macOS): cblas_sgemm / cblas_dgemm and the matrix-vector
// cblas_sgemv / cblas_dgemv on typed arrays, when one loads. OpenBLAS's kernels are chosen by the CPU's features (openblas-core.ts), not its model.
import { createRequire } from 'node:module';
import { chooseOpenBlasCore } from './openblas-core.ts';
import type { FloatArray } from '../dtype.ts';

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

type GemmFn = (
  order: number, transA: number, transB: number, m: number, n: number, k: number, alpha: number,
  a: FloatArray, lda: number, b: FloatArray, ldb: number, beta: number, c: FloatArray, ldc: number,
) => void;
type GemvFn = (
  order: number, trans: number, m: number, n: number, alpha: number, a: FloatArray, lda: number,
  x: FloatArray, incx: number, beta: number, y: FloatArray, incy: number,
) => void;

export interface OpenBlas {
  /** Library name and thread count, for the log line. */
  readonly description: string;
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void;
  dgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float64Array, lda: number, b: Float64Array, ldb: number, beta: number, c: Float64Array, ldc: number): void;
  /**
   * y = alpha·op(A)·x + beta·y, A row-major (rows × cols, lda); x and y strided by incx and incy (≥ 1). Absent where
   * the library lacks it (gemm.ts then takes sgemm / dgemm).
   */
  sgemv?(trans: boolean, rows: number, cols: number, alpha: number, a: Float32Array, lda: number,
    x: Float32Array, incx: number, beta: number, y: Float32Array, incy: number): void;
  dgemv?(trans: boolean, rows: number, cols: number, alpha: number, a: Float64Array, lda: number,
    x: Float64Array, incx: number, beta: number, y: Float64Array, incy: number): void;
}

/** What binding needs of a loaded library (koffi's): a function by its C declaration, throwing where the symbol is missing. */
export interface CblasLibrary {
  func(declaration: string): unknown;
}

let cached: OpenBlas | null | undefined;

/**
 * Libraries with the CBLAS interface, tried in order: OpenBLAS (Linux, Homebrew on macOS), then Apple's
 * Accelerate. MISTRAL_TUNE_BLAS names another library to try first.
 */
const CANDIDATES = [
  'libopenblas.so.0', 'libopenblas.so', '/opt/homebrew/opt/openblas/lib/libopenblas.dylib', '/usr/local/opt/openblas/lib/libopenblas.dylib',
  '/System/Library/Frameworks/Accelerate.framework/Accelerate',
];

/** Loads a CBLAS library once; null when none loads (the caller falls back to other GEMMs). */
export function loadOpenBlas(): OpenBlas | null {
  if (cached !== undefined) return cached;
  cached = null;
  const require = createRequire(import.meta.url);
  let koffi: typeof import('koffi');
  try {
    koffi = require('koffi') as typeof import('koffi');
  } catch {
    return null;
  }
  chooseOpenBlasCore(); // before the library loads: it reads OPENBLAS_CORETYPE then
  const names = [...(process.env.MISTRAL_TUNE_BLAS ? [process.env.MISTRAL_TUNE_BLAS] : []), ...CANDIDATES];
  for (const name of names) {
    cached = bind(koffi, name);
    if (cached) break;
  }
  return cached;
}

function bind(koffi: typeof import('koffi'), name: string): OpenBlas | null {
  try {
    return bindCblas(koffi.load(name), name);
  } catch {
    return null;
  }
}

/** The function `declaration` declares, or undefined where the library lacks it. */
function optional<F>(lib: CblasLibrary, declaration: string): F | undefined {
  try {
    return lib.func(declaration) as F;
  } catch {
    return undefined;
  }
}

/**
 * The CBLAS functions of a loaded library `name`; throws where it lacks sgemm or dgemm. gemv is bound apart: a
 * library without it still gives its GEMMs (and the thread count and core name, of OpenBLAS's own, are optional too).
 */
export function bindCblas(lib: CblasLibrary, name: string): OpenBlas {
  const sgemm = lib.func('void cblas_sgemm(int, int, int, int, int, int, float, float *, int, float *, int, float, float *, int)') as GemmFn;
  const dgemm = lib.func('void cblas_dgemm(int, int, int, int, int, int, double, double *, int, double *, int, double, double *, int)') as GemmFn;
  const sgemv = optional<GemvFn>(lib, 'void cblas_sgemv(int, int, int, int, float, float *, int, float *, int, float, float *, int)');
  const dgemv = optional<GemvFn>(lib, 'void cblas_dgemv(int, int, int, int, double, double *, int, double *, int, double, double *, int)');
  // older builds lack these; the description just omits them
  const threads = optional<() => number>(lib, 'int openblas_get_num_threads()')?.() ?? 0;
  const core = optional<() => string>(lib, 'const char *openblas_get_corename()')?.() ?? '';
  const t = (x: boolean): number => (x ? TRANS : NO_TRANS);
  const label = name.includes('Accelerate') ? 'Accelerate' : 'OpenBLAS';
  return {
    description: `${label}${core ? `, ${core} kernels` : ''}${threads ? `, ${threads} thread${threads > 1 ? 's' : ''}` : ''}`,
    sgemm: (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) =>
      sgemm(ROW_MAJOR, t(ta), t(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc),
    dgemm: (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) =>
      dgemm(ROW_MAJOR, t(ta), t(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc),
    ...(sgemv && { sgemv: (ta, rows, cols, alpha, a, lda, x, incx, beta, y, incy) => sgemv(ROW_MAJOR, t(ta), rows, cols, alpha, a, lda, x, incx, beta, y, incy) }),
    ...(dgemv && { dgemv: (ta, rows, cols, alpha, a, lda, x, incx, beta, y, incy) => dgemv(ROW_MAJOR, t(ta), rows, cols, alpha, a, lda, x, incx, beta, y, incy) }),
  };
}
