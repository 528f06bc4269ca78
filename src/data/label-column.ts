// A CSV or TSV label column typed as pandas' read_csv types it (HF datasets' csv loader is read_csv): by the whole
// column, not cell by cell. A column whose every label is a number is numeric (int64, or float64 where one is a
// fraction or missing): its "2.5" is the float 2.5, no class name, and is refused as a JSON 2.5 is; a column that holds
// a word is text (object), where "2.5" stays a class name. labels.ts reads each cell alone; this pass over the file
// first says which cells pandas would read as numbers that no class can be. In a text column (and a JSON field of
// strings only, as pyarrow types it), labels read as one number that HF keeps apart ("007" and "7") are said.
import { BOOLEAN_CELLS, NO_CLASS_LIST, canonicalLabel, integerCell, labelKey, labelText, type LabelReading, type LabelValue } from './labels.ts';
import type { Format, RawItem } from './ingest/types.ts';

/** The dtype pandas gives a label column: numbers (int64, float64), booleans, text (object), or no value at all. */
export type LabelColumnKind = 'numbers' | 'booleans' | 'text' | 'empty';

/** pandas' default na_values: cells read as NaN whatever the column's type. */
const PANDAS_NA = new Set(['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null']);
/** A number as pandas' C parser reads a cell: a decimal with optional sign, point and exponent, or an infinity. */
const NUMBER = /^[-+]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|inf|infinity)$/i;

type CellKind = 'na' | 'number' | 'boolean' | 'text';

function cellKind(cell: unknown): CellKind {
  if (cell === undefined || cell === null) return 'na';
  if (typeof cell !== 'string') return 'text';
  const s = labelText(cell);
  if (PANDAS_NA.has(s)) return 'na';
  if (NUMBER.test(s)) return 'number';
  return BOOLEAN_CELLS.has(s) ? 'boolean' : 'text';
}

/** The kind of a column of cells (CSV text, undefined where a row lacks it): numbers and booleans together are text. */
export function labelColumnKind(cells: Iterable<unknown>): LabelColumnKind {
  return scanLabelColumn(cells).kind;
}

/** A label column's kind, its first word where it is text, and its distinct label texts. */
function scanLabelColumn(cells: Iterable<unknown>): { kind: LabelColumnKind; word?: string; texts: Set<string> } {
  let kind: LabelColumnKind = 'empty', word: string | undefined;
  const texts = new Set<string>();
  for (const cell of cells) {
    const k = cellKind(cell);
    if (typeof cell === 'string') texts.add(labelText(cell));
    if (k === 'na' || kind === 'text') continue;
    const as = k === 'number' ? 'numbers' : k === 'boolean' ? 'booleans' : 'text';
    if (as === 'text') word = labelText(String(cell));
    if (as === 'text' || (kind !== 'empty' && kind !== as)) kind = 'text';
    else kind = as;
  }
  return word === undefined ? { kind, texts } : { kind, word, texts };
}

/**
 * Notes on the labels of a text column that labels.ts reads as one number or boolean ("007" and "7" as 7, "true" and
 * "True" as "True"), which pandas keeps apart there as the strings they are: two classes merged, unless they are one.
 */
function mergedLabelNotes(field: string, word: string | undefined, texts: Iterable<string>, classes: LabelReading, format: Format): string[] {
  const byClass = new Map<string, { label: LabelValue; texts: string[] }>();
  for (const text of texts) {
    const c = canonicalLabel(text, classes);
    if ('error' in c || c.label === null || (typeof c.label === 'string' && !BOOLEAN_CELLS.has(text))) continue;
    const k = labelKey(c.label);
    const group = byClass.get(k) ?? { label: c.label, texts: [] };
    group.texts.push(text);
    byClass.set(k, group);
  }
  const holds = word === undefined ? '' : ` (it holds ${JSON.stringify(word)})`;
  const where = format === 'csv' || format === 'tsv'
    ? { what: 'column', reads: `pandas reads the column as text${holds} and keeps them apart, as Hugging Face datasets' csv loader does` }
    : { what: 'field', reads: `Hugging Face datasets reads the field as strings${holds} and keeps them apart` };
  return [...byClass.values()].filter((g) => g.texts.length > 1).map((g) =>
    `labels ${g.texts.map((t) => JSON.stringify(t)).join(' and ')} of ${where.what} ${JSON.stringify(field)} are read as one class, ${JSON.stringify(g.label)}, ` +
    `where ${where.reads}: if they are two classes, rename one in the data`);
}

