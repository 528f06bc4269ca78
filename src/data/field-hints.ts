// What a record's rejection says to read it when its fields are not the ones looked for: the field option that reads
// it (--field text=sentence on the command line, options.fields.text 'sentence' in a library call: the caller's words).
import { isRecord, ownField } from '../util/json-file.ts';
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
 * For a conversation of a ChatGPT data export (conversations.json: {title, mapping: {id: {message, parent, children}},
 * current_node}): its messages are a tree (every edit or regeneration a branch), which no field option reads, in place
 * of a hint to read its title as the text. Empty for another record.
 */
export function chatGptExportHint(v: Record<string, unknown>): string {
  const mapping = ownField(v, 'mapping');
  if (!isRecord(mapping)) return '';
  const nodes = Object.values(mapping);
  if (nodes.length === 0 || !nodes.every((n) => isRecord(n) && Object.hasOwn(n, 'message') && (Object.hasOwn(n, 'parent') || Object.hasOwn(n, 'children')))) return '';
  return '; it looks like a ChatGPT data export (conversations.json), whose messages are a tree under "mapping", which prepare does not read: ' +
    'write each conversation\'s branch as {"messages": [{"role", "content"}]} first (docs/data.md, "Common layouts", has the jq command)';
}

/**
 * For a conversation of a Claude data export (conversations.json: {name, chat_messages: [{sender, text, content}]}): its
 * senders are "human" and "assistant", which no field option maps to roles (--field role=sender then refuses "human"),
 * in place of the hint to read "chat_messages" as turns. Empty for another record.
 */
export function claudeExportHint(v: Record<string, unknown>): string {
  const turns = ownField(v, 'chat_messages');
  if (!Array.isArray(turns) || turns.length === 0 || !turns.every((t) => isRecord(t) && typeof ownField(t, 'sender') === 'string')) return '';
  return '; it looks like a Claude data export (conversations.json), whose "chat_messages" have senders "human" and "assistant": ' +
    'write each conversation as {"messages": [{"role", "content"}]} first (docs/data.md, "Common layouts", has the jq command)';
}

/**
 * For a record with none of the shape fields: the field option that reads its text, when it has one to four fields
 * holding text (a string that is not a number; the label's field aside): SST-2's `sentence`, a corpus's `content`, AG
 * News' `Title` and `Description`. Empty when it has none. `option`: the option that reads a key as the text (classify's
 * `--text-field KEY`; by default the field option).
 */
export function textColumnHint(v: Record<string, unknown>, labelKey: string | null, words: OptionWords = FLAG_WORDS,
  option: (key: string) => string = (k) => fieldIs(words, 'text', k)): string {
  const texts = Object.keys(v).filter((k) => {
    const x = ownField(v, k);
    return k !== labelKey && typeof x === 'string' && x.trim() !== '' && !/^\s*[-+]?\d+(?:\.\d+)?\s*$/.test(x);
  });
  if (texts.length === 0 || texts.length > 4) return '';
  return texts.length === 1 ? `; ${option(texts[0]!)} reads it as the text` : `; name the text field: ${texts.map(option).join(' or ')}`;
}

/**
 * For a classification record without its label field: the field option that reads the label, when one to four other
 * fields hold a scalar (not the text's field, nor an id): a `labels` column (transformers' own name), `sentiment`,
 * `category`. Empty when it has none.
 */
export function labelColumnHint(v: Record<string, unknown>, textKey: string, words: OptionWords = FLAG_WORDS): string {
  const labels = Object.keys(v).filter((k) => {
    const x = ownField(v, k);
    return k !== textKey && !/^_?(id|idx|index|uuid|guid)$/i.test(k) && (typeof x === 'number' || typeof x === 'boolean' || (typeof x === 'string' && x.trim() !== ''));
  });
  if (labels.length === 0 || labels.length > 4) return '';
  const option = (k: string) => fieldIs(words, 'label', k);
  return labels.length === 1 ? `; ${option(labels[0]!)} reads it as the label` : `; name the label field: ${labels.map(option).join(' or ')}`;
}

