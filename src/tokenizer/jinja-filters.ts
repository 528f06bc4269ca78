// jinja2's tests and filters where @huggingface/jinja's differ from them or lack them, as chat templates use them:
// tests (sequence, iterable, mapping, number, float, eq/ne/lt/…, in, even, odd, divisibleby, sameas, lower, upper) and
// filters (string, join, trim, length/count, default/d, transformers' tojson, map, select/reject(attr), first, last,
// list, max, min, sum, abs, round, title, capitalize, upper, lower, replace, reverse, indent, sort, unique, dictsort,
// items, int, float; the lazy ones true in a test as jinja2's generators). Numbers are Python's: an int past 2**53 (a
// bigint, jinja-int-arithmetic.ts) is compared, summed, rounded and divided exactly. jinja-python.ts's interpreter
// calls them before the library's.
import type { Environment } from '@huggingface/jinja';
import { roundEven } from './jinja-float-digits.ts';
import { exactIntArithmetic, floatOperands } from './jinja-int-arithmetic.ts';
import { callMethod, pythonStrip, titleFilter } from './jinja-methods.ts';
import { parseFloatPy, parseIntPy } from './jinja-number-text.ts';
import { checkRoom, roomFor } from './jinja-room.ts';
import { testArgument } from './jinja-test-arguments.ts';
import { V, asKey, isGlobalObject, notIterable, isDict, isInt, isList, isNone, isNum, isStr, pyEq, pyJson, pyStr, pyType, keyValue, inputValue, kindedList, listKind, type Value } from './jinja-values.ts';
import { byCodePoint } from '../util/code-point.ts';

/** What a filter needs of the interpreter: other filters (map('trim')) and tests (select('odd')) by name, and Python's getattr (attr). */
export interface FilterHost {
  applyNamed(operand: Value, name: string, args: Value[], env: Environment, kwargs?: ReadonlyMap<string, Value>): Value;
  runTest(name: string, v: Value, arg: Value | undefined, env: Environment): boolean;
  getattr(obj: Value, name: string): Value;
}

export type Test = (v: Value, arg?: Value) => boolean;
export const compare = (op: string) => (a: Value, b?: Value): boolean => {
  if (b === undefined) throw new Error(`the ${op} test needs a value to compare with`);
  const c = compareValues(a, b, op); // two lists or tuples by their items, as Python orders them
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
};
/**
 * The order of two numbers (bools as ints): negative, 0 or positive, exact for an int past 2**53 (JavaScript compares
 * a bigint and a number exactly, as Python compares an int and a float); NaN where one is NaN (no order holds).
 */
function numberOrder(a: Value, b: Value): number {
  const [x, y] = [a.value, b.value].map((n) => (typeof n === 'boolean' ? Number(n) : n)) as [number | bigint, number | bigint];
  if (x < y) return -1;
  if (x > y) return 1;
  return Number.isNaN(x) || Number.isNaN(y) ? NaN : 0;
}

/** A bool as Python's int 0 or 1; any other value as it is. */
const boolAsInt = (v: Value): Value => (v.type === 'BooleanValue' ? V.int(v.value ? 1 : 0) : v);

/** Python's `a op b` (+ or %) of two numbers (bools as ints): exact on ints (jinja-int-arithmetic.ts), else a float's. */
function numberOp(op: '+' | '%', a: Value, b: Value): Value {
  [a, b] = [boolAsInt(a), boolAsInt(b)];
  if (!isNum(a) || !isNum(b)) throw new Error(`unsupported operand type(s) for ${op}: '${pyType(a)}' and '${pyType(b)}'`);
  const exact = exactIntArithmetic(op, a, b);
  if (exact !== null) return exact;
  [a, b] = floatOperands(op, a, b);
  const [x, y] = [a.value as number, b.value as number];
  const ints = isInt(a) && isInt(b);
  if (op === '+') return ints ? V.int(x + y) : V.float(x + y);
  if (y === 0) throw new Error(ints ? 'integer division or modulo by zero' : 'float modulo');
  let r = x % y; // JavaScript's % takes the sign of x, Python's that of y
  if (r !== 0 && r < 0 !== y < 0) r += y;
  return ints ? V.int(r) : V.float(r);
}

