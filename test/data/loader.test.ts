// The data loader: file order, seeded per-epoch shuffles, length grouping, packing, short last batches,
// and a JSON position that resumes exactly.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { FIXTURES } from '../helpers.ts';
import { DataLoader, type LoaderOptions } from '../../src/data/loader.ts';
import { Rng } from '../../src/util/rng.ts';
import type { TokenRow } from '../../src/data/batch.ts';

const rng = new Rng(4);
const rows: TokenRow[] = Array.from({ length: 23 }, (_, i) => ({ inputIds: [1, ...Array.from({ length: 1 + rng.below(30) }, () => 10 + i)] }));
const rowOf = (b: { batch: { inputIds: Int32Array; T: number; B: number } }) =>
  Array.from({ length: b.batch.B }, (_, r) => b.batch.inputIds[r * b.batch.T + 1]! - 10);
const take = (l: DataLoader, n: number) => Array.from({ length: n }, () => l.next());

test('without shuffling: file order, batches of batchSize, a short last batch, then the next epoch', () => {
  const l = new DataLoader(rows, { batchSize: 5 });
  assert.equal(l.epochBatches, 5);
  const got = take(l, 6);
  assert.deepEqual(got.map((b) => b.rows), [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19], [20, 21, 22], [0, 1, 2, 3, 4]]);
  assert.deepEqual(got.map((b) => b.epoch), [0, 0, 0, 0, 0, 1]);
  assert.deepEqual(rowOf(got[1]!), [5, 6, 7, 8, 9], 'the batch holds those rows');
  assert.equal(new DataLoader(rows, { batchSize: 5, dropLast: true }).epochBatches, 4);
});

test('seeded shuffle: a permutation every epoch, different between epochs, the same for the same seed', () => {
  const a = new DataLoader(rows, { batchSize: 4, shuffle: true, seed: 1 });
  const b = new DataLoader(rows, { batchSize: 4, shuffle: true, seed: 1 });
  const c = new DataLoader(rows, { batchSize: 4, shuffle: true, seed: 2 });
  const e0 = take(a, 6).flatMap((x) => x.rows), e1 = take(a, 6).flatMap((x) => x.rows);
  assert.deepEqual([...e0].sort((x, y) => x - y), rows.map((_, i) => i));
  assert.deepEqual([...e1].sort((x, y) => x - y), rows.map((_, i) => i));
  assert.notDeepEqual(e0, e1);
  assert.deepEqual(take(b, 6).flatMap((x) => x.rows), e0);
  assert.notDeepEqual(take(c, 6).flatMap((x) => x.rows), e0);
});

test('position: saved as JSON mid-epoch and restored into a fresh loader, the batches continue exactly', () => {
  for (const opts of [
    { batchSize: 4, shuffle: true, seed: 9 },
    { batchSize: 3, shuffle: true, seed: 9, groupByLength: true },
    { batchSize: 2, shuffle: true, seed: 9, packLength: 40 },
  ] satisfies LoaderOptions[]) {
    const a = new DataLoader(rows, opts);
    take(a, 9); // into the second epoch for most settings
    const saved = JSON.stringify(a.position);
    const expected = take(a, 12);
    const b = new DataLoader(rows, opts);
    b.restore(JSON.parse(saved));
    const got = take(b, 12);
    assert.deepEqual(got.map((x) => [x.epoch, x.index, x.rows]), expected.map((x) => [x.epoch, x.index, x.rows]), JSON.stringify(opts));
    assert.deepEqual(got.map((x) => [...x.batch.inputIds]), expected.map((x) => [...x.batch.inputIds]));
  }
});

test('length grouping: batches of similar lengths, the longest row in the first batch, every row once per epoch', () => {
  const l = new DataLoader(rows, { batchSize: 4, shuffle: true, seed: 3, groupByLength: true });
  const epoch = take(l, l.epochBatches);
  assert.deepEqual(epoch.flatMap((b) => b.rows).sort((x, y) => x - y), rows.map((_, i) => i));
  const len = (i: number) => rows[i]!.inputIds.length;
  const maxLen = Math.max(...rows.map((r) => r.inputIds.length));
  assert.equal(len(epoch[0]!.rows[0]!), maxLen);
  const padded = (bs: typeof epoch) => bs.reduce((a, b) => a + b.batch.B * b.batch.T, 0);
  const plain = new DataLoader(rows, { batchSize: 4, shuffle: true, seed: 3 });
  assert.ok(padded(epoch) < padded(take(plain, plain.epochBatches)), 'less padding than random batches');
});

