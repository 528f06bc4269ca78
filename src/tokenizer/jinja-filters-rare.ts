// jinja2's filters that @huggingface/jinja lacks (or runs otherwise) and no chat template we know uses, with jinja2's
// semantics as transformers runs it (autoescape off): truncate; escape/e, safe, forceescape (markupsafe's Markup:
// escaping it again changes nothing; `+`, `%` and |format escape the str they put in it, see jinja-python.ts; the
// library's safe gave a plain str); wordcount, center, format, batch, slice, groupby, attr, filesizeformat, pprint. A template that uses one renders
// as under transformers instead of failing. jinja-python.ts registers them beside jinja-filters.ts's FILTERS.
import { percentFormat } from './jinja-format.ts';
import { toFixedEven } from './jinja-float-digits.ts';
import { parseFloatPy } from './jinja-number-text.ts';
import { argOf, attribute, compareValues, generator, iterate, type Filter, type Test } from './jinja-filters.ts';
import { MARKUP, V, isDict, isInt, isList, isNone, isStr, listKind, pyEq, pyRepr, pyStr, pyType, type Key, type Value } from './jinja-values.ts';
import { PPRINT_WIDTH, pformatStr } from './jinja-pprint.ts';
import { checkRoom } from './jinja-room.ts';
import { byCodePoint } from '../util/code-point.ts';

export const isMarkup = (v: Value): boolean => MARKUP.has(v);