/**
 * For a record whose fields sit one level down ({"data": {"text": …}, "label": …}, as some exports nest them): field
 * options read a record's own keys, not nested ones — what lifts them, in place of a hint to read a string beside the
 * object (its label) as the text. Empty where no object field holds a record key.
 */
export function nestedRecordHint(v: Record<string, unknown>): string {
  const key = Object.keys(v).find((k) => {
    const x = ownField(v, k);
    return typeof x === 'object' && x !== null && !Array.isArray(x) && holdsRecordKey(x);
  });
  if (key === undefined) return '';
  const inner = Object.keys(ownField(v, key) as object).filter((k) => RECORD_KEYS.includes(k)).map((k) => JSON.stringify(k)).join(', ');
  return `; "${key}" is an object holding ${inner}: fields are read from a record's own keys, not nested ones — lift them first ` +
    `(jq -c '.${JSON.stringify(key)} + del(.${JSON.stringify(key)})')`;
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
  // records, not turns: a file of one object wrapping its records ({"data": [{"text": …}, …]}) saved as JSON Lines
  if (turns.every(holdsRecordKey)) {
    return `; "${key}" holds a list of ${turns.length} record${turns.length === 1 ? '' : 's'} (keys ${keys.map((k) => JSON.stringify(k)).join(', ')}), not a chat's turns: ` +
      `a file that is one object wrapping its records is read as JSON (a .json file, or ${optionIs(words, 'format', 'json')}), or write them one a line (jq -c '.${JSON.stringify(key)}[]')`;
  }
  // ShareGPT's {from, value} turns are read under any key --field messages names
  const names = (keys.includes('role') && keys.includes('content')) || (keys.includes('from') && keys.includes('value')) ? '' : ` with ${fieldIs(words, 'role', 'KEY')} and ${fieldIs(words, 'content', 'KEY')}`;
  return `; "${key}" holds a list of ${turns.length} object${turns.length === 1 ? '' : 's'} (keys ${keys.map((k) => JSON.stringify(k)).join(', ')}): ` +
    `if they are a chat's turns, ${fieldIs(words, 'messages', key)}${names} reads them, else convert them to {role, content} messages`;
}

/** Keys only a record has, never a chat turn: a list of objects each holding one is a list of records. */
const RECORD_KEYS = ['text', 'messages', 'conversations', 'prompt', 'instruction', 'input_ids'];
/** Whether the object `o` has one of RECORD_KEYS as its own key (a record, not a turn). */
const holdsRecordKey = (o: object): boolean => RECORD_KEYS.some((k) => Object.hasOwn(o, k));

/** Keys of a chat turn that hold no text of it: its flags and OpenAI's speaker name. */
const TURN_FLAGS = new Set(['weight', 'training', 'name']);
/** Other datasets' names of a turn's speaker field, matched in any case ("Speaker", "Author"). */
const SPEAKER_KEYS = ['speaker', 'author', 'sender'];
/**
 * Keys that name a turn's metadata, never its words: ids ("id", "msg_id", "messageId", "ID"), times ("created_at",
 * "createdAt", "timestamp") and labels of other kinds. A string under one of them is never offered as the turn's
 * content: `--field content=id` would train on message ids, and silently, since every turn has one.
 */
const METADATA_KEY = /^(?:id|uuid|guid|hash|key|type|kind|status|lang|language|locale|model|source|url|index|idx|label|labels|tag|tags|category|metadata|meta|timestamp|time|date|datetime|ts|created|updated|user|username)$|[-_. ](?:id|ids|uuid|guid|at|ts|time|date)$/i;
const CAMEL_METADATA_KEY = /[a-z0-9](?:Id|ID|Ids|At)$/;
/** A string that holds no words: a number, a UUID or long hex hash, an ISO date or time. */
const NOT_WORDS = /^\s*(?:[-+]?\d+(?:\.\d+)?|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?)\s*$/i;

