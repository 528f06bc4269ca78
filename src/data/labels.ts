// Class labels for classification: canonical values (an integer, or a trimmed NFC string without zero-width
// characters; "3", "3.0", "3e0" and 3 are the same label, as pandas reads a CSV cell; true and false are "True" and "False", as pandas writes them in a
// CSV, and so are the cells "TRUE" and "true" that R and Excel write, which pandas reads as booleans; -1 is HF's "no
// label" unless --labels maps it to a name; a placeholder — "nan", "None", "N/A" — is a missing
// label, but for a word such as "None" that the class list names: placeholder.ts), the
// class list that maps each label to its index — the order given by the user (--labels, parseLabelsOption), else
// 0 … max for integer labels that look like class indices, else the labels sorted (see classList) — and what a class
// list may hide.
import { UserError } from '../util/errors.ts';
import { quoted, type OptionWords } from '../util/option-words.ts';
import { shellWord } from '../util/shell-quote.ts';
import { loneSurrogate } from './clean.ts';
import { placeholderOf } from './placeholder.ts';
import { invisibleFold } from './invisible-fold.ts';
import { quotedClass } from './quoted-class.ts';
import { byCodePoint } from '../util/code-point.ts';
import { duplicateKeyDetail } from './ingest/duplicate-keys.ts';

export type LabelValue = number | string;

/**
 * A number as pandas' read_csv reads a cell (HF datasets' csv loader is read_csv): digits with a sign, a decimal point
 * and an exponent, each optional ("7", "007", "1.0", "1.", ".5", "1e0", "1E3", "-1.5e1"), read as the float of its value.
 */
const DECIMAL = /^([-+]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([-+]?[0-9]+))?$/;
/** The most digits an integer label has: 15, so that it is exact (a double holds every 15-digit integer). */
const MAX_INTEGER_DIGITS = 15;

/**
 * The integer a string label is, as pandas reads the cell (DECIMAL) and an integer cast then gives it, or null where it is
 * no integer of at most MAX_INTEGER_DIGITS digits exactly (a fraction, a code past them: the string is the label).
 * Zero-padded codes ("01" … "12") are integers, not strings beside the integers "10" … "12"; "1.0" is how pandas writes
 * an integer column that holds a NaN, and "1e0" the same float. Told from the digits, never a double's rounding:
 * "1.0000000000000001" is no integer.
 */
export function integerCell(s: string): number | null {
  const m = DECIMAL.exec(s);
  if (m === null) return null;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  if (whole === '' && fraction === '') return null; // ".", "e5": no digit
  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return 0; // "-0", "0.0e7": -0 is 0
  const shift = Number(exponent) - fraction.length; // where the decimal point moves: the value is digits × 10^shift
  if (shift < 0) {
    if (-shift >= digits.length || !/^0+$/.test(digits.slice(shift))) return null; // a fraction is left
    digits = digits.slice(0, shift);
  } else {
    if (digits.length + shift > MAX_INTEGER_DIGITS) return null;
    digits += '0'.repeat(shift);
  }
  return digits.length > MAX_INTEGER_DIGITS ? null : Number(`${sign}${digits}`);
}

/** The cells pandas' read_csv takes for booleans (its true_values and false_values), and the class each is. */
export const BOOLEAN_CELLS: ReadonlyMap<string, string> = new Map([
  ['True', 'True'], ['TRUE', 'True'], ['true', 'True'], ['False', 'False'], ['FALSE', 'False'], ['false', 'False'],
]);

/** HF datasets' ClassLabel value for "no label" (SNLI's unannotated pairs, GLUE's test sets). */
export const NO_LABEL = -1;
/**
 * Why a record labelled -1 is missing its label (rejected.jsonl's detail); how to make -1 a class instead is the
 * caller's to add, in its words (record.ts: noLabelHint).
 */
export const NO_LABEL_WHY = 'label -1 is Hugging Face\'s "no label" (ClassLabel: SNLI\'s unannotated pairs, GLUE\'s test sets)';

/**
 * What the label -1 is: HF's "no label" (the default), or a class of its own — where the user mapped it to a name
 * (`--labels -1=negative,0=neutral,1=positive`), so that what prepare writes carries the name, never -1; or in a column
 * read as text, the class "-1" (TEXT_COLUMN).
 */
