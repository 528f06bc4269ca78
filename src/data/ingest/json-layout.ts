// What a JSON file that holds one object (not an array) is: one record, an object wrapping the records
// (`{"version": "1.0", "data": [...]}`, HF's load_dataset("json", field=...); pandas' orient="table", whose
// "schema" is an object), or a table that is not records — pandas' DataFrame.to_json() by column (its default,
// orient="columns"), by row index (orient="index") or split (orient="split"), or several splits in one file
// (`{"train": [...], "test": [...]}`), or lists per column (json.dump of Dataset.to_dict(); told from one
// token-classification record's words and tags by texts that hold a space) —, which is refused with one line saying
// what it is and how to write it: read as one record, a whole dataset would be one unknown_shape rejection. An object with other lists of records is read as one
// record (it may be one, with lists of annotations), with a note that makes it an error when it is not (naming lists one
// level down when none is its own: `{"response": {"docs": [...]}}`); so is an object
// whose one list is empty (`{"data": []}`), with a note that makes it a file of no records when it is no record. An empty
// list beside the one list of records is no other list to read; an object with a scalar under a record's text key
// (`{"text": …, "entities": [...]}`) is a record.
import { UserError } from '../../util/errors.ts';
import { PAIR_KEYS } from '../layouts.ts';
import { holdsRecords, isTurn, type ObjectMember } from './json-object-scan.ts';
import type { JsonReading } from './python-json.ts';
import { FLAG_WORDS, type OptionWords } from '../../util/option-words.ts';
import type { RawItem } from './types.ts';
import { boundedItemsText, boundedQuotedText } from '../../util/bounded-json.ts';

/** The keys a record's text is read from (record.ts's default fields, the instruction-pair layouts'): a wrapper has none. */
const RECORD_TEXT_KEYS: ReadonlySet<string> = new Set(['text', 'prompt', 'completion', ...PAIR_KEYS]);
/** The other keys a record holds its content in (a chat's turns, token ids). */
const NESTED_RECORD_KEYS = ['messages', 'conversations', 'input_ids'];

/**
 * The member of an object that wraps the records: its one value that is a list of records (holdsRecords), every other
 * value being a scalar or an object (metadata: pandas' "schema"), or an empty array (`{"data": [...], "errors": []}`);
 * else null. An array of chat turns
 * (`{"messages": [{"role", "content"}, ...]}`, ShareGPT's `{"conversations": [{"from", "value"}, ...]}`: a file
 * holding one conversation) wraps no records: the object is one. A dataset-viewer answer's "rows" beside its "features"
 * (datasets-server /rows, /first-rows) wraps the records: viewer-rows.ts reads each as its "row". An object with a
 * scalar under a key a record's text is read from (RECORD_TEXT_KEYS, or `textField`, --field text's: `{"text": …, "entities": [{…}]}`) is a record, its
 * list of objects its annotations, and wraps nothing. Several lists of records named as splits
 * (`{"train": [...], "test": [...]}`, or one empty) are refused (a UserError naming `where`: the file and the object's line, and
 * prepare's val and test options in the caller's `words`).
 */
export function wrappedRecords(members: ObjectMember[], where: string, textField?: string, words: OptionWords = FLAG_WORDS): ObjectMember | null {
  const lists = members.filter((m) => m.kind === 'records');
  // an empty split beside one of records (`{"train": [...], "test": []}`) makes a file of splits too
  const splits = members.filter((m) => (m.kind === 'records' || m.kind === 'empty') && SPLIT_NAMES.test(m.key));
  if (splits.length > 1 && splits.some((m) => m.kind === 'records')) {
    throw new UserError(`the file holds the splits ${splits.map((m) => `"${m.key}"`).join(', ')} in one object: save each as its own file (JSON Lines) and name the evaluation ones with ${words.say('val')} or ${words.say('test')}`, where);
  }
  if (members.some((m) => m.kind === 'array')) return null;
  if (recordTextKey(members, textField) !== undefined) return null;
  // An empty list holds no records: it is no other list that could be the one to read (`{"data": [...], "errors": []}`,
  // `{"version": …, "data": [...], "errors": []}`); a record's empty list of annotations beside its text
  // (`{"text": …, "entities": [...], "relations": []}`) was told by its text key above
  // a dataset-viewer answer (/rows, /first-rows): its "features" describe the columns, its "rows" are the records
  const rows = lists.find((m) => m.key === 'rows');
  const wrapped = rows !== undefined && lists.length === 2 && lists.some((m) => m.key === 'features') ? rows : lists.length === 1 ? lists[0]! : null;
  // a key named twice (`{"data": [...], "data": 5}`): JSON keeps the last value, so the object is read whole, to be
  // rejected for it (duplicate-keys.ts)
  return wrapped !== null && members.some((m) => m !== wrapped && m.key === wrapped.key) ? null : wrapped;
}

