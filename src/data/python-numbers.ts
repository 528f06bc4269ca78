// JSON numbers as Python's json reads them, where JSON.parse reads them otherwise: a number spelled with a fraction or
// an exponent is a float (`1.0`, `-74.0`, `1e3`: json.dumps and a template's tojson write 1.0, -74.0, 1000.0), which
// JSON.parse makes the whole number 1 (String() writes "1"); an integer past 2**53 is exact (12345678901234567890),
// which JSON.parse rounds. Tool calls' arguments and tool definitions, which a chat template renders with tojson, keep
// such numbers as Python has them, marked from the file's spelling (number-spellings.ts): a float of whole value (or
// infinite) as a boxed Number (`new Number(1)`), an integer past 2**53 as a bigint. Both survive a structured clone
// (the template renders on a worker thread) and are written back as Python writes them (pythonJson: 1.0, 1e+16,
// 12345678901234567890), so prepare's train.jsonl keeps `1.0` and train reads it back so. A float with a fraction
// (0.5, 1e-05) needs no mark: JavaScript's number is Python's float there, and the template's.
import { numberSpelling, parseJsonNotingNumbers } from './ingest/number-spellings.ts';

/** A Python float that JavaScript would take for an int: a boxed Number (of this thread or another's). */
export function isPythonFloat(x: unknown): x is Number {
  return typeof x === 'object' && x !== null && Object.prototype.toString.call(x) === '[object Number]';
}

/**
 * JSON `text` parsed as Python's json reads it (throwing as JSON.parse throws): its numbers marked as withPythonNumbers
 * marks them; `spelledIn` as parseJsonKeepingText's (number-spellings.ts).
 */
export function parsePythonJson(text: string, spelledIn = text): unknown {
  return withPythonNumbers(parseJsonNotingNumbers(text, spelledIn));
}

/**
 * `value` (parsed JSON, its numbers' spellings noted) with each number that Python reads otherwise than JavaScript
 * marked (see the header); a container that holds none is the same object.
 */
export function withPythonNumbers<T>(value: T): T {
  return marked(value) as T;
}

function marked(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || isPythonFloat(v)) return v;
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  let changed = false;
  const out = entries.map(([k, x]) => {
    const y = typeof x === 'number' ? pythonNumber(x, numberSpelling(v, k))
      : x === null && numberSpelling(v, k) === 'NaN' ? new Number(NaN) // Python's json reads NaN as nan; prepare's reading, a missing value (null)
      : marked(x);
    if (y !== x) changed = true;
    return [k, y] as const;
  });
  if (!changed) return v;
  return Array.isArray(v) ? out.map(([, y]) => y) : Object.fromEntries(out);
}

/**
 * The number `x`, spelled `token` in the file (undefined: as String() writes it), as Python's json has it. A token not
 * noted is String(x) still: 12345678901234567000 (an int past 2**53 that String() writes back), 1e+21 (a float) and
 * Infinity (python-json.ts reads Python's word) are Python's int and floats too.
 */
function pythonNumber(x: number, token: string | undefined): number | Number | bigint {
  const t = token ?? String(x);
  if (/^[-+]?\d+$/.test(t)) return Number.isSafeInteger(x) ? x + 0 : BigInt(t); // x + 0: -0 is the int 0
  return Number.isInteger(x) || !Number.isFinite(x) ? new Number(x) : x;
}

/** Python's repr() of a float: the shortest round-trip digits, exponent form below 1e-4 and from 1e16, "1.0" for whole numbers. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const s = String(x);
  return s.includes('.') ? s : `${s}.0`;
}

/** A float as Python's json.dumps writes it: NaN, Infinity and -Infinity for the values JSON has no number for. */
export function floatJson(x: number): string {
  return Number.isNaN(x) ? 'NaN' : !Number.isFinite(x) ? (x > 0 ? 'Infinity' : '-Infinity') : floatRepr(x);
}

/** Whether `v` holds a marked number (withPythonNumbers). */
function holdsMark(v: unknown): boolean {
  if (typeof v === 'bigint' || isPythonFloat(v)) return true;
  if (typeof v !== 'object' || v === null) return false;
  return (Array.isArray(v) ? v : Object.values(v)).some(holdsMark);
}

/**
 * `v` as JSON.stringify writes it, its marked numbers as Python's json.dumps writes them (1.0, 1e+16, Infinity, NaN,
 * 12345678901234567890). A float that JSON has no number for is written as json.dumps writes it, NaN, Infinity or
 * -Infinity, not as JSON: Python's json.loads, pandas, pyarrow's JSON reader and jq read those words (the file stays
 * readable), and transformers renders them so from what json.loads reads, as we train. null would lose the value; 1e999
 * (JSON, json.loads reads inf) fails datasets' load_dataset("json") where pyarrow reads the file ("Number too big to be
 * stored in double"). datasets 5.0.1 reads a chat whose messages differ in keys (every chat with tool calls) through
 * its Json type, which writes nan and inf as null: TRL trained on such a load renders null there whatever the file says.
 */
export function pythonJson(v: unknown): string {
  return holdsMark(v) ? jsonOf(v) ?? 'null' : JSON.stringify(v) ?? 'null';
}

function jsonOf(v: unknown): string | undefined {
  if (typeof v === 'bigint') return v.toString();
  if (isPythonFloat(v)) return floatJson(v.valueOf());
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => jsonOf(x) ?? 'null').join(',')}]`;
  const fields = Object.entries(v).flatMap(([k, x]) => {
    const j = jsonOf(x);
    return j === undefined ? [] : [`${JSON.stringify(k)}:${j}`];
  });
  return `{${fields.join(',')}}`;
}

/**
 * `x` as JSON with every object's keys sorted: tool calls and definitions that differ only in key order are the same
 * (a float 1.0 and the int 1 are not: the template writes them apart).
 */
export function canonicalJson(x: unknown): string {
  const sorted = (v: unknown): unknown => Array.isArray(v) ? v.map(sorted)
    : typeof v === 'object' && v !== null && !isPythonFloat(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  return pythonJson(sorted(x));
}
