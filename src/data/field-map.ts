// The field map a record reader goes by (prepare, loadTokenRows): the fields given (--field NAME=KEY,
// options.fields) over the defaults, refused where two fields would read one column — a prompt read as its
// own completion trains the model to echo it, a label read from the text makes every label its text.
import { UserError } from '../util/errors.ts';
import type { OptionWords } from '../util/option-words.ts';
import { fieldIs } from './field-hints.ts';
import { DEFAULT_FIELDS, type FieldMap } from './record.ts';

/** The key that reads a field from no column (--field text=none turns the text field off): fields may share it. */
const NO_COLUMN = 'none';

/** The fields read from the columns of one object: a record's, and each chat message's (messages[i].role, .content). */
const SCOPES: ReadonlyArray<ReadonlyArray<keyof FieldMap>> = [
  ['text', 'prompt', 'completion', 'messages', 'label', 'input_ids', 'labels'],
  ['role', 'content'],
];

/** Fields one record shape reads together: a default one of them on the column a given one names makes every record wrong. */
const READ_TOGETHER: ReadonlyArray<ReadonlyArray<keyof FieldMap>> = [['text', 'label'], ['prompt', 'completion'], ['input_ids', 'labels'], ['role', 'content']];

/** Fields whose column tells a record's shape: a given one on another's default column makes every record ambiguous. */
const SHAPE_FIELDS: ReadonlyArray<keyof FieldMap> = ['text', 'prompt', 'messages', 'input_ids'];

/**
 * Whether a field left at its default clashes with a given field naming its column: only where the two are read from
 * one record (label=text: each label its text; completion=prompt) or both tell its shape (text=prompt, messages=text).
 * A default field no record read with the given one consults is no clash (label=labels in classification: the labels
 * field is read beside input_ids only; completion=label in generation: the label field is classification's).
 */
function clashesWithDefault(given: keyof FieldMap, dflt: keyof FieldMap): boolean {
  return READ_TOGETHER.some((g) => g.includes(given) && g.includes(dflt)) || (SHAPE_FIELDS.includes(given) && SHAPE_FIELDS.includes(dflt));
}

/**
 * `given` over DEFAULT_FIELDS; throws when two given fields name one column, or a given field names the column of a
 * default field read with it (clashesWithDefault). The default field is not quietly moved off the column: whether it
 * is meant elsewhere or not at all is the user's to say, which the error asks (its own column, or none).
 */
export function resolveFields(given: Partial<FieldMap> | undefined, words: OptionWords): FieldMap {
  // a library caller's { text: undefined } is no field given, not the column "undefined"
  const stated = Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => v !== undefined)) as Partial<FieldMap>;
  const fields: FieldMap = { ...DEFAULT_FIELDS, ...stated };
  const isGiven = (name: keyof FieldMap): boolean => Object.hasOwn(stated, name);
  for (const scope of SCOPES) {
    const reader = new Map<string, keyof FieldMap>();
    // the given fields first: a default that clashes with one is then the field named to move
    for (const name of [...scope].sort((a, b) => Number(isGiven(b)) - Number(isGiven(a)))) {
      const key = fields[name], first = reader.get(key);
      if (key === NO_COLUMN) continue;
      if (first === undefined) {
        reader.set(key, name);
        continue;
      }
      if (isGiven(name)) {
        throw new UserError(`${fieldIs(words, first, key)} and ${fieldIs(words, name, key)} read one column, "${key}", as two fields (${first} and ${name}): give each field its own column`);
      }
      if (!clashesWithDefault(first, name)) continue;
      throw new UserError(`${fieldIs(words, first, key)} names the column "${key}", which the ${name} field reads by default: one column would be two fields ` +
        `(${first} and ${name}); read ${name} from its own column (${fieldIs(words, name, 'KEY')}) or from none (${fieldIs(words, name, NO_COLUMN)})`);
    }
  }
  return fields;
}
