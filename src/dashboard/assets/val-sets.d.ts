// The types of val-sets.js (a browser module, served as it is) for the TypeScript that imports it: src/train/loss-curve.ts,
// src/dashboard/metrics-tail.ts.

/** A stretch of rows of one val set: `set` numbers the sets 1, 2, … as they first appear, `from` is its first step. */
export interface SetStretch<R> {
  set: number;
  from: number;
  rows: R[];
}

export function setStretches<R extends { step: number; data_fingerprint?: unknown }>(rows: Iterable<R>): SetStretch<R>[];

export function stretchName(stretch: { set: number; from: number }, index: number): string;

export const MAX_DRAWN_STRETCHES: number;

export function setCount(stretches: ReadonlyArray<{ set: number }>): number;

export const MAX_SETS_TALLIED: number;

export interface SetCounts {
  stretches: number;
  sets: number;
  setsOver: boolean;
}

export class SetTally implements SetCounts {
  readonly stretches: number;
  readonly sets: number;
  readonly setsOver: boolean;
  readonly heldChars: number;
  add(row: { step: number; data_fingerprint?: unknown }): void;
  toJSON(): SetCounts;
}