/** Python's `v % n == r`, for the tests even, odd and divisibleby. */
const remainderIs = (v: Value, n: Value, r: number): boolean => pyEq(numberOp('%', v, n), V.int(r));

/** jinja2's tests where the library's differ or are missing (the others are the library's). */
export const TESTS: Record<string, Test> = {
  // len() and [] (a dict's views have no [], a range has); jinja2's Undefined has both, and iterates as empty
  sequence: (v) => isStr(v) || (isList(v) && (listKind(v) ?? 'range') === 'range') || (isDict(v) && !isGlobalObject(v)) || v.type === 'UndefinedValue',
  iterable: (v) => isStr(v) || isList(v) || (isDict(v) && !isGlobalObject(v)) || v.type === 'UndefinedValue',
  mapping: (v) => v.type === 'ObjectValue' && !isGlobalObject(v), // not a cycler
  number: (v) => isNum(v) || v.type === 'BooleanValue',
  float: (v) => v.type === 'FloatValue',
  none: (v) => v.type === 'NullValue',
  defined: (v) => v.type !== 'UndefinedValue',
  // Python's callable(): jinja2's Undefined has a __call__ (which fails), so an undefined value is callable
  callable: (v) => v.type === 'FunctionValue' || v.type === 'UndefinedValue',
  undefined: (v) => v.type === 'UndefinedValue',
  eq: (a, b) => b !== undefined && pyEq(a, b),
  ne: (a, b) => b === undefined || !pyEq(a, b),
  lt: compare('<'), le: compare('<='), gt: compare('>'), ge: compare('>='),
  in: (a, b) => b !== undefined && contains(b, a),
  sameas(a, b) {
    // Python's `a is b`: certain for the singletons None, True and False, for two values of two types (never one
    // object), and for the lists, dicts and namespaces a template is given or makes, each one object here as in Python
    // (`{% set y = x %}` is x, messages[0] is messages[0]; a copy, `x | list`, `x[:]`, a literal is another); ints, strs
    // and tuples are shared or not as CPython pleases
    if (b === undefined) throw new Error('the sameas test needs a value to compare with');
    const singleton = (v: Value) => v.type === 'NullValue' || v.type === 'BooleanValue';
    if (singleton(a) || singleton(b) || pyType(a) !== pyType(b)) return a.type === b.type && a.value === b.value;
    const mutable = (v: Value) => (v.type === 'ArrayValue' && listKind(v) === undefined) || v.type === 'ObjectValue' || v.type === 'NamespaceValue';
    if (mutable(a) && mutable(b)) return a === b;
    throw new Error(`the test 'sameas' on ${pyType(a)} and ${pyType(b)} depends on Python's object identity: not supported by mistral-tune's template renderer`);
  },
  // value % 2 == 0 (== 1), value % num == 0: Python's modulo (bools are ints; a float divides by float rules)
  even: (v) => remainderIs(v, V.int(2), 0),
  odd: (v) => remainderIs(v, V.int(2), 1),
  divisibleby(a, b) {
    if (b === undefined) throw new Error('the divisibleby test needs a number to divide by');
    try {
      return remainderIs(a, b, 0);
    } catch (e) {
      throw new Error(`divisibleby: ${(e as Error).message}`);
    }
  },
  lower: (v) => callMethod(V.str(pyStr(v)), 'islower', [], new Map())!.value === true,
  upper: (v) => callMethod(V.str(pyStr(v)), 'isupper', [], new Map())!.value === true,
};
for (const [alias, name] of [['equalto', 'eq'], ['==', 'eq'], ['!=', 'ne'], ['<', 'lt'], ['<=', 'le'], ['>', 'gt'], ['>=', 'ge'], ['lessthan', 'lt'], ['greaterthan', 'gt']] as const) {
  TESTS[alias] = TESTS[name]!;
}

