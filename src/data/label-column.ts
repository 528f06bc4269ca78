// A label column typed as HF datasets types it, by the whole column, not cell by cell. A CSV or TSV column as pandas'
// read_csv types it (HF datasets' csv loader is read_csv): a column whose every label is a number is numeric (int64, or
// float64 where one is a fraction or missing): its "2.5" is the float 2.5, no class name, rejected as a JSON 2.5 is
// (a column of them refused: FractionCount); a column that holds a word is text (object), where "2.5" stays a class name. A JSON or JSON Lines field as
// pyarrow's JSON reader types it (HF datasets' json loader): by the JSON type of its values, strings a string column
// whose "007", "7" and "-1" are three classes as written, as run_classification.py keeps them (str(label), sorted);
// a field that mixes strings, numbers and booleans is refused, as HF fails on it. labels.ts reads each cell alone; this
// pass, as the file is read, says which cells pandas would read as numbers that no class can be, and marks the labels
// of a text column to be read as the class names they spell ("007" stays "007", as HF keeps it).
import { BOOLEAN_CELLS, NO_CLASS_LIST, NO_LABEL, canonicalLabel, integerCell, labelKey, labelText, type LabelReading, type LabelValue } from './labels.ts';
import { recordAt, recordLine, recordPlace, type Format, type RawItem, type RecordAt } from './ingest/types.ts';
import { UserError } from '../util/errors.ts';
import { boundedItemsText } from '../util/bounded-json.ts';

/** The dtype pandas gives a label column: numbers (int64, float64), booleans, text (object), or no value at all. */
export type LabelColumnKind = 'numbers' | 'booleans' | 'text' | 'empty';

/** pandas' default na_values: cells read as NaN whatever the column's type. */
const PANDAS_NA = new Set(['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null']);
/** A number as pandas' C parser reads a cell: a decimal with optional sign, point and exponent, or an infinity. */
const NUMBER = /^[-+]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|inf|infinity)$/i;

type CellKind = 'na' | 'number' | 'boolean' | 'text';

/**
 * A cell as pandas reads it: its NA words and booleans as written (" NA " is text), a number with ASCII white space
 * around it (" 7 ", where "7\u00a0" is text).
 */
function cellKind(cell: unknown): CellKind {
  if (cell === undefined || cell === null) return 'na';
  if (typeof cell !== 'string') return 'text';
  if (PANDAS_NA.has(cell)) return 'na';
  if (NUMBER.test(cell.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, ''))) return 'number';
  return BOOLEAN_CELLS.has(cell) ? 'boolean' : 'text';
}

/** The kind of a column of cells (CSV text, undefined where a row lacks it): numbers and booleans together are text. */
export function labelColumnKind(cells: Iterable<unknown>): LabelColumnKind {
  return scanLabelColumn(cells).kind;
}

/**
 * The most distinct label texts that read as a number or boolean kept to say merged labels: every class of the most a
 * classification head is trained for here (65536, config-head.ts MAX_LABELS) spelled two ways ("007" and "7").
 */
export const LABEL_TEXTS_MAX = 2 * 65536;

/**
 * The distinct label texts that read as one number or boolean ("007", "7", "true"), the only ones mergedLabelNotes can
 * name; none past LABEL_TEXTS_MAX of them, so that a column of ids, or of sentences (--field label=text by mistake),
 * is not held in memory whole.
 */
function addNumberText(texts: Set<string>, text: string, full: { past: boolean }): void {
  if (full.past || texts.has(text) || (integerCell(text) === null && !BOOLEAN_CELLS.has(text))) return;
  texts.add(text);
  if (texts.size > LABEL_TEXTS_MAX) {
    full.past = true;
    texts.clear();
  }
}

/** A label column's kind, its first word where it is text, and its distinct label texts read as numbers or booleans, told cell by cell. */
export class LabelColumnScan {
  kind: LabelColumnKind = 'empty';
  word: string | undefined;
  readonly texts = new Set<string>();
  /** The first label cell spelling -1 ("-1", "-1.0"): in a text column a class, not HF's "no label" (the string is not the integer). */
  minusOne: string | undefined;
  private readonly full = { past: false };