test("length grouping takes HF's group_by_length order: each epoch's and each evaluation's draws from torch's generator, batch by batch", () => {
  // transformers 5.17's Trainer on 37 rows of 2–12 tokens over 3 epochs, with and without evaluations between steps
  // (test/fixtures/torch-randperm.json's hf_grouped); before: mega-batches of 50 batches in an order of our own RNG
  const hf = (JSON.parse(fs.readFileSync(path.join(FIXTURES, 'torch-randperm.json'), 'utf8')) as {
    hf_grouped: { lengths: number[]; epochs: number; cases: Array<{ seed: number; batch_size: number; grad_accum: number; evaluations: number[]; order: number[] }> };
  }).hf_grouped;
  const grouped: TokenRow[] = hf.lengths.map((n, i) => ({ inputIds: Int32Array.from({ length: n }, (_, k) => (k === 0 ? 1 : 5 + i)) }));
  for (const c of hf.cases) {
    const opts: LoaderOptions = { batchSize: c.batch_size, shuffle: true, seed: c.seed, groupByLength: true, groupSize: c.batch_size * c.grad_accum };
    const name = `seed ${c.seed}, batch ${c.batch_size} × ${c.grad_accum}, evaluations after steps ${c.evaluations}`;
    const evaluate = (loader: DataLoader, step: number) => c.evaluations.filter((s) => s === step).forEach(() => loader.noteEvaluation());
    // as the trainer steps: grad_accum micro-batches, not crossing an epoch's end; the evaluations after the step
    const walk = (loader: DataLoader, fromStep: number, rowsLeft: number) => {
      const seen: number[] = [], positions: string[] = [], done: number[] = [];
      for (let step = fromStep; seen.length < rowsLeft; step++) {
        const first = loader.next();
        seen.push(...first.rows);
        for (let k = 1; k < c.grad_accum && loader.position.index < first.epochBatches; k++) seen.push(...loader.next().rows);
        evaluate(loader, step);
        positions.push(JSON.stringify(loader.position));
        done.push(seen.length);
      }
      return { seen, positions, done };
    };
    const loader = new DataLoader(grouped, opts);
    evaluate(loader, 0);
    const all = hf.epochs * grouped.length;
    const { seen, positions, done } = walk(loader, 1, all);
    assert.deepEqual(seen, c.order, name);
    // resumed from a step's position (as its checkpoint holds it): the same rows from there to the end
    for (const k of [0, 5, 12, 20, positions.length - 2]) {
      const resumed = new DataLoader(grouped, opts);
      resumed.restore(JSON.parse(positions[k]!));
      assert.deepEqual(walk(resumed, k + 2, all - done[k]!).seen, seen.slice(done[k]), `${name}, resumed after step ${k + 1}`);
    }
  }
});

test('packing: fixed T, every row once per epoch, no sequence over the length', () => {
  const l = new DataLoader(rows, { batchSize: 3, packLength: 48, shuffle: true, seed: 5 });
  const epoch = take(l, l.epochBatches);
  assert.deepEqual(epoch.flatMap((b) => b.rows).sort((x, y) => x - y), rows.map((_, i) => i));
  for (const b of epoch) {
    assert.equal(b.batch.T, 48);
    // a full batch packs several samples into a sequence; the epoch's short last batch may hold one leftover row alone
    if (b.batch.B === 3) assert.ok(b.batch.segments.some((s) => s >= 1), 'several samples per sequence');
  }
  assert.throws(() => new DataLoader(rows, { batchSize: 1, packLength: 8 }), /more than the packed sequence length 8/);
});