/** Python's `item in container`. */
export function contains(container: Value, item: Value): boolean {
  if (isStr(container)) {
    if (!isStr(item)) throw new Error(`'in <string>' requires string as left operand, not ${pyType(item)}`);
    return container.value.includes(item.value);
  }
  if (isList(container) && listKind(container) === 'generator') {
    const at = container.value.findIndex((x) => pyEq(x, item)); // Python's `in` reads a generator up to the item found
    take(container, at < 0 ? Infinity : at + 1);
    return at >= 0;
  }
  if (isList(container)) return container.value.some((x) => pyEq(x, item));
  if (isDict(container)) {
    const key = asKey(item);
    return key !== undefined && container.value.has(key);
  }
  throw new Error(`argument of type '${pyType(container)}' is not iterable`);
}

/**
 * jinja2's attribute lookup for filters (selectattr, map(attribute=…), groupby, sort): "a.b", each part of digits an
 * int (its make_attrgetter): a list's or str's index or a dict's int key (not its str key '0'); undefined when absent.
 */
export function attribute(item: Value, path: string): Value {
  let v = item;
  for (const part of path.split('.')) {
    const index = /^\d+$/.test(part) ? Number(part) : undefined;
    if (isDict(v)) v = v.value.get(index ?? part) ?? V.undefined();
    else if (isList(v) && index !== undefined) v = v.value[index] ?? V.undefined();
    else if (isStr(v) && index !== undefined) {
      const char = [...v.value][index]; // a code point, as Python's str[i]
      v = char === undefined ? V.undefined() : V.str(char);
    }
    // a groupby group's fields (jinja2's _GroupTuple: getitem fails, getattr gives them), its own builtins here
    else if (v.type === 'TupleValue' && Object.hasOwn(v, 'builtins') && (part === 'grouper' || part === 'list')) v = v.builtins.get(part) ?? V.undefined();
    else return V.undefined();
  }
  return v;
}

/**
 * What jinja2's lazy filters give (select/reject(attr), map, unique, items, reverse of a list): a generator, true in
 * a test even when it yields nothing; here a list of the generator kind (jinja-values.ts): no len(), no [i] (jinja2's
 * Undefined), not reversible, not a sequence, no JSON, == only to itself; printing it is refused.
 */
export function generator(items: Value[]): Value {
  const v = kindedList('generator', items);
  v.__bool__ = () => ({ value: true });
  return v;
}

/**
 * The next `n` items of a generator, taken from it: jinja2's generator is read once (a second | join of it is '',
 * a loop over it again runs no time); a loop that breaks takes the items it read (jinja-python.ts evaluateFor).
 */
export function take(gen: Value & { value: Value[] }, n = Infinity): Value[] {
  const items = gen.value.slice(0, n);
  gen.value = gen.value.slice(items.length);
  return items;
}

/**
 * The items a filter iterates: a list's items, a string's characters, a dict's keys; none of an undefined value
 * (jinja2's Undefined iterates as empty); a generator's rest, which reading takes from it.
 */
export function iterate(v: Value, filter: string): Value[] {
  if (isList(v)) return listKind(v) === 'generator' ? take(v) : v.value;
  if (v.type === 'UndefinedValue') return [];
  if (isStr(v)) return [...v.value].map(V.str);
  if (isGlobalObject(v)) throw notIterable(v);
  if (isDict(v)) return [...v.value.keys()].map(keyValue);
  throw new Error(`${filter}: '${pyType(v)}' object is not iterable`);
}

/** int() and float() of jinja2's Undefined raise its UndefinedError (not the TypeError the filters' default catches). */
function failOnUndefined(v: Value, filter: string): void {
  if (v.type === 'UndefinedValue') throw new Error(`${filter} of an undefined value (jinja2's UndefinedError)`);
}