export type MinusOne = 'no label' | 'class';

/**
 * How labels are read for a class list: what -1 is, and which placeholder words ("None", "N/A") are classes — those
 * it names, none by default. A LabelSet is one.
 */
export interface LabelReading {
  readonly minusOne: MinusOne;
  /** Whether the class list names this string label (a placeholder word it names is that class, not a missing label). */
  namesClass(label: string): boolean;
  /**
   * Whether this string label is read as the text it is, not as the number or boolean it spells ("007" stays "007"):
   * a class list's own string class, or any label of a column pandas reads as text (textColumnReading).
   */
  namesText?(label: string): boolean;
}

/** Labels read with no class list: -1 and placeholder words are missing labels. */
export const NO_CLASS_LIST: LabelReading = { minusOne: 'no label', namesClass: () => false };
/**
 * Labels of a column pandas reads as text (label-column.ts), with no class list: each string is the class it spells ("007",
 * "True"), and a number the string a cast to text writes (a JSON file's, beside another file whose column is text), -1
 * too: the class "-1", as HF datasets casts it and as a CSV column of numbers read as text keeps "-1".
 */
const TEXT_COLUMN: LabelReading = { minusOne: 'class', namesClass: () => false, namesText: () => true };

/**
 * How the labels of a column pandas reads as text are read: as written, where no class list is given; with one, as the
 * class list reads them (its own string classes as written, the rest by value: `--labels 7,abc` names the cell "007").
 */
export function textColumnReading(classes: LabelReading): LabelReading {
  return classes === NO_CLASS_LIST ? TEXT_COLUMN : classes;
}
/** Class names as a user or a prepare report gives them: a placeholder word among them ("None") is a class. */
export const NAMED_CLASSES: LabelReading = { minusOne: 'no label', namesClass: () => true };
/** Labels as written by prepare (or names read as text): each string the class it spells ("-1", "007", "None"). */
export const WRITTEN_LABELS: LabelReading = { ...NAMED_CLASSES, namesText: () => true };

/** A label value present but read as no label that may be meant as a class: HF's -1, or a placeholder word ("None"). */
export type NoLabel = { kind: 'minus_one' } | { kind: 'word'; word: string };

/**
 * The canonical label of a raw value, or an error message. `null` means missing: absent, null, blank, or — then `why`
 * says so — a placeholder ("nan"; a word such as "None" unless `classes` names it), or -1, HF's "no label" (unless
 * `classes` makes it a class); `noLabel` marks the values that may be meant as a class. `spelling`, asked only for a
 * number the error quotes, says how the file wrote it (ingest/number-spellings.ts) when String() would write it otherwise:
 * 12345678901234567890 is quoted so, not as the 12345678901234567000 its double prints.
 */
export function canonicalLabel(raw: unknown, classes: LabelReading = NO_CLASS_LIST, spelling: () => string | undefined = () => undefined): { label: LabelValue | null; why?: string; noLabel?: NoLabel } | { error: string } {
  if (raw === undefined || raw === null) return { label: null };
  if (typeof raw === 'boolean') return { label: raw ? 'True' : 'False' }; // as pandas writes a bool column in a CSV
  if (typeof raw === 'number') {
    // A label is read by its value, not by how the file spells it (ingest/number-spellings.ts keeps that for text
    // fields only): 1, 1.0 and 1e0 are the class 1, as the strings "1.0" and "1e0" are (integerCell) — pandas writes an integer
    // column that holds a NaN as floats (1.0), and casting it back to integers (astype(int); an HF ClassLabel column,
    // stored as int64) gives 1, the class a user means by it.
    if (Number.isNaN(raw)) return { label: null, why: `label NaN is what an export writes for a missing value, not a class` };
    if (!Number.isSafeInteger(raw)) {
      const spelled = spelling();
      // 1e400 parses to Infinity, which is no whole number either: said as past a double's range, not as a fraction
      const what = !Number.isFinite(raw) ? `a class index (${spelled === undefined ? 'an infinite float' : `past a double's range, it reads as ${raw}`})`
        : Number.isInteger(raw) ? 'an integer a class index can be (too large)' : 'a whole number';
      return { error: `label ${spelled ?? raw} is not ${what}: a label is an integer, a string, or true/false` };
    }
    if (raw === NO_LABEL && classes.minusOne === 'no label') return MINUS_ONE;
    return classes.namesText?.(String(raw)) ? { label: String(raw) } : { label: raw }; // a class list's string class "7", as a cast to text writes 7
  }
  if (typeof raw === 'string') {
    if (loneSurrogate(raw) >= 0) return { error: `label ${JSON.stringify(raw)} holds a lone surrogate: not Unicode text` };
    const s = labelText(raw);
    if (s === '') return { label: null };
    const placeholder = placeholderOf(s);
    if (placeholder?.kind === 'artefact') return { label: null, why: `label ${placeholder.why}, not a class` };
    if (placeholder?.kind === 'word' && !classes.namesClass(s)) {
      return { label: null, why: `label ${placeholder.why}, not a class`, noLabel: { kind: 'word', word: s } }; // how to name it a class: the caller's words
    }
    if (classes.namesText?.(s)) return { label: s }; // a text column's label, or a class list's string class: as written
    // a boolean cell as pandas reads it: R's write.csv and Excel write TRUE, pandas True; all are the JSON true's class
    const bool = BOOLEAN_CELLS.get(s);
    if (bool !== undefined) return { label: bool };
    const n = integerCell(s);
    if (n === null) return { label: s };
    return n === NO_LABEL && classes.minusOne === 'no label' ? MINUS_ONE : { label: n };
  }
  const list = Array.isArray(raw) ? ' (a list of labels: multi-label data, several classes to a record, is not trained here)' : '';
  return { error: `label ${JSON.stringify(raw)} is not an integer, a string, or true/false${list}` };
}

