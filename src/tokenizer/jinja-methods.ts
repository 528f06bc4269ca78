// Python's str, list and dict methods as chat templates call them (`content.split('</think>')[-1].lstrip('\n')`,
// `'{}'.format(x)`, `text.splitlines()`, `d.get('k', 'x')`), with Python's semantics where @huggingface/jinja's
// differ (strip's characters argument, title/capitalize/swapcase with Unicode title case, Python's whitespace, code-point
// indices) or are missing. The methods the
// immutable sandbox of transformers refuses (append, update, …) are left out: a template calling them fails
// there as here.
import { strFormat } from './jinja-format.ts';
import { callNumberMethod } from './jinja-number-methods.ts';
import { checkRoom, roomFor } from './jinja-room.ts';
import { STR_PREDICATES, WHITESPACE } from './jinja-str-classes.ts';
import { V, kindedList, asKey, isDict, isInt, isList, isNone, isStr, keyValue, listKind, pyEq, pyType, type Key, type Value } from './jinja-values.ts';

/** Python's str.isspace() characters (str.split() and strip() without an argument use them). */
const ALL_WS = new RegExp(`^[${WHITESPACE}]+$`);
function isWsCode(c: number): boolean {
  return c <= 0x20 ? c === 0x20 || (c >= 0x09 && c <= 0x0d) || c >= 0x1c : c === 0x85 || c === 0xa0 || (c >= 0x1680 && ALL_WS.test(String.fromCharCode(c)));
}
/**
 * Python's str.casefold(): each character's upper case lowered (ß and ẞ are ss, ς is σ, ﬁ is fi), but ı kept and
 * Cherokee folded to its upper case, as Unicode's full case folding has them; one character at a time, so no
 * final-sigma rule applies (JavaScript's toLowerCase has one).
 */
function casefold(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x131) out += ch;
    else if (c === 0x1e9e) out += 'ss';
    else if ((c >= 0x13a0 && c <= 0x13ff) || (c >= 0xab70 && c <= 0xabbf)) out += ch.toUpperCase();
    else out += ch.toUpperCase().toLowerCase();
  }
  return out;
}

/** Python's str.splitlines() boundaries. */
const LINE_END = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;

/** `s` without the characters of `chars` (Python whitespace when null) at the start and/or the end. */
export function pythonStrip(s: string, chars: string | null, start: boolean, end: boolean): string {
  let i = 0, j = s.length;
  if (chars === null) {
    if (start) while (i < j && isWsCode(s.charCodeAt(i))) i++;
    if (end) while (j > i && isWsCode(s.charCodeAt(j - 1))) j--;
    return s.slice(i, j);
  }
  const set = new Set(chars);
  if (start) while (i < j && set.has(s[i]!)) i++;
  if (end) while (j > i && set.has(s[j - 1]!)) j--;
  return s.slice(i, j);
}

const isWs = (ch: string) => isWsCode(ch.charCodeAt(0));