  /** Adds a cell; its kind, and its text where it is a string. */
  add(cell: unknown): { kind: CellKind; text: string } {
    const text = typeof cell === 'string' ? labelText(cell) : '';
    const k = cellKind(cell);
    if (typeof cell === 'string') addNumberText(this.texts, text, this.full);
    if (this.minusOne === undefined && typeof cell === 'string' && integerCell(text) === NO_LABEL) this.minusOne = text;
    if (k === 'na' || this.kind === 'text') return { kind: k, text };
    const as = k === 'number' ? 'numbers' : k === 'boolean' ? 'booleans' : 'text';
    if (as === 'text') this.word = typeof cell === 'string' ? text : String(cell);
    if (as === 'text' || (this.kind !== 'empty' && this.kind !== as)) this.kind = 'text';
    else this.kind = as;
    return { kind: k, text };
  }
}

/** The scan of a column's cells, up to the first that makes it text (no later cell changes that): a word early in a 10 GB file ends its read. */
function scanLabelColumn(cells: Iterable<unknown>): LabelColumnScan {
  const scan = new LabelColumnScan();
  for (const cell of cells) {
    scan.add(cell);
    if (scan.kind === 'text') break;
  }
  return scan;
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
  const where = format === 'csv' || format === 'tsv'
    ? { what: 'column', reads: `pandas reads the column as text${holding(word)} and keeps them apart, as Hugging Face datasets' csv loader does` }
    : { what: 'field', reads: `Hugging Face datasets reads the field as strings${holding(word)} and keeps them apart` };
  return [...byClass.values()].filter((g) => g.texts.length > 1).map((g) =>
    `labels ${g.texts.map((t) => JSON.stringify(t)).join(' and ')} of ${where.what} ${JSON.stringify(field)} are read as one class, ${JSON.stringify(g.label)}, ` +
    `where ${where.reads}: if they are two classes, rename one in the data`);
}

const cellOf = (item: RawItem, field: string): unknown =>
  item.value !== null && typeof item.value === 'object' && Object.hasOwn(item.value, field) ? (item.value as Record<string, unknown>)[field] : undefined;

/** The memory records held back take, at most (heldBytes), before the rest of the label column is read to type it. */
export const HOLD_BYTES = 64 * 1024 * 1024;

/**
 * The memory a record held back takes, about: its raw text and its parsed cells (each up to 2 bytes a character) and their
 * objects (~450 bytes for a short CSV row, measured: 64 MiB of raw characters in rows of 23 held 1.4 GB).
 */
export const heldBytes = (item: RawItem): number => 512 + 4 * item.raw.length;

/**
 * The items of a classification file, typed by its label column as pandas types it. Where the column of a CSV or TSV is
 * numeric (labelColumnKind), a label that is a number no class can be (2.5; an integer past 15 digits) is made an
 * `unknown_label` rejection that says why (the file refused once read where its fractions are a regression target: FractionCount): pandas reads the column as float64, so the cell is that number, not a class
 * name (a label the class list, `classes`, names as a string, "2.5", is that class, as the user said). Where the column
 * is text, each label is marked `labelAsText`: the class it spells ("007", "True"), as HF datasets' csv loader keeps it,
 * not the number or boolean labels.ts would read it as; that is said to `onNote` once the file is read.
 * `known`, where given, is the column's kind over every file of the dataset (datasetLabelKind: HF types them with one
 * schema); else the file's own. The file is read once (`read(false)`, telling its progress and notes), its items yielded
 * as they come: only a record whose label reads otherwise in a column of another kind (a number or boolean cell) waits,
 * with those after it, until the column is known to be text (a word in it) or the file ends; past `holdBytes` of them
 * held (heldBytes), the label column is typed by a quiet read of the whole file (`read(true)`).
 * A JSON or JSON Lines file's field is typed as it is read (typedJsonLabels), unless a class list reads its labels:
 * `file` names it where its field mixes JSON types.
 */
