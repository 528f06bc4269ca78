// Packing: the packs are TRL's (pack_dataset's best fit decreasing, test/fixtures/trl-packing.json), and a packed
// batch gives the same per-sample losses as each sample run alone (the real tiny Mistral, CPU backend), because
// segments block attention across samples, positions restart and targets stop at each sample's end.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, testBackend, TEST_DTYPE, tol } from '../backend/device.ts';
import { packBestFit } from '../../src/data/pack.ts';
import { Rng } from '../../src/util/rng.ts';
import { IGNORE_INDEX, collate, collatePacked, type TokenRow } from '../../src/data/batch.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';

const model = loadModel(TINY_BASE, { backend: testBackend(), dtype: TEST_DTYPE });
const rng = new Rng(2);
const sample = (len: number, masked: number): TokenRow => {
  const inputIds = [1, ...Array.from({ length: len - 1 }, () => 3 + rng.below(500))];
  return { inputIds, labels: inputIds.map((id, t) => (t < masked ? IGNORE_INDEX : id)) };
};
// lengths around and beyond the fixture's sliding window (8)
const samples = [sample(5, 2), sample(13, 4), sample(9, 0), sample(20, 7), sample(3, 1), sample(11, 11 - 3)];

test("packBestFit: TRL's packs — longest first into the fullest pack that holds it, 1000 rows at a time", () => {
  const lengths = samples.map((s) => s.inputIds.length); // 5 13 9 20 3 11
  assert.deepEqual(packBestFit(lengths, 32), [[3, 5], [1, 2, 0, 4]]);
  assert.deepEqual(packBestFit(lengths, 24), [[3, 4], [1, 5], [2, 0]]);
  assert.throws(() => packBestFit(lengths, 16), /sample 3 has 20 tokens, more than the packed sequence length 16/);
  // trl.pack_dataset's own packs (trl 1.13): before, the rows were packed next-fit in each epoch's order
  const trl = (JSON.parse(fs.readFileSync(path.join(FIXTURES, 'trl-packing.json'), 'utf8')) as {
    packs: Array<{ seq_length: number; lengths: number[]; packs: number[][] }>;
  }).packs;
  for (const c of trl) assert.deepEqual(packBestFit(c.lengths, c.seq_length), c.packs, `${c.lengths.length} rows in ${c.seq_length}`);
});

test('collatePacked: segments, restarting positions, targets that stop at each sample end', () => {
  const b = collatePacked([[samples[0]!, samples[4]!]], 0, 10);
  assert.deepEqual([...b.segments], [0, 0, 0, 0, 0, 1, 1, 1, -1, -1]);
  assert.deepEqual([...b.positions].slice(0, 8), [0, 1, 2, 3, 4, 0, 1, 2]);
  const s0 = samples[0]!, s4 = samples[4]!;
  assert.deepEqual([...b.targets], [IGNORE_INDEX, s0.labels![2], s0.labels![3], s0.labels![4], IGNORE_INDEX, s4.labels![1], s4.labels![2], IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX]);
  assert.equal(b.targetCount, 3 + 2);
  assert.equal(b.inputIds[5], 1, 'the second sample starts with its own BOS');
});

test('a packed batch gives the same per-sample losses as the samples alone (tiny Mistral, CPU)', () => {
  const packs = packBestFit(samples.map((s) => s.inputIds.length), 32);
  const batch = collatePacked(packs.map((p) => p.map((i) => samples[i]!)), 0, 32);
  const packed = model.tokenLosses(batch);
  let worst = 0, total = 0, count = 0;
  packs.forEach((p, b) => {
    let o = b * batch.T;
    for (const i of p) {
      const alone = collate([samples[i]!], 0, null);
      const ref = model.tokenLosses(alone);
      const len = samples[i]!.inputIds.length;
      for (let t = 0; t < len; t++) {
        worst = Math.max(worst, Math.abs(packed[o + t]! - ref[t]!));
        total += ref[t]!;
      }
      count += alone.targetCount;
      o += len;
    }
  });
  assert.ok(worst < tol('packedLoss'), `max |packed − alone| = ${worst}`);
  const { sum, count: c } = model.loss(batch);
  assert.equal(c, count);
  assert.ok(Math.abs(sum - total) < tol('loss') * Math.abs(total), `${sum} vs ${total}`);
});

test('without segments (plain concatenation) the losses differ: the check above can fail', () => {
  const batch = collatePacked([[samples[1]!, samples[2]!]], 0);
  const leaky = { ...batch, segments: batch.segments.map((s) => (s >= 0 ? 0 : -1)), positions: Int32Array.from(batch.positions, (_, t) => t) };
  const a = model.tokenLosses(batch), b = model.tokenLosses(leaky);
  const o = samples[1]!.inputIds.length;
  let diff = 0;
  for (let t = o; t < o + samples[2]!.inputIds.length; t++) diff = Math.max(diff, Math.abs(a[t]! - b[t]!));
  assert.ok(diff > 1e-3, `second sample's losses should change when it can see the first (${diff})`);
});

test('classification rows are not packed', () => {
  assert.throws(() => collatePacked([[{ inputIds: [1, 2], label: 0 }]], 0), /cannot be packed/);
});