/** Python's str.split / str.rsplit (sep null: runs of whitespace, none at the ends; the rest after maxsplit kept whole). */
function split(s: string, sep: string | null, maxsplit: number, fromRight: boolean): string[] {
  if (sep === '') throw new Error('empty separator');
  if (sep !== null) {
    const parts = s.split(sep);
    if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
    return fromRight
      ? [parts.slice(0, parts.length - maxsplit).join(sep), ...parts.slice(parts.length - maxsplit)]
      : [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
  }
  const chars = fromRight ? [...s].reverse() : [...s];
  const out: string[] = [];
  let i = 0;
  while (true) {
    while (i < chars.length && isWs(chars[i]!)) i++;
    if (i >= chars.length) break;
    if (maxsplit >= 0 && out.length === maxsplit) {
      out.push(chars.slice(i).join(''));
      break;
    }
    const start = i;
    while (i < chars.length && !isWs(chars[i]!)) i++;
    out.push(chars.slice(start, i).join(''));
  }
  return fromRight ? out.map((w) => [...w].reverse().join('')).reverse() : out;
}

/** Python's title case of one character (str.title and capitalize start a word with it), where it is not upper case. */
function titleChar(ch: string): string {
  const c = ch.codePointAt(0)!;
  if (c >= 0x1c4 && c <= 0x1cc) return String.fromCharCode(0x1c5 + 3 * Math.floor((c - 0x1c4) / 3)); // Ǆǅǆ → ǅ, …
  if (c >= 0x1f1 && c <= 0x1f3) return '\u01f2';
  if ((c >= 0x10d0 && c <= 0x10fa) || (c >= 0x10fd && c <= 0x10ff)) return ch; // Georgian Mkhedruli
  if (c >= 0x1f80 && c <= 0x1faf) return String.fromCharCode(c | 8); // Greek with ypogegrammeni → prosgegrammeni
  if (c === 0x1fb3 || c === 0x1fc3 || c === 0x1ff3) return String.fromCharCode(c + 9);
  if (c === 0x1fbc || c === 0x1fcc || c === 0x1ffc) return ch;
  if (c === 0x149) return 'ʼN';
  const upper = ch.toUpperCase();
  if (upper.length === ch.length) return upper;
  // a character upper-cased to several: ß → Ss, ﬁ → Fi, ᾲ → Ὰͅ (the iota stays a subscript)
  const first = String.fromCodePoint(upper.codePointAt(0)!);
  const rest = upper.slice(first.length);
  return first + (c >= 0x1fb2 && c <= 0x1ff7 && rest.endsWith('\u0399') ? rest.slice(0, -1) + '\u0345' : rest.toLowerCase());
}

/** `s` lower-cased after its first character (lower-cased with it, for a final sigma's context). */
function lowerAfterFirst(s: string): string {
  const first = String.fromCodePoint(s.codePointAt(0)!);
  return s.toLowerCase().slice(first.toLowerCase().length);
}

/** Python's str.title(): each run of cased characters starts title-cased, the rest lower-cased. */
function title(s: string): string {
  return s.replace(/\p{Cased}+/gu, (run: string, at: number) => {
    const out = titleChar(String.fromCodePoint(run.codePointAt(0)!)) + lowerAfterFirst(run);
    // a run's last Σ is final unless a cased character follows after case-ignorable ones ("ΣΑΣ\u202eRTL")
    return out.endsWith('ς') && /^\p{Case_Ignorable}*\p{Cased}/u.test(s.slice(at + run.length)) ? out.slice(0, -1) + 'σ' : out;
  });
}

/** jinja2's title filter (not str.title): each piece between runs of whitespace and -({[< upper-cases its first character, lower-cases the rest. */
export function titleFilter(s: string): string {
  return s.replace(TITLE_WORD, (w) => {
    const first = String.fromCodePoint(w.codePointAt(0)!);
    return first.toUpperCase() + w.slice(first.length).toLowerCase();
  });
}
const TITLE_WORD = new RegExp(`[^-${WHITESPACE}({\\[<]+`, 'gu');

/** Python's str.capitalize(): the first character title-cased, the others lower-cased. */
function capitalize(s: string): string {
  return s === '' ? s : titleChar(String.fromCodePoint(s.codePointAt(0)!)) + lowerAfterFirst(s);
}

/** Python's str.swapcase(): upper case lower-cased (Σ final or not by its neighbours), lower case upper-cased, the rest kept. */
function swapcase(s: string): string {
  const cs = [...s];
  const cased = (from: number, step: number) => {
    for (let k = from; k >= 0 && k < cs.length; k += step) if (!/\p{Case_Ignorable}/u.test(cs[k]!)) return /\p{Cased}/u.test(cs[k]!);
    return false;
  };
  return cs.map((ch, i) => {
    if (/\p{Uppercase}/u.test(ch)) return ch === 'Σ' ? (cased(i - 1, -1) && !cased(i + 1, 1) ? 'ς' : 'σ') : ch.toLowerCase();
    return /\p{Lowercase}/u.test(ch) ? ch.toUpperCase() : ch;
  }).join('');
}

const SURROGATE = /[\ud800-\udfff]/;
/** Python's len() of a str: code points, not UTF-16 units. */
export function cpLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}
/** The UTF-16 offset of code point `cp` of `s`. */
function unitOf(s: string, cp: number): number {
  if (!SURROGATE.test(s)) return cp;
  let u = 0;
  for (let k = 0; k < cp && u < s.length; k++) u += s.codePointAt(u)! > 0xffff ? 2 : 1;
  return u;
}
/** The code point index of UTF-16 offset `u` of `s` (-1 stays -1). */
const cpOf = (s: string, u: number): number => (u < 0 ? u : cpLength(s.slice(0, u)));

