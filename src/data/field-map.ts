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

/**
 * `given` over DEFAULT_FIELDS; throws when two fields name one column. A field left at its default whose column a
 * given one names is refused too, not quietly moved off it: every such record would be rejected as ambiguous or read
 * as nonsense (label=text: each label its text), and whether the default field is meant elsewhere or not at all is
 * the user's to say, which the error asks (its own column, or none).
 */
export function resolveFields(given: Partial<FieldMap> | undefined, words: OptionWords): FieldMap {
  const fields: FieldMap = { ...DEFAULT_FIELDS, ...given };
  const isGiven = (name: keyof FieldMap): boolean => given !== undefined && Object.hasOwn(given, name) && given[name] !== undefined;
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
      throw new UserError(`${fieldIs(words, first, key)} names the column "${key}", which the ${name} field reads by default: one column would be two fields ` +
        `(${first} and ${name}); read ${name} from its own column (${fieldIs(words, name, 'KEY')}) or from none (${fieldIs(words, name, NO_COLUMN)})`);
    }
  }
  return fields;
}
