// ShingleBound: its bound of the shared hashes is never below the exact count, so that no record whose Jaccard
// reaches a threshold is passed over; for templated records it is tight.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jaccardAtMost, jaccardOf } from '../../src/data/minhash.ts';
import { MAX_INDEXED_LENGTH, ShingleBound } from '../../src/data/shingle-bound.ts';
import { Rng } from '../../src/util/rng.ts';

/** A sorted list of n values below 2^bits, with repeats (as colliding shingles give). */
function list(rng: Rng, n: number, bits: number, template: readonly number[] = []): Uint32Array {
  const a = Uint32Array.from({ length: n }, () => rng.below(1 << bits));
  return Uint32Array.from([...template, ...a]).sort();
}

test('ShingleBound: every record whose Jaccard with the query reaches the threshold is reached, whatever the frequent values', () => {
  const rng = new Rng(21);
  for (let round = 0; round < 12; round++) {
    const bits = [3, 6, 10][round % 3]!;
    const template = Array.from({ length: rng.below(40) }, () => rng.below(1 << bits));
    // records: some templated, some sharing much of one another, some empty or short, of one part or two
    const records: Uint32Array[][] = [];
    for (let i = 0; i < 150; i++) {
      const parts = 1 + rng.below(2), k = rng.below(5);
      records.push(Array.from({ length: parts }, () => {
        if (k === 0) return list(rng, rng.below(3), bits);
        if (k === 1 && records.length) {
          const other = records[rng.below(records.length)]![0]!;
          return Uint32Array.from([...other].filter(() => rng.below(10) > 0).concat([...list(rng, rng.below(4), bits)])).sort();
        }
        return list(rng, rng.below(30), bits, k < 4 ? template : []);
      }));
    }
    const frequent = round % 4 === 3
      ? [0, 1].map(() => Uint8Array.from({ length: 1 << bits }, () => rng.below(2)))
      : ShingleBound.frequentValues(2, bits, records.slice(0, 50));
    const bound = new ShingleBound(2, bits, frequent, Infinity);
    records.forEach((r, slot) => assert.ok(bound.add(slot, r)));
    for (let q = 0; q < 40; q++) {
      const query = records[rng.below(records.length)]!.map((h) => (rng.below(2) ? h : list(rng, rng.below(40), bits, rng.below(2) ? template : [])));
      for (const threshold of [0.3, 0.8, 1]) {
        const k = rng.below(query.length), mine = query[k]!;
        const { frequent: f } = bound.plan(k, mine);
        const { lo, hi, need } = ShingleBound.limits(mine.length, f, threshold, rng.below(2) ? bound.widen(k, 0, rng.below(60), rng.below(80)) : 0);
        bound.count(k, mine, rng.below(4) ? need : 1);
        const reached: number[] = [];
        bound.reaching(threshold, lo, hi, reached);
        assert.equal(new Set(reached).size, reached.length, 'each slot once');
        records.forEach((r, slot) => {
          if (r.length <= k) return;
          const exact = jaccardAtMost(mine, r[k]!);
          if (exact >= threshold) {
            assert.ok(bound.reaches(slot, threshold), `round ${round}: slot ${slot} at ${exact} not reached`);
            assert.ok(reached.includes(slot), `round ${round}: slot ${slot} at ${exact} not listed`);
          }
          if (reached.includes(slot)) assert.ok(bound.reaches(slot, threshold));
        });
      }
    }
  }
});

test('ShingleBound: a shared template is frequent and the bound of two templated records is their exact share', () => {
  const rng = new Rng(4);
  const template = Array.from({ length: 400 }, (_, i) => i);
  // each record: the template and 60 values of its own, from the other 65k
  const records = Array.from({ length: 300 }, () => [list(rng, 60, 16, template).map((v) => (v < 400 ? v : 400 + (v % 65000)))]);
  const frequent = ShingleBound.frequentValues(1, 16, records);
  assert.equal(frequent[0]!.reduce((a, b) => a + b, 0), 400, 'the template alone is frequent');
  const bound = new ShingleBound(1, 16, frequent, Infinity);
  records.forEach((r, slot) => bound.add(slot, r));
  const mine = records[7]![0]!;
  const { cost, frequent: f } = bound.plan(0, mine);
  assert.equal(f, 400);
  assert.ok(cost < 300, `the rare values' lists are short: ${cost} entries`);
  for (const threshold of [0.7, 0.5]) {
    const { lo, hi, need } = ShingleBound.limits(mine.length, f, threshold);
    bound.count(0, mine, need);
    const reached: number[] = [];
    bound.reaching(threshold, lo, hi, reached);
    const expected = records.flatMap((r, slot) => (jaccardAtMost(mine, r[0]!) >= threshold ? [slot] : []));
    assert.deepEqual(reached.sort((a, b) => a - b), expected, `at ${threshold}`);
  }
});

test('ShingleBound: limits hold every size that the frequent values alone may bring to the threshold, and every rare count a longer record needs', () => {
  for (const threshold of [0.1, 0.5, 0.8, 0.95, 1]) {
    for (let length = 0; length < 60; length++) {
      for (let frequent = 0; frequent <= length; frequent++) {
        const { lo, hi, need } = ShingleBound.limits(length, frequent, threshold, [0, length, 2 * length][frequent % 3]);
        assert.ok(need >= 1);
        for (let size = 0; size < 200; size++) {
          if (jaccardOf(Math.min(frequent, size), length, size) >= threshold) assert.ok(lo <= size && size <= hi, `${length} ${frequent} ${size} at ${threshold}`);
          for (let rare = 0; rare < need && size > hi; rare++) assert.ok(jaccardOf(Math.min(rare + frequent, length, size), length, size) < threshold, `${length} ${frequent} ${size} with ${rare} at ${threshold}`);
        }
      }
    }
  }
});

test('ShingleBound: add refuses a record over the budget or with a part too long, and holds the others', () => {
  const frequent = [new Uint8Array(1 << 8)];
  const bound = new ShingleBound(1, 8, frequent, 10);
  assert.ok(bound.add(0, [Uint32Array.of(1, 2, 3)]));
  assert.ok(!bound.add(1, [Uint32Array.from({ length: 8 }, (_, i) => i)]), 'over the budget');
  assert.ok(!bound.add(2, [new Uint32Array(MAX_INDEXED_LENGTH + 1)]), 'too long');
  assert.ok(bound.add(3, [Uint32Array.of(4)]));
  assert.deepEqual([0, 1, 2, 3, 4].map((s) => bound.has(s)), [true, false, false, true, false]);
});