function str(v: Value | undefined, what: string): string {
  if (v === undefined || !isStr(v)) throw new Error(`${what} must be a str, not ${v ? pyType(v) : 'nothing'}`);
  return v.value;
}
function strOrNone(v: Value | undefined, what: string): string | null {
  return isNone(v) ? null : str(v, what);
}
/** center/ljust/rjust's fill: one character, as Python's (a Markup's fill is escaped first: '<' is 4 characters, a TypeError). */
function fillChar(v: Value | undefined): string {
  const f = strOrNone(v, 'fillchar') ?? ' ';
  if (cpLength(f) !== 1) throw new Error('The fill character must be exactly one character long');
  return f;
}
function int(v: Value | undefined, fallback: number, what: string): number {
  if (isNone(v)) return fallback;
  if (!isInt(v!)) throw new Error(`${what} must be an int, not ${pyType(v!)}`);
  return v.value;
}
/** The prefixes of startswith/endswith: a str or a tuple/list of them. */
function affixes(v: Value | undefined, name: string): string[] {
  if (v !== undefined && isList(v)) return v.value.map((x) => str(x, `${name}() tuple items`));
  return [str(v, `${name}() argument`)];
}
/** Python's s[start:end] bounds of find/count/startswith (code points, negative from the end), as UTF-16 offsets. */
function bounds(s: string, a: Value | undefined, b: Value | undefined): [number, number] {
  const n = cpLength(s);
  const norm = (x: number) => (x < 0 ? Math.max(0, n + x) : Math.min(x, n));
  return [unitOf(s, norm(int(a, 0, 'start'))), unitOf(s, norm(int(b, n, 'end')))];
}
const bool = (b: boolean) => V.bool(b);
const strs = (xs: string[]) => V.list(xs.map(V.str));

/** str.translate(table): each character looked up by its code point (a dict's int key, a list's or str's index); None drops it, an int or str replaces it, a missing one keeps it. */
function translate(s: string, table: Value): string {
  const chars = isStr(table) ? [...table.value] : [];
  const indexed = isList(table) && (listKind(table) ?? 'range') === 'range'; // a generator or dict view has no []
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const got = isDict(table) ? table.value.get(c) : indexed ? table.value[c] : isStr(table) ? (c < chars.length ? V.str(chars[c]!) : undefined) : null;
    if (got === null) throw new Error(`'${pyType(table)}' object is not subscriptable`);
    if (got === undefined) out += ch;
    else if (isStr(got)) out += got.value;
    else if (isInt(got) || got.type === 'BooleanValue') {
      const n = Number(got.value);
      if (n < 0 || n > 0x10ffff) throw new Error('character mapping must be in range(0x110000)');
      out += String.fromCodePoint(n);
    } else if (!isNone(got)) throw new Error('character mapping must return integer, None or str');
  }
  return out;
}

/** str.maketrans(dict) or (from, to[, dropped]): the translate table, keyed by code point. */
function maketrans(a: Value[]): Value {
  if (a.length < 1 || a.length > 3) throw new Error(`maketrans expected ${a.length < 1 ? 'at least 1 argument' : 'at most 3 arguments'}, got ${a.length}`);
  const table = new Map<Key, Value>();
  if (a.length === 1) {
    if (a[0]!.type !== 'ObjectValue') throw new Error('if you give only one argument to maketrans it must be a dict');
    for (const [k, v] of (a[0]!.value as Map<Key, Value>)) {
      if (typeof k === 'string' && [...k].length !== 1) throw new Error('string keys in translate table must be of length 1');
      table.set(typeof k === 'string' ? k.codePointAt(0)! : k, v);
    }
    return V.dict(table);
  }
  const [from, to] = [[...str(a[0], 'maketrans() argument 1')], [...str(a[1], 'maketrans() argument 2')]];
  if (from.length !== to.length) throw new Error('the first two maketrans arguments must have equal length');
  from.forEach((ch, i) => table.set(ch.codePointAt(0)!, V.int(to[i]!.codePointAt(0)!)));
  if (a[2] !== undefined) for (const ch of str(a[2], 'maketrans() argument 3')) table.set(ch.codePointAt(0)!, V.none());
  return V.dict(table);
}

