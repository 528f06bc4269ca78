// Blocking this thread for a moment, where the caller is synchronous (a lock taken, a folder swap waited out).

/** Blocks this thread for `ms` milliseconds, using no CPU meanwhile. */
export function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
