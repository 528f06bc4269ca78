// The runtime values of @huggingface/jinja (0.5.11), seen as Python's: the library does not export its value
// classes, so their constructors are taken from sample values once; str() and repr() as Python prints them (True,
// None, ['a', 1.0], {'k': 'v'}, {0: 1}), float repr, equality, str order by code point, and json.dumps as
// transformers' tojson filter calls it. A dict's keys are strs or ints.
import { Environment, Interpreter } from '@huggingface/jinja';
import { floatJson, floatRepr, isPythonFloat } from '../data/python-numbers.ts';
import { byCodePoint } from '../util/code-point.ts';
import { checkRoom } from './jinja-room.ts';

/** A runtime value of the library: `type` names its class ("StringValue", "IntegerValue", …). */
export interface Value {
  type: string;
  value: unknown;
  builtins: Map<string, Value>;
  __bool__(): { value: boolean };
}

type Ctor = new (value?: unknown) => Value;

/** The library's value classes, from sample values (its interpreter and Environment.set make each kind). */
function valueClasses(): Record<string, Ctor> {
  const env = new Environment();
  const samples: Record<string, unknown> = { s: '', i: 1, f: 1.5, b: true, a: [], o: {}, n: null, fn: () => null };
  for (const [k, v] of Object.entries(samples)) env.set(k, v);
  const ctors: Record<string, Ctor> = {};
  for (const k of [...Object.keys(samples), 'missing']) {
    const v = env.lookupVariable(k) as unknown as Value;
    ctors[v.type] = v.constructor as Ctor;
  }
  const interp = new (Interpreter as unknown as new (env: Environment) => { evaluate(node: unknown, env: Environment): Value })(env);
  const tuple = interp.evaluate({ type: 'TupleLiteral', value: [] }, env);
  ctors[tuple.type] = tuple.constructor as Ctor;
  for (const name of ['StringValue', 'IntegerValue', 'FloatValue', 'BooleanValue', 'ArrayValue', 'TupleValue', 'ObjectValue', 'NullValue', 'UndefinedValue', 'FunctionValue']) {
    if (!ctors[name]) throw new Error(`@huggingface/jinja: no ${name} (jinja-values.ts expects the classes of 0.5.x)`);
  }
  return ctors;
}

const C = valueClasses();
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
export const V = {
  str: (s: string): Value => new C.StringValue!(s),
  int: (n: number): Value => new C.IntegerValue!(n),
  /** Python's int `n`: a number up to 2**53, a bigint past it (jinja-int-arithmetic.ts). */
  exactInt: (n: bigint): Value => new C.IntegerValue!(n >= -MAX_SAFE && n <= MAX_SAFE ? Number(n) : n),
  float: (n: number): Value => new C.FloatValue!(n),
  bool: (b: boolean): Value => new C.BooleanValue!(b),
  list: (items: Value[]): Value => new C.ArrayValue!(items),
  tuple: (items: Value[]): Value => new C.TupleValue!(items),
  dict: (entries: Map<Key, Value>): Value => new C.ObjectValue!(entries),
  none: (): Value => new C.NullValue!(null),
  undefined: (): Value => new C.UndefinedValue!(),
  fn: (f: (args: Value[], env: Environment) => Value): Value => new C.FunctionValue!(f),
};

/** A dict's key as the library's Map holds it: a str, or an int (a dict literal's {0: …}, made by jinja-python.ts). */
export type Key = string | number;
/** A dict key as a value (keys(), items(), a for loop over a dict). */
export const keyValue = (k: Key): Value => (typeof k === 'number' ? V.int(k) : V.str(k));
/** A dict key as a Map key, or undefined for a key type dicts here do not hold (float, bool, None, an int past 2**53, …). */
export const asKey = (v: Value): Key | undefined =>
  v.type === 'StringValue' || (v.type === 'IntegerValue' && typeof (v.value as unknown) === 'number') ? (v.value as Key) : undefined;

