// x.name on Python's values as jinja2's immutable sandbox reads it: getattr first, then the item, so `d.items` is
// the dict's method even when the dict has a key "items"; a method is a function (true in `is defined`, callable,
// refused when printed, as jinja2 prints where it lies in memory); the methods that change a list or dict are
// jinja2's unsafe Undefined; a number's real, imag, numerator and denominator are numbers (1.5.real is 1.5).
import { callMethod } from './jinja-methods.ts';
import { FUNCTION_NAMES, V, isDict, isGlobalObject, listKind, pyType, type Value } from './jinja-values.ts';

/** The public attributes of Python 3.11's types (dir(str), …, without _names), methods all but the numbers' data. */
const STR = 'capitalize casefold center count encode endswith expandtabs find format format_map index isalnum isalpha isascii isdecimal isdigit isidentifier islower isnumeric isprintable isspace istitle isupper join ljust lower lstrip maketrans partition removeprefix removesuffix replace rfind rindex rjust rpartition rsplit rstrip split splitlines startswith strip swapcase title translate upper zfill';
const INT = 'as_integer_ratio bit_count bit_length conjugate from_bytes to_bytes';
const FLOAT = 'as_integer_ratio conjugate fromhex hex is_integer';
const METHODS: Record<string, Set<string>> = {
  StringValue: new Set(STR.split(' ')),
  IntegerValue: new Set(INT.split(' ')),
  BooleanValue: new Set(INT.split(' ')),
  FloatValue: new Set(FLOAT.split(' ')),
  ArrayValue: new Set(['copy', 'count', 'index']), // and a range's
  TupleValue: new Set(['count', 'index']),
  ObjectValue: new Set(['copy', 'fromkeys', 'get', 'items', 'keys', 'values']),
  KeywordArgumentsValue: new Set(['copy', 'fromkeys', 'get', 'items', 'keys', 'values']),
};
/** What the immutable sandbox refuses (modifies_known_mutable): got as an attribute, an Undefined. */
const LIST_MUTATORS = new Set(['append', 'clear', 'extend', 'insert', 'pop', 'remove', 'reverse', 'sort']);
const DICT_MUTATORS = new Set(['clear', 'pop', 'popitem', 'setdefault', 'update']);

/** A number's data attribute, or undefined when `name` is none. */
function numberData(v: Value, name: string): Value | undefined {
  const n = Number(v.value);
  if (v.type === 'FloatValue') return name === 'real' ? V.float(n) : name === 'imag' ? V.float(0) : undefined;
  // an int is its own real and numerator (every digit of one past 2**53: a bigint); a bool's are the int
  return name === 'real' || name === 'numerator' ? (v.type === 'IntegerValue' ? v : V.int(n)) : name === 'imag' ? V.int(0) : name === 'denominator' ? V.int(1) : undefined;
}

/** `obj.name` when Python's type of `obj` has the attribute `name`, else null (the caller then reads an item). */
export function pythonAttribute(obj: Value, name: string): Value | null {
  if (obj.type === 'IntegerValue' || obj.type === 'FloatValue' || obj.type === 'BooleanValue') {
    const data = numberData(obj, name);
    if (data) return data;
  }
  // an object a global made (a cycler): its own fields are its attributes, a dict's methods none of them
  if (isGlobalObject(obj)) return (obj.value as Map<string, Value>).get(name) ?? V.undefined();
  const kind = listKind(obj);
  if (kind !== undefined && kind !== 'range') return null; // a dict view: none of these
  if (obj.type === 'ArrayValue' && kind === undefined && LIST_MUTATORS.has(name)) return V.undefined();
  if (isDict(obj) && obj.type !== 'NamespaceValue' && DICT_MUTATORS.has(name)) return V.undefined();
  if (!METHODS[obj.type]?.has(name)) return null;
  const method = V.fn((args) => {
    const kwargs = args.at(-1)?.type === 'KeywordArgumentsValue' ? (args.pop()!.value as Map<string, Value>) : new Map<string, Value>();
    const out = callMethod(obj, name, args, kwargs);
    if (!out) throw new Error(`${pyType(obj)}.${name}() is not supported by mistral-tune's template renderer`);
    return out;
  });
  FUNCTION_NAMES.set(method, `the method ${pyType(obj)}.${name}`);
  return method;
}