/** Whether key `k` of a turn may hold its words: not metadata (METADATA_KEY), and `x` some text or a list (parts). */
function mayHoldWords(k: string, x: unknown): boolean {
  if (METADATA_KEY.test(k) || CAMEL_METADATA_KEY.test(k)) return false;
  return typeof x === 'string' ? x.trim() !== '' && !NOT_WORDS.test(x) : Array.isArray(x) && x.length > 0;
}

/**
 * What a record's chat tells about a turn that lacks a field: its turns as given, and whether `patch` (the field
 * options a hint would offer) reads the record; a hint is offered only then, so that following it keeps the record.
 */
export interface TurnsContext {
  turns: readonly unknown[];
  follows: (patch: Partial<FieldMap>) => boolean;
}

/**
 * Why turn `where` (an object) has no field `key` (`f.role`, or the field its text is read from: `f.content`, "value" in a
 * ShareGPT turn), or null where it is read as before: a turn with no `f.content` is empty (a system turn is dropped,
 * another rejected as empty) when nothing else of it may hold words (ids, times: METADATA_KEY), whatever the other
 * turns have — a system prompt under "text" beside turns with "content" is no empty turn. Otherwise its keys, and the field options that read
 * the ones that stand for it — a key that differs only in case or spaces ("Role", "Content"), a speaker's field of
 * another name ("speaker", "Author"), or, for the text, the one key beside the speaker's that may hold words
 * ({"role", "text"}, {"from", "content"}) — when they read the whole chat (`ctx.follows`), else its keys alone.
 */
export function missingTurnField(m: Record<string, unknown>, where: string, key: string, f: FieldMap, ctx: TurnsContext, words: OptionWords = FLAG_WORDS): string | null {
  const keys = Object.keys(m).filter((k) => m[k] !== undefined);
  const caseOf = (want: string) => keys.find((k) => k !== want && k.trim().toLowerCase() === want.toLowerCase());
  const speaker = caseOf(f.role) ?? keys.find((k) => SPEAKER_KEYS.includes(k.trim().toLowerCase()) && typeof m[k] === 'string');
  const wordKeys = keys.filter((k) => k !== f.role && k !== speaker && !TURN_FLAGS.has(k) && mayHoldWords(k, m[k]));
  const textKey = caseOf(f.content) ?? (wordKeys.length === 1 ? wordKeys[0] : undefined);
  let patch: Partial<FieldMap> | null;
  if (key === f.role) {
    // a hint for the content alone would not be followed far: the record is rejected for its role next. The content
    // option joins it only where no turn has f.content (else that key is right, and the option would unread the others);
    // asked once a record, as the record is rejected here.
    const contentAnywhere = ownField(m, f.content) !== undefined ||
      ctx.turns.some((t) => typeof t === 'object' && t !== null && ownField(t as Record<string, unknown>, f.content) !== undefined);
    patch = speaker === undefined ? null : { role: speaker, ...(textKey === undefined || contentAnywhere ? {} : { content: textKey }) };
  } else {
    // simply empty only with nothing that may hold words: words under another key beside turns with f.content (a
    // system prompt under "text") are named, not dropped
    if (wordKeys.length === 0) return null;
    patch = textKey === undefined ? null : { content: textKey };
  }
  const reads = patch === null || !ctx.follows(patch) ? [] : Object.entries(patch).map(([name, k]) => fieldIs(words, name as keyof FieldMap, k));
  const hint = reads.length === 0 ? '' : `; ${reads.join(' ')} reads ${reads.length === 1 ? 'it' : 'them'}`;
  return `${where} has no "${key}" (keys: ${keys.map((k) => JSON.stringify(k)).join(', ') || 'none'})${hint}`;
}
