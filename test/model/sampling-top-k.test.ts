// top-k picks the k best (and those tied with the k-th) without sorting the whole vocabulary: the same tokens, in the
// same order, with the same probabilities as the full sort it replaced (written out here as the reference), on random
// logits full of ties (and -Infinity ones, as a repetition penalty can make) for many (k, p) pairs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kthLargest, samplingProbabilities } from '../../src/model/sampling.ts';
import { Rng } from '../../src/util/rng.ts';

/** sampling.ts's keptTokens before the partial selection, as it was: sort every id (stably), cut after the ties of the k-th, then top-p. */
function fullSortReference(logits: Float32Array, temperature: number, topK: number, topP: number): { ids: number[]; probs: number[] } {
  const V = logits.length;
  let order = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]!);
  if (topK > 0 && topK < V) {
    const kth = logits[order[topK - 1]!]!;
    let keep = topK;
    while (keep < V && logits[order[keep]!]! >= kth) keep++;
    order = order.slice(0, keep);
  }
  const top = logits[order[0]!]!;
  const weights = order.map((i) => Math.exp((logits[i]! - top) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let keep = order.length;
  if (topP < 1) {
    let cum = 0;
    for (let j = 0; j < order.length; j++) {
      cum += weights[j]! / total;
      if (cum >= topP) { keep = j + 1; break; }
    }
  }
  const kept = weights.slice(0, keep);
  const z = kept.reduce((a, b) => a + b, 0);
  return { ids: order.slice(0, keep), probs: kept.map((w) => w / z) };
}

test('top-k by partial selection keeps the same tokens, order and probabilities as the full sort, ties with the k-th included', () => {
  const rng = new Rng(11);
  let cases = 0, tiedAtK = 0;
  for (const V of [1, 2, 7, 64, 1000]) {
    for (let round = 0; round < 6; round++) {
      // few distinct levels, so that many logits tie (at the k-th too); some -Infinity
      const levels = 1 + Math.floor(rng.next() * 12);
      const logits = Float32Array.from({ length: V }, () => (rng.next() < 0.05 ? -Infinity : Math.floor(rng.next() * levels) * 0.75 - 3));
      for (const k of [1, 2, 3, 5, 10, 50, V - 1, V, V + 3]) {
        if (k < 1) continue;
        for (const p of [1, 0.999, 0.9, 0.5, 0.2, 1e-6]) {
          for (const temperature of [0.7, 1, 3]) {
            const ours = samplingProbabilities(logits, { temperature, topK: k, topP: p });
            assert.deepEqual(ours, fullSortReference(logits, temperature, k, p), `V ${V}, k ${k}, p ${p}, temperature ${temperature}: [${logits.join(', ')}]`);
            cases++;
          }
        }
        if (k < V && samplingProbabilities(logits, { temperature: 1, topK: k }).ids.length > k) tiedAtK++;
      }
    }
  }
  assert.ok(cases > 1000, `${cases} cases`);
  assert.ok(tiedAtK > 20, `only ${tiedAtK} cases with tokens tied with the k-th kept past k`);
});

test('kthLargest counts equal values apart, as the k-th of a descending sort', () => {
  const values = [3, 1, 3, -Infinity, 2, 3, 0];
  const sorted = [...values].sort((a, b) => b - a);
  for (let k = 1; k <= values.length; k++) assert.equal(kthLargest(values, k), sorted[k - 1], `k ${k}`);
});
