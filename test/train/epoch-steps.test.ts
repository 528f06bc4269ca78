// The steps of packed, shuffled epochs (src/train/epoch-steps.ts): the next-fit bounds hold for every order the loader
// draws, a count the bounds fix is not walked (epochs: 1e9 planned every epoch and hung the dry run and train), and
// one they leave open past MAX_PLANNED_ROWS is refused by the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenRow } from '../../src/data/batch.ts';
import { DataLoader } from '../../src/data/loader.ts';
import { packBounds, packedTotalSteps } from '../../src/train/epoch-steps.ts';
import { UserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';

const rng = new Rng(5);
const rows: TokenRow[] = Array.from({ length: 40 }, () => ({ inputIds: Array.from({ length: 1 + rng.below(30) }, () => 3) }));
const lengths = rows.map((r) => r.inputIds.length);

test('every shuffled epoch packs into between packBounds().lo and .hi sequences', () => {
  for (const L of [30, 31, 45, 64, 200, 2000]) {
    const { lo, hi } = packBounds(lengths, L);
    const counts = new DataLoader(rows, { batchSize: 1, shuffle: true, seed: L, packLength: L }).epochBatchCounts(30);
    assert.ok(counts.every((n) => lo <= n && n <= hi), `L ${L}: ${lo}..${hi} vs ${counts.join(',')}`);
  }
  assert.deepEqual(packBounds([5, 5, 5], 100), { lo: 1, hi: 1 });
});

test('a step count the bounds fix is epochs × one epoch, however many epochs; an open one is walked or refused', () => {
  const o = { packLength: 64, batchSize: 2, gradAccum: 1 };
  const loader = new DataLoader(rows, { batchSize: o.batchSize, shuffle: true, seed: 1, packLength: o.packLength });
  // 40 rows fit in one sequence of 2000: one step an epoch
  const whole = new DataLoader(rows, { batchSize: 1, shuffle: true, seed: 1, packLength: 2000 });
  assert.deepEqual(packedTotalSteps(whole, rows, { ...o, packLength: 2000, epochs: 1e9 }), { total: 1e9, perEpoch: null });
  // the bounds leave it open: walked, exactly as the loader draws the epochs, and each epoch's steps given back
  // (the dry run counts its epoch ends from them rather than walking the epochs again)
  const counts = loader.epochBatchCounts(7);
  assert.deepEqual(packedTotalSteps(loader, rows, { ...o, epochs: 7 }), { total: counts.reduce((s, n) => s + n, 0), perEpoch: counts });
  const accumulated = packedTotalSteps(loader, rows, { ...o, epochs: 7, gradAccum: 2 });
  assert.deepEqual(accumulated.perEpoch, counts.map((n) => Math.ceil(n / 2)));
  assert.throws(() => packedTotalSteps(loader, rows, { ...o, epochs: 1e9 }), (e: unknown) =>
    e instanceof UserError && /^epochs: 1000000000 passes over 40 packed, shuffled examples make at least [\d,]+ optimizer steps, .*: set max_steps/.test(e.message));
});