/**
 * The members of a parsed object, each at `line`, as scanObjectMembers finds them in a JSON object's text: for a Python
 * dict, which that scan cannot follow. An array is 'records' when its elements are objects, none a chat turn, but for
 * as many scalars at most (holdsRecords).
 */
export function valueMembers(value: unknown, line: number): ObjectMember[] | null {
  if (!isObject(value)) return null;
  return Object.entries(value).map(([key, v]): ObjectMember => {
    const kind = !Array.isArray(v) ? (isObject(v) ? 'object' : 'scalar')
      : v.length === 0 ? 'empty'
      : v.every((x) => !Array.isArray(x) && !(isObject(x) && isTurn(new Set(Object.keys(x))))) && holdsRecords(v.length, v.filter(isObject).length) ? 'records' : 'array';
    return { key, kind, line, char: 0 };
  });
}

/** The key of a scalar member that a record's text is read from (RECORD_TEXT_KEYS, or `textField`): the object is a record. */
export function recordTextKey(members: ObjectMember[], textField?: string): string | undefined {
  return members.find((m) => m.kind === 'scalar' && (RECORD_TEXT_KEYS.has(m.key) || m.key === textField))?.key;
}

/**
 * For an object read as one record though it holds lists of records (`{"data": [...], "extra": [...]}`: none of them
 * the one list wrapping the records), what to say when it is no record: its lists and what to do; undefined when
 * it holds none. HF's load_dataset("json") refuses such a file too, asking for the field that holds the records.
 * Without such a list among its own members, the lists of records of its members that are objects are named, one level
 * down (Solr's `{"responseHeader": {...}, "response": {"docs": [...]}}`, an API's `{"data": {"items": [...]}}`).
 * Without `value` (an object too long to parse), only its own lists are named, uncounted. With `textKey` (recordTextKey:
 * the object is a record), what to say though it is one: that its own lists holding a record's text were not read as records.
 * The command that saves them is jq's for JSON, Python's for what Python wrote (`reading`, parseJsonText's: a str() of a
 * dict, which jq cannot read, with `nanOrInf` when it may hold Python's nan or inf; NaN or Infinity, which jq rewrites).
 */
export function recordListsNote(members: ObjectMember[], value: unknown, file: string, how: { textKey?: string; reading?: JsonReading; nanOrInf?: boolean } = {}): string | undefined {
  const { textKey } = how;
  if (value !== undefined && !isObject(value)) return undefined;
  // a record's own lists are said only when they look like records (a record's text in them), not its annotations
  let lists = members.filter((m) => m.kind === 'records' && (textKey === undefined || holdsRecordText(value, m.key, textKey))).map((m) => [m.key]);
  if (lists.length === 0 && value !== undefined && textKey === undefined) lists = nestedRecordLists(value);
  if (lists.length === 0) return value !== undefined && textKey === undefined ? keyedRecordsNote(value, file) : undefined;
  // each key of a list's path cut alone ("response"."docs"), its count after it
  const named = boundedItemsText(lists, {
    before: (keys) => keys.slice(0, -1).map((k) => `${boundedQuotedText(k)}.`).join(''),
    say: (keys) => keys[keys.length - 1]!,
    quote: true,
    after: (keys) => {
      if (value === undefined) return '';
      const n = (keys.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], value) as unknown[]).length;
      return ` (${n} object${n === 1 ? '' : 's'})`;
    },
  });
  const jsonl = `(JSON Lines: ${listsToJsonl(lists[0]!, /^[\w./-]+$/.test(file) ? file : 'FILE', how.reading ?? 'json', how.nanOrInf === true)} > records.jsonl)`;
  if (textKey !== undefined) {
    return `the file's one object is read as one record (its ${JSON.stringify(textKey)} is a record's text), not as a wrapper of its ` +
      `${lists.length === 1 ? 'list' : 'lists'} of records (${named}): if ${lists.length === 1 ? 'it holds' : 'they hold'} the records to train on, save them as their own file ${jsonl}`;
  }
  return `the file's one object is not a record but holds ${lists.length === 1 ? 'a list' : 'lists'} of records (${named}): save the records to train on as their own file ${jsonl}`;
}

/**
 * The command that writes the records of the list at `keys` in `file` one a line, as JSON, for a file read as `reading`:
 * jq's for JSON; for a Python literal (single quotes, True, None: no JSON), Python's ast.literal_eval, which reads it, and
 * json.dumps (with `nanOrInf`, the names nan and inf, which it refuses, made the floats first, as this reader reads
 * them); for JSON with Python's NaN / Infinity, Python's json module, which writes them back as they were (jq writes NaN
 * as null and Infinity as 1.7976931348623157e+308, a finite number where the file read here has Infinity).
 */
