// Cross-entropy over the vocabulary with ignore index −100, optionally writing the logits' gradient
// (in place over the logits when they alias). One exp per logit: the exponentials are stored in the
// gradient buffer and scaled there.
import type { FloatArray } from '../../dtype.ts';

import { IGNORE_INDEX } from '../../backend.ts';

export function crossEntropy(
  losses: FloatArray, dlogits: FloatArray | null, logits: FloatArray, targets: Int32Array,
  N: number, V: number, gradScale: number,
): void {
  for (let t = 0; t < N; t++) {
    const o = t * V;
    const y = targets[t]!;
    if (y === IGNORE_INDEX) {
      losses[t] = 0;
      if (dlogits) dlogits.fill(0, o, o + V);
      continue;
    }
    if (y < 0 || y >= V) throw new Error(`crossEntropy: target ${y} at row ${t} is outside the vocabulary [0, ${V})`);
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