/** `v`, when Python's len() takes it (a generator has no len()). */
function sized(v: Value): Value {
  if (listKind(v) === 'generator') throw new Error("object of type 'generator' has no len()");
  return v;
}

/** Python's len() of a str: code points, not UTF-16 units. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--;
      i++;
    }
  }
  return n;
}

function numberOf(v: Value, filter: string): number {
  if (!(isNum(v) || v.type === 'BooleanValue')) throw new Error(`${filter}: expected a number, got ${pyType(v)}`);
  return Number(v.value);
}

/** A filter's arguments, and the one at a position or else by keyword. */
export interface Args {
  args: Value[];
  kwargs: Map<string, Value>;
}
export const argOf = (a: Args, index: number, keyword: string): Value | undefined => a.args[index] ?? a.kwargs.get(keyword);
export type Filter = (this: FilterHost, v: Value, a: Args, env: Environment) => Value;

function selectFilter(byAttribute: boolean, keep: boolean): Filter {
  return function (v, a, env) {
    const items = v.__bool__().value ? iterate(v, byAttribute ? 'selectattr' : 'select') : []; // jinja2: `if value:` (none | selectattr → [])
    // jinja2's select_or_reject: the attribute and the test by position; the arguments after them and every keyword
    // argument are the test's (`select('divisibleby', num=2)`), but `value`, which names the filter's own operand
    const attr = byAttribute ? a.args[0] : undefined;
    if (byAttribute && (attr === undefined || !isStr(attr))) throw new Error('selectattr/rejectattr needs an attribute name');
    if (a.kwargs.has('value')) throw new Error(`${byAttribute ? 'selectattr' : 'select'} got multiple values for argument 'value'`);
    const testName = a.args[byAttribute ? 1 : 0];
    return generator(items.filter((item) => {
      const x = byAttribute ? attribute(item, attr!.value as string) : item;
      // the test's arguments are bound at each call, as jinja2's call_test does (no item, no error)
      const ok = testName === undefined ? x.__bool__().value : this.runTest(pyStr(testName), x, testArgument(pyStr(testName), a.args.slice(byAttribute ? 2 : 1), a.kwargs), env);
      return ok === keep;
    }));
  };
}

/** jinja2's upper/lower/capitalize: the str method on str(value) (a dict or True is printed, then cased). */
function caseFilter(method: string): Filter {
  return (v) => callMethod(isStr(v) ? v : V.str(pyStr(v)), method, [], new Map())!;
}