function listsToJsonl(keys: readonly string[], file: string, reading: JsonReading, nanOrInf: boolean): string {
  if (reading !== 'json') {
    const at = keys.map((k) => `[${JSON.stringify(k)}]`).join('');
    const text = 'open(sys.argv[1], encoding="utf-8").read()';
    const literal = !nanOrInf ? text : `type("T", (ast.NodeTransformer,), {"visit_Name": lambda s, n: ast.Constant(float(n.id)) if n.id in ("nan", "inf") else n})().visit(ast.parse(${text}, mode="eval"))`;
    const [modules, load] = reading === 'python-literal' ? ['ast, json, sys', `ast.literal_eval(${literal})`] : ['json, sys', 'json.load(open(sys.argv[1], encoding="utf-8"))'];
    return `python3 -c 'import ${modules}; print("\\n".join(json.dumps(r) for r in ${load}${at}))' ${file}`;
  }
  return `jq -c '${keys.map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `.[${JSON.stringify(k)}]`)).join('')}[]' ${file}`;
}

/**
 * For an object whose members (two or more) are all records keyed by an id (`{"q1": {"prompt": …}, "q2": {…}}`), what to
 * say when it is no record; undefined otherwise. Read as one record, it was rejected whole, its records lost as one,
 * with a hint to lift the first one's fields into it (which dropped the others).
 */
function keyedRecordsNote(value: Record<string, unknown>, file: string): string | undefined {
  const keys = Object.keys(value);
  const isRecord = (v: unknown): boolean => isObject(v) && [...RECORD_TEXT_KEYS, ...NESTED_RECORD_KEYS].some((k) => Object.hasOwn(v, k));
  if (keys.length < 2 || !keys.every((k) => isRecord(value[k]))) return undefined;
  const names = quotedKeys(keys, 3, 'keys');
  return `the file's one object is not a record but holds records keyed by id (${names}): save them as their own file, ` +
    `the key as each one's "id" (JSON Lines: jq -c 'to_entries[] | {id: .key} + .value' ${/^[\w./-]+$/.test(file) ? file : 'FILE'} > records.jsonl)`;
}

/** Whether an object of `value`'s list `key` has a string under a record's text key (RECORD_TEXT_KEYS, or `textKey`). */
function holdsRecordText(value: unknown, key: string, textKey: string): boolean {
  const list = isObject(value) ? value[key] : undefined;
  return Array.isArray(list) && list.some((x) => isObject(x) && Object.entries(x).some(([k, v]) => typeof v === 'string' && (RECORD_TEXT_KEYS.has(k) || k === textKey)));
}

/** The paths (two keys) of the non-empty arrays of objects, not all chat turns, that `value`'s members that are objects hold. */
function nestedRecordLists(value: Record<string, unknown>): string[][] {
  const out: string[][] = [];
  for (const [k, inner] of Object.entries(value)) {
    if (!isObject(inner)) continue;
    for (const [k2, list] of Object.entries(inner)) {
      if (Array.isArray(list) && list.length > 0 && list.every(isObject) && !list.every((x) => isTurn(new Set(Object.keys(x))))) out.push([k, k2]);
    }
  }
  return out;
}

/**
 * For an object read as one record whose arrays are all empty, every other value a scalar or an object (`{"version":
 * "1.0", "data": []}`: a wrapper of no records), what to say when it is no record: that the file holds none (as an
 * empty file); undefined otherwise. `{"text": "…", "tags": []}` gets one too, but is a record, so it is never said.
 */
export function emptyListNote(members: ObjectMember[], value: unknown): string | undefined {
  const arrays = members.filter((m) => m.kind !== 'scalar' && m.kind !== 'object');
  if (arrays.length === 0 || !isObject(value)) return undefined;
  if (!arrays.every((m) => { const list = value[m.key]; return Array.isArray(list) && list.length === 0; })) return undefined;
  const names = quotedKeys(arrays.map((m) => m.key), 4, 'lists');
  return `no records: the file's one object holds ${arrays.length === 1 ? `one list, ${names}, and it is empty` : `the lists ${names}, all empty`}`;
}

/**
 * For a reader that stops at its first bad record (train's, eval's, classify's): the error of a JSON file's one object
 * that is no record after all (its recordLists or noRecords note, as prepare says them), or null when it has neither.
 */
export function notARecordError(item: RawItem, file: string): UserError | null {
  if (item.recordLists) return new UserError(item.recordLists, `${file}:${item.line}`);
  if (item.noRecords) return new UserError(item.noRecords, file);
  return null;
}

/** A record's rejection `detail`, with what `item` says of the lists of records it holds that were not read (unreadLists). */
export function withUnreadLists(detail: string, item: RawItem): string {
  return item.unreadLists ? `${detail}; ${item.unreadLists}` : detail;
}

