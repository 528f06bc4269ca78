// The dashboard's bounded row store: a million train rows stay within the cap, thinned evenly, with the
// spikes, the not-finite rows, every val row and the newest row kept exact and in file order; the byte cap
// holds for huge rows, and rows of any number of other splits share one capped series; val rows of two val
// sets (a resume whose val data changed) keep each set's lowest loss and its first and last rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricRow } from '../../src/run/metric-row.ts';
import { NUMERIC_KEYS } from '../../src/dashboard/metrics-tail.ts';
import { CappedRows, CappedSeries, SERIES_CAP, representatives, type HeldRow } from '../../src/run/series-cap.ts';

/** A deterministic pseudo-random sequence in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const trainRow = (step: number, r: () => number): MetricRow => ({
  step, loss: 2 + 1 / Math.sqrt(step) + 0.1 * r(), lr: 1e-4 * (1 - step / 2e6), grad_norm: 1 + r(), tokens_per_s: 1000 + 50 * r(), mem_bytes: 1.8e8,
});
const held = (rows: MetricRow[]): HeldRow[] => rows.map((row, i) => ({ seq: i + 1, row, bytes: JSON.stringify(row).length }));

test('representatives: first, last, and per field the row of the minimum, the maximum and the first null, in order', () => {
  const rows: MetricRow[] = [
    { step: 1, loss: 3, grad_norm: 1 },
    { step: 2, loss: 9, grad_norm: 1 }, // loss max
    { step: 3, loss: 2, grad_norm: 7 }, // loss min, grad_norm max
    { step: 4, loss: 2, grad_norm: 1 }, // a tie: the first min stands
    { step: 5, loss: null, grad_norm: 0.5 }, // not finite; grad_norm min
    { step: 6, loss: 4, grad_norm: 1 },
    { step: 7, loss: 5, grad_norm: 2 },
  ];
  const kept = representatives(held(rows), ['loss', 'grad_norm']).map((h) => h.row);
  assert.deepEqual(kept.map((r) => r.step), [1, 2, 3, 5, 7]);
  assert.ok(kept.every((r) => rows.includes(r)), 'real rows, not averages');
  assert.deepEqual(representatives(held(rows.slice(0, 2)), ['loss']).map((h) => h.row.step), [1, 2]);
});

test('a million train rows stay within the cap, evenly thinned, spikes, nulls, val rows and the newest row exact', () => {
  const r = random(7);
  const store = new CappedRows(NUMERIC_KEYS);
  const N = 1_000_000;
  const val: MetricRow[] = [];
  const special = new Map<number, MetricRow>();
  let seq = 0;
  let most = 0;
  for (let step = 1; step <= N; step++) {
    const row = trainRow(step, r);
    if (step === 123_457) row.loss = 50; // a loss spike
    if (step === 654_321) row.grad_norm = 1e4; // a gradient spike
    if (step === 777_777) row.loss = null; // a NaN loss
    if (step === 888_888) row.tokens_per_s = 3; // a stall
    if ([123_457, 654_321, 777_777, 888_888].includes(step)) special.set(step, row);
    store.add(row, ++seq, 200);
    if (step % 1000 === 0) {
      const v = { step, split: 'val', loss: 2 + 1 / Math.sqrt(step), perplexity: 8 };
      val.push(v);
      store.add(v, ++seq, 60);
    }
    if (step % 50_000 === 0) most = Math.max(most, store.rows().filter((x) => x.split === undefined).length);
  }
  const rows = store.rows();
  const train = rows.filter((x) => x.split === undefined);
  assert.ok(most <= SERIES_CAP.rows && train.length <= SERIES_CAP.rows, `train rows held: ${train.length}, at most ${most} along the way`);
  assert.ok(train.length >= SERIES_CAP.rows / 4, `thinned to ${train.length} rows, not to a handful`);
  assert.deepEqual([store.rowsRead, store.trainRowsRead], [N + val.length, N]);
  assert.deepEqual(rows.filter((x) => x.split === 'val'), val, 'every val row, exact');
  for (const [step, row] of special) assert.ok(train.includes(row), `the row of step ${step} is kept`);
  assert.equal(train[0]!.step, 1);
  assert.equal(train[train.length - 1]!.step, N, 'the last step shown is the real last step');
  for (let i = 1; i < rows.length; i++) {
    assert.ok(rows[i]!.step > rows[i - 1]!.step || (rows[i]!.step === rows[i - 1]!.step && rows[i]!.split === 'val'), `file order at ${i}`);
  }
  // evenly: buckets of one width, each keeping its first and last row. These rows keep at most 8 per bucket
  // (first, last, min and max of loss, grad_norm and tokens_per_s; lr falls, mem_bytes is flat), so half the cap
  // holds 512 buckets or more: a width of at most 2048 steps (a power of two), the largest gap between rows.
  let gap = 0;
  for (let i = 1; i < train.length; i++) gap = Math.max(gap, train[i]!.step - train[i - 1]!.step);
  assert.ok(gap < 2048, `largest gap ${gap} steps between ${train.length} rows`);
});

test('the byte cap holds for huge rows, and thinning leaves room for cap/2 new rows before the next', () => {
  const cap = { rows: 1e6, bytes: 1 << 20 };
  const s = new CappedSeries(['loss'], cap);
  const r = random(3);
  let thinnings = 0;
  for (let i = 1; i <= 5000; i++) {
    if (s.add({ seq: i, row: { step: i, loss: r(), pad: 'x' }, bytes: 10_000 })) thinnings++;
    const bytes = s.held().reduce((n, h) => n + h.bytes, 0);
    assert.ok(bytes <= cap.bytes, `row ${i}: ${bytes} bytes held`);
  }
  assert.ok(thinnings <= 5000 / (cap.bytes / 2 / 10_000), `${thinnings} thinnings`);
  assert.equal(s.held().at(-1)!.seq, 5000);
});

test('rows of any number of other splits share one capped series; the test row stays', () => {
  const store = new CappedRows(NUMERIC_KEYS, { rows: 256, bytes: 1 << 30 });
  let seq = 0;
  for (let i = 0; i < 100_000; i++) store.add({ step: i, split: `s${i}`, loss: Math.sin(i) }, ++seq, 50);
  const test = { step: 100_000, split: 'test', loss: 1.5, confusion: [[1, 0], [0, 1]] };
  store.add(test, ++seq, 80);
  const rows = store.rows();
  assert.ok(rows.length <= 257, `${rows.length} rows held`);
  assert.equal(rows.at(-1), test);
  assert.equal(store.rowsRead, 100_001);
});

test('rowsAfter gives the rows added since a place in the file, merged across series in file order', () => {
  const store = new CappedRows(NUMERIC_KEYS);
  const rows: MetricRow[] = [{ step: 0, split: 'val', loss: 3 }, { step: 1, loss: 2.9 }, { step: 2, loss: 2.8 }, { step: 2, split: 'val', loss: 2.7 }, { step: 2, split: 'test', loss: 2.6 }];
  rows.forEach((row, i) => store.add(row, i + 1, 10));
  assert.deepEqual(store.rows(), rows);
  assert.deepEqual(store.rowsAfter(2), rows.slice(2));
  assert.deepEqual(store.rowsAfter(5), []);
});

/** `n` val rows from `step` on, of the val set `set`, the loss going from `from` to `to` evenly, but for the first and
 * the last row, each between the two after (before) it: neither is kept for being the lowest or highest of its bucket. */