type Method = (self: string, a: Value[], kw: Map<string, Value>) => Value;
const arg = (a: Value[], kw: Map<string, Value>, i: number, name: string): Value | undefined => a[i] ?? kw.get(name);

const STRING_METHODS: Record<string, Method> = {
  strip: (s, a) => V.str(pythonStrip(s, strOrNone(a[0], 'strip() argument'), true, true)),
  lstrip: (s, a) => V.str(pythonStrip(s, strOrNone(a[0], 'lstrip() argument'), true, false)),
  rstrip: (s, a) => V.str(pythonStrip(s, strOrNone(a[0], 'rstrip() argument'), false, true)),
  split: (s, a, kw) => strs(split(s, strOrNone(arg(a, kw, 0, 'sep'), 'sep'), int(arg(a, kw, 1, 'maxsplit'), -1, 'maxsplit'), false)),
  rsplit: (s, a, kw) => strs(split(s, strOrNone(arg(a, kw, 0, 'sep'), 'sep'), int(arg(a, kw, 1, 'maxsplit'), -1, 'maxsplit'), true)),
  splitlines: (s, a, kw) => {
    const keep = arg(a, kw, 0, 'keepends')?.__bool__().value ?? false;
    const lines: string[] = [];
    let start = 0;
    for (const m of s.matchAll(LINE_END)) {
      lines.push(s.slice(start, keep ? m.index + m[0].length : m.index));
      start = m.index + m[0].length;
    }
    if (start < s.length) lines.push(s.slice(start));
    return strs(lines);
  },
  startswith: (s, a) => {
    const [i, j] = bounds(s, a[1], a[2]);
    return bool(affixes(a[0], 'startswith').some((p) => i + p.length <= j && s.startsWith(p, i)));
  },
  endswith: (s, a) => {
    const [i, j] = bounds(s, a[1], a[2]);
    return bool(affixes(a[0], 'endswith').some((p) => j - p.length >= i && s.slice(i, j).endsWith(p)));
  },
  replace: (s, a, kw) => {
    const [old, rep] = [str(a[0], 'replace() argument 1'), str(a[1], 'replace() argument 2')];
    let count = int(arg(a, kw, 2, 'count'), -1, 'count');
    if (count < 0) count = Infinity;
    const parts = s.split(old);
    if (old === '') {
      // Python inserts `rep` before each character and at the end, at most `count` times
      const chars = [...s];
      let out = '';
      for (let k = 0; k <= chars.length; k++) out += (count-- > 0 ? rep : '') + (chars[k] ?? '');
      return V.str(out);
    }
    if (parts.length <= count + 1) return V.str(parts.join(rep));
    return V.str(parts.slice(0, count + 1).join(rep) + old + parts.slice(count + 1).join(old));
  },
  find: (s, a) => {
    const [i, j] = bounds(s, a[1], a[2]);
    const k = s.slice(0, j).indexOf(str(a[0], 'find() argument'), i);
    return V.int(cpOf(s, k));
  },
  rfind: (s, a) => {
    const [i, j] = bounds(s, a[1], a[2]);
    const sub = str(a[0], 'rfind() argument');
    const k = s.slice(0, j).lastIndexOf(sub);
    return V.int(k >= i ? cpOf(s, k) : -1);
  },
  index: (s, a, kw) => {
    const k = STRING_METHODS.find!(s, a, kw).value as number;
    if (k < 0) throw new Error('substring not found');
    return V.int(k);
  },
  rindex: (s, a, kw) => {
    const k = STRING_METHODS.rfind!(s, a, kw).value as number;
    if (k < 0) throw new Error('substring not found');
    return V.int(k);
  },
  count: (s, a) => {
    const [i, j] = bounds(s, a[1], a[2]);
    const sub = str(a[0], 'count() argument');
    const t = s.slice(i, j);
    return V.int(sub === '' ? [...t].length + 1 : t.split(sub).length - 1);
  },
  join: (s, a) => {
    const items = a[0];
    if (items === undefined) throw new Error('join() takes exactly one argument');
    const xs = isStr(items) ? [...items.value] : isList(items) ? items.value.map((x) => str(x, 'join() items')) : isDict(items) ? [...items.value.keys()].map((k) => str(keyValue(k), 'join() items')) : null;
    if (xs === null) throw new Error(`can only join an iterable, not ${pyType(items)}`);
    return V.str(xs.join(s));
  },
  format: (s, a, kw) => V.str(strFormat(s, a, kw)),
  translate: (s, a) => V.str(translate(s, a[0]!)),
  maketrans: (_s, a) => maketrans(a),
  format_map: (s, a) => {
    // the mapping's str keys name the fields; a positional field ({} or {0}) fails, as it has no argument
    const mapping = a[0]!;
    if (!isDict(mapping)) throw new Error(`format_map: '${pyType(mapping)}' object is not subscriptable`);
    const named = new Map([...mapping.value].filter(([k]) => typeof k === 'string') as [string, Value][]);
    return V.str(strFormat(s, [], named));
  },
  expandtabs: (s, a, kw) => {
    // each tab to spaces up to the next multiple of tabsize (none when tabsize <= 0); the column restarts at \n and \r
    const size = int(arg(a, kw, 0, 'tabsize'), 8, 'tabsize');
    let column = 0;
    let out = '';
    for (const ch of s) {
      if (ch === '\t') {
        const spaces = size > 0 ? size - (column % size) : 0;
        checkRoom(out.length + spaces);
        out += ' '.repeat(spaces);
        column += spaces;
      } else {
        out += ch;
        column = ch === '\n' || ch === '\r' ? 0 : column + 1;
      }
    }
    return V.str(out);
  },
  upper: (s) => V.str(s.toUpperCase()),
  lower: (s) => V.str(s.toLowerCase()),
  title: (s) => V.str(title(s)),
  capitalize: (s) => V.str(capitalize(s)),
  swapcase: (s) => V.str(swapcase(s)),
  casefold: (s) => V.str(casefold(s)),
  ...Object.fromEntries(Object.entries(STR_PREDICATES).map(([name, holds]) => [name, (s: string) => bool(holds(s))])),
  center: (s, a) => {
    const [w, f] = [int(a[0], 0, 'width'), fillChar(a[1])];
    const n = w - cpLength(s);
    if (n <= 0) return V.str(s);
    checkRoom(w);
    const left = Math.floor(n / 2) + (n & w & 1);
    return V.str(f.repeat(left) + s + f.repeat(n - left));
  },
  ljust: (s, a) => V.str(s.padEnd(roomFor(int(a[0], 0, 'width')) + s.length - cpLength(s), fillChar(a[1]))),
  rjust: (s, a) => V.str(s.padStart(roomFor(int(a[0], 0, 'width')) + s.length - cpLength(s), fillChar(a[1]))),
  zfill: (s, a) => {
    const w = roomFor(int(a[0], 0, 'width'));
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
    const n = cpLength(s);
    return V.str(n >= w ? s : sign + '0'.repeat(w - n) + s.slice(sign.length));
  },
  partition: (s, a) => {
    const sep = str(a[0], 'partition() argument');
    const k = s.indexOf(sep);
    return V.tuple((k < 0 ? [s, '', ''] : [s.slice(0, k), sep, s.slice(k + sep.length)]).map(V.str));
  },
  rpartition: (s, a) => {
    const sep = str(a[0], 'rpartition() argument');
    const k = s.lastIndexOf(sep);
    return V.tuple((k < 0 ? ['', '', s] : [s.slice(0, k), sep, s.slice(k + sep.length)]).map(V.str));
  },
  removeprefix: (s, a) => {
    const p = str(a[0], 'removeprefix() argument');
    return V.str(s.startsWith(p) ? s.slice(p.length) : s);
  },
  removesuffix: (s, a) => {
    const p = str(a[0], 'removesuffix() argument');
    return V.str(p && s.endsWith(p) ? s.slice(0, -p.length) : s);
  },
};