/** jinja2's filters where the library's differ or are missing (called with `this` = the interpreter). */
export const FILTERS: Record<string, Filter> = {
  string: (v) => (isStr(v) ? v : V.str(pyStr(v))),
  join(v, a) {
    const sep = argOf(a, 0, 'd');
    const attr = argOf(a, 1, 'attribute');
    const items = iterate(v, 'join').map((x) => (attr && isStr(attr) ? attribute(x, attr.value) : x));
    return V.str(items.map(pyStr).join(sep ? pyStr(sep) : ''));
  },
  trim(v, a) {
    const chars = argOf(a, 0, 'chars');
    return V.str(pythonStrip(pyStr(v), isNone(chars) ? null : pyStr(chars!), true, true));
  },
  length: (v) => V.int(isStr(v) ? codePoints(v.value) : iterate(sized(v), 'length').length),
  count: (v) => V.int(isStr(v) ? codePoints(v.value) : iterate(sized(v), 'count').length),
  default(v, a) {
    const fallback = argOf(a, 0, 'default_value') ?? V.str('');
    const onFalse = argOf(a, 1, 'boolean')?.__bool__().value ?? false;
    return v.type === 'UndefinedValue' || (onFalse && !v.__bool__().value) ? fallback : v;
  },
  tojson(v, a) {
    const indent = argOf(a, 1, 'indent');
    const seps = argOf(a, 2, 'separators');
    // json.dumps: a str indent is the text of one level, an int (a bool too) that many spaces
    if (!isNone(indent) && !isInt(indent!) && !isStr(indent!) && indent!.type !== 'BooleanValue') {
      throw new Error(`tojson: can't multiply sequence by non-int of type '${pyType(indent!)}' (indent)`);
    }
    if (!isNone(seps) && !(isList(seps!) && seps.value.length === 2 && seps.value.every(isStr))) throw new Error('tojson: separators must be two strings');
    return V.str(pyJson(v, {
      ensureAscii: argOf(a, 0, 'ensure_ascii')?.__bool__().value ?? false,
      indent: isNone(indent) ? null : isStr(indent!) ? indent.value : ' '.repeat(Math.max(0, roomFor(Number(indent!.value)))),
      separators: isNone(seps) ? null : ((seps!.value as Value[]).map((x) => x.value) as [string, string]),
      sortKeys: argOf(a, 3, 'sort_keys')?.__bool__().value ?? false,
    }));
  },
  map(v, a, env) {
    const items = v.__bool__().value ? iterate(v, 'map') : []; // as jinja2's (none | map(...) → [])
    const attr = argOf(a, -1, 'attribute');
    if (attr !== undefined) {
      const fallback = argOf(a, -1, 'default');
      return generator(items.map((x) => {
        const got = attribute(x, pyStr(attr));
        return got.type === 'UndefinedValue' && fallback !== undefined ? fallback : got;
      }));
    }
    const name = argOf(a, 0, 'name');
    if (name === undefined || !isStr(name)) throw new Error('map needs a filter name or attribute=');
    const rest: Value[] = [];
    for (let i = 1; argOf(a, i, '') !== undefined; i++) rest.push(argOf(a, i, '')!);
    // jinja2's map(name, *args, **kwargs): the arguments after the name, keywords too, are the filter's
    const kwargs = new Map([...a.kwargs].filter(([k]) => k !== 'name'));
    return generator(items.map((x) => this.applyNamed(x, name.value, rest, env, kwargs)));
  },
  select: selectFilter(false, true),
  reject: selectFilter(false, false),
  selectattr: selectFilter(true, true),
  rejectattr: selectFilter(true, false),
  first: (v) => (isList(v) && listKind(v) === 'generator' ? take(v, 1) : iterate(v, 'first'))[0] ?? V.undefined(),
  // an undefined value is empty (jinja2's Undefined reverses to nothing): undefined, as first gives
  last: (v) => (v.type === 'UndefinedValue' ? V.undefined() : (isStr(v) || isList(v) || v.type === 'ObjectValue') && listKind(v) !== 'generator' ? iterate(v, 'last').at(-1) ?? V.undefined() : (() => { throw new Error(`last: '${pyType(v)}' object is not reversible`); })()),
  int(v, a) {
    // jinja2's do_int: int(value), else int(float(value)), else the default
    const fallback = argOf(a, 0, 'default') ?? V.int(0);
    const base = argOf(a, 1, 'base');
    failOnUndefined(v, 'int');
    if (isInt(v)) return v;
    if (v.type === 'BooleanValue') return V.int(v.value ? 1 : 0);
    if (isStr(v)) {
      const exact = parseIntPy(v.value, base && isInt(base) ? base.value : 10);
      if (typeof exact === 'bigint') return inputValue(exact); // an int of every digit, as Python's
      if (exact !== null) return V.int(exact || 0);
    }
    // int() of an infinite float raises OverflowError, which do_int does not catch (it does for a str: int(float(s)))
    if (v.type === 'FloatValue' && Math.abs(v.value as number) === Infinity) throw new Error('cannot convert float infinity to integer');
    const n = isStr(v) ? parseFloatPy(v.value) : v.type === 'FloatValue' ? (v.value as number) : null;
    return n === null || !Number.isFinite(n) ? fallback : V.int(Math.trunc(n) || 0);
  },
  float(v, a) {
    const fallback = argOf(a, 0, 'default') ?? V.float(0);
    failOnUndefined(v, 'float');
    if (isNum(v) || v.type === 'BooleanValue') {
      const n = Number(v.value);
      if (!Number.isFinite(n) && isInt(v)) throw new Error('int too large to convert to float'); // Python's OverflowError
      return V.float(n);
    }
    const n = isStr(v) ? parseFloatPy(v.value) : null;
    return n === null ? fallback : V.float(n);
  },
  list: (v) => V.list(iterate(v, 'list')),
  max: (v, a) => extreme(v, a, 'max', 1),
  min: (v, a) => extreme(v, a, 'min', -1),
  sort(v, a) {
    const reverse = argOf(a, 0, 'reverse')?.__bool__().value ?? false;
    const key = sortKey(a, 1, 2);
    const items = iterate(v, 'sort').map((x) => ({ x, k: key(x) }));
    items.sort((p, q) => (reverse ? -1 : 1) * compareValues(p.k, q.k));
    return V.list(items.map((p) => p.x));
  },
  dictsort(v, a) {
    if (!isDict(v)) throw new Error(`dictsort: expected a dict, got ${pyType(v)}`);
    const by = argOf(a, 1, 'by') ?? V.str('key');
    if (!isStr(by) || (by.value !== 'key' && by.value !== 'value')) throw new Error('dictsort: You can only sort by either "key" or "value"');
    const byValue = by.value === 'value';
    const reverse = argOf(a, 2, 'reverse')?.__bool__().value ?? false;
    const key = sortKey({ args: a.args.slice(0, 1), kwargs: new Map([...a.kwargs].filter(([k]) => k === 'case_sensitive')) }, 0, -1);
    const pairs = [...v.value].map(([k, x]) => ({ pair: V.tuple([keyValue(k), x]), k: key(byValue ? x : keyValue(k)) }));
    pairs.sort((p, q) => (reverse ? -1 : 1) * compareValues(p.k, q.k));
    return V.list(pairs.map((p) => p.pair));
  },
  items(v) {
    if (v.type === 'UndefinedValue') return V.list([]);
    if (!isDict(v)) throw new Error(`items: can only get item pairs from a mapping, not ${pyType(v)}`);
    return generator([...v.value].map(([k, x]) => V.tuple([keyValue(k), x])));
  },
  unique(v, a) {
    const key = sortKey(a, 0, 1);
    const seen: Value[] = [];
    const out: Value[] = [];
    for (const x of iterate(v, 'unique')) {
      const k = key(x);
      if (k.type === 'ArrayValue' || isDict(k)) throw new Error(`unique: unhashable type: '${pyType(k)}'`);
      if (seen.some((s) => pyEq(s, k))) continue;
      seen.push(k);
      out.push(x);
    }
    return generator(out);
  },
  sum(v, a) {
    const attr = argOf(a, 0, 'attribute');
    const start = argOf(a, 1, 'start');
    const items = iterate(v, 'sum').map((x) => (attr === undefined ? x : attribute(x, pyStr(attr))));
    return items.reduce((total, x) => numberOp('+', total, x), start ?? V.int(0)); // Python's sum(items, start)
  },
  abs(v) {
    const n = boolAsInt(v).value;
    if (typeof n === 'bigint') return V.exactInt(n < 0n ? -n : n);
    if (!isNum(v) && v.type !== 'BooleanValue') throw new Error(`bad operand type for abs(): '${pyType(v)}'`);
    return v.type === 'FloatValue' ? V.float(Math.abs(n as number)) : V.int(Math.abs(n as number));
  },
  round(v, a) {
    const precision = argOf(a, 0, 'precision');
    const method = argOf(a, 1, 'method');
    const p = precision ? numberOf(precision, 'round') : 0;
    const x = numberOf(v, 'round');
    const m = method ? pyStr(method) : 'common';
    if (m !== 'common' && m !== 'ceil' && m !== 'floor') throw new Error('method must be common, ceil or floor');
    const integer = isInt(v) || v.type === 'BooleanValue';
    const intDigits = precision === undefined || isInt(precision) || precision.type === 'BooleanValue';
    // Python's round(x, ndigits) takes ndigits as an int (a bool is one); a float was read as a BigInt's digits
    if (m === 'common' && !intDigits) throw new Error(`'${pyType(precision!)}' object cannot be interpreted as an integer`);
    // Python's round(int, ndigits): the int itself for ndigits >= 0, else to tens, hundreds, … (halves to even), exact
    if (m === 'common' && integer) {
      if (p >= 0) return boolAsInt(v);
      const n = BigInt(boolAsInt(v).value as number | bigint);
      // rounded to more tens than it has digits: 0 (Python computes 10**-p first, which for round(5, -2**80) never ends)
      return -p > n.toString().length + 1 ? V.int(0) : V.exactInt(roundIntToTens(n, -p));
    }
    // Python's float round: itself past 323 digits (and inf, nan), a signed zero to tens past 10**308, else the double
    // nearest x's exact decimal value rounded half to even at p digits (tens, hundreds, … where p < 0)
    if (m === 'common') {
      if (!Number.isFinite(x) || p > 323) return V.float(x);
      return V.float(p < -308 ? (x < 0 || Object.is(x, -0) ? -0 : 0) : roundEven(x, p));
    }
    // jinja2's func(value * 10**precision) / 10**precision: 10**int an exact int (past float's range an OverflowError as
    // a float value meets it; an int value comes back whole), 10**-int and 10**float a float (10.0**400.5 an OverflowError; 10**-400 0.0, divided by:
    // a ZeroDivisionError, where JavaScript's 0 / 0 was nan); math.ceil and math.floor make an int: of inf an
    // OverflowError, of nan a ValueError
    if (integer && intDigits && p >= 0) {
      // an int times 10**int is an exact int, floored as it is and divided back: the int as the nearest float
      const f = Number(BigInt(boolAsInt(v).value as number | bigint));
      if (!Number.isFinite(f)) throw new Error('integer division result too large for a float');
      return V.float(f);
    }
    const scale = 10 ** p;
    if (scale === Infinity) throw new Error(intDigits ? 'int too large to convert to float' : "(34, 'Numerical result out of range')");
    const scaled = x * scale;
    if (!Number.isFinite(scaled)) throw new Error(`cannot convert float ${Number.isNaN(scaled) ? 'NaN' : 'infinity'} to integer`);
    if (scale === 0) throw new Error('float division by zero');
    return V.float(((m === 'ceil' ? Math.ceil(scaled) : Math.floor(scaled)) + 0) / scale); // an int: no -0 (math.ceil(-1e-20) is 0)
  },
  title: (v) => V.str(titleFilter(pyStr(v))),
  capitalize: caseFilter('capitalize'),
  upper: caseFilter('upper'),
  lower: caseFilter('lower'),
  reverse(v) {
    if (isStr(v)) return V.str([...v.value].reverse().join(''));
    // reversed() of a sequence or dict, an iterator; a generator is not reversible: jinja2 reverses a list of it
    const items = [...iterate(v, 'reverse')].reverse();
    return listKind(v) === 'generator' ? V.list(items) : generator(items);
  },
  indent(v, a) {
    // jinja2's do_indent: the lines of s + '\n' as str.splitlines() cuts them, joined by '\n'
    if (!isStr(v)) throw new Error(`indent: expected a str, got ${pyType(v)}`); // do_indent's s += '\n'
    const width = argOf(a, 0, 'width') ?? V.int(4);
    // do_indent's " " * width: an int (a bool too) that many spaces, none where it is negative; a float a TypeError
    if (!isStr(width) && !isInt(width) && width.type !== 'BooleanValue') throw new Error(`indent: can't multiply sequence by non-int of type '${pyType(width)}'`);
    const lines = (callMethod(V.str(v.value + '\n'), 'splitlines', [], new Map())!.value as Value[]).map((x) => x.value as string);
    const blank = argOf(a, 2, 'blank')?.__bool__().value ?? false, first = argOf(a, 1, 'first')?.__bool__().value ?? false;
    // the pads the output holds (none on a blank line unless `blank`), checked before they are built: none, none built
    const pads = (blank ? lines.length - 1 : lines.slice(1).filter((l) => l !== '').length) + (first ? 1 : 0);
    const padLength = isStr(width) ? width.value.length : Math.max(0, Number(width.value));
    checkRoom(v.value.length + padLength * pads);
    const pad = pads === 0 ? '' : isStr(width) ? width.value : ' '.repeat(padLength);
    const out = blank ? lines.join('\n' + pad) : lines[0]! + lines.slice(1).map((l) => '\n' + (l ? pad + l : l)).join('');
    return V.str(first ? pad + out : out);
  },
  replace(v, a) {
    const args = [argOf(a, 0, 'old'), argOf(a, 1, 'new'), argOf(a, 2, 'count')].filter((x): x is Value => x !== undefined);
    return callMethod(V.str(pyStr(v)), 'replace', args, new Map())!;
  },
};
FILTERS.d = FILTERS.default!;