export function* typedLabelCells(format: Format, field: string, read: (quiet: boolean) => Iterable<RawItem>, classes: LabelReading = NO_CLASS_LIST, onNote?: (note: string) => void, holdBytes = HOLD_BYTES, known?: LabelColumnKind, file?: string): Generator<RawItem> {
  if (format === 'json' || format === 'jsonl') {
    if (classes !== NO_CLASS_LIST) return yield* notingStringField(format, field, read(false), classes, file, onNote);
    return yield* typedJsonLabels(field, read(false), known, file, onNote);
  }
  if (format !== 'csv' && format !== 'tsv') return yield* read(false);
  const scan = new LabelColumnScan(), fractions = new FractionCount(field, 'csv', file);
  let typed: LabelColumnKind | null = known ?? null; // the column's kind, once known before the file ends
  let held: RawItem[] = [], heldSize = 0;
  for (const item of read(false)) {
    const cell = item.error ? undefined : cellOf(item, field);
    const { kind } = scan.add(cell);
    if (typed === null && scan.kind === 'text') typed = 'text';
    // a number or boolean cell reads otherwise in a text column ("007") than in a numeric one (7)
    const undecided = typed === null && (kind === 'number' || kind === 'boolean');
    if (typed === null && (held.length > 0 || undecided)) {
      held.push(item);
      heldSize += heldBytes(item);
      if (heldSize <= holdBytes) continue;
      typed = scanLabelColumn(labelCells(read(true), field)).kind;
    } else if (held.length > 0) held.push(item); // the column is text now: what was held is read as text
    else {
      yield typed === null ? item : typedItem(item, field, typed, classes, fractions);
      continue;
    }
    yield* held.map((h) => typedItem(h, field, typed!, classes, fractions));
    held = [];
    heldSize = 0;
  }
  const kind = typed ?? scan.kind;
  yield* held.map((h) => typedItem(h, field, kind, classes, fractions));
  const refusal = fractions.refusal();
  if (refusal !== null) throw refusal;
  if (kind !== 'text') return;
  const notes = classes === NO_CLASS_LIST ? textColumnNotes(field, scan, 'column', csvTextWhy(scan, known !== undefined && scan.kind !== 'text')) : mergedLabelNotes(field, scan.word, scan.texts, classes, format);
  for (const note of notes) onNote?.(note);
}

/**
 * The labels of a text column (a CSV's, `what` 'column'; a JSON field of strings, 'field') said as the class names they
 * stay, where some spell a number or boolean ("007", "True"), and `why`; "-1" among them is said to be a class, not HF's
 * "no label" as in a column of numbers (run_classification.py keeps the string).
 */
function textColumnNotes(field: string, { texts, minusOne }: LabelColumnScan, what: 'column' | 'field', why: string): string[] {
  if (texts.size === 0 && minusOne === undefined) return [];
  const shown = boundedItemsText([...(texts.size > 0 ? texts : [minusOne!])], { shown: 3, quote: true });
  return [`labels ${shown} of ${what} ${JSON.stringify(field)} are class names as written, not numbers or booleans: ${why}; ` +
    'the classes are sorted as text ("10" before "9"); give --labels to name and order them otherwise' +
    (minusOne === undefined ? '' : `; ${JSON.stringify(minusOne)} is a class here, not Hugging Face's "no label" as -1 is in a ${what} of numbers ` +
      '(run_classification.py keeps the string): to reject its records as missing_label, give --labels naming the other classes')];
}

/** Why a CSV text column's labels are class names as written (textColumnNotes): pandas reads it so, or another file's column is text. */
function csvTextWhy({ word }: LabelColumnScan, byOtherFiles: boolean): string {
  return byOtherFiles ? byOtherFilesWhy('column') : `pandas reads the column as text${holding(word)}, as Hugging Face datasets' csv loader does`;
}

/** Why a file's labels are class names as written where its own column or field is not text (textColumnNotes). */
const byOtherFilesWhy = (what: 'column' | 'field'): string => `the ${what} is text in another file of the dataset, and Hugging Face datasets types every file alike`;

const holding = (word: string | undefined): string => (word === undefined ? '' : ` (it holds ${JSON.stringify(word)})`);

/** A JSON number with a fraction (2.5; not 1.0, which is the class 1, nor one past a double's range, which labels.ts rejects). */
const isFraction = (cell: unknown): cell is number => typeof cell === 'number' && Number.isFinite(cell) && !Number.isInteger(cell);

/** From this share of a column's (field's) labels, fractions no class names make it a regression target, refused (FractionCount). */
export const FRACTION_SHARE = 0.01;

