// report.json of a prepare run and its readable summary. The report balances by construction and is
// checked before it is written: input_records = kept + rejected, Σ by_reason = rejected, Σ by_shape =
// kept, and the splits add up to kept. It holds no timestamps, durations or paths outside the inputs'
// display names, so the same inputs and options give a byte-identical file.
import type { OptionWords } from '../util/option-words.ts';
import type { LabelValue } from './labels.ts';
import type { Reason, Shape } from './record.ts';
import type { SourceRole } from './sources.ts';
import type { WrittenFile } from '../util/written-record.ts';

export interface SplitCounts {
  train: number;
  val: number;
  test: number;
}

export interface PrepareReport {
  input_records: number;
  kept: number;
  rejected: number;
  by_reason: Partial<Record<Reason, number>>;
  /** Kept records by shape. */
  by_shape: Partial<Record<Shape, number>>;
  splits: SplitCounts;
  /** Tokens of the kept records as the trainer will build them (BOS, template, EOS), by split. */
  tokens: SplitCounts & { total: number };
  /** Kept records longer than --max-tokens, to be truncated by the trainer (--overflow truncate). */
  truncated: number;
  /** Classification: the classes in index order, and the records of each class by split. */
  labels?: LabelValue[];
  label_counts?: Record<'train' | 'val' | 'test', Record<string, number>>;
  /** Per input file: its counts, and how its reader read it (notes: the delimiter chosen, another format it looks written in), where it said. */
  inputs: Array<{ file: string; role: SourceRole; records: number; kept: number; rejected: number; notes?: string[] }>;
  options: Record<string, unknown>;
  warnings: string[];
  /**
   * The size and SHA-256 of each output in the folder as prepare wrote it (train/val/test/rejected.jsonl; not report.json
   * itself): a rerun replaces only a file that is still what it says (out-dir.ts), never one the user edited since.
   */
  files: Record<string, Pick<WrittenFile, 'bytes' | 'sha256'>>;
}

/** Throws if the report does not balance (a bug, never a user error). */
export function checkBalance(r: PrepareReport): void {
  const sum = (o: object): number => Object.values(o).reduce((a: number, b) => a + (b as number), 0);
  const problems: string[] = [];
  if (r.input_records !== r.kept + r.rejected) problems.push(`input_records ${r.input_records} ≠ kept ${r.kept} + rejected ${r.rejected}`);
  if (sum(r.by_reason) !== r.rejected) problems.push(`Σ by_reason ${sum(r.by_reason)} ≠ rejected ${r.rejected}`);
  if (sum(r.by_shape) !== r.kept) problems.push(`Σ by_shape ${sum(r.by_shape)} ≠ kept ${r.kept}`);
  if (sum(r.splits) !== r.kept) problems.push(`Σ splits ${sum(r.splits)} ≠ kept ${r.kept}`);
  const perFile = r.inputs.reduce((a, f) => a + f.records, 0);
  if (perFile !== r.input_records) problems.push(`Σ inputs[].records ${perFile} ≠ input_records ${r.input_records}`);
  if (problems.length) throw new Error(`prepare: the report does not balance: ${problems.join('; ')}`);
}

/**
 * Sorts an object's keys so the JSON is the same whatever order the counts arrived in. Keys are defined
 * as own properties, never assigned: a label named "__proto__" is a count like any other, not a prototype.
 */
export function sortedCounts<K extends string>(m: Map<K, number>): Partial<Record<K, number>> {
  const o: Partial<Record<K, number>> = {};
  for (const k of [...m.keys()].sort()) Object.defineProperty(o, k, { value: m.get(k)!, enumerable: true, writable: true, configurable: true });
  return o;
}

/** The readable summary printed on stderr; `words` name prepare's options as its caller gave them (options.maxTokens, --max-tokens). */
export function summaryText(r: PrepareReport, outDir: string, words: OptionWords): string {
  const pct = (n: number, d: number): string => (d > 0 ? `${((100 * n) / d).toFixed(1)}%` : '–');
  const lines = [
    `prepare: ${r.input_records} record${r.input_records === 1 ? '' : 's'} in ${r.inputs.length} file${r.inputs.length === 1 ? '' : 's'} → ${r.kept} kept (${pct(r.kept, r.input_records)}), ${r.rejected} rejected`,
  ];
  const reasons = Object.entries(r.by_reason) as Array<[string, number]>;
  if (reasons.length) {
    lines.push('  rejected:');
    const w = Math.max(...reasons.map(([k]) => k.length));
    for (const [k, n] of reasons.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) lines.push(`    ${k.padEnd(w)}  ${String(n).padStart(8)}`);
  }
  const shapes = Object.entries(r.by_shape).map(([k, n]) => `${k} ${n}`).join(', ');
  if (shapes) lines.push(`  kept by shape: ${shapes}`);
  lines.push(`  splits:  train ${r.splits.train}  val ${r.splits.val}  test ${r.splits.test}`);
  lines.push(`  tokens:  train ${r.tokens.train}  val ${r.tokens.val}  test ${r.tokens.test}  (total ${r.tokens.total})`);
  if (r.truncated) lines.push(`  ${r.truncated} kept record${r.truncated === 1 ? ' is' : 's are'} longer than ${words.say('maxTokens')} and will be truncated`);
  if (r.labels) lines.push(`  classes (${r.labels.length}): ${r.labels.map((l) => JSON.stringify(l)).join(', ')}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  lines.push(`  wrote ${outDir}/{train,val,test,rejected}.jsonl and report.json`);
  return lines.join('\n');
}
