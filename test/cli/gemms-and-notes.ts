// The work of command-thread.test.ts's note test, run on a command's thread: OpenBLAS GEMMs (on OpenBLAS's own
// threads), a note to the main thread after each, whose handler there starts a process as train --dashboard's does.
import { loadOpenBlas } from '../../src/backend/cpu/openblas.ts';

/** `count` GEMMs of 256 × 256, noting each; the number done. */
export function gemmsAndNotes(count: number, note: (i: number) => void): number {
  const blas = loadOpenBlas()!;
  const n = 256;
  const a = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);
  for (let i = 0; i < count; i++) {
    blas.sgemm(false, false, n, n, n, 1, a, n, a, n, 0, c, n);
    note(i);
  }
  return count;
}