/**
 * The labels of a column (CSV/TSV) or field (JSON/JSONL) of numbers that are fractions no class names (2.5, inf), counted
 * as the file is read: each is an `unknown_label` rejection, as a label outside the class list is — a stray in a file of
 * classes (one "3.5" among 10,000 stars) loses its record alone —; but where they are FRACTION_SHARE or more of the
 * labels, the column is a regression target (an STS-B score file): Hugging Face reads it as floats (pandas' float64,
 * pyarrow's double) and run_classification.py trains float labels as regression (problem_type regression: num_labels 1,
 * MSE loss), which is not trained here, so the file is refused once read (`refusal`), at its first fraction, rather than
 * trained as classes of its whole numbers.
 */
export class FractionCount {
  labels = 0;
  fractions = 0;
  private first: { text: string; at: RecordAt } | undefined;
  constructor(private readonly field: string, private readonly format: 'csv' | 'json', private readonly file: string | undefined) {}

  /** Counts a label; `fraction` its text where it is a fraction no class names. */
  add(at: RecordAt, fraction?: string): void {
    this.labels++;
    if (fraction === undefined) return;
    this.fractions++;
    this.first ??= { text: fraction, at: recordAt(at) };
  }

  /** `item` rejected for its fraction `text` (unknown_label). */
  rejected(item: RawItem, text: string): RawItem {
    return { ...item, value: undefined, error: { reason: 'unknown_label', detail: this.detail(text) } };
  }

  /** The rejection detail of one such fraction. */
  detail(text: string): string {
    return `label ${text} is not a whole number: every label of ${this.what()} ${JSON.stringify(this.field)} is a number, so Hugging Face reads it as floats (${this.dtype()}) and run_classification.py ` +
      `as a regression target, not as class names; a label is an integer, a string, or true/false (${this.fix(text)})`;
  }

  /** The refusal of the file, once read, where its fractions are a regression target; null where they are not. */
  refusal(): UserError | null {
    if (this.first === undefined || this.fractions < FRACTION_SHARE * this.labels) return null;
    const { text, at } = this.first;
    return new UserError(`label ${text} of ${this.what()} ${JSON.stringify(this.field)} is not a whole number, and ${this.fractions} of its ${this.labels} labels are ` +
      `fractions (${FRACTION_SHARE * 100} % or more: a regression target): Hugging Face reads a ${this.what()} of numbers that holds one as floats (${this.dtype()}) and ` +
      'run_classification.py trains float labels as regression (problem_type regression, num_labels 1, MSE loss), which mistral-tune does not train; ' +
      `if these numbers are class names, ${this.fix(text)}`, this.file === undefined ? recordLine(at) : recordPlace(this.file, at));
  }

  private what = (): string => (this.format === 'csv' ? 'column' : 'field');
  private dtype = (): string => (this.format === 'csv' ? "pandas' float64" : "pyarrow's double");
  private fix = (text: string): string => (this.format === 'csv' ? `name them with --labels (--labels ${text},…; labels: in a train config)` : `write every label as a JSON string ("${text}")`);
}

/**
 * The refusal of a label that is a list (go_emotions' [0, 27]): multi-label data, which run_classification.py trains with
 * BCE (problem_type multi_label_classification) and is not trained here; refused at the first, as a fraction is, rather
 * than rejecting those records and training the rest as single-label (pyarrow cannot type a field mixing lists and scalars).
 */
function listLabel(cell: unknown[], field: string, file: string | undefined, at: RecordAt): UserError {
  return new UserError(`label ${quotedLabel(cell)} of field ${JSON.stringify(field)} is a list: multi-label data (several classes to a record; ` +
    "Hugging Face's run_classification.py trains it with problem_type multi_label_classification, BCE loss) is not trained here; give each record one label",
  file === undefined ? recordLine(at) : recordPlace(file, at));
}

/** The JSON type of a label as pyarrow's JSON reader types a field by it; null where there is none (null, absent) or it is no scalar (labels.ts refuses it). */
type JsonKind = 'string' | 'number' | 'boolean';
function jsonKind(cell: unknown): JsonKind | null {
  if (typeof cell === 'string') return 'string';
  if (typeof cell === 'number' || typeof cell === 'bigint') return 'number';
  return typeof cell === 'boolean' ? 'boolean' : null;
}

/** A label as an error quotes it: JSON, cut to 40 characters. */
function quotedLabel(cell: unknown): string {
  const j = JSON.stringify(typeof cell === 'bigint' ? cell.toString() : cell) ?? String(cell);
  return j.length > 40 ? `${j.slice(0, 39)}…` : j;
}

