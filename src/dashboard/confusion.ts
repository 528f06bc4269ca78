// A large confusion matrix, as the dashboard sends it: the CONFUSION_SHOWN labels with the most errors (false
// negatives + false positives), and the other labels summed into one row and one column, so that every count is
// still accounted for. A classifier of 500 labels writes 250,000 counts per matrix (four in report.json, one in the
// test row of metrics.jsonl): sent whole, each page got megabytes and laid out a table of 250,000 cells. The file
// itself keeps the whole matrix; the page links to it.

/** Labels a matrix keeps whole; a larger one is sent as its excerpt. */
export const CONFUSION_SHOWN = 40;

export interface ConfusionExcerpt {
  /** The labels shown, as indexes into the full label list, ascending. */
  labels: number[];
  /** (shown + 1)²: rows true, columns predicted; the last row and column sum the labels not shown. */
  matrix: number[][];
  /** Labels of the whole matrix. */
  size: number;
}

/** Whether `v` is a square matrix of numbers (train's confusion[true][predicted]). */
function isSquareMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.length > 0 && v.every((row) => Array.isArray(row) && row.length === v.length && row.every((x) => typeof x === 'number'));
}

/** The excerpt of a matrix of more than `shown` labels. */
export function confusionExcerpt(m: number[][], shown = CONFUSION_SHOWN): ConfusionExcerpt {
  const n = m.length;
  const errors = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    for (let p = 0; p < n; p++) {
      if (t === p) continue;
      errors[t] += m[t]![p]!;
      errors[p] += m[t]![p]!;
    }
  }
  const order = [...errors.keys()].sort((a, b) => errors[b]! - errors[a]! || a - b);
  const labels = order.slice(0, shown).sort((a, b) => a - b);
  const at = new Map(labels.map((l, i) => [l, i]));
  const matrix = Array.from({ length: labels.length + 1 }, () => new Array<number>(labels.length + 1).fill(0));
  for (let t = 0; t < n; t++) {
    const row = matrix[at.get(t) ?? labels.length]!;
    for (let p = 0; p < n; p++) row[at.get(p) ?? labels.length]! += m[t]![p]!;
  }
  return { labels, matrix, size: n };
}

/**
 * Replaces, in `value` (parsed JSON, changed in place), every square matrix of more than `shown` labels under a key
 * containing "confusion", at any depth, by its excerpt. Walked without recursion (a metrics row is depth-checked
 * only after).
 */
export function boundConfusions(value: unknown, shown = CONFUSION_SHOWN): void {
  if (value === null || typeof value !== 'object') return;
  const stack: object[] = [value];
  while (stack.length > 0) {
    const o = stack.pop() as Record<string, unknown>;
    for (const [k, v] of Object.entries(o)) {
      if (v === null || typeof v !== 'object') continue;
      if (!isSquareMatrix(v)) stack.push(v);
      else if (v.length > shown && /confusion/i.test(k)) o[k] = confusionExcerpt(v, shown);
    }
  }
}