test('bad options and positions are refused', () => {
  // one rule and one wording with the library's other count arguments (needInteger), naming the option
  assert.throws(() => new DataLoader(rows, { batchSize: 0 }), { message: 'DataLoader: options.batchSize is 0: give the rows per batch, an integer ≥ 1' });
  assert.throws(() => new DataLoader(rows, { batchSize: 2, packLength: 0 }), { message: 'DataLoader: options.packLength is 0: give the tokens a packed sequence holds, an integer ≥ 1' });
  assert.throws(() => new DataLoader(rows, { batchSize: 2, groupSize: 1.5 }), { message: 'DataLoader: options.groupSize is 1.5: give the rows an optimizer step takes, an integer ≥ 1' });
  assert.throws(() => new DataLoader([], { batchSize: 1 }), /no rows/);
  const l = new DataLoader(rows, { batchSize: 5 });
  assert.throws(() => l.restore({ epoch: 0, index: 99 }), /past the 5 batches/);
  const grouped = new DataLoader(rows, { batchSize: 5, shuffle: true, groupByLength: true });
  assert.throws(() => grouped.restore({ epoch: 0, index: 0, torchDraws: { epoch: 0, now: 3 } }), /torchDraws must be integers, epoch at most 36, now from epoch \+ 24 to epoch \+ 36/);
  // a damaged count far past any position's: refused, not skipped to draw by draw
  assert.throws(() => grouped.restore({ epoch: 1, index: 0, torchDraws: { epoch: 2 ** 52, now: 2 ** 52 + 30 } }), /epoch at most 72/);
  assert.throws(() => grouped.restore({ epoch: 1, index: 0, torchDraws: { epoch: 24, now: 2 ** 52 } }), /now from epoch \+ 24 to epoch \+ 36/);
  // an older version's position (its "rng"): its packs and grouped order were its own
  const old = { epoch: 0, index: 1, rng: [1, 2, 3, 4] as [number, number, number, number] };
  assert.throws(() => grouped.restore(old), /^UserError: loader position of an older mistral-tune, whose length-grouped order \(of its own RNG; now HF's group_by_length order\) differs/);
  assert.throws(() => new DataLoader(rows, { batchSize: 2, packLength: 64 }).restore(old), /whose packing \(next-fit, anew in each epoch's order; now TRL's packs, made once\) differs/);
  new DataLoader(rows, { batchSize: 5, shuffle: true }).restore(old); // shuffled rows: the order of the version before
});

test('a batch of 200,000 rows (group_by_length, shuffled) is planned and collated: no maximum taken by spreading its rows as arguments', () => {
  // before: RangeError (Maximum call stack size exceeded) from Math.max(...rows), a stack trace instead of a run
  const rows: TokenRow[] = Array.from({ length: 200_000 }, (_, i) => ({ inputIds: [1, 2 + (i % 3)] }));
  const l = new DataLoader(rows, { batchSize: 200_000, shuffle: true, seed: 1, groupByLength: true });
  const { batch } = l.next();
  assert.equal(batch.inputIds.length, 200_000 * 2);
});

test("shuffled rows come in HF's Trainer's order for the same seed: randperm(n, seed + epoch) each epoch, batch by batch", () => {
  // transformers 5.17's Trainer, 10 rows at batch size 3 over 3 epochs (test/fixtures/torch-randperm.json's hf_trainer);
  // before: an order of our own RNG, so no run could visit the rows as HF's did
  const hf = (JSON.parse(fs.readFileSync(path.join(FIXTURES, 'torch-randperm.json'), 'utf8')) as { hf_trainer: { rows: number; batch_size: number; epochs: number; orders: Record<string, number[]> } }).hf_trainer;
  const ten: TokenRow[] = Array.from({ length: hf.rows }, (_, i) => ({ inputIds: Int32Array.from([1, 5 + i, 7]) }));
  for (const [seed, order] of Object.entries(hf.orders)) {
    const loader = new DataLoader(ten, { batchSize: hf.batch_size, shuffle: true, seed: Number(seed) });
    const seen: number[] = [];
    const batches: number[] = [];
    for (let b = 0; b < hf.epochs * Math.ceil(hf.rows / hf.batch_size); b++) {
      const next = loader.next();
      seen.push(...next.rows);
      batches.push(next.rows.length);
    }
    assert.deepEqual(seen, order, `seed ${seed}`);
    assert.deepEqual(batches, [3, 3, 3, 1, 3, 3, 3, 1, 3, 3, 3, 1], 'an epoch\'s short last batch, as HF\'s DataLoader (drop_last false)');
    // resumed inside the second epoch: the same order from there
    const resumed = new DataLoader(ten, { batchSize: hf.batch_size, shuffle: true, seed: Number(seed) });
    resumed.restore({ ...loader.position, epoch: 1, index: 2 });
    assert.deepEqual(resumed.next().rows, order.slice(16, 19), `seed ${seed}, resumed`);
  }
});

test("packed, the loader takes TRL's packs in the Trainer's order: SFTTrainer(packing=True)'s batches, shuffled and length-grouped", () => {
  // TRL 1.13's SFTTrainer on 40 rows of 2–20 tokens, max_length 32, 2 epochs (test/fixtures/trl-packing.json's sft);
  // before: the rows were packed next-fit anew in each epoch's order, so no packed run took TRL's batches
  const sft = (JSON.parse(fs.readFileSync(path.join(FIXTURES, 'trl-packing.json'), 'utf8')) as {
    sft: { lengths: number[]; max_length: number; epochs: number; cases: Array<{ seed: number; batch_size: number; grad_accum: number; group_by_length: boolean; batches: number[][][] }> };
  }).sft;
  const forty: TokenRow[] = sft.lengths.map((n, i) => ({ inputIds: Int32Array.from({ length: n }, () => 5 + i) }));
  for (const c of sft.cases) {
    const loader = new DataLoader(forty, {
      batchSize: c.batch_size, shuffle: true, seed: c.seed, packLength: sft.max_length, groupByLength: c.group_by_length, groupSize: c.batch_size * c.grad_accum,
    });
    const batches = c.batches.map(() => {
      const b = loader.next();
      // the rows of each packed sequence, from its segments
      return Array.from({ length: b.batch.B }, (_, r) => b.batch.inputIds.subarray(r * b.batch.T, (r + 1) * b.batch.T))
        .map((seq, r) => [...new Set(Array.from(seq).filter((_, t) => b.batch.segments[r * b.batch.T + t]! >= 0).map((id) => id - 5))]);
    });
    assert.deepEqual(batches, c.batches, `seed ${c.seed}, batch ${c.batch_size} × ${c.grad_accum}${c.group_by_length ? ', grouped' : ''}`);
  }
});

test('the loader holds no JavaScript object per row: under a byte a row on the heap (its lengths and an epoch\'s order are typed arrays)', () => {
  // before: an array per row ([i]) and an epoch's plan of arrays of them, ~77 bytes a row on the heap (74 MB for a
  // million short classification rows, more than their tokens), rebuilt every epoch
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const n = 200_000;
  const rowsOf = (count: number): TokenRow[] => Array.from({ length: count }, (_, i) => ({ inputIds: Int32Array.from({ length: 8 + (i % 33) }, () => 5), label: i % 2 }));
  const few = rowsOf(n);
  const many = rowsOf(2 * n);
  // the heap a loader holds, built and after an epoch and the next's first batch
  const heldBy = (rows: TokenRow[], opts: LoaderOptions): [number, number] => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const loader = new DataLoader(rows, opts);
    gc();
    const built = process.memoryUsage().heapUsed - before;
    for (let b = 0; b < loader.epochBatches + 1; b++) loader.next();
    gc();
    const later = process.memoryUsage().heapUsed - before;
    assert.equal(loader.position.epoch, 1);
    return [built, later];
  };
  for (const opts of [{ batchSize: 256 }, { batchSize: 256, shuffle: true, seed: 42 }, { batchSize: 256, shuffle: true, seed: 42, groupByLength: true }] satisfies LoaderOptions[]) {
    // what a loader of n more rows holds more: the heap the first use of its code takes (compiled code, type feedback:
    // 230–250 KB seen in CI for the grouped order, even after a warm-up) is the same for both, and no row's
    heldBy(many, opts); // its code compiled and optimised over as many rows as measured
    const [fewBuilt, fewLater] = heldBy(few, opts);
    const [manyBuilt, manyLater] = heldBy(many, opts);
    for (const [when, heap] of [['built', manyBuilt - fewBuilt], ['after an epoch', manyLater - fewLater]] as const) {
      assert.ok(heap < n, `${JSON.stringify(opts)}, ${when}: ${heap} bytes more on the heap for ${n} more rows`);
    }
  }
});