/**
 * A JSON or JSON Lines file's items, typed by their label field as HF datasets' json loader (pyarrow) types it: a field
 * of strings is a string column, whose labels are the class names they spell ("007", "7", "-1" and "True" four classes,
 * as run_classification.py keeps str(label)), marked `labelAsText` and said to `onNote` where some spell a number or
 * boolean; one of numbers or booleans is read by value. A field that mixes strings, numbers and booleans is refused at
 * the first label whose type differs (`file`:line): HF datasets reads it as JSON objects, and run_classification.py
 * fails on them. Where the dataset's label column is text (`known`: a CSV's or another JSON file's), its numbers are
 * text too (7 the class "7", as a column cast to text writes it, not a class 7 beside it), and said so to `onNote`.
 */
function* typedJsonLabels(field: string, items: Iterable<RawItem>, known: LabelColumnKind | undefined, file: string | undefined, onNote?: (note: string) => void): Generator<RawItem> {
  const scan = new LabelColumnScan(), fractions = new FractionCount(field, 'json', file);
  let first: { kind: JsonKind; at: RecordAt; cell: unknown } | undefined, word: string | undefined; // the field's first word, said in the note
  for (const item of items) {
    const cell = item.error ? undefined : cellOf(item, field);
    const kind = jsonKind(cell);
    if (Array.isArray(cell)) throw listLabel(cell, field, file, item);
    if (kind === null) {
      yield item;
      continue;
    }
    if (kind === 'number' && known !== 'text') fractions.add(item, isFraction(cell) ? String(cell) : undefined);
    first ??= { kind, at: recordAt(item), cell };
    if (kind !== first.kind) {
      throw new UserError(`field ${JSON.stringify(field)} holds the ${kind} ${quotedLabel(cell)} where ${recordLine(first.at)} holds the ${first.kind} ${quotedLabel(first.cell)}: ` +
        'Hugging Face datasets cannot type a label field that mixes strings, numbers and booleans (load_dataset("json") reads it as JSON objects, on which run_classification.py fails); ' +
        'write every label as a string, or every one as a number (null where a record has none)', file === undefined ? `line ${item.line}` : recordPlace(file, item));
    }
    if (isFraction(cell) && known !== 'text') {
      yield fractions.rejected(item, String(cell));
      continue;
    }
    if (kind === 'string' && scan.add(cell).kind === 'text') word ??= labelText(cell as string);
    // a number read as text ("-1" a class: canonicalLabel) is said as a CSV column of numbers is
    else if (kind === 'number' && known === 'text') scan.add(String(cell));
    yield kind === 'string' || (kind === 'number' && known === 'text') ? { ...item, labelAsText: true } : item;
  }
  const refusal = fractions.refusal();
  if (refusal !== null) throw refusal;
  const why = first?.kind === 'string' ? `Hugging Face datasets reads the field as strings${holding(word)}`
    : first?.kind === 'number' && known === 'text' ? byOtherFilesWhy('field') : null;
  if (why === null) return;
  for (const note of textColumnNotes(field, scan, 'field', why)) onNote?.(note);
}

/** The kind of a JSON file's label field (`cells`): its first label's JSON type (typedJsonLabels refuses a field that mixes them). */
function jsonFieldKind(cells: Iterable<unknown>): LabelColumnKind {
  for (const cell of cells) {
    const kind = jsonKind(cell);
    if (kind !== null) return kind === 'string' ? 'text' : kind === 'number' ? 'numbers' : 'booleans';
  }
  return 'empty';
}

/** The kind of a label column over several CSV or TSV files (`cells`, each file's), as one schema types them: text where the files' kinds differ. */
export function labelColumnKindOf(files: Iterable<Iterable<unknown>>): LabelColumnKind {
  return oneSchemaKind((function* () { for (const cells of files) yield labelColumnKind(cells); })());
}

/** The kind of one schema over the files' kinds, each told only when asked: text where they differ (no later file is read then). */
function oneSchemaKind(kinds: Iterable<LabelColumnKind>): LabelColumnKind {
  let kind: LabelColumnKind = 'empty';
  for (const k of kinds) {
    if (k === 'empty' || k === kind) continue;
    kind = kind === 'empty' ? k : 'text';
    if (kind === 'text') break; // no other file changes it: theirs are not read
  }
  return kind;
}

