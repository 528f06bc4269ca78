// Walks of the data loader over a grid of options (shuffle, length grouping, packing, dropLast, seeds, batch and group
// sizes), 3 epochs each with evaluations noted between batches, plus resumes from saved positions: every batch's epoch,
// index, epoch size, rows, contents and the position after it. test/fixtures/loader-walks.json holds them as the loader
// of e22bfdc2 made them (before its per-row arrays became typed arrays); loader-walks.test.ts asserts they are unchanged.
// Rewrite the fixture only for an intended change of order: node --import tsx test/data/loader-walks.ts --write
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataLoader, type LoadedBatch, type LoaderOptions } from '../../src/data/loader.ts';
import type { TokenRow } from '../../src/data/batch.ts';

export const WALKS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'loader-walks.json');

/** `n` rows of 1–`maxLen` tokens from a fixed LCG (many ties of length, which sorts must keep in order). */
function rowsOf(n: number, maxLen: number, seed: number): TokenRow[] {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8);
  return Array.from({ length: n }, (_, i) => ({ inputIds: Int32Array.from({ length: 1 + (next() % maxLen) }, (_, t) => 3 + ((i * 7 + t) % 50)), label: i % 3 }));
}

export const ROW_SETS = { small: rowsOf(61, 30, 11), large: rowsOf(1300, 40, 5) };
/** The same rows without class labels, which packing refuses. */
const UNLABELLED = { small: ROW_SETS.small.map(({ inputIds }) => ({ inputIds })), large: ROW_SETS.large.map(({ inputIds }) => ({ inputIds })) };

export function configs(): Array<{ set: keyof typeof ROW_SETS; opts: LoaderOptions }> {
  const out: Array<{ set: keyof typeof ROW_SETS; opts: LoaderOptions }> = [];
  for (const set of ['small', 'large'] as const) {
    for (const batchSize of set === 'small' ? [1, 3, 8] : [4, 32]) {
      for (const shuffle of [false, true]) for (const groupByLength of [false, true]) for (const packLength of [undefined, 48]) {
        for (const dropLast of [false, true]) for (const seed of shuffle ? [0, 42] : [undefined]) {
          for (const groupSize of groupByLength && shuffle ? [undefined, batchSize * 3] : [undefined]) {
            out.push({ set, opts: { batchSize, shuffle, groupByLength, dropLast, ...(packLength ? { packLength } : {}), ...(seed !== undefined ? { seed } : {}), ...(groupSize ? { groupSize } : {}) } });
          }
        }
      }
    }
  }
  return out;
}

const digest = (b: LoadedBatch) => {
  const h = createHash('sha256');
  for (const a of [b.batch.inputIds, b.batch.positions, b.batch.segments, b.batch.targets, b.batch.scoreIndex, b.batch.classLabels ?? new Int32Array()]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.update(`${b.batch.B},${b.batch.T},${b.batch.targetCount}`).digest('hex').slice(0, 12);
};
/** One batch as a line: epoch, index, epoch size, rows, contents' digest, then the position after it. */
const line = (b: LoadedBatch, l: DataLoader) => `${b.epoch}/${b.index}/${b.epochBatches} ${b.rows.join(',')} ${digest(b)} ${JSON.stringify(l.position)}`;

/** A walk of 3 epochs with evaluations after some batches, and the batches after each of 4 resumes (JSON positions, and an epoch/index one without torchDraws). */
export function walk(rows: readonly TokenRow[], opts: LoaderOptions): string[] {
  const l = new DataLoader(rows, opts);
  const total = 3 * l.epochBatches;
  const lines: string[] = [], positions: string[] = [];
  l.noteEvaluation(); // HF's eval_on_start
  for (let k = 0; k < total; k++) {
    positions.push(JSON.stringify(l.position));
    const b = l.next();
    lines.push(line(b, l));
    if (k % 5 === 2) l.noteEvaluation();
  }
  for (const at of [1, Math.floor(total / 3), Math.floor(total / 2), total - 1]) {
    const r = new DataLoader(rows, opts);
    r.restore(JSON.parse(positions[at]!));
    for (let k = at; k < Math.min(total, at + 4); k++) lines.push(`resumed@${at} ${line(r.next(), r)}`);
  }
  const plain = new DataLoader(rows, opts);
  plain.restore({ epoch: 1, index: Math.min(1, l.epochBatches) });
  for (let k = 0; k < 3; k++) lines.push(`epoch/index ${line(plain.next(), plain)}`);
  return lines;
}

export interface WalkRecord {
  /** The small set's walk: its batches' rows, batches split by "|" (the large set's: absent). */
  rows?: string;
  /** sha256 of every line of the walk (batches' rows, contents, positions, resumes). */
  sha256: string;
}

/** Every config's walk as a record: the rows of the small set's batches readable, and a digest of all. */
export function allWalks(): Record<string, WalkRecord> {
  const out: Record<string, WalkRecord> = {};
  for (const { set, opts } of configs()) {
    const lines = walk((opts.packLength ? UNLABELLED : ROW_SETS)[set], opts);
    const rows = lines.filter((l) => /^\d/.test(l)).map((l) => l.split(' ')[1]).join('|');
    out[`${set} ${JSON.stringify(opts)}`] = { ...(set === 'small' ? { rows } : {}), sha256: createHash('sha256').update(lines.join('\n')).digest('hex') };
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  fs.writeFileSync(WALKS_FILE, JSON.stringify(allWalks(), null, 1) + '\n');
  console.log(`wrote ${WALKS_FILE}`);
}
