// How a rejection names a record's text field: as the input names it (--field prompt=question: "question"; ShareGPT's
// conversations[1].value; an Alpaca row's "instruction"), not as the record holds it (messages[1].content), which is no
// field of the user's file. The readers give the names (chat-record.ts, layouts.ts); the record checks say them.
import { DEFAULT_FIELDS, type DataRecord, type FieldMap } from './record-shape.ts';

/** A chat turn's name in the input (`conversations[1]`, `"output"`) and its text's (`conversations[1].value`). */
export interface TurnName {
  turn: string;
  content: string;
}

/** The input's names of a record's fields: its field map, and a chat's turns, one per message of the record. */
export interface FieldNames {
  fields: FieldMap;
  turns?: readonly TurnName[];
}

/** The names of a record as it is written (train.jsonl's): the canonical fields. */
export const CANONICAL_NAMES: FieldNames = { fields: DEFAULT_FIELDS };

/**
 * The input's names of a chat record's turns, kept beside its messages (the array, which a copy of the record with its
 * tools added shares) rather than in the record or its DetectResult: a record's fields are what is written and compared.
 */
const namesOfTurns = new WeakMap<readonly unknown[], TurnName[]>();

/** Keeps `names` as those of the turns `messages` (one each, in order; a turn added first is named by unshifting one). */
export function nameTurns(messages: readonly unknown[], names: TurnName[]): void {
  namesOfTurns.set(messages, names);
}

/** The input's names of the turns `messages`, as the reader kept them (nameTurns); undefined where it kept none. */
export function turnNamesOf(messages: readonly unknown[]): TurnName[] | undefined {
  return namesOfTurns.get(messages);
}

/** The name of a chat's turn `i` (of `messages`, the key that holds them), and of its text under `content`. */
export function turnNamed(messages: string, i: number, content: string): TurnName {
  const turn = `${messages}[${i}]`;
  return { turn, content: `${turn}.${content}` };
}

/** The input's name of message `i` of a chat record. */
export function turnName(names: FieldNames, i: number): TurnName {
  return names.turns?.[i] ?? turnNamed(names.fields.messages, i, names.fields.content);
}

/** The input's names of `rec`'s fields, read with the field map `fields`: its turns' as its reader kept them. */
export function namesOf(rec: DataRecord, fields: FieldMap): FieldNames {
  const turns = rec.shape === 'chat' ? turnNamesOf(rec.messages) : undefined;
  return turns === undefined ? { fields } : { fields, turns };
}
