// The val rows' stretches and sets counted row by row (val-sets.js' SetTally, which the server keeps over every row
// read) are setStretches' over the same rows: the page says the tally where the rows it holds are thinned.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsTail } from '../../src/dashboard/metrics-tail.ts';
import { tempDir } from '../temp-dir.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';

type Row = { step: number; data_fingerprint?: string };
const asset = new URL('../../src/dashboard/assets/val-sets.js', import.meta.url).href;
const { SetTally, setStretches, setCount } = (await import(asset)) as {
  SetTally: new () => { add(r: Row): void; stretches: number; sets: number; setsOver: boolean; heldChars: number; toJSON(): object };
  setStretches(rows: Row[]): Array<{ set: number }>;
  setCount(s: Array<{ set: number }>): number;
};

test('SetTally counts the stretches and sets setStretches finds, rows without a hash included', () => {
  let seed = 7;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let trial = 0; trial < 300; trial++) {
    const rows: Row[] = [];
    const n = Math.floor(rand() * 30);
    for (let step = 0; step < n; step++) {
      const pick = Math.floor(rand() * 5);
      rows.push(pick === 4 ? { step } : { step, data_fingerprint: `fp${pick}` });
    }
    const tally = new SetTally();
    for (const r of rows) tally.add(r);
    const stretches = setStretches(rows);
    assert.deepEqual([tally.stretches, tally.sets], [stretches.length, setCount(stretches)], JSON.stringify(rows));
  }
});

test("the tail's val tally counts every val row read, though the rows held are thinned, and starts over with the file", () => {
  const dir = tempDir('mt-set-tally-');
  const file = path.join(dir, 'metrics.jsonl');
  const N = 9000; // past the 8,192 rows a series holds
  fs.writeFileSync(file, Array.from({ length: N }, (_, i) => JSON.stringify({ step: i, split: 'val', loss: 1, data_fingerprint: `s${i % 3000}` }) + '\n').join(''));
  const tail = new MetricsTail(file);
  tail.poll();
  assert.ok(tail.rows.length < N, `thinned: ${tail.rows.length}`);
  assert.deepEqual(tail.valSets.toJSON(), { stretches: N, sets: 3000, setsOver: false });
  fs.writeFileSync(file, JSON.stringify({ step: 1, split: 'val', loss: 1 }) + '\n');
  tail.poll();
  assert.deepEqual(tail.valSets.toJSON(), { stretches: 1, sets: 1, setsOver: false });
});

test('SetTally holds a long set name as its hashes: 1,000 sets of 60,000-character names, told apart by their last character', () => {
  // a row may hold 64 KiB, and a tally 100,000 names: 6 GiB held for a hostile metrics.jsonl
  const tally = new SetTally();
  const prefix = 'x'.repeat(60_000);
  for (let i = 0; i < 1000; i++) tally.add({ step: i, data_fingerprint: `${prefix}${i}` });
  tally.add({ step: 1000, data_fingerprint: `${prefix}0` }); // back on the first set
  assert.deepEqual(tally.toJSON(), { stretches: 1001, sets: 1000, setsOver: false });
  assert.ok(tally.heldChars <= 1000 * 152, `${tally.heldChars} characters held`);
});

test('SetTally counts object fingerprints as setStretches does: each row its own set', () => {
  const rows: Row[] = [{ step: 1, data_fingerprint: 'a' }, { step: 2 }, ...[3, 4, 5].map((step) => ({ step, data_fingerprint: {} as unknown as string })), { step: 6, data_fingerprint: 'a' }];
  const tally = new SetTally();
  for (const r of rows) tally.add(r);
  const stretches = setStretches(rows);
  assert.deepEqual([tally.stretches, tally.sets], [stretches.length, setCount(stretches)]);
});

test('SetTally counts a null fingerprint, and rows without one after it, as setStretches does', () => {
  // rows without a hash after a null one join the next hash's stretch in setStretches (its `??=`); the tally made them two
  for (const fps of [[null, undefined, 'a'], [undefined, null, undefined, 'a'], ['a', null, undefined, 'b', null, 'b']]) {
    const rows = fps.map((f, step) => (f === undefined ? { step } : { step, data_fingerprint: f as unknown as string }));
    const tally = new SetTally();
    for (const r of rows) tally.add(r);
    const stretches = setStretches(rows);
    assert.deepEqual([tally.stretches, tally.sets], [stretches.length, setCount(stretches)], JSON.stringify(fps));
  }
});
