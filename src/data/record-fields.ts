// What every record reader of record.ts and chat-record.ts shares: a rejection, a value's type in words, and a
// string field read and normalised.
import { ownField } from '../util/json-file.ts';
import { loneSurrogateDetail, normalizeText } from './clean.ts';
import type { Reason, Rejection } from './record.ts';

export function reject(reason: Reason, detail: string): Rejection {
  return { reason, detail };
}

export function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A string field, normalised (see normalizeText for `trim`): null counts as empty; other non-strings are a shape error. */
export function stringField(v: Record<string, unknown>, key: string, trim: 'both' | 'start' | 'end' = 'both'): string | Rejection {
  const x = ownField(v, key);
  if (x === null || x === undefined) return '';
  if (typeof x !== 'string') return reject('unknown_shape', `"${key}" is ${typeName(x)}, not a string`);
  // JSON can spell one ("\ud800"); no UTF-8 file can hold it, and a tokenizer would turn it into U+FFFD
  const lone = loneSurrogateDetail(key, x);
  if (lone !== null) return reject('invalid_utf8', lone);
  return normalizeText(x, trim);
}
