// The one reader of an HF config.json: every module that needs a key of a model folder's config.json (its config, its
// tokenizer's class, its family, its hub id, its generation keys) gets the value from here. The file is parsed once per
// process while its bytes stay the same: a generate parsed a 17 MB config.json 5 times (6 s of CPU). The bytes are
// read again each time and compared, rather than trusting a file's size and mtime, which a rewrite within the clock's
// granularity leaves unchanged. The value returned is shared: callers copy what they change. It is read as
// transformers 5.17 reads it (PreTrainedConfig._dict_from_json_file): Python's json.loads, which takes NaN, Infinity
// and -Infinity, then {"__float__": "NaN"} (the form its save_pretrained writes such a float in) as that float; each
// key's own check then decides on the value (parseConfig), as transformers' does.
import * as path from 'node:path';
import { parseJsonAsPythonLoads } from '../data/ingest/python-json.ts';
import { fileIsThere } from './file-is-there.ts';
import { isRecord, parseJsonBytes } from './json-file.ts';
import { readRegularFile } from './regular-file.ts';

/** The configs parsed here: the ones whose integers are known to be spelled as integers (config-number-forms.ts). */
const readFromText = new WeakSet<object>();

/**
 * The files whose parse is kept: a command reads one or two model folders' configs (a model's, a source's), and a
 * process that loads model after model (a library user's) kept every one's bytes and value alive, 17 MB and more each.
 */
const KEPT_PARSES = 4;

/** The last parse of each of the KEPT_PARSES files read last (by absolute path, the least recent first), with the bytes it was parsed from. */
const parsed = new Map<string, { bytes: Buffer; value: unknown }>();

/** An HF config.json (`file`) parsed, each number's spelling noted where JSON.parse loses it (2.0 read as 2); a UserError naming the file where it is not JSON. */
export function readConfigJson(file: string): unknown {
  const bytes = readRegularFile(file);
  const key = path.resolve(file);
  const last = parsed.get(key);
  parsed.delete(key); // set again below: the most recent last
  if (last !== undefined && last.bytes.equals(bytes)) {
    parsed.set(key, last);
    return last.value;
  }
  const value = parseJsonBytes(bytes, file, (text) => {
    const read = parseJsonAsPythonLoads(text);
    // a "__float__" key is in the text as it is, or written with \u escapes (the walk costs 0.1 s for 17 MB)
    return text.includes('__float__') || text.includes('\\u') ? withTaggedFloats(read) : read;
  });
  if (typeof value === 'object' && value !== null) readFromText.add(value);
  parsed.set(key, { bytes, value });
  if (parsed.size > KEPT_PARSES) parsed.delete(parsed.keys().next().value!);
  return value;
}

/** The floats transformers writes as {"__float__": NAME} (its _FLOAT_TAG_VALUES), by NAME. */
const TAGGED_FLOATS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** The float a {"__float__": NAME} object stands for, as transformers' _decode_special_floats reads one; undefined for any other value. */
function taggedFloat(v: unknown): number | undefined {
  if (!isRecord(v)) return undefined;
  const keys = Object.keys(v);
  const tag = v.__float__;
  return keys.length === 1 && typeof tag === 'string' && Object.hasOwn(TAGGED_FLOATS, tag) ? TAGGED_FLOATS[tag] : undefined;
}

/** `value` with each {"__float__": NAME} in it (lists and objects, at any depth) made the float it names, in place. */
function withTaggedFloats(value: unknown): unknown {
  const top = taggedFloat(value);
  if (top !== undefined) return top;
  const holders: unknown[] = [value];
  for (let holder = holders.pop(); holder !== undefined; holder = holders.pop()) {
    if (typeof holder !== 'object' || holder === null) continue;
    const h = holder as Record<string | number, unknown>;
    for (const key of Array.isArray(h) ? h.keys() : Object.keys(h)) {
      const float = taggedFloat(h[key]);
      if (float !== undefined) h[key] = float;
      else if (typeof h[key] === 'object') holders.push(h[key]);
    }
  }
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
