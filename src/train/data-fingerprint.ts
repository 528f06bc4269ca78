// What a checkpoint records of the data a run trained and evaluated on: per split, its examples, tokens and a hash
// of their token ids, labels and classes. A resume compares them with the data loaded now: the loader's position
// (epoch, micro-batch) means nothing in another training set, and evaluations on another val set measure
// something else than those before the checkpoint.
import { createHash } from 'node:crypto';
import type { TokenRow } from '../data/batch.ts';

export interface SplitFingerprint {
  examples: number;
  tokens: number;
  /** SHA-256 of every row's input ids, target labels and class, in order (hex, first 16 characters). */
  hash: string;
}

export type DataFingerprints = Record<'train' | 'val' | 'test', SplitFingerprint | null>;

export function splitFingerprint(rows: readonly TokenRow[]): SplitFingerprint {
  const h = createHash('sha256');
  let tokens = 0;
  const ints = (xs: ArrayLike<number>): Buffer => Buffer.from(Int32Array.from(xs).buffer);
  for (const r of rows) {
    tokens += r.inputIds.length;
    h.update(ints([r.inputIds.length, r.labels ? r.labels.length : -1, r.label ?? -1]));
    h.update(ints(r.inputIds));
    if (r.labels) h.update(ints(r.labels));
  }
  return { examples: rows.length, tokens, hash: h.digest('hex').slice(0, 16) };
}

export function dataFingerprints(splits: { train: readonly TokenRow[]; val: readonly TokenRow[] | null; test: readonly TokenRow[] | null }): DataFingerprints {
  return { train: splitFingerprint(splits.train), val: splits.val && splitFingerprint(splits.val), test: splits.test && splitFingerprint(splits.test) };
}

/** The splits whose data differ between a checkpoint's fingerprints and the data loaded now, each described. */
export function changedData(saved: DataFingerprints, now: DataFingerprints): Array<{ split: keyof DataFingerprints; what: string }> {
  const out: Array<{ split: keyof DataFingerprints; what: string }> = [];
  for (const split of ['train', 'val', 'test'] as const) {
    const a = saved[split], b = now[split];
    if (a === null && b === null) continue;
    if (a === null || b === null) {
      out.push({ split, what: a === null ? 'added' : 'removed' });
    } else if (a.hash !== b.hash) {
      const count = (n: number, noun: string): string => `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
      const size = (f: SplitFingerprint): string => `${count(f.examples, 'example')}, ${count(f.tokens, 'token')}`;
      out.push({ split, what: a.examples === b.examples && a.tokens === b.tokens ? `its tokens differ (${size(b)} both times)` : `${size(a)} then, ${size(b)} now` });
    }
  }
  return out;
}

/** Whether a checkpoint's recorded value has the shape of DataFingerprints (a damaged or foreign one is skipped). */
export function isDataFingerprints(x: unknown): x is DataFingerprints {
  const split = (f: unknown): boolean => f === null || (typeof f === 'object' && f !== null &&
    Number.isSafeInteger((f as SplitFingerprint).examples) && Number.isSafeInteger((f as SplitFingerprint).tokens) && typeof (f as SplitFingerprint).hash === 'string');
  return typeof x === 'object' && x !== null && ['train', 'val', 'test'].every((k) => Object.hasOwn(x, k) && split((x as Record<string, unknown>)[k]));
}
