// PrefixFilter: every record whose shingle hashes may reach the threshold with the query's is a candidate, whatever
// the order of the values; and NearDupIndex finds the same matches with it (from the start, when the bands cost too
// much, over its budget) as without it, on templated records whose fields take few values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jaccardAtMost } from '../../src/data/minhash.ts';
import { NearDupIndex } from '../../src/data/near-dedup.ts';
import { PrefixFilter } from '../../src/data/prefix-filter.ts';
import { Rng } from '../../src/util/rng.ts';
import { nearMatchLines } from './near-matches.ts';

/** A sorted list of n values below 2^bits, with repeats (as colliding shingles give), after a template's. */
function list(rng: Rng, n: number, bits: number, template: readonly number[] = []): Uint32Array {
  return Uint32Array.from([...template, ...Array.from({ length: n }, () => rng.below(1 << bits))]).sort();
}

test('PrefixFilter: every earlier record whose hash lists may reach the threshold is a candidate, once, whatever the order', () => {
  const rng = new Rng(5);
  for (let round = 0; round < 16; round++) {
    const bits = [3, 6, 10, 16][round % 4]!, threshold = [0.5, 0.8, 0.95, 1][(round >> 2) % 4]!;
    const template = Array.from({ length: rng.below(60) }, () => rng.below(1 << bits));
    // records: templated with a few values from a short list, near copies of earlier ones, short or empty, of one
    // part or two
    const few = Array.from({ length: 6 }, () => list(rng, 4, bits));
    const records: Uint32Array[][] = [];
    for (let i = 0; i < 160; i++) {
      const parts = 1 + rng.below(2), k = rng.below(6);
      records.push(Array.from({ length: parts }, (_, p) => {
        if (k === 0) return list(rng, rng.below(3), bits);
        if (k < 3 && records.length) {
          const other = records[rng.below(records.length)]!;
          const from = other[p] ?? other[0]!;
          return Uint32Array.from([...from].filter(() => rng.below(12) > 0).concat([...list(rng, rng.below(3), bits)])).sort();
        }
        return list(rng, rng.below(8), bits, k < 5 ? [...template, ...few[rng.below(few.length)]!, ...few[rng.below(few.length)]!] : []);
      }));
    }
    // the order from a sample's counts, or none (every value as rare as any other)
    const frequency = [0, 1].map(() => new Int32Array(1 << bits));
    if (round % 2 === 0) for (const r of records.slice(0, 40)) r.forEach((h, k) => h.forEach((v) => frequency[k]![v]!++));
    const filter = new PrefixFilter(2, bits, threshold, frequency, Infinity);
    let reaching = 0;
    records.forEach((query, i) => {
      query.forEach((h, k) => {
        if (h.length === 0) return;
        const out: number[] = [];
        filter.candidates(k, h, out);
        assert.equal(new Set(out).size, out.length, `round ${round}, record ${i}: a slot listed twice`);
        const listed = new Set(out);
        for (let j = 0; j < i; j++) {
          const theirs = records[j]![k];
          if (!theirs || jaccardAtMost(h, theirs) < threshold) continue;
          reaching++;
          assert.ok(listed.has(j), `round ${round} (${bits} bits, threshold ${threshold}): record ${j} reaches record ${i}'s part ${k} (${jaccardAtMost(h, theirs)}) but is no candidate`);
        }
      });
      assert.ok(filter.add(i, query));
    });
    assert.ok(reaching > 0, `round ${round}: some records reach others`);
  }
});

test('PrefixFilter: add refuses a record over the budget and holds the others', () => {
  const rng = new Rng(9);
  const filter = new PrefixFilter(1, 10, 0.8, [new Int32Array(1 << 10)], 40);
  const a = list(rng, 50, 10), b = list(rng, 50, 10); // 50 − 39 + 4 = 15 prefix tokens each
  assert.ok(filter.add(0, [a]));
  assert.ok(filter.add(1, [b]));
  assert.equal(filter.add(2, [a]), false, 'a third prefix is over the budget');
  const out: number[] = [];
  filter.candidates(0, a, out);
  assert.deepEqual(out, [0]);
});

test('NearDupIndex: with a PrefixFilter (never, when the bands cost too much, from the start, over its budget) the same matches', () => {
  // one-line records of one template whose fields take few values (names, products and dates from short lists:
  // every record is in the template's bands and shares many of its rare shingles with a share of the others),
  // two-part records of another, light and heavier edits of earlier records, exact copies and short texts; kept
  // records skipped as those of another class are
  const rng = new Rng(23);
  const pick = (a: readonly string[]) => a[rng.below(a.length)]!;
  const first = ['alice', 'bob', 'carmen', 'dmitri', 'elena', 'farid', 'grace', 'hiro'];
  const last = ['smith', 'garcia', 'nguyen', 'okafor', 'tanaka', 'rossi'];
  const product = ['wireless mouse', 'usb-c cable', 'standing desk', 'yoga mat', 'desk lamp', 'backpack'];
  const customer = () => `customer ${pick(first)} ${pick(last)} ordered ${1 + rng.below(60)} units of ${pick(product)} on 2025-0${1 + rng.below(9)}-1${rng.below(10)}.`;
  const records: string[][] = [];
  for (let i = 0; i < 1500; i++) {
    const k = rng.below(20);
    const earlier = () => records[rng.below(records.length)]!;
    if (k < 2 && records.length) records.push(earlier().map((p) => p.replace(/e/, 'a')));
    else if (k < 3 && records.length) records.push(earlier().map((p) => p.replace(/ (\w+)/, ' $1 and $1')));
    else if (k < 4 && records.length) records.push([...earlier()]);
    else if (k < 5) records.push([['', 'a', 'abcd', 'abcde', 'mat on'][rng.below(5)]!]);
    else if (k < 8) records.push([`where is the order of ${pick(first)} ${pick(last)}?`, `it left on 2025-0${1 + rng.below(9)}-1${rng.below(10)} with ${pick(product)}.`]);
    else records.push([customer()]);
  }
  const run = (t: number, prefix: 'never' | 'auto' | 'always', prefixBudget?: number) =>
    nearMatchLines(new NearDupIndex(t, 'auto', undefined, 'auto', undefined, prefix, prefixBudget), records, (r) => r % 9 === 4);
  for (const t of [0.5, 0.8, 0.95]) {
    const reference = run(t, 'never');
    const dropped = reference.filter((m) => !m.endsWith('-')).length;
    assert.ok(dropped > 150, `threshold ${t}: ${dropped} dropped`);
    assert.deepEqual(run(t, 'auto'), reference, `threshold ${t}: a PrefixFilter when the bands cost too much`);
    assert.deepEqual(run(t, 'always'), reference, `threshold ${t}: a PrefixFilter from the start, for every query`);
    // room for the prefixes of about 300 records: the later ones are candidates of every query
    assert.deepEqual(run(t, 'always', 300 * 16), reference, `threshold ${t}: a small budget`);
  }
});
