// Reads a JSON file (configs, tokenizer files, adapter configs), or the text of a UTF-8 file (a chat template); a
// missing, unreadable, non-regular (FIFO, folder) or malformed file is a UserError that names the file (and the
// line:column of a syntax error), and so is one nested deeper than any reader of Hugging Face files takes; and how an
// error quotes a value read from JSON (jsonValueText).
import { constants as bufferConstants, isAscii, isUtf8 } from 'node:buffer';
import { UserError } from './errors.ts';
import { jsonNestingPast } from './json-depth.ts';
import { cutShortText, fileEndsInsideCharacter, firstInvalidUtf8, latin1Reading } from './utf8-defects.ts';
import { copyRegularFile, readRegularFile } from './regular-file.ts';
import { notUtf8Text, WIDE_SAMPLE_BYTES } from './text-encoding.ts';

/** The deepest a JSON file read here may nest, as the Rust reader of safetensors and tokenizers (serde_json) takes it. */
export const MAX_FILE_DEPTH = 127;

/**
 * Copies the JSON file `src` to `dst` byte for byte once it parses (by `parse`, as its loader parses it): a damaged
 * source (cut short by a full disk or an interrupted download) is named where it is, not passed on into a folder whose
 * loaders then fail on it.
 */
export function copyJsonFile(src: string, dst: string, parse: (text: string) => unknown = JSON.parse): void {
  readJsonFile(src, parse);
  copyRegularFile(src, dst);
}

/**
 * The text of a UTF-8 file (a JSON file, a chat template): bytes that are not UTF-8 are refused at their line and byte,
 * and UTF-16, UTF-32 or a compressed file as such, rather than read as U+FFFD without a word (Python's open(...,
 * encoding="utf-8"), as transformers reads these files, refuses them too). A BOM is left to the caller.
 */
export function readUtf8File(file: string): string {
  return utf8Text(readRegularFile(file), file);
}

/** `bytes`, read from `file`, as text, refused as readUtf8File refuses them. */
export function utf8Text(bytes: Buffer, file: string): string {
  // UTF-16 (a Windows tool's "Unicode"), UTF-32 or a compressed file: said as such, as the data readers say it, not as
  // invalid UTF-8 at byte 1 with the Windows-1252 conversion, which would garble it
  const notText = notUtf8Text(bytes.subarray(0, WIDE_SAMPLE_BYTES), file); // as much as a data file's start: UTF-16 is judged by it
  if (notText) throw new UserError(notText, file);
  // bytes that are not UTF-8 would be read as U+FFFD without a word (a Latin-1 file, a message piped in); Python's json refuses them
  const at = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
  if (at >= 0) {
    const lineStart = at === 0 ? 0 : bytes.lastIndexOf(0x0a, at - 1) + 1; // (an offset of −1 would search from the end)
    const line = bytes.subarray(0, at).reduce((n, b) => n + (b === 0x0a ? 1 : 0), 1);
    // a file that ends inside a character was cut short (a partial download or copy): converting it would garble it
    if (fileEndsInsideCharacter(bytes, at)) {
      const latin1 = latin1Reading(bytes[at]!, bytes[at + 1], () => isAscii(bytes.subarray(0, at)));
      throw new UserError(cutShortText(at - lineStart + 1, line, undefined, latin1), `${file}:${line}`);
    }
    throw new UserError(`invalid UTF-8 at byte ${at - lineStart + 1} of line ${line}: the file must be UTF-8 text (in another encoding, ` +
      'Windows-1252 or Latin-1, convert it: iconv -f WINDOWS-1252 -t UTF-8)', `${file}:${line}`);
  }
  return decodeWhole(bytes, file);
}

export function readJsonFile(file: string, parse: (text: string) => unknown = JSON.parse): unknown {
  return parseJsonBytes(readRegularFile(file), file, parse);
}

