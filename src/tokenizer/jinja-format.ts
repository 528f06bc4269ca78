// Python's string formatting for chat templates: `'%02d' % n` / `'%s and %s' % (a, b)` (printf style) and
// `'{} {name:>5}'.format(...)` (format specs), as jinja2 evaluates them for transformers. Both share one number
// formatter: fixed and exponent from the float's exact digits (jinja-float-digits.ts), general,
// hex/octal/binary, padding, signs and thousands separators. An int prints every digit (past 2**53 a bigint, whose
// float presentations use its nearest float), a float's integer presentation (%d of 1e30) its exact value.
import { toExponentEven, toFixedEven } from './jinja-float-digits.ts';
import { checkRoom } from './jinja-room.ts';
import { V, isDict, isInt, isNum, isStr, pyRepr, pyStr, pyType, type Value } from './jinja-values.ts';

interface Spec {
  fill: string;
  align: '<' | '>' | '^' | '=' | null;
  sign: '-' | '+' | ' ';
  /** str.format's spec names a sign (a `-` too, which str and None refuse: `'{:<-5}'`). */
  signGiven: boolean;
  alt: boolean;
  zero: boolean;
  width: number;
  group: string;
  precision: number | null;
  type: string;
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Python's int(x) of a float (the whole number it holds, every digit), or an int (a bigint past 2**53) as it is. */
function wholeNumber(x: number | bigint): bigint {
  if (typeof x === 'bigint') return x;
  if (!Number.isFinite(x)) throw new Error(`cannot convert float ${Number.isNaN(x) ? 'NaN' : 'infinity'} to integer`);
  return BigInt(Math.trunc(x));
}

/** Python's float(x) of an int (a bigint past 2**53: its nearest float, an OverflowError past a double's range). */
function floatOf(x: number | bigint): number {
  const f = Number(x);
  if (typeof x === 'bigint' && !Number.isFinite(f)) throw new Error('int too large to convert to float');
  return f;
}

/** The digits of |x| in a numeric presentation type (no sign). */
function numberBody(x: number | bigint, integer: boolean, spec: Spec): string {
  const p = spec.precision;
  if (spec.type !== '' && 'diunxXob'.includes(spec.type)) {
    const whole = wholeNumber(x);
    const w = whole < 0n ? -whole : whole;
    // printf's precision is the least number of digits ('%.3d' % 5 is 005; str.format refuses one: formatValue)
    const least = (digits: string): string => (checkRoom(p ?? 0), digits.padStart(p ?? 0, '0'));
    if ('diun'.includes(spec.type)) return least(w.toString());
    const base = { x: 16, X: 16, o: 8, b: 2 }[spec.type]!;
    const digits = least(w.toString(base));
    const prefix = spec.alt ? `0${spec.type}` : '';
    return spec.type === 'X' ? (prefix + digits).toUpperCase() : prefix + digits;
  }
  const a = Math.abs(floatOf(x));
  if (!Number.isFinite(a)) {
    const text = (Number.isNaN(a) ? 'nan' : 'inf') + (spec.type === '%' ? '%' : '');
    return 'FEG'.includes(spec.type) && spec.type !== '' ? text.toUpperCase() : text;
  }
  switch (spec.type) {
    case 'f': case 'F': return toFixedEven(a, p ?? 6);
    case 'e': case 'E': {
      const s = toExponentEven(a, p ?? 6);
      return spec.type === 'E' ? s.toUpperCase() : s;
    }
    case '%': return toFixedEven(a * 100, p ?? 6) + '%';
    case 'g': case 'G': case '': {
      if (spec.type === '' && p === null) return integer ? String(a) : pyStr(V.float(a));
      const P = p === 0 ? 1 : (p ?? 6);
      const e = toExponentEven(a, P - 1);
      const exp = Number(e.slice(e.indexOf('e') + 1));
      let s = exp >= -4 && exp < P ? toFixedEven(a, P - 1 - exp) : e;
      if (!spec.alt) s = s.includes('e') ? s.replace(/\.?0+e/, 'e') : stripZeros(s);
      if (spec.type === '' && !s.includes('.') && !s.includes('e') && !integer) s += '.0';
      return spec.type === 'G' ? s.toUpperCase() : s;
    }
    default: throw new Error(`unknown format code '${spec.type}' for a number`);
  }
}

/**
 * The number `body` (its digits, then any fraction or exponent) with its integer digits grouped by `sep`: by 3, or by 4
 * in hex, octal and binary (Python's `_` there; `,` is refused); after any `0x` prefix. Zero padding of a grouped
 * number is grouped too (CPython's InsertThousandsGrouping with a minimum width: `'{:012_d}'` of 28036591 is
 * '0_028_036_591', a leading zero added where the width would start with a separator).
 */
function group(body: string, spec: Spec, signWidth: number): string {
  const sep = spec.group;
  if (!sep) return body;
  const radix = 'xXob'.includes(spec.type) && spec.type !== '';
  if (radix && sep === ',') throw new Error(`Cannot specify '${sep}' with '${spec.type}'.`);
  const prefix = spec.alt && radix ? body.slice(0, 2) : '';
  const m = (radix ? /^([\da-fA-F]+)(.*)$/s : /^(\d+)(.*)$/s).exec(body.slice(prefix.length));
  if (!m) return body; // inf, nan
  const [, digits, rest] = m as unknown as [string, string, string];
  const every = radix ? 4 : 3;
  const zeroFill = (spec.align ?? (spec.zero ? '=' : '>')) === '=' && spec.fill === '0';
  let min = zeroFill ? spec.width - signWidth - prefix.length - rest.length : 0;
  checkRoom(min);
  let remaining = digits.length;
  const parts: string[] = [];
  for (;;) {
    const len = Math.min(every, Math.max(remaining, min, 1));
    const chars = Math.max(0, Math.min(remaining, len));
    parts.unshift('0'.repeat(len - chars) + digits.slice(remaining - chars, remaining));
    remaining -= chars;
    min -= len;
    if (remaining <= 0 && min <= 0) break;
    min -= sep.length;
  }
  return prefix + parts.join(sep) + rest;
}

function pad(sign: string, body: string, spec: Spec, numeric: boolean): string {
  const n = spec.width - sign.length - body.length;
  if (n <= 0) return sign + body;
  checkRoom(spec.width);
  const align = spec.align ?? (spec.zero && numeric ? '=' : numeric ? '>' : '<');
  const fill = spec.align === null && spec.zero && numeric ? '0' : spec.fill;
  const f = fill.repeat(n);
  if (align === '=') return sign + f + body;
  if (align === '<') return sign + body + f;
  if (align === '>') return f + sign + body;
  const left = fill.repeat(Math.floor(n / 2));
  return left + sign + body + fill.repeat(n - left.length);
}

/** What str.__format__ refuses in a spec, with CPython's ValueError, in its order. */
function refuseStringSpec(spec: Spec): void {
  if (spec.group) throw new Error(`Cannot specify '${spec.group}' with 's'.`);
  if (spec.signGiven) throw new Error('Sign not allowed in string format specifier');
  if (spec.alt) throw new Error('Alternate form (#) not allowed in string format specifier');
  if (spec.align === '=') throw new Error("'=' alignment not allowed in string format specifier");
}

/** One value formatted by a spec (printf's conversion or str.format's spec). */
function formatValue(v: Value, spec: Spec, printf: boolean): string {
  let t = spec.type;
  const integer = isInt(v) || v.type === 'BooleanValue';
  if (!printf && t === 's' && !isStr(v)) {
    throw new Error(isNum(v) || v.type === 'BooleanValue' ? `Unknown format code 's' for object of type '${pyType(v)}'` : `unsupported format string passed to ${pyType(v)}.__format__`);
  }
  // an int's presentations in str.format take no precision (printf's is its least number of digits)
  if (!printf && integer && spec.precision !== null && 'dnxXobc'.includes(t)) throw new Error('Precision not allowed in integer format specifier');
  const emptySpec = spec.width === 0 && spec.precision === null && spec.align === null && !spec.signGiven && !spec.zero && !spec.alt && !spec.group;
  const textual = t === 'r' || t === 'a' || t === 's' || (t === '' && (isStr(v) || (v.type === 'BooleanValue' && emptySpec) || !(isNum(v) || v.type === 'BooleanValue')));
  if (textual) {
    if (t === '' && !isStr(v) && !emptySpec && v.type !== 'BooleanValue') throw new Error(`unsupported format string passed to ${pyType(v)}.__format__`);
    if (!printf && isStr(v)) refuseStringSpec(spec);
    let s = t === 'r' || t === 'a' ? pyRepr(v) : pyStr(v);
    if (spec.precision !== null) s = s.slice(0, spec.precision);
    return pad('', s, { ...spec, align: spec.align ?? (printf ? '>' : '<') }, false);
  }
  if (t === 'c') {
    const code = isInt(v) ? (v.value as number | bigint) : null;
    if (code !== null && !(code >= 0 && code < 0x110000)) throw new Error('%c arg not in range(0x110000)');
    const s = isStr(v) && v.value.length === 1 ? v.value : code !== null ? String.fromCodePoint(Number(code)) : null;
    if (s === null) throw new Error('%c requires an int or a single character');
    return pad('', s, { ...spec, align: spec.align ?? '>' }, false); // right-aligned, as a number ('%3c' % 65 is '  A')
  }
  if (!(isNum(v) || v.type === 'BooleanValue')) throw new Error(`a real number is required for format '${t}', not ${pyType(v)}`);
  const x = typeof v.value === 'bigint' ? v.value : Number(v.value); // an int past 2**53 keeps its digits
  if (!integer && 'xXob'.includes(t) && t !== '') throw new Error(`format '${t}' requires an integer, not float`);
  if (!printf && t === 'd' && !integer) throw new Error("unknown format code 'd' for object of type 'float'");
  if (t === 'n' && spec.group) throw new Error(`Cannot specify '${spec.group}' with 'n'.`); // 'n' groups as the locale does
  if (t === 'n') t = integer ? 'd' : 'g'; // the C locale's 'n': no grouping
  if (t === '' && integer) t = 'd';
  const negative = x < 0 || Object.is(x, -0);
  const sign = negative ? '-' : spec.sign === '-' ? '' : spec.sign;
  const body = group(numberBody(x, integer, { ...spec, type: t }), { ...spec, type: t }, sign.length);
  return pad(sign, body, spec, true);
}

const PRINTF = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?([diouxXeEfFgGcrsa%])?/g;

/** A `*` width or precision's value: an int (a bool is one), as Python's printf takes it. */
function starValue(v: Value | undefined): number {
  if (v === undefined) throw new Error('not enough arguments for format string');
  if (!(isInt(v) || v.type === 'BooleanValue')) throw new Error('* wants int');
  return Number(v.value);
}

/**
 * Python's `fmt % rhs`: a tuple gives the arguments, a dict the %(name)s values, any other value is the one argument.
 * `escape` (a Markup's `%`: markupsafe wraps each argument so) makes the text of %s and %r (str and repr) of it.
 */
export function percentFormat(fmt: string, rhs: Value, escape?: (text: Value) => string): string {
  const args = rhs.type === 'TupleValue' ? (rhs.value as Value[]) : [rhs];
  const mapping = isDict(rhs) ? rhs.value : null;
  let next = 0;
  const out = fmt.replace(PRINTF, (whole, key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string | undefined, at: number) => {
    if (conv === undefined) throw new Error(`unsupported format character in '${whole}'`);
    if (whole === '%%') return '%';
    // the arguments in Python's order: a `*` width's, a `*` precision's, the value's; after a %(key) all of them are
    // the key's value (so a `*` takes it, and the value is missing)
    let keyed: Value[] | null = null;
    if (key !== undefined) {
      if (!mapping) throw new Error('format requires a mapping');
      const got = mapping.get(key);
      if (got === undefined) throw new Error(`KeyError: '${key}'`);
      keyed = [got];
    }
    const take = (): Value | undefined => (keyed ? keyed.shift() : args[next++]);
    let w = width === '*' ? starValue(take()) : width ? Number(width) : 0;
    const p = prec === '*' ? Math.max(0, starValue(take())) : prec !== undefined ? Number(prec || 0) : null;
    const left = flags.includes('-') || w < 0; // a negative `*` width aligns left, as the `-` flag
    w = Math.abs(w);
    const v = take();
    if (v === undefined) throw new Error('not enough arguments for format string');
    // Python 3's `%%` is only the two characters: with a key, flags, a width or a precision it takes an argument and fails
    if (conv === '%') throw new Error(`unsupported format character '%' (0x25) at index ${at + whole.length - 1}`);
    const spec: Spec = {
      fill: ' ', align: left ? '<' : null, sign: flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '-', signGiven: false,
      alt: flags.includes('#'), zero: flags.includes('0') && !left, width: w, group: '',
      precision: p, type: conv,
    };
    if (spec.zero && !'sr'.includes(conv)) spec.align = null;
    if (escape && 'sr'.includes(conv)) return formatValue(V.str(escape(conv === 'r' ? V.str(pyRepr(v)) : v)), { ...spec, type: 's' }, true);
    return formatValue(v, spec, true);
  });
  if (!mapping && next < args.length) throw new Error('not all arguments converted during string formatting');
  return out;
}

const FORMAT_SPEC = /^(?:(.)?([<>=^]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s;

/** A str.format spec; a `0` before the width fills with '0' unless a fill is given, also beside an alignment (CPython 3.10+). */
function parseSpec(text: string): Spec {
  const m = FORMAT_SPEC.exec(text);
  if (!m) throw new Error(`invalid format specifier '${text}'`);
  return {
    fill: m[1] ?? (m[5] !== undefined ? '0' : ' '), align: (m[2] as Spec['align']) ?? null, sign: (m[3] as Spec['sign']) ?? '-', signGiven: m[3] !== undefined, alt: m[4] !== undefined, zero: m[5] !== undefined,
    width: m[6] ? Number(m[6]) : 0, group: m[7] ?? '', precision: m[8] !== undefined ? Number(m[8]) : null, type: m[9] ?? '',
  };
}

/** Python's `fmt.format(*args, **kwargs)`: {} / {0} / {name}, !r / !s, and a format spec after ':'. */
export function strFormat(fmt: string, args: Value[], kwargs: Map<string, Value>, escapeField?: (v: Value, spec: string, text: () => string) => string): string {
  let out = '';
  let auto = 0;
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    if (ch === '}') {
      if (fmt[i + 1] !== '}') throw new Error("Single '}' encountered in format string");
      out += '}';
      i++;
      continue;
    }
    if (ch !== '{') {
      out += ch;
      continue;
    }
    if (fmt[i + 1] === '{') {
      out += '{';
      i++;
      continue;
    }
    const end = fmt.indexOf('}', i);
    if (end < 0) throw new Error("Single '{' encountered in format string");
    const field = fmt.slice(i + 1, end);
    if (field.includes('{')) throw new Error(`nested replacement fields are not supported: '{${field}}'`);
    i = end;
    const m = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/s.exec(field)!;
    const name = m[1]!;
    let v: Value | undefined;
    if (name === '') v = args[auto++];
    else if (/^\d+$/.test(name)) v = args[Number(name)];
    else if (/^[A-Za-z_]\w*$/.test(name)) v = kwargs.get(name);
    else throw new Error(`unsupported format field '{${field}}'`);
    if (v === undefined) throw new Error(name === '' || /^\d+$/.test(name) ? 'Replacement index out of range for positional args tuple' : `KeyError: '${name}'`);
    if (m[2]) v = V.str(m[2] === 's' ? pyStr(v) : pyRepr(v));
    const value = v;
    const text = () => formatValue(value, parseSpec(m[3] ?? ''), false);
    out += escapeField ? escapeField(v, m[3] ?? "", text) : text();
  }
  return out;
}
