// Cross-entropy over the vocabulary with ignore index −100, optionally writing the logits' gradient
// (in place over the logits when they alias). One exp per logit: the exponentials are stored in the
// gradient buffer and scaled there. Targets are validated on the host when the batch is built (a GPU
// kernel cannot throw): a target outside [0, V) that gets here anyway is treated as ignored (loss 0,
// gradient row 0), as a GPU kernel would, so nothing is read or written out of bounds.
import type { FloatArray } from '../../dtype.ts';

import { IGNORE_INDEX } from '../../backend.ts';

export function crossEntropy(
  losses: FloatArray, dlogits: FloatArray | null, logits: FloatArray, targets: Int32Array,
  N: number, V: number, gradScale: number,
): void {
  for (let t = 0; t < N; t++) {
    const o = t * V;
    const y = targets[t]!;
    if (y === IGNORE_INDEX || y < 0 || y >= V) {
      losses[t] = 0;
      if (dlogits) dlogits.fill(0, o, o + V);
      continue;
    }
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (logits[o + v]! > max) max = logits[o + v]!;
    const logitY = logits[o + y]!;
    let z = 0;
    if (dlogits) {
      for (let v = 0; v < V; v++) {
        const e = Math.exp(logits[o + v]! - max);
        dlogits[o + v] = e;
        z += e;
      }
      const inv = gradScale / z;
      for (let v = 0; v < V; v++) dlogits[o + v]! *= inv;
      dlogits[o + y]! -= gradScale;
    } else {
      for (let v = 0; v < V; v++) z += Math.exp(logits[o + v]! - max);
    }
    losses[t] = max + Math.log(z) - logitY;
  }
}