const valRows = (step: number, n: number, set: string, from: number, to: number): MetricRow[] =>
  Array.from({ length: n }, (_, i) => {
    const at = i === 0 ? 1.5 : i === n - 1 ? n - 2.5 : i;
    return { step: step + i, split: 'val', loss: from + ((to - from) * at) / (n - 1), perplexity: 8, data_fingerprint: set };
  });

test('val rows of two val sets, thinned past the cap, keep each set\'s lowest loss and its first and last rows', () => {
  // a resume onto an easier set (the old set's lowest is above every loss of the new one) and onto a harder one
  // whose lowest is its first evaluation: wherever the change falls in a bucket, each set keeps its own lowest
  for (const [name, second] of [['easier', [1.5, 1]], ['harder', [2.5, 3.5]]] as const) {
    for (let first = 4097; first <= 4104; first++) {
      const rows = [...valRows(1, first, 'A', 3, 2), ...valRows(first + 1, SERIES_CAP.rows + 800 - first, 'B', second[0], second[1])];
      const store = new CappedRows(NUMERIC_KEYS);
      rows.forEach((row, i) => store.add(row, i + 1, 90));
      const kept = store.rows();
      assert.ok(kept.length < rows.length / 2, `${name}, ${first} rows of set A: thinned to ${kept.length} of ${rows.length}`);
      for (const set of ['A', 'B']) {
        const all = rows.filter((r) => r.data_fingerprint === set), held = kept.filter((r) => r.data_fingerprint === set);
        const lowest = all.reduce((a, b) => ((b.loss as number) < (a.loss as number) ? b : a));
        const where = `${name}, set ${set} of ${all.length} rows (set A ${first})`;
        assert.ok(held.includes(lowest), `${where}: its lowest loss ${lowest.loss} at step ${lowest.step} is kept`);
        assert.deepEqual([held[0], held.at(-1)], [all[0], all.at(-1)], `${where}: its first and last rows are kept`);
      }
    }
  }
});