/** `bytes`, read from `file`, parsed as readJsonFile parses a file (and refused as it refuses one). */
export function parseJsonBytes(bytes: Buffer, file: string, parse: (text: string) => unknown = JSON.parse): unknown {
  // a BOM (a Windows editor writes one) is no part of the JSON, as prepare's JSON reader reads it; JSON.parse refused it
  const text = utf8Text(bytes, file).replace(/^\uFEFF/, '');
  // JSON.parse reads any depth, but what reads the value after it recurses: a value of a known key nested 100,000
  // deep (config.json's eos_token_id, generation_config.json's num_beams, a tokenizer.json normalizer Sequence)
  // overflowed the stack of JSON.stringify or of a walker, a RangeError with a stack trace
  const deep = jsonNestingPast(text, MAX_FILE_DEPTH);
  if (deep !== null) {
    throw new UserError(`arrays and objects nested more than ${MAX_FILE_DEPTH} deep: Hugging Face tokenizers' reader refuses that (it ` +
      "stops at 128; Python's json near 1,000), and no model file comes near it; the file is damaged or not what it is named", `${file}:${lineColumn(text, deep)}`);
  }
  try {
    return parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : /end of JSON input/.test(msg) ? text.length : unexpectedTokenOffset(msg, text);
    const where = offset === null ? file : `${file}:${lineColumn(text, offset)}`;
    throw new UserError(`invalid JSON (${oneLine(msg)})`, where);
  }
}

/** The file's bytes as one string; past the longest string V8 makes (a 600 MB tokenizer.json) a UserError naming the file, not a crash. */
function decodeWhole(bytes: Buffer, file: string): string {
  try {
    return bytes.toString('utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_STRING_TOO_LONG') throw e;
    throw new UserError(`too large to read as JSON: ${bytes.length.toLocaleString('en-US')} bytes, past the ${bufferConstants.MAX_STRING_LENGTH.toLocaleString('en-US')} characters of Node.js's longest string`, file);
  }
}

/** JSON.parse's message on one line: V8 quotes the text around the error as it is, newlines and control bytes included. */
export function oneLine(msg: string): string {
  return msg.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/**
 * Where V8's "Unexpected token 'X', …"CONTEXT"… is not valid JSON" points (a word such as Python's NaN): it gives no
 * position, only up to 10 characters of the text on each side of it — a start, a middle or an end of the text,
 * told by the "..." around the quote; null for a short text quoted whole, or a message of another form.
 */
function unexpectedTokenOffset(msg: string, text: string): number | null {
  const m = /^Unexpected token .*?, (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(msg);
  if (!m || (m[1] === undefined && m[3] === undefined)) return null;
  const context = m[2]!, CONTEXT = 10;
  if (m[1] === undefined) return context.length - CONTEXT; // the text's start: the token is CONTEXT from the quote's end
  if (m[3] === undefined) return text.length - context.length + CONTEXT; // the text's end
  const start = text.indexOf(context);
  return start < 0 ? null : start + CONTEXT;
}

function lineColumn(text: string, offset: number): string {
  let line = 1, start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return `${line}:${offset - start + 1}`;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value of an own property only: a field name such as "constructor" never reads the prototype. */
export function ownField(v: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(v, key) ? v[key] : undefined;
}

/**
 * A JSON object key that names a non-negative integer as Python's int() reads it (" 1", "+1", "01"; not "", "1.0",
 * "0x1", "1e0"), as transformers reads the keys of id2label and added_tokens_decoder; null for any other key.
 */
export function intKey(key: string): number | null {
  return /^\s*\+?[0-9]+\s*$/.test(key) ? Number(key) : null;
}

/**
 * A value read from JSON as an error quotes it: its JSON, but for a number past float64's range (1e400 in the file),
 * which JSON.parse reads as Infinity and JSON.stringify writes as null, naming a value the file does not hold; inside
 * a list or an object such a number is written Infinity (`[2,Infinity]`), not null. NaN (Python's json word, which
 * a config.json may hold) is written NaN.
 */
export function jsonValueText(v: unknown): string {
  if (Number.isNaN(v)) return 'NaN';
  if (typeof v === 'number' && !Number.isFinite(v)) return `${v} (a number past float64's range, as 1e400)`;
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  let past = false;
  const marked = JSON.stringify(v, (_key, x: unknown) => {
    if (typeof x !== 'number' || Number.isFinite(x)) return x;
    past = true;
    return `${NON_FINITE_MARK}${x}${NON_FINITE_MARK}`;
  });
  return past ? marked.replace(new RegExp(`"${NON_FINITE_MARK}(-?Infinity|NaN)${NON_FINITE_MARK}"`, 'g'), '$1') : marked;
}

/** Brackets a non-finite number in jsonValueText's JSON until it is written bare: a private-use character, which
 * JSON.stringify leaves unescaped (a control character it would escape) and no config's key or string holds. */
const NON_FINITE_MARK = '\ue000';