const LIST_METHODS: Record<string, (self: Value[], a: Value[]) => Value> = {
  index: (xs, a) => {
    // index(value, start=0, stop=len): the first equal item within [start:stop] (negative bounds from the end)
    if (a.length < 1 || a.length > 3) throw new Error(`index expected ${a.length < 1 ? 'at least 1 argument' : 'at most 3 arguments'}, got ${a.length}`);
    const n = xs.length;
    const bound = (v: Value | undefined, fallback: number) => {
      if (v === undefined) return fallback;
      // an int past 2**53 (a bigint) is clamped as any other bound past the ends
      const k = v.type === 'BooleanValue' || isInt(v) ? Number(v.value) : null;
      if (k === null) throw new Error('slice indices must be integers or have an __index__ method');
      return k < 0 ? Math.max(0, n + k) : Math.min(k, n);
    };
    const [start, stop] = [bound(a[1], 0), bound(a[2], n)];
    for (let k = start; k < stop; k++) if (pyEq(xs[k]!, a[0]!)) return V.int(k);
    throw new Error(`${a[0] ? pyType(a[0]) : 'value'} is not in list`);
  },
  count: (xs, a) => V.int(xs.filter((x) => pyEq(x, a[0]!)).length),
  // a new list of the same items (a shallow copy: `c is sameas xs` is false, its items are xs's)
  copy: (xs) => V.list([...xs]),
};

