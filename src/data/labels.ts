// Class labels for classification: canonical values (an integer, or a trimmed NFC string without zero-width
// characters; "3" and 3 are
// the same label), and the class list that maps each label to its index — the order given by the user,
// else 0 … max for integer labels that look like class indices, else the labels sorted (see classList).
import { UserError } from '../util/errors.ts';
import { loneSurrogate } from './clean.ts';

export type LabelValue = number | string;

const INTEGER = /^(0|-?[1-9][0-9]{0,14})$/;

/**
 * The canonical label of a raw value, or an error message. `null` means missing (absent, null, blank).
 */
export function canonicalLabel(raw: unknown): { label: LabelValue | null } | { error: string } {
  if (raw === undefined || raw === null) return { label: null };
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw)) return { error: `label ${raw} is not an integer or a string` };
    return { label: raw };
  }
  if (typeof raw === 'string') {
    if (loneSurrogate(raw) >= 0) return { error: `label ${JSON.stringify(raw)} holds a lone surrogate: not Unicode text` };
    // the zero-width characters text fields lose are dropped: "pos\u200b" would print as "pos" yet be another class
    const s = raw.normalize('NFC').replace(/[\u200B\u2060\uFEFF\u180E]/g, '').trim().replace(/\s+/g, ' ');
    if (s === '') return { label: null };
    return { label: INTEGER.test(s) ? Number(s) : s };
  }
  return { error: `label ${JSON.stringify(raw)} is not an integer or a string` };
}

export function labelKey(label: LabelValue): string {
  return typeof label === 'number' ? `#${label}` : `"${label}`;
}

/** Sorts labels: integers ascending, then strings by code point. */
export function sortLabels(labels: LabelValue[]): LabelValue[] {
  return [...labels].sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'number') return -1;
    if (typeof b === 'number') return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Integer labels up to this many classes (0 … max) are taken as class indices, however few are seen. */
const INDEX_CLASSES = 1024;

/**
 * The class list of the labels found in data: when every label is an integer ≥ 0 and they look like class
 * indices — max + 1 ≤ 1024, or max + 1 ≤ 2 × the number of distinct labels — each is its own index
 * (0 … max, as HF datasets store classes); otherwise the labels sorted (integers, then strings), so that
 * ids or dates used as labels (20240101) give one class each instead of millions of empty ones.
 */
export function classList(found: Iterable<LabelValue>): LabelValue[] {
  const seen = new Map<string, LabelValue>();
  for (const l of found) seen.set(labelKey(l), l);
  const all = [...seen.values()];
  let max = -1;
  for (const l of all) {
    if (typeof l !== 'number' || l < 0) return sortLabels(all);
    if (l > max) max = l;
  }
  if (all.length > 0 && max + 1 <= Math.max(INDEX_CLASSES, 2 * all.length)) return Array.from({ length: max + 1 }, (_, i) => i);
  return sortLabels(all);
}

/** The class list: label → index. */
export class LabelSet {
  private readonly index = new Map<string, number>();
  constructor(readonly labels: readonly LabelValue[]) {
    labels.forEach((l, i) => {
      const k = labelKey(l);
      if (this.index.has(k)) throw new UserError(`the class list (labels, --labels) names the label ${JSON.stringify(l)} twice`);
      this.index.set(k, i);
    });
  }

  indexOf(label: LabelValue): number | undefined {
    return this.index.get(labelKey(label));
  }

  /**
   * The class index of a label: its place in the list, or — when every class has a name (a string) — an
   * integer label is the class index itself, as HF datasets store ClassLabel columns.
   */
  classIndex(label: LabelValue): number | undefined {
    const i = this.indexOf(label);
    if (i !== undefined) return i;
    const named = this.labels.every((l) => typeof l === 'string');
    return named && typeof label === 'number' && label >= 0 && label < this.size ? label : undefined;
  }

  get size(): number {
    return this.labels.length;
  }
}

/**
 * What a classification run's kept classes may hide, in warnings: fewer than 2 present; classes found in the
 * data (`inferred`) that differ only in case ("Pos" and "pos"), which are separate classes.
 */
export function classWarnings(present: number, labels: readonly LabelValue[], inferred: boolean): string[] {
  const out: string[] = [];
  if (present < 2) out.push(`the kept records have ${present} class${present === 1 ? '' : 'es'}: a classifier needs at least 2`);
  if (!inferred) return out;
  const byCase = new Map<string, string[]>();
  for (const l of labels) if (typeof l === 'string') byCase.set(l.toLowerCase(), [...(byCase.get(l.toLowerCase()) ?? []), l]);
  for (const same of byCase.values()) {
    if (same.length > 1) out.push(`classes ${same.map((l) => JSON.stringify(l)).join(' and ')} differ only in case: they are separate classes (give --labels, or fix the data)`);
  }
  return out;
}