export const isStr = (v: Value): v is Value & { value: string } => v.type === 'StringValue';
export const isInt = (v: Value): v is Value & { value: number } => v.type === 'IntegerValue';
export const isNum = (v: Value): v is Value & { value: number } => v.type === 'IntegerValue' || v.type === 'FloatValue';
export const isList = (v: Value): v is Value & { value: Value[] } => v.type === 'ArrayValue' || v.type === 'TupleValue';
export const isDict = (v: Value): v is Value & { value: Map<Key, Value> } => v.type === 'ObjectValue' || v.type === 'KeywordArgumentsValue' || v.type === 'NamespaceValue';
const isNumeric = (v: Value): boolean => isNum(v) || v.type === 'BooleanValue';
export const isNone = (v: Value | undefined): boolean => v === undefined || v.type === 'NullValue' || v.type === 'UndefinedValue';

/** Python's type name of a value, for error messages ("str", "int", "NoneType", …). */
export function pyType(v: Value): string {
  const names: Record<string, string> = {
    StringValue: 'str', IntegerValue: 'int', FloatValue: 'float', BooleanValue: 'bool', ArrayValue: 'list', TupleValue: 'tuple',
    ObjectValue: 'dict', KeywordArgumentsValue: 'dict', NamespaceValue: 'Namespace', NullValue: 'NoneType', UndefinedValue: 'Undefined', FunctionValue: 'function',
  };
  return KINDS.get(v)?.kind ?? names[v.type] ?? v.type;
}

/** The characters Python's str.isprintable() refuses (control, format, private, unassigned, separators other than ' '). */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's repr() of a str: single quotes unless it holds ' and no ", escapes for \\, the quote and unprintable characters. */
function strRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || ch === q) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && UNPRINTABLE.test(ch)) {
      out += c < 0x100 ? '\\x' + c.toString(16).padStart(2, '0') : c < 0x10000 ? '\\u' + c.toString(16).padStart(4, '0') : '\\U' + c.toString(16).padStart(8, '0');
    } else out += ch;
  }
  return out + q;
}

/** The values markupsafe's escape made (a Markup, jinja-filters-rare.ts): its repr is Markup('…'). */
export const MARKUP = new WeakSet<Value>();

/** Python's repr() of a value (the items of a printed list or dict; jinja2's Undefined is "Undefined" there). */
export function pyRepr(v: Value): string {
  if (isStr(v)) return MARKUP.has(v) ? `Markup(${strRepr(v.value)})` : strRepr(v.value);
  return v.type === 'UndefinedValue' ? 'Undefined' : pyStr(v);
}

/**
 * Python objects held here as a list, with their own str(), == and no JSON: range(0, 3), a dict's views, and the
 * generator jinja2's lazy filters give (jinja-filters.ts generator()).
 */
export type ListKind = 'range' | 'dict_keys' | 'dict_items' | 'dict_values' | 'generator';
const KINDS = new WeakMap<Value, { kind: ListKind; args: string }>();
/** A list that is a `kind` (`args`: a range's "0, 3"). */
export function kindedList(kind: ListKind, items: Value[], args = ''): Value {
  const v = V.list(items);
  KINDS.set(v, { kind, args });
  return v;
}
export const listKind = (v: Value): ListKind | undefined => KINDS.get(v)?.kind;

/** A function's name for messages (a method got as x.name), by function value. */
export const FUNCTION_NAMES = new WeakMap<Value, string>();
/** An object a global made (a cycler): its fields are its attributes; no dict, nor any container, in jinja2. */
export const isGlobalObject = (v: Value): boolean => v.type === 'ObjectValue' && FUNCTION_NAMES.has(v);
/** jinja2's TypeError for iterating such an object. */
export const notIterable = (v: Value): Error => new Error(`${FUNCTION_NAMES.get(v) ?? pyType(v)} is not iterable (jinja2's TypeError)`);