/** markupsafe.escape(v): & < > " ' as entities (of str(v)), as a Markup; a Markup is returned unchanged. */
export function escapeMarkup(v: Value): Value {
  if (MARKUP.has(v)) return v;
  const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
  const out = V.str(pyStr(v).replace(/[&<>"']/g, (ch) => entities[ch]!));
  MARKUP.add(out);
  return out;
}

/** jinja2's test escaped: hasattr(value, '__html__'), which only a Markup has here. */
export const RARE_TESTS: Record<string, Test> = { escaped: (v) => MARKUP.has(v) };

/** The text markupsafe.escape(v) gives (a Markup's own text unchanged). */
export const markupText = (v: Value): string => escapeMarkup(v).value as string;

/** A Markup of text already safe (Markup + str: the str escaped, the sum a Markup). */
export function markupOf(text: string): Value {
  const out = V.str(text);
  MARKUP.add(out);
  return out;
}

function strOf(v: Value, filter: string): string {
  if (!isStr(v)) throw new Error(`${filter}: expected a str, got ${pyType(v)}`);
  return v.value;
}

/**
 * An int argument; one past 2**53 (a bigint) as ±(2**53 - 1), past any str's or list's length, which is all the
 * comparisons that read it need (truncate(2**80) keeps the text, batch(2**80) makes one row).
 */
function intOf(v: Value | undefined, filter: string, name: string): number {
  if (v === undefined || !isInt(v)) throw new Error(`${filter}: ${name} must be an integer, got ${v === undefined ? 'nothing' : pyType(v)}`);
  const n: number | bigint = v.value;
  return typeof n === 'bigint' ? (n < 0n ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER) : n;
}

/** The most fill_with items batch adds to its last row (past it, a UserError, where Python would allocate on). */
const MOST_FILL = 1 << 24;

/** jinja2's group tuple (grouper, list): a tuple that also has .grouper and .list. */
function groupTuple(grouper: Value, items: Value[]): Value {
  const list = V.list(items);
  const t = V.tuple([grouper, list]);
  // the library's builtins is a getter (of the class): this tuple gets a map of its own
  Object.defineProperty(t, 'builtins', { value: new Map([...t.builtins, ['grouper', grouper], ['list', list]]) });
  return t;
}

/** `v` with each dict's keys (in lists, tuples and dicts) in pprint's order: ints, then strs, each sorted. */
function pprintOrder(v: Value): Value {
  if (v.type === 'ObjectValue' || v.type === 'KeywordArgumentsValue') {
    const byKey = ([a]: [Key, Value], [b]: [Key, Value]) =>
      typeof a !== typeof b ? (typeof a === 'number' ? -1 : 1) : typeof a === 'number' ? a - (b as number) : byCodePoint(a, b as string);
    return V.dict(new Map([...(v.value as Map<Key, Value>)].sort(byKey).map(([k, x]) => [k, pprintOrder(x)])));
  }
  if (v.type === 'ArrayValue' && listKind(v) === undefined) return V.list((v.value as Value[]).map(pprintOrder));
  if (v.type === 'TupleValue') return V.tuple((v.value as Value[]).map(pprintOrder));
  return v;
}

export const RARE_FILTERS: Record<string, Filter> = {
  truncate(v, a) {
    // do_truncate: kept when within length + leeway (5, jinja2's default policy); else cut to length - len(end),
    // at the last space unless killwords, and `end` added; a list, tuple, dict or view within the length is kept as it is
    // (Python's len() of it), past it fails (jinja2's rsplit of it); an undefined value is of length 0 (jinja2's
    // Undefined.__len__), kept
    const size = isStr(v) ? [...v.value].length : isList(v) && listKind(v) !== 'generator' ? v.value.length : isDict(v) ? v.value.size
      : v.type === 'UndefinedValue' ? 0 : null;
    if (size === null) throw new Error(`truncate: object of type '${pyType(v)}' has no len()`);
    const lengthArg = argOf(a, 0, 'length') ?? V.int(255);
    const length = intOf(lengthArg, 'truncate', 'length');
    const killwords = argOf(a, 1, 'killwords')?.__bool__().value ?? false;
    const end = [...pyStr(argOf(a, 2, 'end') ?? V.str('...'))];
    const leewayArg = argOf(a, 3, 'leeway');
    const leeway = isNone(leewayArg) ? 5 : intOf(leewayArg, 'truncate', 'leeway');
    if (length < end.length) throw new Error(`truncate: expected length >= ${end.length}, got ${pyStr(lengthArg)}`);
    if (leeway < 0) throw new Error(`truncate: expected leeway >= 0, got ${pyStr(leewayArg!)}`);
    if (size <= length + leeway) return v;
    if (!isStr(v)) throw new Error(`truncate: a ${pyType(v)} longer than the length cannot be cut ('${pyType(v)}' object has no attribute 'rsplit')`);
    const kept = [...v.value].slice(0, length - end.length).join('');
    const cut = killwords || !kept.includes(' ') ? kept : kept.slice(0, kept.lastIndexOf(' '));
    return V.str(cut + end.join(''));
  },
  escape: (v) => escapeMarkup(v),
  e: (v) => escapeMarkup(v),
  // jinja2's do_mark_safe: Markup(str(value)), unescaped; do_forceescape: escape(str(value)), a Markup's text too
  safe: (v) => (isMarkup(v) ? v : markupOf(pyStr(v))),
  forceescape: (v) => escapeMarkup(V.str(pyStr(v))),
  // len(re.findall(r"\w+", str(value))): Python's \w is letters, digits and _
  wordcount: (v) => V.int(pyStr(v).match(/[\p{L}\p{N}_]+/gu)?.length ?? 0),
  center(v, a) {
    // str.center: the odd cell goes left when the width is odd (CPython's marg / 2 + (marg & width & 1))
    const s = strOf(v, 'center');
    const widthArg = argOf(a, 0, 'width') ?? V.int(80);
    const width = intOf(widthArg, 'center', 'width');
    const big: unknown = widthArg.value;
    // str.center takes a C ssize_t: past it an OverflowError; a width past 2**53 within it a MemoryError, or if negative the str
    if (typeof big === 'bigint' && (big > 2n ** 63n - 1n || big < -(2n ** 63n))) throw new Error('center: Python int too large to convert to C ssize_t');
    if (typeof big === 'bigint' && big > 0n) throw new Error(`center: a width of ${big} is past what Python can allocate (MemoryError)`);
    const marg = width - [...s].length;
    if (marg <= 0) return v;
    checkRoom(width);
    const left = Math.floor(marg / 2) + (marg & width & 1);
    return V.str(' '.repeat(left) + s + ' '.repeat(marg - left));
  },
  format(v, a) {
    if (a.args.length > 0 && a.kwargs.size > 0) throw new Error("format: can't handle positional and keyword arguments at the same time");
    // do_format: soft_str(value) % args, a Markup's % when the value is one (its arguments escaped)
    const rhs = a.kwargs.size > 0 ? V.dict(new Map(a.kwargs)) : V.tuple(a.args);
    return isMarkup(v) ? markupOf(percentFormat(pyStr(v), rhs, markupText)) : V.str(percentFormat(pyStr(v), rhs));
  },
  batch(v, a) {
    // do_batch as it is: a row is yielded when it holds linecount items and another comes (batch(0) of [1] is [[], [1]],
    // batch(-1) one row), the last row filled up to linecount with fill_with when given
    const sizeArg = argOf(a, 0, 'linecount');
    const size = intOf(sizeArg, 'batch', 'linecount');
    const fill = argOf(a, 1, 'fill_with');
    const rows: Value[] = [];
    let row: Value[] = [];
    for (const item of iterate(v, 'batch')) {
      if (row.length === size) {
        rows.push(V.list(row));
        row = [];
      }
      row.push(item);
    }
    if (row.length > 0) {
      if (!isNone(fill) && size - row.length > MOST_FILL) throw new Error(`batch: filling a row up to ${pyStr(sizeArg!)} items is past what mistral-tune's template renderer allows (${MOST_FILL})`);
      while (!isNone(fill) && row.length < size) row.push(fill!);
      rows.push(V.list(row));
    }
    return generator(rows);
  },
  slice(v, a) {
    // do_slice: `slices` columns, the first length % slices of them one item longer (the others padded with fill_with)
    const slices = intOf(argOf(a, 0, 'slices'), 'slice', 'slices');
    if (slices <= 0) throw new Error(`slice: slices must be positive, got ${slices}`);
    const fill = argOf(a, 1, 'fill_with');
    const items = iterate(v, 'slice');
    const per = Math.floor(items.length / slices);
    const extra = items.length % slices;
    const out: Value[] = [];
    let offset = 0;
    for (let n = 0; n < slices; n++) {
      const start = offset + n * per;
      if (n < extra) offset++;
      const column = items.slice(start, offset + (n + 1) * per);
      if (!isNone(fill) && n >= extra) column.push(fill!);
      out.push(V.list(column));
    }
    return generator(out);
  },
  groupby(v, a) {
    // do_groupby: sorted by the attribute (lower-cased strs unless case_sensitive), runs of equal keys grouped;
    // each group's grouper is its first item's attribute as it is
    const attr = argOf(a, 0, 'attribute');
    if (attr === undefined) throw new Error('groupby needs an attribute');
    const fallback = argOf(a, 1, 'default');
    const caseSensitive = argOf(a, 2, 'case_sensitive')?.__bool__().value ?? false;
    const grouper = (x: Value) => {
      const got = attribute(x, pyStr(attr));
      return got.type === 'UndefinedValue' && fallback !== undefined ? fallback : got;
    };
    const key = (x: Value) => {
      const k = grouper(x);
      return !caseSensitive && isStr(k) ? V.str(k.value.toLowerCase()) : k;
    };
    const sorted = iterate(v, 'groupby').map((x) => ({ x, k: key(x) })).sort((p, q) => compareValues(p.k, q.k));
    const groups: { k: Value; items: Value[] }[] = [];
    for (const { x, k } of sorted) {
      const last = groups.at(-1);
      if (last && pyEq(last.k, k)) last.items.push(x);
      else groups.push({ k, items: [x] });
    }
    return V.list(groups.map((g) => groupTuple(grouper(g.items[0]!), g.items)));
  },
  filesizeformat(v, a) {
    // do_filesizeformat: float(value); 1 Byte, n Bytes below the base (1000, or 1024 when binary), else one decimal of
    // the largest unit it reaches (kB … YB, KiB … YiB), YB past them; Python's float() of a str, a bool or a number
    const bytes = isStr(v) ? parseFloatPy(v.value) : v.type === 'BooleanValue' || isInt(v) || v.type === 'FloatValue' ? Number(v.value) : null;
    if (isInt(v) && !Number.isFinite(bytes)) throw new Error('filesizeformat: int too large to convert to float');
    if (bytes === null) throw new Error(isStr(v) ? `filesizeformat: could not convert string to float: ${pyRepr(v)}` : `filesizeformat: float() argument must be a string or a real number, not '${pyType(v)}'`);
    const binary = argOf(a, 0, 'binary')?.__bool__().value ?? false;
    const base = binary ? 1024 : 1000;
    if (bytes === 1) return V.str('1 Byte');
    if (bytes < base) {
      // int(bytes): every digit of a large negative float (Python's int is exact)
      if (!Number.isFinite(bytes)) throw new Error('filesizeformat: cannot convert float infinity to integer');
      return V.str(`${BigInt(Math.trunc(bytes))} Bytes`);
    }
    const prefixes = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
    // each unit is Python's int base ** k, compared exactly with the float (1e24 is below 10 ** 24: 1000.0 ZB) and
    // made a float (correctly rounded) to divide
    const unit = (k: number): bigint => BigInt(base) ** BigInt(k + 2);
    let i = prefixes.findIndex((_, k) => bytes < unit(k));
    if (i < 0) i = prefixes.length - 1;
    const size = (base * bytes) / Number(unit(i));
    return V.str(`${Number.isFinite(size) ? toFixedEven(size, 1) : Number.isNaN(size) ? 'nan' : 'inf'} ${prefixes[i]}`);
  },
  pprint(v) {
    // do_pprint: pprint.pformat(value), the repr with dicts' keys sorted; a str's cut over lines past 80 characters
    // (jinja-pprint.ts); a list's or dict's past 80 pformat wraps over lines (a number's it keeps), which is refused here
    if (isStr(v) && !isMarkup(v)) return V.str(pformatStr(v.value));
    const text = pyRepr(pprintOrder(v));
    const number = v.type === 'IntegerValue' || v.type === 'FloatValue' || v.type === 'BooleanValue' || isNone(v);
    if (!number && [...text].length > PPRINT_WIDTH) throw new Error(`pprint: a ${pyType(v)} whose repr is longer than ${PPRINT_WIDTH} characters (pformat wraps it over lines) is not supported by mistral-tune's template renderer`);
    return V.str(text);
  },
  attr(v, a) {
    // do_attr: Python's getattr only, never the item (messages[0] | attr('role') is undefined, as a dict has no
    // attribute role); what has none is undefined
    const name = argOf(a, 0, 'name');
    if (name === undefined) throw new Error("attr: missing the attribute's name (jinja2's TypeError)");
    if (!isStr(name)) throw new Error(`attr: attribute name must be string, not '${pyType(name)}'`);
    return this.getattr(v, name.value);
  },
};
