// The texts a classifier is asked about (mistral-tune classify --data): one per record of a JSONL, JSON, CSV or
// TSV file (its "text" field, or the field named), or one per non-blank line of a plain-text file. Each text is
// normalised as prepare normalises training text, so the model sees what it was trained on; a record that cannot
// give a text stops the read with its file:line, as the trainer's reader does (with "(record N)" where its line holds
// other records: a JSON array written on one line, numbered by the reader: record-index.ts; the file is read whole
// first, as the predictions need it all anyway).
import { DEFAULT_MAX_CHARS, maxRawCharsFor } from '../data/char-limits.ts';
import { normalizeText, loneSurrogateDetail } from '../data/clean.ts';
import { dataFileFormat, readRecords } from '../data/ingest/read.ts';
import { numberSpelling, readingRecord } from '../data/ingest/number-spellings.ts';
import { notARecordError, withUnreadLists } from '../data/ingest/json-layout.ts';
import { isJsonObject, jsonLinesNote } from '../data/ingest/text.ts';
import { defectRejection, recordAt, recordPlace, type Format, type RecordAt } from '../data/ingest/types.ts';
import { textColumnHint } from '../data/field-hints.ts';
import { textValue, typeName } from '../data/record-fields.ts';
import { UserError } from '../util/errors.ts';
import { isRecord, ownField } from '../util/json-file.ts';
import { FLAG_WORDS } from '../util/option-words.ts';
import { readLines } from '../util/lines.ts';

/** A text and where it is: its line, and its place among the file's records where its line holds others (RecordAt). */
export interface TextToClassify extends RecordAt {
  /** The record's "id" field as JSON text, when it has one (carried into the predictions): idJson. */
  id?: string;
  text: string;
}

/**
 * The texts of `file`, read as `opts.format` (default: by its extension; another is plain text); `opts.onNote` is told
 * what the reader notes (a plain-text file each of whose lines is a JSON object: JSON Lines read as text).
 */
export function readTextsToClassify(file: string, textField = 'text', opts: { format?: Format; onNote?: (note: string) => void } = {}): TextToClassify[] {
  const out: TextToClassify[] = [];
  const format = dataFileFormat(file, opts.format);
  if (format === 'text') {
    let objectLines = 0; // each line so far a JSON object (-1: one was not)
    for (const { text, lineNo, defect } of readLines(file)) {
      if (defect) throw new UserError(`${defectRejection(defect, lineNo).detail}`, `${file}:${lineNo}`);
      if (text.trim() === '') continue;
      const t = normalizeText(text);
      // a line of control or zero-width characters alone is no blank line: stopped at, as an empty "text" of a record is
      if (t === '') throw new UserError('the line holds only control or zero-width characters, no text to classify: remove it, or make it a blank line', `${file}:${lineNo}`);
      out.push({ line: lineNo, text: t });
      if (objectLines >= 0) objectLines = isJsonObject(text.trim()) ? objectLines + 1 : -1;
    }
    if (objectLines > 1) opts.onNote?.(jsonLinesNote(objectLines, {}, file));
  } else {
    let otherFormat = ''; // a CSV file named .jsonl: said with the first line's error, where JSON.parse's message does not say it
    const items = [...readRecords(file, format, { maxRawChars: maxRawCharsFor(DEFAULT_MAX_CHARS), onNote: opts.onNote, onOtherFormat: (h) => { otherFormat = `; ${h}`; } })]; // a giant line: too_long, unparsed
    for (const item of items) {
      const where = recordPlace(file, item);
      if (item.error) throw new UserError(`${item.error.reason}: ${item.error.detail}${otherFormat}`, where);
      const v = item.value;
      if (!isRecord(v)) throw new UserError('expected an object with a text field', where);
      readingRecord(v); // the record whose numbers' spellings textValue and the id may ask for
      const given = ownField(v, textField);
      // a number or boolean is text as prepare reads it (a number as the file spells it: "3.50")
      // {"data": []}: no records; {"data": [...], "extra": [...]}: lists of records, not a record: as prepare says
      const notARecord = given === undefined ? notARecordError(item, file) : null;
      if (notARecord !== null) throw notARecord;
      const raw = textValue(textField, given, v);
      // a file's one object whose lists of records were not read (RawItem.unreadLists) says so with the error; a "label"
      // column (the gold class of a test file) is not offered as the text
      if (raw === null) throw new UserError(withUnreadLists(given === undefined ? `no "${textField}" field${textColumnHint(v, 'label', FLAG_WORDS, (k) => `--text-field ${/[\s"']/.test(k) ? JSON.stringify(k) : k}`) || ' (--text-field names another)'}` : `"${textField}" is ${typeName(given)}, not a string`, item), where);
      const lone = loneSurrogateDetail(textField, raw);
      if (lone !== null) throw new UserError(lone, where);
      const text = normalizeText(raw);
      if (text === '') throw new UserError(withUnreadLists(`"${textField}" is empty`, item), where);
      const id = ownField(v, 'id');
      out.push(id === undefined ? { ...recordAt(item), text } : { ...recordAt(item), id: idJson(v, id), text });
    }
  }
  if (out.length === 0) throw new UserError('no text to classify', file);
  return out;
}

/** A JSON number as JSON writes one (a Python literal's "+1", "1." or ".5" is not). */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/**
 * The id `id` of record `v` as JSON text for the predictions: a number as the file spells it, so that an id beyond
 * 2^53 (12345678901234567890, a 64-bit key) comes out as it went in, not as the float nearest it; anything else as
 * JSON.stringify writes it.
 */
function idJson(v: Record<string, unknown>, id: unknown): string {
  const spelled = typeof id === 'number' ? numberSpelling(v, 'id') : undefined;
  return spelled !== undefined && JSON_NUMBER.test(spelled) ? spelled : JSON.stringify(id);
}