test('representatives of representatives are those of the rows, across changes of val set and rows without one', () => {
  const r = random(11);
  for (let trial = 0; trial < 1000; trial++) {
    const rows: MetricRow[] = [];
    let set: string | undefined = r() < 0.5 ? undefined : 'A'; // an older version's rows name no set
    for (let step = 1; step <= 30; step++) {
      if (r() < 0.15) set = [undefined, 'A', 'B', 'C'][Math.floor(r() * 4)];
      rows.push({ step, split: 'val', loss: Math.round(r() * 5), ...(set === undefined ? {} : { data_fingerprint: set }) });
    }
    const all = held(rows);
    const cut = 1 + Math.floor(r() * 28);
    const merged = representatives([...representatives(all.slice(0, cut), ['loss']), ...representatives(all.slice(cut), ['loss'])], ['loss']);
    assert.deepEqual(merged.map((h) => h.seq), representatives(all, ['loss']).map((h) => h.seq), `trial ${trial}, cut at ${cut}`);
  }
});

test('val rows that change val set at every row (a buggy or hostile file) stay within the cap, and are thinned rarely', () => {
  // each set's ends were kept, so such rows were never thinned: every row held (unbounded), and every row past the cap
  // thinned all of them again (12,000 rows: 10 CPU-s)
  const cap = { rows: 512, bytes: 1 << 30 };
  for (const sets of [(i: number) => `set-${i}`, (i: number) => (i % 2 === 0 ? 'A' : 'B')]) {
    const s = new CappedSeries(['loss'], cap);
    let thinnings = 0;
    const n = 20 * cap.rows;
    for (let i = 1; i <= n; i++) {
      if (s.add({ seq: i, row: { step: i, split: 'val', loss: i === 5000 ? 0.5 : 1 + (i % 7), data_fingerprint: sets(i) }, bytes: 80 })) thinnings++;
      assert.ok(s.held().length <= cap.rows, `row ${i} of ${sets(i)}: ${s.held().length} rows held`);
    }
    assert.ok(thinnings <= (2 * n) / (cap.rows / 2), `${thinnings} thinnings of ${n} rows`);
    assert.ok(s.held().some((h) => h.row.loss === 0.5), 'the lowest loss is kept');
    assert.equal(s.held().at(-1)!.seq, n, 'the newest row is kept');
  }
});