const cellOf = (item: RawItem, field: string): unknown =>
  item.value !== null && typeof item.value === 'object' && Object.hasOwn(item.value, field) ? (item.value as Record<string, unknown>)[field] : undefined;

/**
 * The items of a classification file, with the records of a CSV or TSV whose label column is numeric (labelColumnKind)
 * and whose label there is a number no class can be (2.5; an integer past 15 digits) made `unknown_label` rejections
 * that say why: pandas reads the column as float64, so the cell is that number, not a class name. `read(quiet)` reads
 * the file; quiet, as this pass reads it first, it tells no progress and no notes. Other formats are read once. A
 * label the class list (`classes`, --labels) names as a string ("2.5") is that class, as the user said. In a text
 * column, labels read as one number or boolean that pandas keeps apart ("007" and "7") are said to `onNote`.
 */
export function* typedLabelCells(format: Format, field: string, read: (quiet: boolean) => Iterable<RawItem>, classes: LabelReading = NO_CLASS_LIST, onNote?: (note: string) => void): Generator<RawItem> {
  if (format === 'json' || format === 'jsonl') return yield* notingStringField(format, field, read(false), classes, onNote);
  if (format !== 'csv' && format !== 'tsv') return yield* read(false);
  const { kind, word, texts } = scanLabelColumn((function* () { for (const item of read(true)) if (!item.error) yield cellOf(item, field); })());
  if (kind === 'text') for (const note of mergedLabelNotes(field, word, texts, classes, format)) onNote?.(note);
  for (const item of read(false)) {
    const cell = cellOf(item, field);
    const text = typeof cell === 'string' ? labelText(cell) : '';
    if (kind !== 'numbers' || item.error || typeof cell !== 'string' || cellKind(cell) !== 'number' || integerCell(text) !== null || classes.namesClass(text)) {
      yield item;
      continue;
    }
    const whole = /^[-+]?[0-9]+$/.test(text);
    const what = whole ? 'an integer a class index can be (too large)' : 'a whole number';
    yield {
      ...item, value: undefined,
      error: {
        reason: 'unknown_label',
        detail: `label ${text} is not ${what}: every label of column ${JSON.stringify(field)} is a number, so pandas reads the column as ${whole ? 'int64' : 'float64'} ` +
          `(as Hugging Face datasets' csv loader does), not as class names; a label is an integer, a string, or true/false`,
      },
    };
  }
}

/**
 * The items of a JSON or JSON Lines file as they come; once read, where every label is a JSON string (a string column,
 * as pyarrow types it for HF datasets), the labels read as one number or boolean that it keeps apart are said to `onNote`.
 */
function* notingStringField(format: Format, field: string, items: Iterable<RawItem>, classes: LabelReading, onNote?: (note: string) => void): Generator<RawItem> {
  const texts = new Set<string>();
  let strings = true, word: string | undefined;
  for (const item of items) {
    const cell = item.error ? undefined : cellOf(item, field);
    if (typeof cell === 'string') {
      const text = labelText(cell);
      texts.add(text);
      if (word === undefined && cellKind(text) === 'text') word = text;
    } else if (cell !== undefined && cell !== null) strings = false;
    yield item;
  }
  if (strings) for (const note of mergedLabelNotes(field, word, texts, classes, format)) onNote?.(note);
}
