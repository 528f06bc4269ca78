// A CSV or TSV label column typed as pandas' read_csv types it (HF datasets' csv loader is read_csv): by the whole
// column, not cell by cell. A column whose every label is a number is numeric (int64, or float64 where one is a
// fraction or missing): its "2.5" is the float 2.5, no class name, and is refused as a JSON 2.5 is; a column that holds
// a word is text (object), where "2.5" stays a class name. labels.ts reads each cell alone; this pass over the file
// first says which cells pandas would read as numbers that no class can be.
import { BOOLEAN_CELLS, NO_CLASS_LIST, integerCell, labelText, type LabelReading } from './labels.ts';
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
  let kind: LabelColumnKind = 'empty';
  for (const cell of cells) {
    const k = cellKind(cell);
    if (k === 'na') continue;
    const as = k === 'number' ? 'numbers' : k === 'boolean' ? 'booleans' : 'text';
    if (as === 'text' || (kind !== 'empty' && kind !== as)) return 'text';
    kind = as;
  }
  return kind;
}

const cellOf = (item: RawItem, field: string): unknown =>
  item.value !== null && typeof item.value === 'object' && Object.hasOwn(item.value, field) ? (item.value as Record<string, unknown>)[field] : undefined;

/**
 * The items of a classification file, with the records of a CSV or TSV whose label column is numeric (labelColumnKind)
 * and whose label there is a number no class can be (2.5; an integer past 15 digits) made `unknown_label` rejections
 * that say why: pandas reads the column as float64, so the cell is that number, not a class name. `read(quiet)` reads
 * the file; quiet, as this pass reads it first, it tells no progress and no notes. Other formats are read once. A
 * label the class list (`classes`, --labels) names as a string ("2.5") is that class, as the user said.
 */
export function* typedLabelCells(format: Format, field: string, read: (quiet: boolean) => Iterable<RawItem>, classes: LabelReading = NO_CLASS_LIST): Generator<RawItem> {
  if (format !== 'csv' && format !== 'tsv') return yield* read(false);
  const kind = labelColumnKind((function* () { for (const item of read(true)) if (!item.error) yield cellOf(item, field); })());
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
