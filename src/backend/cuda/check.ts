// The one status check of every CUDA FFI call (driver, NVRTC, cuBLASLt): a nonzero status throws a
// CudaError naming the call, the status's name from its library, and any detail (the NVRTC log).
import type { KoffiFunction } from './ffi.ts';

/** A library whose calls return a status code, and how it spells one. */
export interface StatusSource {
  readonly library: string;
  /** The status's name/description, e.g. "CUDA_ERROR_OUT_OF_MEMORY (out of memory)". */
  statusString(status: number): string;
}

export class CudaError extends Error {
  override readonly name = 'CudaError';
  constructor(readonly call: string, readonly status: number, message: string) {
    super(message);
  }
}

/** Throws a CudaError unless `status` is 0 (success in all three libraries). */
export function check(source: StatusSource, call: string, status: number, detail?: () => string): void {
  if (status === 0) return;
  let text: string;
  try {
    text = source.statusString(status);
  } catch {
    text = 'unknown status';
  }
  const more = detail ? detail().trim() : '';
  throw new CudaError(call, status, `${source.library}: ${call} failed with ${status} ${text}${more ? `\n${more}` : ''}`);
}

/** Wraps a koffi function returning a status so that every call goes through check(). */
export function checked<A extends unknown[]>(source: StatusSource, call: string, fn: KoffiFunction): (...args: A) => void {
  return (...args: A) => check(source, call, fn(...args) as number);
}