const DICT_METHODS: Record<string, (self: Map<Key, Value>, a: Value[]) => Value> = {
  get: (d, a) => {
    if (a.length < 1 || a.length > 2) throw new Error(`get expected ${a.length < 1 ? 'at least 1 argument' : 'at most 2 arguments'}, got ${a.length}`);
    if (isList(a[0]!) || isDict(a[0]!)) throw new Error(`unhashable type: '${pyType(a[0]!)}'`);
    const key = asKey(a[0]!);
    return (key === undefined ? undefined : d.get(key)) ?? a[1] ?? V.none();
  },
  // (key, value) pairs as tuples (printed as Python prints them; jinja-python.ts's for loop unpacks them)
  items: (d) => kindedList('dict_items', [...d].map(([k, v]) => V.tuple([keyValue(k), v]))),
  keys: (d) => kindedList('dict_keys', [...d.keys()].map(keyValue)),
  values: (d) => kindedList('dict_values', [...d.values()]),
  // a new dict of the same entries (shallow, as Python's)
  copy: (d) => V.dict(new Map(d)),
  // the classmethod dict.fromkeys(iterable, value=None): each item a key (a str's characters, a dict's keys), all with value
  fromkeys: (_d, a) => {
    if (a.length < 1 || a.length > 2) throw new Error(`fromkeys expected ${a.length < 1 ? 'at least 1 argument' : 'at most 2 arguments'}, got ${a.length}`);
    const source = a[0]!;
    const items = isStr(source) ? [...source.value].map(V.str) : isList(source) ? source.value : isDict(source) ? [...source.value.keys()].map(keyValue) : null;
    if (items === null) throw new Error(`fromkeys: '${pyType(source)}' object is not iterable here`);
    if (listKind(source) === 'generator') source.value = []; // read once, as jinja-filters.ts take reads one
    const out = new Map<Key, Value>();
    for (const item of items) {
      if (isList(item) && item.type !== 'TupleValue' || isDict(item)) throw new Error(`unhashable type: '${pyType(item)}'`);
      const key = asKey(item);
      if (key === undefined) throw new Error(`a dict key of type ${pyType(item)} is not supported by mistral-tune's template renderer`);
      out.set(key, a[1] ?? V.none());
    }
    return V.dict(out);
  },
};
/** Whether `obj` has the method `name` of LIST_METHODS: a list all, a tuple or a range count and index, a dict view or a generator none. */
function hasListMethod(obj: Value, name: string): boolean {
  const kind = listKind(obj);
  if (kind !== undefined && kind !== 'range') return false;
  return name !== 'copy' || (obj.type === 'ArrayValue' && kind === undefined);
}
/** The list and dict methods that take no argument (Python's TypeError when given one). */
const NO_ARGUMENTS = new Set(['copy', 'items', 'keys', 'values']);

