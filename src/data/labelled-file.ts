// A classification file read by a generation run (no --task classification): record.ts rejects each record that has a
// label as wrong_task, but one whose label field holds none ("N/A", "", "nan", null, -1: the few missing labels such
// files have) reads as a plain text record, and would be trained as one, a stray record of the other task. Whether a
// file is labelled is the file's, not a record's: this marks those records of a file in which another text or
// pre-tokenized record has a label (`labelledAt`: its place; a chat's or prompt/completion pair's label is not read),
// and prepare rejects them as wrong_task too, so that every record of the file is. In a file with no label anywhere
// (an empty column), they are the text records they look like.
import { HOLD_BYTES, heldBytes } from './label-column.ts';
import { labelHeld, type FieldMap } from './record.ts';
import { recordAt, recordLine, type RawItem, type RecordAt } from './ingest/types.ts';
import type { DataRecord, Rejection } from './record-shape.ts';
import { ownField } from '../util/json-file.ts';

/** A record of a labelled file whose label field holds no label. */
export type LabelledFileItem = RawItem & { labelledAt?: RecordAt };

const stateOf = (item: RawItem, fields: FieldMap) => (item.error ? 'absent' : labelHeld(item.value, fields));

/**
 * The items of `read(false)`, in order, those whose label field (`fields.label`) holds no label marked with the place of the file's first
 * labelled record. Only such a record before the first labelled one waits, with those after it, until one is read or the
 * file ends; past `holdBytes` of them held (label-column.ts heldBytes), a quiet read (`read(true)`) finds the first.
 */
export function* markLabelledFile(fields: FieldMap, read: (quiet: boolean) => Iterable<RawItem>, holdBytes = HOLD_BYTES): Generator<LabelledFileItem> {
  let labelledAt: RecordAt | null | undefined; // the first labelled record's place; null once known that there is none
  let held: RawItem[] = [], heldSize = 0;
  const mark = (item: RawItem): LabelledFileItem => (labelledAt != null && stateOf(item, fields) === 'empty' ? { ...item, labelledAt } : item);
  for (const item of read(false)) {
    const state = stateOf(item, fields);
    if (labelledAt === undefined && state === 'labelled') labelledAt = recordAt(item);
    if (labelledAt === undefined && (held.length > 0 || state === 'empty')) {
      held.push(item);
      heldSize += heldBytes(item);
      if (heldSize <= holdBytes) continue;
      labelledAt = firstLabelled(read(true), fields);
      yield* held.map(mark);
      [held, heldSize] = [[], 0];
      continue;
    }
    yield* held.map(mark);
    [held, heldSize] = [[], 0];
    yield mark(item);
  }
  yield* held; // the file has no label: its records are what they read as
}

/** The place of the first record of `items` with a label (labelHeld); null when none has one. */
function firstLabelled(items: Iterable<RawItem>, fields: FieldMap): RecordAt | null {
  for (const item of items) if (stateOf(item, fields) === 'labelled') return recordAt(item);
  return null;
}

/**
 * The wrong_task rejection of a record that markLabelledFile marked, where it reads as a text or pre-tokenized record (the
 * shapes whose label a generation run rejects); null otherwise.
 */
export function strayOfLabelledFile(item: LabelledFileItem, record: DataRecord, field: string): Rejection | null {
  if (item.labelledAt === undefined || (record.shape !== 'text' && record.shape !== 'pretokenized')) return null;
  const cell = JSON.stringify(ownField(item.value as Record<string, unknown>, field));
  return {
    reason: 'wrong_task',
    detail: `a record whose "${field}" holds no label (${cell}) in a generation run, in a file of labelled records (${recordLine(item.labelledAt)} is one): a classification record with its label missing`,
  };
}