/** Python's round(n, -digits) of an int: to a multiple of 10**digits, a half to the even multiple (round(25, -1) == 20). */
function roundIntToTens(n: bigint, digits: number): bigint {
  const unit = 10n ** BigInt(digits);
  const r = ((n % unit) + unit) % unit; // Python's n % unit, in [0, unit)
  const down = n - r;
  return 2n * r > unit || (2n * r === unit && (down / unit) % 2n !== 0n) ? down + unit : down;
}

/** Python's order of two values (sort, max, min): numbers (exactly: numberOrder), or strings by code point. */
export function compareValues(a: Value, b: Value, op = '<'): number {
  if ((isNum(a) || a.type === 'BooleanValue') && (isNum(b) || b.type === 'BooleanValue')) return numberOrder(a, b);
  if (isStr(a) && isStr(b)) return byCodePoint(a.value, b.value);
  // two lists or two tuples: by their first items that differ, else by length (dict.items() | sort)
  if (isList(a) && isList(b) && pyType(a) === pyType(b) && (pyType(a) === 'list' || pyType(a) === 'tuple')) {
    const at = a.value.findIndex((x, i) => i < b.value.length && !pyEq(x, b.value[i]!));
    return at >= 0 ? compareValues(a.value[at]!, b.value[at]!, op) : a.value.length - b.value.length;
  }
  throw new Error(`'${op}' not supported between instances of '${pyType(a)}' and '${pyType(b)}'`);
}

/**
 * The key jinja2's sort, unique, max and min compare an item by: its attribute= (at position `attrAt` or by
 * keyword), lower-cased when a str unless case_sensitive (at `caseAt`).
 */
function sortKey(a: Args, caseAt: number, attrAt: number): (x: Value) => Value {
  const caseSensitive = argOf(a, caseAt, 'case_sensitive')?.__bool__().value ?? false;
  const attr = argOf(a, attrAt, 'attribute');
  return (x) => {
    const k = attr === undefined || isNone(attr) ? x : attribute(x, pyStr(attr));
    return !caseSensitive && isStr(k) ? V.str(k.value.toLowerCase()) : k;
  };
}

/** jinja2's max (sign 1) or min (-1): the first item with the largest (smallest) key; undefined when empty. */
function extreme(v: Value, a: Args, name: string, sign: number): Value {
  const key = sortKey(a, 0, 1);
  let best: { x: Value; k: Value } | undefined;
  for (const x of iterate(v, name)) {
    const k = key(x);
    if (best === undefined || sign * compareValues(k, best.k) > 0) best = { x, k };
  }
  return best?.x ?? V.undefined();
}