/** An int's digits, as Python prints it: every digit past 2**53 too (10 ** 21 is not 1e+21; a bigint: inputValue). */
function intText(n: number | bigint): string {
  return typeof n === 'number' && Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
}

/**
 * A value handed to a template (the messages, the tools) as its runtime value, as the library's Environment.set
 * converts it, with Python's numbers kept (src/data/python-numbers.ts): a boxed Number is a float (1.0), a bigint an
 * int of every digit (its value the bigint, which arithmetic keeps exact: jinja-int-arithmetic.ts).
 */
export function inputValue(x: unknown): Value {
  if (isPythonFloat(x)) return V.float(x.valueOf());
  switch (typeof x) {
    case 'bigint': return new C.IntegerValue!(x);
    case 'number': return Number.isInteger(x) ? V.int(x) : V.float(x);
    case 'string': return V.str(x);
    case 'boolean': return V.bool(x);
    case 'undefined': return V.undefined();
    case 'object':
      if (x === null) return V.none();
      if (Array.isArray(x)) return V.list(x.map(inputValue));
      return V.dict(new Map(Object.entries(x).map(([k, v]) => [k, inputValue(v)])));
    default: throw new Error(`Cannot convert to runtime value: ${String(x)}`);
  }
}

/** Python's str() of a value: what `{{ v }}`, `~`, |string and |join print. */
export function pyStr(v: Value): string {
  switch (v.type) {
    case 'StringValue': return v.value as string;
    case 'IntegerValue': return intText(v.value as number | bigint);
    case 'FloatValue': return floatRepr(v.value as number);
    case 'BooleanValue': return v.value ? 'True' : 'False';
    case 'NullValue': return 'None';
    case 'UndefinedValue': return '';
    case 'ArrayValue': {
      const kind = KINDS.get(v);
      if (kind?.kind === 'generator') throw new Error("printing a generator is not supported by mistral-tune's template renderer (jinja2 prints its Python repr with its address; | list prints the items)");
      const items = `[${(v.value as Value[]).map(pyRepr).join(', ')}]`;
      return kind === undefined ? items : kind.kind === 'range' ? `range(${kind.args})` : `${kind.kind}(${items})`;
    }
    case 'FunctionValue':
      throw new Error(`printing ${FUNCTION_NAMES.get(v) ?? 'a function'} is not supported by mistral-tune's template renderer (jinja2 prints its Python repr, a method's with its address)`);
    case 'TupleValue': {
      const items = (v.value as Value[]).map(pyRepr);
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    }
    case 'ObjectValue':
    case 'KeywordArgumentsValue':
      if (FUNCTION_NAMES.has(v)) throw new Error(`printing ${FUNCTION_NAMES.get(v)!} is not supported by mistral-tune's template renderer (jinja2 prints its Python repr with its address)`);
      return `{${[...(v.value as Map<Key, Value>)].map(([k, x]) => `${typeof k === 'number' ? k : strRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
    case 'NamespaceValue': return `<Namespace ${pyStr(V.dict(v.value as Map<Key, Value>))}>`;
    default: return String(v.value);
  }
}

/** Python's == of two numbers: exact, an int past 2**53 (a bigint) too (12345678901234567890 != 12345678901234567890.0). */
function numbersEqual(x: number | bigint | boolean, y: number | bigint | boolean): boolean {
  if (typeof x !== 'bigint' && typeof y !== 'bigint') return Number(x) === Number(y);
  const [p, q] = [typeof x === 'bigint' ? x : Number(x), typeof y === 'bigint' ? y : Number(y)];
  // a bigint against a number: the number's exact value, where it is a whole one
  if (typeof p === 'bigint' && typeof q === 'bigint') return p === q;
  const [big, n] = typeof p === 'bigint' ? [p, q as number] : [q as bigint, p];
  return Number.isInteger(n) && BigInt(n) === big;
}

/** Python's ==: numbers and booleans by value, strings, lists and dicts by content, None only to None. */
export function pyEq(a: Value, b: Value): boolean {
  if (a.type === b.type && (a.type === 'StringValue' || a.type === 'BooleanValue')) return a.value === b.value;
  if (isNumeric(a) && isNumeric(b)) return numbersEqual(a.value as number | bigint | boolean, b.value as number | bigint | boolean);
  if (KINDS.has(a) || KINDS.has(b)) {
    // range(3) == [0, 1, 2] is false; views are equal as sets, dict_values only to themselves
    const [p, q] = [KINDS.get(a)?.kind, KINDS.get(b)?.kind];
    if (p !== q || p === 'dict_values') return a === b;
    const [xs, ys] = [a.value as Value[], b.value as Value[]];
    return xs.length === ys.length && (p === 'range' ? xs.every((x, i) => pyEq(x, ys[i]!)) : xs.every((x) => ys.some((y) => pyEq(x, y))));
  }
  if (isList(a) && isList(b)) return a.type === b.type && a.value.length === b.value.length && a.value.every((x, i) => pyEq(x, b.value[i]!));
  if (isDict(a) && isDict(b)) {
    if (a.value.size !== b.value.size) return false;
    for (const [k, x] of a.value) if (!b.value.has(k) || !pyEq(x, b.value.get(k)!)) return false;
    return true;
  }
  return a.type === b.type && a.value === b.value;
}

export interface JsonOptions {
  /** What each level indents by (json.dumps's indent: an int is that many spaces), or null: one line. */
  indent: string | null;
  ensureAscii: boolean;
  separators: [string, string] | null;
  sortKeys: boolean;
}

const JSON_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

function jsonString(s: string, ensureAscii: boolean): string {
  const special = ensureAscii ? /["\\]|[^ -~]/g : /["\\\x00-\x1f]/g;
  return '"' + s.replace(special, (ch) => JSON_ESCAPES[ch] ?? '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0')) + '"';
}

