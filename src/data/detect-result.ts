// What reading one input value as a record gives (record.ts's detectRecord, chat-record.ts's detectChat): the record
// and what was noticed on the way, or a rejection. A module of types of its own, apart from record.ts, so that the
// readers record.ts calls take it without importing record.ts back.
import type { Layout } from './layouts.ts';
import type { Stringified } from './record-fields.ts';
import type { DataRecord, Rejection } from './record-shape.ts';

/** A record, and the layout it was read from when it was not in the canonical fields. */
export type DetectResult = {
  record: DataRecord;
  layout?: Layout;
  /** A chat that opened with assistant turns (before any user turn): those turns were left out, as FastChat does. */
  leadingTurns?: number;
  /** A chat that went on after its last assistant turn: those turns (nothing after them is trained) were left out. */
  trailingTurns?: number;
  /** A text record that also holds an instruction/answer pair (Alpaca's text column): read as text, as TRL does. */
  textBesidePair?: true;
  /** Mojibake was undone in one of its text fields (mojibake.ts). */
  mojibake?: true;
  /** A pre-tokenized row's pad tokens (attention_mask 0) left out (pretokenized.ts). */
  padding?: number;
  /** A text field held a number or boolean, read as its JSON text (record-fields.ts textValue): the last such field. */
  stringified?: Stringified;
  /** A chat with a system turn of its own beside a system prompt field of other words: the field's key, left out (record.ts withSystem). */
  systemLeftOut?: string;
  /** An instruction pair's input or context (or its instruction, beside an input) that stood for a missing one ("nan", "<noinput>"), left out of its user turn. */
  noInput?: { key: string; text: string };
} | Rejection;