/** Throws a UserError (naming `where`: the file and the object's line) when `value` is a table (pandas', or lists per column) that is not records. */
export function refuseTableLayouts(value: unknown, where: string): void {
  if (!isObject(value)) return;
  const keys = Object.keys(value);
  const records = 'write it with DataFrame.to_json(path, orient="records", lines=True), one record per line';
  if (Array.isArray(value.columns) && Array.isArray(value.data) && value.data.every(Array.isArray) && keys.every((k) => ['columns', 'index', 'data'].includes(k))) {
    throw new UserError(`a table in pandas' orient="split" layout ("columns" and "data" rows), not records: ${records}`, where);
  }
  const inner = Object.values(value);
  if (keys.length > 0 && inner.every(isObject)) {
    const byIndex = keys.every(isIndexLabel);
    const byColumn = inner.every((v) => Object.keys(v as object).length > 0 && Object.keys(v as object).every(isIndexLabel));
    if (byIndex || byColumn) {
      throw new UserError(`a table in pandas' orient="${byIndex ? 'index' : 'columns'}" layout (${byIndex ? 'an object per row, keyed by row number' : 'an object per column, keyed by row number: DataFrame.to_json()\'s default'}), not records: ${records}`, where);
    }
  }
  // a list per column (json.dump of Dataset.to_dict() or DataFrame.to_dict("list")): every value a list of as many
  // scalars, text among them; read as one record it was rejected for its "text" being a list. A record's token ids are
  // numbers alone, and its turns objects.
  const n = Array.isArray(inner[0]) ? inner[0].length : 0;
  const scalar = (x: unknown) => x === null || ['string', 'number', 'boolean'].includes(typeof x);
  if (n >= 2 && inner.every((l) => Array.isArray(l) && l.length === n && l.every(scalar)) && inner.some((l) => (l as unknown[]).some((x) => typeof x === 'string'))) {
    const names = quotedKeys(keys, 4, 'columns');
    const table = `write it with Dataset.to_json(path) or DataFrame.to_json(path, orient="records", lines=True), one record per line`;
    const words = tokenClassificationReading(value, keys, n);
    if (words === null) throw new UserError(`a table by column (each of ${names} a list of ${n} values: json.dump of Dataset.to_dict() or DataFrame.to_dict("list")), not records: ${table}`, where);
    const untrained = 'a tag per word, which mistral-tune does not train (it trains generation and the classification of whole texts)';
    throw new UserError(words.certain ? `one token-classification record (${words.what}), not records of texts: ${untrained}; to classify texts, ` +
      'write records {"text": …, "label": …}, one per line'
      : `an object of lists of one-word values (${words.what}): one token-classification record, ${untrained}, ` +
      `or a table by column of one-word texts (json.dump of Dataset.to_dict() or DataFrame.to_dict("list")), not records: as a table, ${table}`, where);
  }
}

/**
 * Whether an object of `n`-long lists per key, at least one of strings, reads as one token-classification record (CoNLL's
 * layout on the Hub: `{"tokens": ["EU", "rejects", …], "ner_tags": [3, 0, …]}`, a tag per word) rather than a table by
 * column of texts: none of its strings holds a space (each is one word). `certain` when a list is named as words
 * ("tokens", "words"): a table of one-word texts would then be a column of words. Null when its strings are texts.
 */
function tokenClassificationReading(value: Record<string, unknown>, keys: string[], n: number): { what: string; certain: boolean } | null {
  const lists = value as Record<string, unknown[]>;
  if (!keys.every((k) => lists[k]!.every((x) => typeof x !== 'string' || (x.length > 0 && !/\s/.test(x))))) return null;
  const wordKey = keys.find((k) => /^(tokens|words)$/i.test(k) && lists[k]!.every((x) => typeof x === 'string'));
  const tags = keys.filter((k) => k !== wordKey);
  const quoted = (ks: string[]) => quotedKeys(ks, 4, 'lists');
  if (wordKey === undefined) return { what: `each of ${quoted(keys)} a list of ${n}, no value with a space`, certain: false };
  return { what: `${JSON.stringify(wordKey)}: ${n} words${tags.length > 0 ? `, ${quoted(tags)}: a value per word` : ''}, as CoNLL-2003's "tokens" and "ner_tags" on the Hub`, certain: true };
}

const SPLIT_NAMES = /^(train|training|validation|valid|val|dev|test|eval)$/i;

/** JSON keys as a message names them: the first `shown` quoted, each cut, then how many more ("\"a\", \"b\" and 3 more columns"). */
function quotedKeys(keys: readonly string[], shown: number, noun: string): string {
  return boundedItemsText(keys, { shown, quote: true, noun });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A row label of pandas' default index: "0", "1", … */
function isIndexLabel(k: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(k);
}