/** Python's json.dumps(v, ensure_ascii, indent, separators, sort_keys), as transformers' tojson filter calls it. */
export function pyJson(v: Value, o: JsonOptions, depth = 0): string {
  switch (v.type) {
    case 'NullValue': return 'null';
    case 'BooleanValue': return v.value ? 'true' : 'false';
    case 'IntegerValue': return intText(v.value as number | bigint);
    case 'FloatValue': return floatJson(v.value as number);
    case 'StringValue': return jsonString(v.value as string, o.ensureAscii);
  }
  const [itemSep, keySep] = o.separators ?? (o.indent !== null ? [',', ': '] : [', ', ': ']);
  let parts: string[];
  let open: string, close: string;
  if (isList(v) && !KINDS.has(v)) {
    parts = v.value.map((x) => pyJson(x, o, depth + 1));
    [open, close] = ['[', ']'];
  } else if (isDict(v)) {
    let entries = [...v.value];
    if (o.sortKeys) entries = entries.sort(([a], [b]) => (typeof a === 'string' && typeof b === 'string' ? byCodePoint(a, b) : a < b ? -1 : a > b ? 1 : 0));
    parts = entries.map(([k, x]) => jsonString(String(k), o.ensureAscii) + keySep + pyJson(x, o, depth + 1));
    [open, close] = ['{', '}'];
  } else {
    throw new Error(`Object of type ${pyType(v)} is not JSON serializable`);
  }
  if (parts.length === 0) return open + close;
  // the items' indentation, one per item, checked before it is built (an empty container has none: `[[]]` holds one level's)
  if (o.indent !== null) checkRoom(o.indent.length * (depth + 1) * parts.length);
  const inner = o.indent === null ? '' : '\n' + o.indent.repeat(depth + 1);
  const outer = o.indent === null ? '' : '\n' + o.indent.repeat(depth);
  return open + inner + parts.join(itemSep + inner) + outer + close;
}
