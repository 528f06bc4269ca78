// What a record's rejection says to read it when its fields are not the ones looked for: the field option that reads
// it (--field text=sentence on the command line, options.fields.text 'sentence' in a library call: the caller's words).
import { ownField } from '../util/json-file.ts';
import { FLAG_WORDS, optionIs, type OptionWords } from '../util/option-words.ts';
import type { FieldMap } from './record-shape.ts';

/** The field option that reads field `name` from `key`: `--field text=sentence` (a key with a space or quote quoted for the shell), `options.fields.text 'sentence'`. */
export function fieldIs(words: OptionWords, name: keyof FieldMap, key: string): string {
  return optionIs(words, 'fields', key, name, /[\s"']/.test(key) ? JSON.stringify(key) : key);
}

/**
 * What to say of a record of preference data without a prompt (Anthropic's HH-RLHF: "chosen" and "rejected" whole
 * transcripts; UltraFeedback's binarized sets: "chosen" and "rejected" chats): the field option that trains on the chosen one.
 */
export function preferenceHint(v: Record<string, unknown>, words: OptionWords = FLAG_WORDS): string {
  if (!Object.hasOwn(v, 'chosen') || v.chosen === undefined || !Object.hasOwn(v, 'rejected') || v.rejected === undefined) return '';
  const chosen = ownField(v, 'chosen');
  const field = typeof chosen === 'string' ? `${fieldIs(words, 'text', 'chosen')} trains on the chosen texts, whole`
    : Array.isArray(chosen) ? `${fieldIs(words, 'messages', 'chosen')} trains on the chosen chats` : null;
  return `; it looks like preference data ("chosen"/"rejected", for DPO or a reward model), which is not trained here${field === null ? '' : `: ${field}`}`;
}

/**
 * For a record with none of the shape fields: the field option that reads its text, when it has one to four fields
 * holding text (a string that is not a number; the label's field aside): SST-2's `sentence`, a corpus's `content`, AG
 * News' `Title` and `Description`. Empty when it has none.
 */
export function textColumnHint(v: Record<string, unknown>, labelKey: string | null, words: OptionWords = FLAG_WORDS): string {
  const texts = Object.keys(v).filter((k) => {
    const x = ownField(v, k);
    return k !== labelKey && typeof x === 'string' && x.trim() !== '' && !/^\s*[-+]?\d+(?:\.\d+)?\s*$/.test(x);
  });
  if (texts.length === 0 || texts.length > 4) return '';
  const option = (k: string) => fieldIs(words, 'text', k);
  return texts.length === 1 ? `; ${option(texts[0]!)} reads it as the text` : `; name the text field: ${texts.map(option).join(' or ')}`;
}

/**
 * For a record with none of the shape fields but a list of objects (Capybara's `conversation` of {input, output}
 * exchanges): what the list is, in place of a hint to read a string beside it (its "source") as the text. Empty when
 * it has none.
 */
export function turnsHint(v: Record<string, unknown>, words: OptionWords = FLAG_WORDS): string {
  const key = Object.keys(v).find((k) => { const x = ownField(v, k); return Array.isArray(x) && x.length > 0 && x.every((t) => typeof t === 'object' && t !== null && !Array.isArray(t)); });
  if (key === undefined) return '';
  const turns = ownField(v, key) as object[], keys = [...new Set(turns.flatMap((t) => Object.keys(t)))].slice(0, 6);
  // ShareGPT's {from, value} turns are read under any key --field messages names
  const names = (keys.includes('role') && keys.includes('content')) || (keys.includes('from') && keys.includes('value')) ? '' : ` with ${fieldIs(words, 'role', 'KEY')} and ${fieldIs(words, 'content', 'KEY')}`;
  return `; "${key}" holds a list of ${turns.length} object${turns.length === 1 ? '' : 's'} (keys ${keys.map((k) => JSON.stringify(k)).join(', ')}): ` +
    `if they are a chat's turns, ${fieldIs(words, 'messages', key)}${names} reads them, else convert them to {role, content} messages`;
}

/** Keys of a chat turn that hold no text of it: its flags and OpenAI's speaker name. */
const TURN_FLAGS = new Set(['weight', 'training', 'name']);
/** Other datasets' names of a turn's speaker field. */
const SPEAKER_KEYS = ['speaker', 'author', 'sender'];

/**
 * Why turn `where` (an object) has no field `key` (`f.role`, or the field its text is read from: `f.content`, "value" in a
 * ShareGPT turn): its keys, and the field options that read the ones that stand for it — a key that differs only in
 * case or spaces ("Role", "Content"), a speaker's field of another name ("speaker"), or, for the text, the one text key
 * beside the speaker's ({"role", "text"}, {"from", "content"}); a turn whose words are in a form not read (Gemini's
 * "parts" list) gets its keys alone. Said rather than "role is null" or "empty content" of a turn whose words are
 * there. Null for a turn with no other key (read as it is: empty content).
 */
export function missingTurnField(m: Record<string, unknown>, where: string, key: string, roleKey: string, f: FieldMap, words: OptionWords = FLAG_WORDS): string | null {
  const keys = Object.keys(m).filter((k) => m[k] !== undefined);
  const caseOf = (want: string) => keys.find((k) => k !== want && k.trim().toLowerCase() === want.toLowerCase());
  const speaker = caseOf(roleKey) ?? keys.find((k) => SPEAKER_KEYS.includes(k) && typeof m[k] === 'string');
  const others = keys.filter((k) => k !== roleKey && k !== speaker && !TURN_FLAGS.has(k));
  const texts = others.filter((k) => typeof m[k] === 'string');
  const stands = key === roleKey ? speaker : caseOf(key) ?? (texts.length === 1 ? texts[0] : undefined);
  if (key !== roleKey && others.length === 0) return null;
  const reads = stands === undefined ? [] : [fieldIs(words, key === roleKey ? 'role' : 'content', stands)];
  // the other field named otherwise too ("Role" and "Content"): both options, or the next rejection asks for the other
  const otherKey = key === roleKey ? f.content : roleKey, other = otherKey === roleKey ? speaker : caseOf(otherKey);
  if (other !== undefined && !Object.hasOwn(m, otherKey)) reads.push(fieldIs(words, otherKey === roleKey ? 'role' : 'content', other));
  const hint = reads.length === 0 ? '' : `; ${reads.join(' ')} reads ${reads.length === 1 ? 'it' : 'them'}`;
  return `${where} has no "${key}" (keys: ${keys.map((k) => JSON.stringify(k)).join(', ') || 'none'})${hint}`;
}
