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
  const names = keys.includes('role') && keys.includes('content') ? '' : ` with ${fieldIs(words, 'role', 'KEY')} and ${fieldIs(words, 'content', 'KEY')}`;
  return `; "${key}" holds a list of ${turns.length} object${turns.length === 1 ? '' : 's'} (keys ${keys.map((k) => JSON.stringify(k)).join(', ')}): ` +
    `if they are a chat's turns, ${fieldIs(words, 'messages', key)}${names} reads them, else convert them to {role, content} messages`;
}