/**
 * The one kind of the label columns of a dataset's CSV, TSV, JSON and JSON Lines files (`formats`: every input's;
 * `read(i)`: a quiet read of input i), as HF datasets gives a dataset's files one schema: a JSON field of strings is
 * text, as a CSV column holding a word is; undefined where there is no such file, or no other input (one file types its
 * own column as it is read: typedLabelCells).
 */
export function datasetLabelKind(formats: readonly Format[], field: string, read: (i: number) => Iterable<RawItem>): LabelColumnKind | undefined {
  const typed = formats.flatMap((format, i) => (format === 'csv' || format === 'tsv' ? [{ i, kind: labelColumnKind }]
    : format === 'json' || format === 'jsonl' ? [{ i, kind: jsonFieldKind }] : []));
  if (typed.length === 0 || formats.length < 2) return undefined;
  return oneSchemaKind((function* () { for (const { i, kind } of typed) yield kind(labelCells(read(i), field)); })());
}

/** The label cells of a file's records, read quietly (`read`), to type its label column. */
export function* labelCells(read: Iterable<RawItem>, field: string): Generator<unknown> {
  for (const item of read) if (!item.error) yield cellOf(item, field);
}

/**
 * `item` as a column of `kind` reads it: where the column is numeric, a label that is a number no class can be is
 * rejected (a fraction counted in `fractions`, which refuses a column of them); where it is text, its label is marked as text.
 */
function typedItem(item: RawItem, field: string, kind: LabelColumnKind, classes: LabelReading, fractions: FractionCount): RawItem {
  const cell = item.error ? undefined : cellOf(item, field);
  if (kind === 'text' && typeof cell === 'string') return { ...item, labelAsText: true };
  const text = typeof cell === 'string' ? labelText(cell) : '';
  if (kind !== 'numbers' || typeof cell !== 'string' || cellKind(cell) !== 'number') return item;
  const digits = /^[-+]?[0-9]+$/.test(text), whole = digits || Number.isInteger(Number(text)); // 1e20 too: no fraction
  const aClass = integerCell(text) !== null || classes.namesClass(text);
  fractions.add(item, whole || aClass ? undefined : text);
  if (aClass) return item;
  const detail = whole ? `label ${text} is not an integer a class index can be (too large): every label of column ${JSON.stringify(field)} is a number, so pandas reads the column as ${digits ? 'int64' : 'float64'} ` +
    "(as Hugging Face datasets' csv loader does), not as class names; a label is an integer, a string, or true/false" : null;
  return detail === null ? fractions.rejected(item, text) : { ...item, value: undefined, error: { reason: 'unknown_label', detail } };
}

/**
 * The items of a JSON or JSON Lines file whose labels a class list reads (`classes`: --labels, a run's), as they come;
 * once read, where every label is a JSON string (a string column, as pyarrow types it for HF datasets), the labels the
 * class list reads as one number or boolean that HF keeps apart ("007" and "7" for --labels 7,x) are said to `onNote`.
 */
function* notingStringField(format: Format, field: string, items: Iterable<RawItem>, classes: LabelReading, file: string | undefined, onNote?: (note: string) => void): Generator<RawItem> {
  const texts = new Set<string>(), full = { past: false }, fractions = new FractionCount(field, 'json', file);
  let strings = true, word: string | undefined;
  for (const item of items) {
    const cell = item.error ? undefined : cellOf(item, field);
    // every label counts, a string too (a class list reads a field mixing types): one 3.5 among strings is a stray
    if (cell !== undefined && cell !== null) fractions.add(item, isFraction(cell) ? String(cell) : undefined);
    if (isFraction(cell)) {
      yield fractions.rejected(item, String(cell));
      continue;
    }
    if (Array.isArray(cell)) throw listLabel(cell, field, file, item);
    if (typeof cell === 'string') {
      const text = labelText(cell);
      addNumberText(texts, text, full);
      if (word === undefined && cellKind(text) === 'text') word = text;
    } else if (cell !== undefined && cell !== null) strings = false;
    yield item;
  }
  const refusal = fractions.refusal();
  if (refusal !== null) throw refusal;
  if (strings) for (const note of mergedLabelNotes(field, word, texts, classes, format)) onNote?.(note);
}