/** A label text labelText leaves as it is: printable ASCII with spaces inside only (no NFC change, nothing removed, no space to trim). */
const PLAIN_LABEL = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * A string label's text as its class is named: NFC, trimmed — the white space inside kept as written ("a  b" and "a b"
 * are two classes, as HF datasets keeps them; classWarnings says so) — and without the zero-width
 * characters text fields lose ("pos\u200b" would print as "pos" yet be another class), direction marks (an RTL
 * export's), CGJ and control characters, invisible in a name, and what exact deduplication folds (invisible-fold.ts: the
 * soft hyphen, a ZWJ after a Latin letter — "neg\u200d" is "neg"); a ZWJ of an emoji sequence and variation selectors are kept.
 */
export function labelText(raw: string): string {
  // printable ASCII words, one space apart ("positive", "3", "very negative"): nothing below changes them, at a tenth of its cost
  if (PLAIN_LABEL.test(raw)) return raw;
  return invisibleFold(raw.normalize('NFC').replace(/[\x00-\x08\x0E-\x1F\x7F-\x84\x86-\x9F\u200B\u2060\uFEFF\u180E\u034F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, '')).trim();
}

const MINUS_ONE = { label: null, why: NO_LABEL_WHY, noLabel: { kind: 'minus_one' } } as const;

/**
 * The class of `classes` that `label` (not one of them) differs from only in case or character form ("Pos", full-width
 * "ｐｏｓ" for pos), or in the punctuation or quotes at its ends ("pos.", "\"pos\""), said with its rejection as what it
 * may mean: ` (it differs only in … from "pos")`, else ''.
 */
export function nearClassHint(label: LabelValue, classes: readonly LabelValue[]): string {
  const fold = (l: LabelValue): string => String(l).normalize('NFKC').toLowerCase();
  const near = classes.find((l) => fold(l) === fold(label));
  if (near !== undefined) return ` (it differs only in case or character form from ${quotedClass(near)})`;
  // "pos." or "\"pos\"" for pos
  const bare = withoutEndPunctuation(fold(label));
  const nearBare = bare === '' ? undefined : classes.find((l) => withoutEndPunctuation(fold(l)) === bare);
  if (nearBare === undefined) return '';
  const cased = withoutEndPunctuation(String(label)) === withoutEndPunctuation(String(nearBare)) ? '' : ', and in case or character form,';
  return ` (it differs only in the punctuation or quotes at its ends${cased} from ${quotedClass(nearBare)})`;
}

/** Sentence punctuation and quotes at a class name's ends, which a hand- or LLM-written label may carry ("positive."). */
const END_PUNCTUATION = /^[\s.,;:!?…"'`“”‘’«»„‚]+|[\s.,;:!?…"'`“”‘’«»„‚]+$/gu;

/**
 * A class name without the sentence punctuation and quotes at its ends (a sign stays: "C++", "+"); '' where what is
 * left holds no letter, digit or emoji: such a name is its punctuation (the emoticons ":)" and ";)" are two classes).
 */
export function withoutEndPunctuation(l: string): string {
  const bare = l.replace(END_PUNCTUATION, '');
  return /[\p{L}\p{N}\p{Extended_Pictographic}]/u.test(bare) ? bare : '';
}

export function labelKey(label: LabelValue): string {
  return typeof label === 'number' ? `#${label}` : `"${label}`;
}

/** Sorts labels: integers ascending, then strings by code point. */
export function sortLabels(labels: readonly LabelValue[]): LabelValue[] {
  return [...labels].sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'number') return -1;
    if (typeof b === 'number') return 1;
    return byCodePoint(a, b);
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

/**
 * The class list: label → index. `codes`, when given (`--labels 1=World,2=Sports`), is the integer each class
 * is written as in the data, in place of its index.
 */
export class LabelSet implements LabelReading {
  private readonly index = new Map<string, number>();
  private readonly byCode: Map<number, number> | null;
  constructor(readonly labels: readonly LabelValue[], readonly codes?: readonly number[]) {
    labels.forEach((l, i) => {
      const k = labelKey(l);
      if (this.index.has(k)) throw new UserError(`the class list (labels) names the label ${JSON.stringify(l)} twice`); // prepare and the CLI refuse it first, in their words
      this.index.set(k, i);
    });
    if (codes === undefined) {
      this.byCode = null;
      return;
    }
    if (codes.length !== labels.length || labels.some((l) => typeof l !== 'string') || !codes.every(Number.isSafeInteger)) {
      throw new UserError('the class codes (labelCodes) need one integer per class name (labels)');
    }
    this.byCode = new Map();
    codes.forEach((c, i) => {
      if (this.byCode!.has(c)) throw new UserError(`the class codes (labelCodes) map the integer ${c} twice`);
      this.byCode!.set(c, i);
    });
  }

  indexOf(label: LabelValue): number | undefined {
    return this.index.get(labelKey(label));
  }

  namesClass(label: string): boolean {
    return this.index.has(labelKey(label));
  }

  /** Whether the list holds this string as a class of its own ("007" beside 7: a text column's classes). */
  namesText(label: string): boolean {
    return this.index.has(labelKey(label));
  }

  /**
   * The class index of a label: its place in the list; else, for an integer label, the class named as it is written
   * ("7"), the class it is the code of (`codes`), or — with no codes, when every class has a name (a string) — the class index itself, as HF
   * datasets store ClassLabel columns.
   */
  classIndex(label: LabelValue): number | undefined {
    const i = this.indexOf(label);
    if (i !== undefined || typeof label !== 'number') return i;
    const spelled = this.indexOf(String(label)); // a class named as the number is written ("7" beside "007": readClassNames)
    if (spelled !== undefined) return spelled;
    if (this.byCode) return this.byCode.get(label);
    return this.named && label >= 0 && label < this.size ? label : undefined;
  }

  /** What the label -1 is in data read for this class list: a class where the codes map it to a name, else "no label". */
  get minusOne(): MinusOne {
    return this.byCode?.has(NO_LABEL) ? 'class' : 'no label';
  }

  /** Whether every class has a name (a string): integer labels are then class indices, or codes. */
  get named(): boolean {
    return this.labels.every((l) => typeof l === 'string');
  }

  get size(): number {
    return this.labels.length;
  }

  /** The classes in index order, each with its code where there are codes: what labelsIs says to a user. */
  get entries(): ClassEntry[] {
    return this.labels.map((name, i) => (this.codes ? { name, code: this.codes[i]! } : { name }));
  }
}

/**
 * Class names given as text (config.yaml's labels, a config.json's id2label, a run's classes) as the data's labels are
 * read: by value ("01" is the class 1, "true" "True"), so that data written by value (JSON 1) finds its class — unless two
 * names are one value so ("007" and "7", which transformers and a text column of pandas keep apart), or one is "-1" (by
 * value HF's "no label": a class only of a CSV column of words, whose report.json lists it so): then each name is the
 * class it spells, as written. A name that is no class (blank, a placeholder), or one that is another (" a" and "a",
 * trimmed) is refused, with its index: `{ at, problem }`.
 */
export function readClassNames(names: readonly string[]): { labels: LabelValue[] } | { at: number; problem: string } {
  /** The names read by value, or as text; `textReads` where reading them as text would read them otherwise. */
  const read = (asText: boolean): { labels: LabelValue[] } | { at: number; problem: string; textReads: boolean } => {
    const first = new Map<string, number>(), labels: LabelValue[] = [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const c = canonicalLabel(name, asText ? WRITTEN_LABELS : NAMED_CLASSES);
      if ('error' in c || c.label === null) {
        return { at: i, problem: `${JSON.stringify(name)} is not a class name${'error' in c ? ` (${c.error})` : ''}`, textReads: !('error' in c) && c.noLabel?.kind === 'minus_one' };
      }
      const j = first.get(labelKey(c.label));
      if (j !== undefined) {
        return { at: i, textReads: labelText(names[j]!) !== labelText(name), problem: `${JSON.stringify(name)} is class ${j} (${JSON.stringify(names[j])}) as the data's labels are read ` +
          '(trimmed, in NFC): give each class its own name' };
      }
      first.set(labelKey(c.label), i);
      labels.push(c.label);
    }
    return { labels };
  };
  const byValue = read(false);
  const out = 'labels' in byValue || !byValue.textReads ? byValue : read(true);
  return 'labels' in out ? out : { at: out.at, problem: out.problem };
}

/** A parsed --labels: the classes in index order, and with a mapping the integer each is written as. */
export interface ClassNames {
  labels: LabelValue[];
  codes?: number[];
}

/** Placeholders in a class list said to a user: a class name to fill in (NAME), classes left out (…). */
export const NAME = Symbol('NAME'), MORE = Symbol('…');
/** A class of a class list said to a user: its name, with the integer the data writes it as (`code`) where it has one. */
export type ClassEntry = { name: LabelValue | typeof NAME; code?: number } | typeof MORE;

/**
 * A class list as the caller (`words`) gives it: on the command line `--labels neg,pos` or `--labels 1=World,2=Sports`
 * (as parseLabelsOption reads it); a library caller's `options.labels ['neg', 'pos']`, with codes
 * `options.labels ['World', 'Sports'] with options.labelCodes [1, 2]` (PrepareOptions).
 */
export function labelsIs(words: OptionWords, entries: readonly ClassEntry[]): string {
  const name = (n: LabelValue | typeof NAME, cli: boolean): string => (n === NAME ? 'NAME' : cli || typeof n === 'number' ? String(n) : quoted(n));
  if (words.cli) {
    // a class name that a comma list would split or misread (`café, au lait`, `a=b`, `[x]`): the list as JSON, which parseLabelsOption reads
    const asJson = entries.some((e) => e !== MORE && typeof e.name === 'string' && /[,=]|^[[{]/.test(e.name));
    const json = (e: ClassEntry): string => (e === MORE ? '…' : `${e.code === undefined ? '' : `${JSON.stringify(String(e.code))}:`}${JSON.stringify(e.name === NAME ? 'NAME' : e.name)}`);
    const coded = entries.some((e) => e !== MORE && e.code !== undefined);
    const value = asJson ? `${coded ? '{' : '['}${entries.map(json).join(',')}${coded ? '}' : ']'}`
      : entries.map((e) => (e === MORE ? '…' : `${e.code === undefined ? '' : `${e.code}=`}${name(e.name, true)}`)).join(',');
    // a class name a shell would split or read (`5=North America`, `it's`): the value quoted, to be pasted as it is
    const quote = asJson || entries.some((e) => e !== MORE && e.name !== NAME && shellWord(String(e.name)) !== String(e.name));
    return `${words.say('labels')} ${quote ? shellWord(value) : value}`;
  }
  const list = (items: string[]): string => `[${items.join(', ')}]`;
  const names = `${words.say('labels')} ${list(entries.map((e) => (e === MORE ? '…' : name(e.name, false))))}`;
  if (!entries.some((e) => e !== MORE && e.code !== undefined)) return names;
  return `${names} with ${words.say('labelCodes')} ${list(entries.map((e) => (e === MORE ? '…' : String(e.code))))}`;
}

/**
 * Parses --labels: `neg,neu,pos` (the classes in index order), or a mapping `1=World,2=Sports,…` from the
 * integers the data writes to class names (1-based datasets: AG News, Yelp), ordered by their integers; or the same as
 * JSON — a list `["café, au lait","x"]` or an object `{"1":"World","2":"Sports"}` — for class names that hold a comma or
 * "=" (a JSON list's names are names, never split).
 */
export function parseLabelsOption(s: string): ClassNames {
  const json = /^\s*[[{]/.test(s) ? labelsJson(s) : null;
  const items = json === null ? s.split(',') : json.names;
  const one = (raw: string, what: string, minusOne: MinusOne = 'no label'): LabelValue => {
    const c = canonicalLabel(raw, { ...NAMED_CLASSES, minusOne }); // a word such as "None" given here is a class
    if ('error' in c) throw new UserError(`--labels: ${c.error}`);
    if (c.label === null) {
      // -1 alone in a list would be written as -1, which every later reader takes for "no label": it needs a name
      if (c.noLabel?.kind === 'minus_one') throw new UserError(`--labels: -1 is Hugging Face's "no label", not a class; if it is one, give every class as INTEGER=NAME (-1=negative,0=neutral,1=positive)`);
      throw new UserError(c.why ? `--labels: ${c.why}` : `--labels has an empty ${what} in "${s}"`);
    }
    return c.label;
  };
  /** The class list as parsed, a name twice refused here in the flag's words (the class list would say "labels"). */
  const once = (names: LabelValue[]): LabelValue[] => {
    const seen = new Set<string>();
    for (const l of names) {
      if (seen.has(labelKey(l))) throw new UserError(`--labels lists the class ${JSON.stringify(l)} twice`);
      seen.add(labelKey(l));
    }
    return names;
  };
  if (json?.codes === undefined && (json !== null || !items.some((x) => x.includes('=')))) return { labels: once(items.map((x) => one(x, 'class name'))) };
  const pairs = items.map((x, i) => {
    const eq = x.indexOf('=');
    if (json === null && eq < 0) throw new UserError(`--labels: "${x.trim()}" has no "=": give every class as INTEGER=NAME (1=World,2=Sports), or none (a class name that holds a comma: give them as JSON, --labels '{"1":"a, b","2":"c"}')`);
    // an item as the messages quote it: `"1=World"`, or the JSON object's member `{"1": "World"}`
    const [rawCode, rawName, item] = json?.codes ? [json.codes[i]!, x, `{${JSON.stringify(json.codes[i])}: ${JSON.stringify(x)}}`] : [x.slice(0, eq), x.slice(eq + 1), `"${x.trim()}"`];
    const code = one(rawCode, 'integer', 'class'); // -1=NAME: the data's -1 is that class
    const name = one(rawName, 'class name');
    const [key, value] = json ? ['the key', 'the class name'] : ['the label before "="', 'the class name after "="'];
    if (typeof code !== 'number') throw new UserError(`--labels: ${item}: ${key} must be an integer (the one the data writes), got ${JSON.stringify(code)}`);
    if (typeof name !== 'string') throw new UserError(`--labels: ${item}: ${value} must not be an integer (records may carry the name as their label)`);
    return { code, name, item };
  });
  const byCode = new Map<number, string>();
  for (const p of pairs) {
    const earlier = byCode.get(p.code);
    if (earlier !== undefined) throw new UserError(`--labels maps the integer ${p.code} twice: ${earlier} and ${p.item}`);
    byCode.set(p.code, p.item);
  }
  pairs.sort((a, b) => a.code - b.code);
  return { labels: once(pairs.map((p) => p.name)), codes: pairs.map((p) => p.code) };
}

/**
 * --labels given as JSON: a list of class names (strings, or integers: class indices), or an object from the integer each
 * class is written as to its name; the names (and keys) as strings, for parseLabelsOption to read as it reads a split list.
 */
function labelsJson(s: string): { names: string[]; codes?: string[] } {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch (e) {
    // a comma list whose first name starts with [ or { ("[x],y" was the classes "[x]" and "y"): that list as JSON is the way
    const items = s.split(',').map((x) => x.trim()), asList = items.some((x) => /["=]/.test(x)) ? null : shellWord(JSON.stringify(items));
    throw new UserError(`--labels starts with "${s.trim()[0]}" but is no JSON (${(e as Error).message}): a value that starts with [ or { is read as JSON; ` +
      (asList !== null ? `give these classes as a JSON list, --labels ${asList}` : 'give the classes as a JSON list ["a, b","c"] or object {"1":"a, b","2":"c"}, or as A,B,…'));
  }
  const twice = duplicateKeyDetail(s, v); // JSON.parse keeps a key's last value: {"1":"a","1":"b"} is refused, not "b"
  if (twice !== null) throw new UserError(`--labels: ${twice}`);
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : typeof v === 'object' && v !== null ? Object.entries(v) : [];
  if (entries.length === 0) throw new UserError('--labels as JSON must be a list of class names or an object {"INTEGER": "NAME", …}, with at least one class');
  const bad = entries.find(([, x]) => typeof x !== 'string' && !Number.isInteger(x));
  if (bad !== undefined) throw new UserError(`--labels: ${JSON.stringify(bad[1])} is no class name (a string${Array.isArray(v) ? ', or an integer' : ''})`);
  const names = entries.map(([, x]) => String(x));
  return Array.isArray(v) ? { names } : { names, codes: entries.map(([k]) => k) };
}

/**
 * Why `label`, which holds a comma, is no class: its pieces are classes `classes` names one after another, as a comma-separated
 * --labels splits it ("café, au lait" given as `--labels 'café, au lait,x'` made "café" and "au lait"), said with the classes
 * it made and the list as JSON that keeps it whole; null where they are not (no comma, a list not given on the command line).
 * `of`: what the label is ("the label", "a class of the adapter's head"); none where the name is one of `classes` or a piece is
 * one of `own`, classes beside it in their own right (a head of "a", "b" and "a, b").
 */
export function commaSplitMessage(label: LabelValue, classes: readonly LabelValue[], words: OptionWords, of: string, own: readonly LabelValue[] = []): string | null {
  if (!words.cli || typeof label !== 'string' || !label.includes(',') || classes.some((c) => String(c) === label)) return null;
  const pieces = label.split(',').map((p) => p.trim());
  if (pieces.some((p) => own.some((c) => String(c) === p))) return null;
  const at = classes.findIndex((c) => String(c) === pieces[0]);
  if (at < 0 || !pieces.every((p, i) => String(classes[at + i]) === p)) return null;
  const whole = [...classes.slice(0, at), label, ...classes.slice(at + pieces.length)];
  // said true however --labels was given: a JSON list that names the pieces is refused as well (the name is none of its classes)
  return `${JSON.stringify(label)}, ${of}, is no class of ${words.say('labels')}, which names its pieces ${pieces.map((p) => JSON.stringify(p)).join(', ')} as classes, one after another: ` +
    `a comma list A,B,… splits a name at its commas; give class names that hold a comma as a JSON list, ${labelsIs(words, whole.map((name) => ({ name })))}`;
}

/**
 * Refuses integer labels that look 1-based for a list of class names: none is 0 and the largest is the number
 * of names (AG News' 1–4 with 4 names). Read as 0-based class indices they would shift every class by one and
 * reject the last: the error says so and how to map them (`--labels 1=World,…`). `named` says where the names
 * come from; the mapping is said in `words` (prepare's caller's: --labels, or options.labels with options.labelCodes),
 * after `command` where it is another command's (train's data is mapped by prepare); `where`, the file.
 */
export function refuseOneBased(classes: LabelSet, ints: { max: number; zero: boolean }, ctx: { named: string; words: OptionWords; command?: string; where?: string }): void {
  if (!classes.named || classes.codes || ints.zero || ints.max !== classes.size) return;
  const n = classes.size;
  const mapping = labelsIs(ctx.words, classes.labels.map((name, i) => ({ name, code: i + 1 })));
  throw new UserError(`${ctx.named} names ${n} classes and the integer labels run up to ${n} with no 0: they look 1-based (as AG News' and Yelp's CSVs), ` +
    `but an integer label is read as the 0-based class index (1 would be ${JSON.stringify(classes.labels[1])}, ${n} unknown); ` +
    `say which integer is which class: ${ctx.command === undefined ? '' : `${ctx.command} `}${mapping} (or ${ctx.words.cli ? '0=…' : 'codes from 0'} if they are 0-based)`, ctx.where);
}
