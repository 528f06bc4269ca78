// jinja2's globals that the library lacks or has otherwise. Python's range() as jinja2's sandbox gives it to chat templates: its arguments ints (a bool is one; 'a' or 1.5
// fail with Python's TypeError, where a JS number would be taken), one to three of them, a step other than 0, and
// the result printed as Python prints a range object (range(0, 3)); at most `maxItems` items (jinja2's sandbox
// has MAX_RANGE too), else `tooMany` says why. dict(...), joiner(sep), cycler(*items); lipsum and self are refused.
import { REFUSED_GLOBALS } from './jinja-refused.ts';
import { FUNCTION_NAMES, V, asKey, isDict, isList, isStr, kindedList, pyType, type Key, type Value } from './jinja-values.ts';

export function pythonRange(maxItems: number, tooMany: (items: number) => Error): Value {
  return V.fn((args) => {
    if (args.at(-1)?.type === 'KeywordArgumentsValue') throw new Error('range() takes no keyword arguments');
    if (args.length < 1 || args.length > 3) throw new Error(`range expected ${args.length < 1 ? 'at least 1 argument' : 'at most 3 arguments'}, got ${args.length}`);
    // as BigInts: an int past 2**53 (a bigint here) is a range's bound or step as any other
    const ints = args.map((a) => {
      if (a.type === 'BooleanValue') return a.value ? 1n : 0n;
      if (a.type !== 'IntegerValue') throw new Error(`'${pyType(a)}' object cannot be interpreted as an integer`);
      return BigInt(a.value as number | bigint);
    });
    const [start, stop, step] = ints.length === 1 ? [0n, ints[0]!, 1n] : [ints[0]!, ints[1]!, ints[2] ?? 1n];
    if (step === 0n) throw new Error('range() arg 3 must not be zero');
    const span = step > 0n ? stop - start : start - stop;
    const n = span > 0n ? (span + (step > 0n ? step : -step) - 1n) / (step > 0n ? step : -step) : 0n; // ceil(span / |step|)
    if (n > BigInt(maxItems)) throw tooMany(Number(n));
    const items = Array.from({ length: Number(n) }, (_, i) => V.exactInt(start + BigInt(i) * step));
    return kindedList('range', items, step === 1n ? `${start}, ${stop}` : `${start}, ${stop}, ${step}`);
  });
}

/** Python's dict(mapping or (key, value) pairs, **keywords), jinja2's global `dict`. */
const DICT = V.fn((args) => {
  const kwargs = args.at(-1)?.type === 'KeywordArgumentsValue' ? (args.pop()!.value as Map<Key, Value>) : new Map<Key, Value>();
  if (args.length > 1) throw new Error(`dict expected at most 1 argument, got ${args.length}`);
  const entries = new Map<Key, Value>();
  const source = args[0];
  if (source && isDict(source)) for (const [k, v] of source.value) entries.set(k, v);
  else if (source && isList(source)) {
    source.value.forEach((item, i) => {
      const pair = isStr(item) ? V.list([...item.value].map(V.str)) : item; // 'ab' is the pair ('a', 'b')
      if (!isList(pair) || pair.value.length !== 2) throw new Error(`dictionary update sequence element #${i} has length ${isList(pair) ? pair.value.length : 1}; 2 is required`);
      const key = asKey(pair.value[0]!);
      if (key === undefined) throw new Error(`a dict key of type ${pyType(pair.value[0]!)} is not supported by mistral-tune's template renderer`);
      entries.set(key, pair.value[1]!);
    });
  } else if (source) throw new Error(`'${pyType(source)}' object is not iterable`);
  for (const [k, v] of kwargs) entries.set(k, v);
  return V.dict(entries);
});
FUNCTION_NAMES.set(DICT, 'the class dict');

/**
 * jinja2's joiner(sep=', '): a callable that gives '' at its first call and sep (as it is) at each one after
 * (`{% set comma = joiner() %}{% for t in tools %}{{ comma() }}{{ t.name }}{% endfor %}`).
 */
const JOINER = V.fn((args) => {
  const kwargs = args.at(-1)?.type === 'KeywordArgumentsValue' ? (args.pop()!.value as Map<Key, Value>) : new Map<Key, Value>();
  const unknown = [...kwargs.keys()].find((k) => k !== 'sep');
  if (unknown !== undefined) throw new Error(`joiner() got an unexpected keyword argument '${unknown}'`);
  if (args.length + kwargs.size > 1) throw new Error(`joiner() takes from 1 to 2 positional arguments but ${args.length + 1} were given`);
  const sep = args[0] ?? kwargs.get('sep') ?? V.str(', ');
  let used = false;
  const joiner = V.fn((callArgs) => {
    if (callArgs.length > 0) throw new Error(`a joiner takes no arguments (${callArgs.length} given)`);
    if (used) return sep;
    used = true;
    return V.str('');
  });
  FUNCTION_NAMES.set(joiner, 'a joiner');
  return joiner;
});
FUNCTION_NAMES.set(JOINER, 'the class joiner');

/**
 * jinja2's cycler(*items): next() gives the current item and moves on (back to the first after the last), reset()
 * goes back to the first, .current is the item next() gives, .items the tuple of items, .pos the index. Printing one
 * is refused (jinja2 prints its repr with its address).
 */
const CYCLER = V.fn((args) => {
  const kwargs = args.at(-1)?.type === 'KeywordArgumentsValue' ? (args.pop()!.value as Map<Key, Value>) : new Map<Key, Value>();
  if (kwargs.size > 0) throw new Error(`Cycler.__init__() got an unexpected keyword argument '${String([...kwargs.keys()][0])}'`);
  if (args.length === 0) throw new Error('at least one item has to be provided');
  const items = [...args];
  const fields = new Map<Key, Value>();
  const moveTo = (pos: number) => {
    fields.set('pos', V.int(pos));
    fields.set('current', items[pos]!);
  };
  const method = (name: string, body: () => Value) => {
    const fn = V.fn((callArgs) => {
      if (callArgs.length > 0) throw new Error(`Cycler.${name}() takes 1 positional argument but ${callArgs.length + 1} were given`);
      return body();
    });
    FUNCTION_NAMES.set(fn, `the method Cycler.${name}`);
    return fn;
  };
  const next = method('next', () => {
    const current = fields.get('current')!;
    moveTo(((fields.get('pos')!.value as number) + 1) % items.length);
    return current;
  });
  fields.set('items', V.tuple(items));
  fields.set('next', next);
  fields.set('reset', method('reset', () => (moveTo(0), V.none())));
  moveTo(0);
  const cycler = V.dict(fields);
  FUNCTION_NAMES.set(cycler, 'a cycler');
  return cycler;
});
FUNCTION_NAMES.set(CYCLER, 'the class cycler');

/** The global `name` of jinja2's environment that the library lacks, for a name no scope defines. */
export function jinjaGlobal(name: string): Value | undefined {
  if (name === 'dict') return DICT;
  if (name === 'joiner') return JOINER;
  if (name === 'cycler') return CYCLER;
  // jinja-refused.ts: a template naming one is refused when loaded (this for a name no scan sees)
  if (Object.hasOwn(REFUSED_GLOBALS, name)) throw new Error(REFUSED_GLOBALS[name]);
  return undefined;
}
