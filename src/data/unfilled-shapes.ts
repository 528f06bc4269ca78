// A record of a table that merges datasets of other shapes — pandas' concat written with to_json or to_csv, datasets'
// from_list, a spreadsheet with a column per field — fills the fields of its own shape and leaves the others null, or
// empty cells: {"text": null, "prompt": "Capital of Peru?", "completion": " Lima"}. Those fields hold nothing to train,
// and read as a second shape they made every such row an ambiguous record (unknown_shape): the whole file was rejected.
import { ownField } from '../util/json-file.ts';
import { keepNumberSpellings } from './ingest/number-spellings.ts';
import { hasInstructionPair } from './layouts.ts';
import type { FieldMap } from './record-shape.ts';

/** Whether a field's value holds nothing: absent, null, blank text, an empty list (of turns, of ids). */
const holdsNothing = (x: unknown): boolean =>
  x === undefined || x === null || (typeof x === 'string' && x.trim() === '') || (Array.isArray(x) && x.length === 0);

/**
 * `v` without the fields of the shapes it leaves unfilled, where another shape's fields (or an instruction pair) hold
 * something; `v` itself when no field is to go (a record with nothing filled keeps its fields, for the rejection that
 * names them: {"text": null} is an empty text).
 */
export function withoutUnfilledShapes(v: Record<string, unknown>, f: FieldMap): Record<string, unknown> {
  const groups = [[f.text], [f.prompt, f.completion], [f.messages], ['conversations'], [f.input_ids]]
    .map((keys) => [...new Set(keys)].filter((k) => ownField(v, k) !== undefined))
    .filter((keys) => keys.length > 0);
  const drop = groups.filter((keys) => keys.every((k) => holdsNothing(ownField(v, k)))).flat();
  // an instruction pair's "prompt" ({prompt, response}) beside an unfilled "completion" column: the completion goes
  const pair = hasInstructionPair(v);
  if (pair && f.prompt === 'prompt' && !drop.includes(f.completion) && ownField(v, f.completion) !== undefined && holdsNothing(ownField(v, f.completion))) drop.push(f.completion);
  const kept = groups.filter((keys) => keys.some((k) => !drop.includes(k)));
  if (drop.length === 0 || (kept.length === 0 && !pair)) return v;
  return keepNumberSpellings(v, Object.fromEntries(Object.entries(v).filter(([k]) => !drop.includes(k))));
}
