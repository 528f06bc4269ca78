// Dropout seeds: every (step, micro-batch, layer, projection) of a run draws its own mask, whatever the
// run's seed. The old chain of sums of products (seed·1000003 + step·1009, ·1000003 + layer, ·7 + proj)
// passed 2^53 for seeds above ~1286 and gave q, k and v — and neighbouring layers — one shared mask.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniformHash } from '../../src/backend/cpu/kernels/elementwise.ts';
import { projectionSeed } from '../../src/model/decoder-layer.ts';
import { PROJECTIONS } from '../../src/model/weights.ts';
import { deriveSeed } from '../../src/util/rng.ts';

function mask(seed: number): string {
  return Array.from({ length: 128 }, (_, i) => (uniformHash(seed, i) >= 0.1 ? 1 : 0)).join('');
}

test('each projection of each layer of each micro-batch draws its own mask, for small and large run seeds', () => {
  for (const runSeed of [0, 42, 3407, 12345, 2 ** 40 + 7]) {
    const masks = new Set<string>();
    let count = 0;
    for (let step = 1; step <= 2; step++) {
      for (let micro = 0; micro < 2; micro++) {
        const forward = deriveSeed(deriveSeed(runSeed, step), micro); // trainer → optimizerStep
        for (let layer = 0; layer < 8; layer++) {
          const layerSeed = deriveSeed(forward, layer); // MistralModel's layer seed
          for (const p of PROJECTIONS) {
            masks.add(mask(projectionSeed(layerSeed, p)));
            count++;
          }
        }
      }
    }
    assert.equal(masks.size, count, `seed ${runSeed}: ${masks.size} distinct masks of ${count}`);
  }
});

test('deriveSeed: 32-bit, deterministic, distinct streams and distinct seeds differ', () => {
  assert.equal(deriveSeed(5, 1), deriveSeed(5, 1));
  const seen = new Set<number>();
  for (let s = 0; s < 64; s++) for (let k = 0; k < 64; k++) seen.add(deriveSeed(s * 2 ** 33 + s, k));
  assert.equal(seen.size, 64 * 64);
  for (const v of seen) assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 32);
  assert.throws(() => deriveSeed(-1, 0), /non-negative integers/);
});
