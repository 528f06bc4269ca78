// The one reader of an HF config.json: every module that needs a key of a model folder's config.json (its config, its
// tokenizer's class, its family, its hub id, its generation keys) gets the value from here. The file is parsed once per
// process while its bytes stay the same: a generate parsed a 17 MB config.json 5 times (6 s of CPU). The bytes are
// read again each time and compared, rather than trusting a file's size and mtime, which a rewrite within the clock's
// granularity leaves unchanged. The value returned is shared: callers copy what they change.
import * as path from 'node:path';
import { parseJsonNotingNumbers } from '../data/ingest/number-spellings.ts';
import { fileIsThere } from '../util/file-is-there.ts';
import { isRecord, parseJsonBytes } from '../util/json-file.ts';
import { readRegularFile } from '../util/regular-file.ts';

/** The configs parsed here: the ones whose integers are known to be spelled as integers (config-number-forms.ts). */
const readFromText = new WeakSet<object>();

/** The last parse of each file (by its absolute path), with the bytes it was parsed from. */
const parsed = new Map<string, { bytes: Buffer; value: unknown }>();

/** An HF config.json (`file`) parsed, each number's spelling noted where JSON.parse loses it (2.0 read as 2); a UserError naming the file where it is not JSON. */
export function readConfigJson(file: string): unknown {
  const bytes = readRegularFile(file);
  const key = path.resolve(file);
  const last = parsed.get(key);
  if (last !== undefined && last.bytes.equals(bytes)) return last.value;
  const value = parseJsonBytes(bytes, file, parseJsonNotingNumbers);
  if (typeof value === 'object' && value !== null) readFromText.add(value);
  parsed.set(key, { bytes, value });
  return value;
}

/** Whether `c` was parsed by readConfigJson (its integers' spellings are known), not made in code. */
export function spelledFromText(c: object): boolean {
  return readFromText.has(c);
}

/** `dir`/config.json parsed (readConfigJson), or undefined where the folder has none. */
export function folderConfigJson(dir: string): unknown {
  const file = path.join(dir, 'config.json');
  return fileIsThere(file) ? readConfigJson(file) : undefined;
}

/** `key` of `dir`/config.json, undefined where there is none or it is not an object. */
export function folderConfigValue(dir: string, key: string): unknown {
  const c = folderConfigJson(dir);
  return isRecord(c) ? c[key] : undefined;
}
