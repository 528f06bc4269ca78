// What every record reader of record.ts and chat-record.ts shares: a rejection, a value's type in words, and a
// string field read and normalised.
import { ownField } from '../util/json-file.ts';
import { loneSurrogate, loneSurrogateDetail, normalizeText } from './clean.ts';
import { numberSpelling } from './ingest/number-spellings.ts';
import type { Reason, Rejection } from './record-shape.ts';

export function reject(reason: Reason, detail: string): Rejection {
  return { reason, detail };
}

export function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A number or boolean read where text is expected (the field's key and the text it was read as), as textValue counted it. */
export interface Stringified {
  key: string;
  text: string;
}

let stringified = 0;
let lastStringified: Stringified | null = null;

/** How many numbers and booleans textValue has read as text, and the last: detectRecord marks the records it read them in. */
export function stringifiedTexts(): { count: number; last: Stringified | null } {
  return { count: stringified, last: lastStringified };
}

/**
 * The text of field `key`'s value `x` where text is expected: a string as it is; a number or boolean ({"output": 42},
 * {"answer": true}) as its JSON text ("42", "true"), as a CSV cell holding it reads — a number as the file spells it
 * ("3.50", "1e5", an integer beyond 2^53: number-spellings.ts), `x` being `holder[at]` —, counted (stringifiedTexts) so
 * that prepare's report says so; null for anything else (an object, an array: a shape error the caller names).
 */
export function textValue(key: string, x: unknown, holder?: object, at: string | number = key): string | null {
  if (!isTextValue(x)) return null;
  if (typeof x === 'string') return x;
  const text = (typeof x === 'number' && holder !== undefined ? numberSpelling(holder, at) : undefined) ?? String(x);
  stringified++;
  lastStringified = { key, text };
  return text;
}

/**
 * Whether `x` is text as textValue reads it: a string, or a number or boolean (read as its JSON text). A number past a
 * double's range (1e400, Infinity: Python's json.dumps of an infinite float) is one too, read as the file spells it, as
 * any other number is (it was "is a number, not a string", which 1e30 beside it was not).
 */
export function isTextValue(x: unknown): x is string | number | boolean {
  return typeof x === 'string' || (typeof x === 'number' && !Number.isNaN(x)) || typeof x === 'boolean';
}

/**
 * A text field, normalised (see normalizeText for `trim`): null counts as empty; a number or boolean is its JSON text
 * (textValue); an object or array is a shape error.
 */
export function stringField(v: Record<string, unknown>, key: string, trim: 'both' | 'start' | 'end' = 'both'): string | Rejection {
  const raw = ownField(v, key);
  if (raw === null || raw === undefined) return '';
  const x = textValue(key, raw, v);
  if (x === null) return reject('unknown_shape', `"${key}" is ${typeName(raw)}, not a string`);
  // JSON can spell one ("\ud800"); no UTF-8 file can hold it, and a tokenizer would turn it into U+FFFD
  const lone = loneSurrogateDetail(key, x);
  if (lone !== null) return reject('invalid_utf8', lone);
  return normalizeText(x, trim);
}

/**
 * A record's own "id" (a non-empty string of up to 256 characters, well formed: no lone surrogate, or a safe integer), which prepare keeps as source.id
 * beside the content hash it writes as "id"; undefined for any other value or none.
 */
export function ownRecordId(raw: unknown): string | number | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const id = ownField(raw as Record<string, unknown>, 'id');
  // a lone surrogate (JSON spells one, "\ud800") is not Unicode text: Python reads it back and cannot print or save it
  if (typeof id === 'string') return id !== '' && id.length <= 256 && loneSurrogate(id) < 0 ? id : undefined;
  return Number.isSafeInteger(id) ? (id as number) : undefined;
}
