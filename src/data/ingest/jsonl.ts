// JSON Lines: every non-blank line is one record. A BOM at the start of any line, CRLF endings and
// whitespace around the JSON are accepted (readLines strips the BOM and CR; the rest is trimmed here).
// A line that is not UTF-8 text is rejected as invalid_utf8 or binary without being parsed, and one longer
// than ReadOptions.maxRawChars as too_long (parsing it would take memory in proportion to it). Python's NaN and
// Infinity, and a line that is Python's str() of a dict, are read as Python reads them (python-json.ts).
import { readLines } from '../../util/lines.ts';
import { parseJsonText } from './python-json.ts';
import { defectRejection, type RawItem, type ReadOptions } from './types.ts';

export function* readJsonl(file: string, opts: ReadOptions = {}): Generator<RawItem> {
  for (const { text, lineNo, defect } of readLines(file)) {
    opts.onBytes?.(Buffer.byteLength(text) + 1);
    const t = text.trim();
    if (t === '') continue;
    yield defect ? { line: lineNo, raw: t, error: defectRejection(defect, lineNo) } : parseJsonItem(t, lineNo, opts.maxRawChars);
  }
}

/** Parses one record's JSON text; text longer than `maxRaw` is rejected as too_long unparsed (bounded memory). */
export function parseJsonItem(t: string, line: number, maxRaw = Infinity): RawItem {
  if (t.length > maxRaw) return { line, raw: t.slice(0, 1 << 16), error: { reason: 'too_long', detail: `the record's JSON is ${t.length} characters, more than the ${maxRaw} that any record within --max-chars can take; rejected unparsed` } };
  try {
    const { value, reading } = parseJsonText(t);
    return reading === 'json' ? { line, raw: t, value } : { line, raw: t, value, python: reading };
  } catch (e) {
    return { line, raw: t, error: { reason: 'invalid_json', detail: (e as Error).message } };
  }
}