/** How many arguments (by position or keyword) each str method takes, at least and at most, as Python checks. */
const STRING_ARITY: Record<string, [number, number]> = {
  strip: [0, 1], lstrip: [0, 1], rstrip: [0, 1], split: [0, 2], rsplit: [0, 2], splitlines: [0, 1],
  startswith: [1, 3], endswith: [1, 3], find: [1, 3], rfind: [1, 3], index: [1, 3], count: [1, 3], replace: [2, 3],
  join: [1, 1], center: [1, 2], ljust: [1, 2], rjust: [1, 2], zfill: [1, 1], partition: [1, 1], rpartition: [1, 1],
  removeprefix: [1, 1], removesuffix: [1, 1], format: [0, Infinity], rindex: [1, 3], format_map: [1, 1], expandtabs: [0, 1], casefold: [0, 0], translate: [1, 1], maketrans: [1, 3],
};
function checkArity(name: string, given: number): void {
  const [least, most] = STRING_ARITY[name] ?? [0, 0];
  if (given < least) throw new Error(`${name} expected at least ${least} argument${least === 1 ? '' : 's'}, got ${given}`);
  if (given > most) throw new Error(most === 0 ? `str.${name}() takes no arguments (${given} given)` : `${name} expected at most ${most} argument${most === 1 ? '' : 's'}, got ${given}`);
}

/**
 * `obj.name(args)` with Python's method, or undefined when this file has none for the value's type (the caller
 * then tries the library's builtins). A dict's methods come before its keys, as in jinja2 (`d.items` is the
 * method even when the dict has a key "items").
 */
export function callMethod(obj: Value, name: string, args: Value[], kwargs: Map<string, Value>): Value | undefined {
  if (isStr(obj)) {
    if (!Object.hasOwn(STRING_METHODS, name)) return undefined;
    checkArity(name, args.length + kwargs.size);
    return STRING_METHODS[name]!(obj.value, args, kwargs);
  }
  const given = args.length + kwargs.size;
  if (obj.type === 'IntegerValue' || obj.type === 'BooleanValue' || obj.type === 'FloatValue') return callNumberMethod(obj, name, given);
  if (isList(obj) && Object.hasOwn(LIST_METHODS, name) && !hasListMethod(obj, name)) throw new Error(`'${pyType(obj)}' object has no attribute '${name}'`);
  if (NO_ARGUMENTS.has(name) && given > 0 && (isList(obj) || obj.type === 'ObjectValue')) throw new Error(`${pyType(obj)}.${name}() takes no arguments (${given} given)`);
  // Python's list, tuple and dict methods take no keyword arguments ({'a': 1}.get('b', default=2) is a TypeError)
  const known = isList(obj) ? Object.hasOwn(LIST_METHODS, name) : obj.type === 'ObjectValue' && Object.hasOwn(DICT_METHODS, name);
  if (known && kwargs.size > 0) throw new Error(`${pyType(obj)}.${name}() takes no keyword arguments`);
  if (isList(obj)) {
    if (name === 'index' && listKind(obj) === 'range' && given > 1) throw new Error(`range.index() takes exactly one argument (${given} given)`);
    return Object.hasOwn(LIST_METHODS, name) ? LIST_METHODS[name]!(obj.value, args) : undefined;
  }
  if (obj.type === 'ObjectValue' && Object.hasOwn(DICT_METHODS, name)) return DICT_METHODS[name]!(obj.value as Map<Key, Value>, args);
  return undefined;
}

