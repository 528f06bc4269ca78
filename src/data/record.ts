// Turning one parsed input value into a validated, normalised record or a rejection; the shapes themselves are
// record-shape.ts's, what a record holds record-content.ts's (both re-exported here for the modules that read records).
// Shapes: {text}, {prompt, completion}, {messages: [{role, content}]}, {text, label} (classification),
// {input_ids, labels?} / {input_ids, label} (pre-tokenized). Each record is detected on its own, so
// shapes may be mixed within a file; field names can be remapped (FieldMap), and a record with none of them in a
// common layout (ShareGPT, Alpaca and other instruction/answer pairs: layouts.ts) is read as a chat.
import { isUserError } from '../util/errors.ts';
import { ownField } from '../util/json-file.ts';
import { FLAG_WORDS, type OptionWords } from '../util/option-words.ts';
import { conversationalPair, detectChat } from './chat-record.ts';
import { normalizeText } from './clean.ts';
import { chatGptExportHint, claudeExportHint, fieldIs, labelColumnHint, nestedRecordHint, preferenceHint, textColumnHint, turnsHint } from './field-hints.ts';
import { isTurn } from './ingest/json-object-scan.ts';
import { numberSpelling, parseJsonNotingNumbers, readingRecord } from './ingest/number-spellings.ts';
import { mojibakeRepairs } from './mojibake.ts';
import { MORE, NAME, NO_CLASS_LIST, canonicalLabel, labelsIs, type LabelReading, type LabelValue, type NoLabel } from './labels.ts';
import { PAIR_KEYS, answerBesideCompletion, hasInstructionPair, isShareGptTurns, pairKeysButForCase, readLayout, systemBeside, type SystemBeside } from './layouts.ts';
import { parsePretokenized } from './pretokenized.ts';
import { tokenClassificationRefusal } from './token-tags.ts';
import { withoutUnfilledShapes } from './unfilled-shapes.ts';
import { recordTools, untrainableField } from './untrainable-fields.ts';
import { recordTemplateKwargs } from './template-kwargs-field.ts';
import { reject, stringField, stringifiedTexts, typeName } from './record-fields.ts';
import { canonicalContent } from './record-content.ts';
import { DEFAULT_FIELDS, type DataRecord, type FieldMap, type Rejection, type Task } from './record-shape.ts';
import type { DetectResult } from './detect-result.ts';
import { turnNamesOf } from './field-names.ts';
import { boundedItemsText } from '../util/bounded-json.ts';

export { DEFAULT_FIELDS, otherTask, type ChatTurn, type DataRecord, type FieldMap, type Reason, type Rejection, type Shape, type Task } from './record-shape.ts';
export { canonicalContent, comparableParts, contentKeys, recordFields, textFields, type TextField } from './record-content.ts';

/** Whether `v` is a string that is the JSON text of an object (a JSON Lines line written with json.dumps twice). */
function holdsJsonObject(v: unknown): boolean {
  if (typeof v !== 'string' || !/^\s*\{[^]*\}\s*$/.test(v)) return false;
  try {
    const inner: unknown = JSON.parse(v);
    return typeof inner === 'object' && inner !== null && !Array.isArray(inner);
  } catch {
    return false;
  }
}

/**
 * What of OpenAssistant's `v` is, or null: one of its messages (oasst1, oasst2: one line per message, linked by
 * parent_id, the asker's role "prompter"), which read as a text would train every question as something to say and
 * every reply without its question; or one of its message trees (the trees export: a "prompt" message whose
 * "replies" nest), which would be rejected as a prompt without a completion.
 */
function openAssistantItem(v: Record<string, unknown>, f: FieldMap): string | null {
  const role = ownField(v, f.role);
  if (has(v, f.text) && Object.hasOwn(v, 'parent_id') && (role === 'prompter' || role === 'assistant')) {
    return `an OpenAssistant message ("${f.role}": ${JSON.stringify(role)}, "parent_id"): one turn of a conversation tree, not a text to train whole`;
  }
  const prompt = ownField(v, f.prompt);
  if (typeof prompt === 'object' && prompt !== null && Object.hasOwn(prompt, 'replies')) {
    return `an OpenAssistant message tree ("${f.prompt}" with nested "replies"), not a prompt and its completion`;
  }
  return null;
}

/**
 * A chat given the system prompt beside its turns (`system`), normalised, unless it is empty or the chat has its own
 * (which wins, as in LLaMA-Factory; where its words differ, the field left out is noted for the report's warnings).
 */
function withSystem(det: DetectResult, system: SystemBeside | undefined): DetectResult {
  const content = normalizeText(system?.text ?? '');
  if (content === '' || !('record' in det) || det.record.shape !== 'chat') return det;
  const first = det.record.messages[0]!;
  if (first.role === 'system') return first.content === content ? det : { ...det, systemLeftOut: system!.key };
  det.record.messages.unshift({ role: 'system', content });
  turnNamesOf(det.record.messages)?.unshift({ turn: `"${system!.key}"`, content: `"${system!.key}"` });
  return det;
}

/** A CSV cell holding a JSON array (messages, input_ids, labels) is parsed, a number in it as spelled; anything else is returned as is. */
function fromJsonCell(x: unknown): unknown {
  if (typeof x !== 'string') return x;
  const t = x.trim();
  if (t === '') return null;
  if (!t.startsWith('[')) return x;
  try {
    return parseJsonNotingNumbers(t);
  } catch {
    return x;
  }
}

/**
 * The rejection of a field that fromJsonCell left a string though it starts as a JSON array does (`[{"role": …`), or
 * null: a cell cut short (Excel keeps 32,767 characters of one) is JSON that does not parse, not a string where an
 * array belongs.
 */
function brokenJsonCell(x: unknown, key: string): Rejection | null {
  if (typeof x !== 'string' || !x.trim().startsWith('[')) return null;
  try {
    parseJsonNotingNumbers(x.trim());
    return null;
  } catch (e) {
    return reject('unknown_shape', `"${key}" holds text that starts as a JSON array but does not parse (${(e as Error).message}): a cell cut short?`);
  }
}

const has = (v: Record<string, unknown>, k: string): boolean => Object.hasOwn(v, k) && v[k] !== undefined;

/**
 * Detects the shape of one parsed value, validates it for `task` and normalises its text.
 * `vocabSize` bounds pre-tokenized ids; `classes`, the class list given, says whether a label -1 or "None" is a class
 * or a missing label (LabelReading). A rejection names the options that would read the record (the field option, the
 * class list) in the caller's `words`: --field text=KEY, options.fields.text 'KEY'.
 */
export function detectRecord(value: unknown, task: Task, f: FieldMap = DEFAULT_FIELDS, vocabSize?: number, classes: LabelReading = NO_CLASS_LIST, words: OptionWords = FLAG_WORDS): DetectResult {
  const repairsBefore = mojibakeRepairs(), stringifiedBefore = stringifiedTexts().count;
  readingRecord(value); // the value whose numbers' spellings a text field may ask for
  const found = detectShape(value, task, f, vocabSize, classes, words);
  if (!('record' in found)) return found;
  const tools = recordTools(value as Record<string, unknown>, found.record.shape);
  if (tools !== null && !Array.isArray(tools)) return tools;
  const variables = recordTemplateKwargs(value as Record<string, unknown>, found.record.shape);
  if (!('kwargs' in variables)) return variables;
  const { kwargs } = variables;
  const det = found.record.shape !== 'chat' || (tools === null && kwargs === null) ? found
    : { ...found, record: { ...found.record, ...(tools === null ? {} : { tools }), ...(kwargs === null ? {} : { chatTemplateKwargs: kwargs }) } };
  const mojibake = mojibakeRepairs() > repairsBefore, read = stringifiedTexts();
  if (!mojibake && read.count === stringifiedBefore) return det;
  return { ...det, ...(mojibake ? { mojibake: true as const } : {}), ...(read.count > stringifiedBefore ? { stringified: read.last! } : {}) };
}

function detectShape(value: unknown, task: Task, f: FieldMap, vocabSize: number | undefined, classes: LabelReading, words: OptionWords): DetectResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const objects = Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x));
    const batch = !objects ? ''
      : value.every((x: object) => isTurn(new Set(Object.keys(x))))
        ? ` of ${value.length} chat turns: a chat without its "messages" field; write it as {"messages": [...]}`
        : ` of ${value.length} objects: records batched in a list, all rejected as this one; write one record per line (JSON Lines) or per array element`;
    return reject('unknown_shape', `expected an object, got ${typeName(value)}${batch}${holdsJsonObject(value) ? ' holding a JSON object: the record was encoded twice (json.dumps of JSON text); decode it once' : ''}`);
  }
  const v = withoutUnfilledShapes(value as Record<string, unknown>, f);
  const untrainable = untrainableField(v);
  if (untrainable !== null) return untrainable;
  const openAssistant = task === 'generation' ? openAssistantItem(v, f) : null;
  if (openAssistant !== null) {
    return reject('unknown_shape', `${openAssistant}; make chats of its trees first (each path from a prompt to a reply: messages of role user and assistant)`);
  }
  const twoChats = bothChatFields(v, task, f, vocabSize, classes, words);
  if (twoChats !== null) return twoChats;
  const pairBeside = pairBesideTurns(v, task, f, vocabSize, classes, words);
  if (pairBeside !== null) return pairBeside;
  if (!has(v, f.text) && !has(v, f.completion) && !has(v, f.input_ids) && (!has(v, f.messages) || isShareGptTurns(ownField(v, f.messages)))) {
    const read = readLayout(v, f.messages, f.content);
    if (read !== null) {
      if ('reason' in read) return read;
      if (task === 'classification') return reject('wrong_task', `a chat record (${read.names.messages}) in a classification run`);
      const det = withSystem(detectChat(read.messages, { ...f, ...read.names }, words, read.turnNames ? { names: read.turnNames } : {}), read.system);
      if (!('record' in det)) return det;
      return { ...det, layout: read.layout, ...(read.noInput ? { noInput: read.noInput } : {}) };
    }
  }
  const groups: string[] = [];
  if (has(v, f.input_ids)) groups.push(f.input_ids);
  if (has(v, f.messages)) groups.push(f.messages);
  // a prompt with no completion beside messages is the chat's first user turn again (UltraChat 200k, no_robots)
  if (has(v, f.completion) || (has(v, f.prompt) && !has(v, f.messages))) groups.push(`${f.prompt}/${f.completion}`);
  if (has(v, f.text)) groups.push(f.text);
  // ShareGPT's turns beside another shape are a chat as "messages" would be (alone, layouts.ts reads them), unless
  // --field messages names the chat's field (none: no chat)
  const conversations = ownField(v, 'conversations');
  if (groups.length > 0 && !has(v, f.messages) && f.messages === DEFAULT_FIELDS.messages && Array.isArray(conversations) && conversations.length > 0) {
    groups.splice(has(v, f.input_ids) ? 1 : 0, 0, 'conversations');
  }
  if (groups.length === 0) {
    const emptyTurns = ['conversations', f.messages].find((k) => Array.isArray(ownField(v, k)) && (ownField(v, k) as unknown[]).length === 0);
    if (emptyTurns !== undefined) return reject('empty', `"${emptyTurns}" holds no turns`);
    const tagged = tokenClassificationRefusal(v);
    if (tagged !== null) return tagged;
    const keys = boundedItemsText(Object.keys(v), { quote: true });
    // a field named as ours but for its case or spaces ("Text", " text "): say how to read it
    const names: Array<keyof FieldMap> = ['text', 'prompt', 'completion', 'messages', 'input_ids', ...(task === 'classification' ? ['label' as const] : [])];
    const near = names.flatMap((name) => {
      const key = Object.keys(v).find((k) => k !== f[name] && k.trim().toLowerCase() === f[name].toLowerCase());
      return key === undefined ? [] : [fieldIs(words, name, key)];
    });
    const pair = near.length > 0 ? null : pairKeysButForCase(v);
    const hint = near.length > 0 ? `; ${near.join(' ')} reads ${near.length === 1 ? 'it' : 'them'}`
      : pair ? `; ${pair.map((k) => JSON.stringify(k)).join(' and ')} differ only in ${differsIn(pair)} from ${pair.map((k) => `"${k.trim().toLowerCase()}"`).join(' and ')}: renamed so, they are read as a chat of one user turn and its answer`
      : chatGptExportHint(v) || claudeExportHint(v) || preferenceHint(v, words) || turnsHint(v, words) || nestedRecordHint(v)
        || textColumnHint(v, f.label, words); // a label's field is never the text, in a generation run too
    return reject('unknown_shape', `no "${f.text}", "${f.prompt}"/"${f.completion}", "${f.messages}" or "${f.input_ids}" field (keys: ${keys || 'none'})${hint}`);
  }
  if (groups.length > 1) {
    const hint = groups.length === 2 && groups.includes(f.text) && (groups.includes(f.messages) || groups.includes('conversations'))
      ? ` (${fieldIs(words, 'text', 'none')} reads it as the chat, ${fieldIs(words, 'messages', 'none')} as the text)` : '';
    return reject('unknown_shape', `ambiguous record: it has ${groups.map((g) => `"${g}"`).join(' and ')}${hint}`);
  }
  if (has(v, f.input_ids)) return detectPretokenized(v, task, f, vocabSize, classes, words);
  if (has(v, f.messages)) {
    if (task === 'classification') return reject('wrong_task', 'a chat record in a classification run');
    const system = systemBeside(v);
    if ('reason' in system) return system;
    const turns = fromJsonCell(ownField(v, f.messages));
    return brokenJsonCell(turns, f.messages) ?? withSystem(detectChat(turns, f, words), system);
  }
  if (groups[0] === `${f.prompt}/${f.completion}`) {
    if (task === 'classification') return reject('wrong_task', 'a prompt/completion record in a classification run');
    const promptTurns = fromJsonCell(ownField(v, f.prompt)), completionTurns = fromJsonCell(ownField(v, f.completion));
    if (Array.isArray(promptTurns) && Array.isArray(completionTurns)) return conversationalPair(promptTurns, completionTurns, f, words);
    if (!has(v, f.prompt)) return reject('unknown_shape', `"${f.completion}" without "${f.prompt}"`);
    if (!has(v, f.completion)) {
      // preference data (TRL's DPO layout): no completion to train, but the chosen answer can be named as one
      const preference = has(v, 'chosen') && has(v, 'rejected') && f.completion !== 'chosen'
        ? `; it looks like preference data ("chosen"/"rejected", for DPO), which is not trained here: ${fieldIs(words, 'completion', 'chosen')} trains on the chosen answers` : '';
      return reject('unknown_shape', `"${f.prompt}" without "${f.completion}"${preference}`);
    }
    // The whitespace where they meet is kept (the prompt's end, the completion's start): the two are
    // tokenized joined as they are, so it is the separator the dataset chose ("…Answer:" + " Paris").
    const prompt = stringField(v, f.prompt, 'start');
    if (typeof prompt !== 'string') return prompt;
    const completion = stringField(v, f.completion, 'end');
    if (typeof completion !== 'string') return completion;
    if (prompt.trim() === '') return reject('empty', `"${f.prompt}" is empty`);
    if (completion.trim() === '') return reject('empty', `"${f.completion}" is empty`);
    const twoAnswers = answerBesideCompletion(v, f.completion);
    if (twoAnswers !== null) return reject('unknown_shape', twoAnswers);
    return { record: { shape: 'prompt_completion', prompt, completion } };
  }
  const text = stringField(v, f.text);
  if (typeof text !== 'string') return text;
  if (task === 'generation') {
    if (labelHeld(v, f) === 'labelled') {
      return reject('wrong_task', `a record with "${f.label}" in a generation run`);
    }
    if (text === '') return reject('empty', `"${f.text}" is empty`);
    return hasInstructionPair(v) ? { record: { shape: 'text', text }, textBesidePair: true } : { record: { shape: 'text', text } };
  }
  if (text === '') return reject('empty', `"${f.text}" is empty`);
  const label = labelOf(v, f, classes, words);
  if ('reason' in label) return label;
  return { record: { shape: 'classification', text, label: label.label } };
}

/** Whether `v` holds a value at `k` that is not null and not an empty array: a field a merged dataset leaves unfilled is none. */
const filled = (v: Record<string, unknown>, k: string): boolean => {
  const x = ownField(v, k);
  return x !== undefined && x !== null && !(Array.isArray(x) && x.length === 0);
};

/**
 * A record with both turns fields, "messages" (or --field messages' key) and ShareGPT's "conversations" (a dataset
 * converted with the original kept, or two merged): read as one of them when both hold the same chat; else rejected as
 * ambiguous, where reading either would silently drop the other. Null when the record does not have both.
 */
function bothChatFields(v: Record<string, unknown>, task: Task, f: FieldMap, vocabSize: number | undefined, classes: LabelReading, words: OptionWords): DetectResult | null {
  const other = 'conversations';
  if (f.messages === other || !filled(v, f.messages) || !filled(v, other)) return null;
  const without = (k: string) => Object.fromEntries(Object.entries(v).filter(([key]) => key !== k));
  const asMessages = detectShape(without(other), task, f, vocabSize, classes, words);
  const asConversations = detectShape(without(f.messages), task, { ...f, messages: other }, vocabSize, classes, words);
  if ('record' in asMessages && 'record' in asConversations && canonicalContent(asMessages.record) === canonicalContent(asConversations.record)) return asMessages;
  return reject('unknown_shape', `ambiguous record: it has "${f.messages}" and "${other}", which do not hold the same chat (${fieldIs(words, 'messages', other)} reads "${other}")`);
}

/**
 * A record with a chat's turns ("messages", or ShareGPT's "conversations") and an instruction/answer pair beside them
 * (Magpie's instruction/response beside its conversations): read as the chat when the pair is the chat's first
 * exchange (a copy, as UltraChat's prompt beside its messages is), system turns aside; else rejected as ambiguous, where
 * reading the turns would silently drop the pair. Null when the record does not have both, or has a text, a completion
 * or token ids too (a second shape, rejected as such), or in a classification run (a chat there is wrong_task anyway).
 */
function pairBesideTurns(v: Record<string, unknown>, task: Task, f: FieldMap, vocabSize: number | undefined, classes: LabelReading, words: OptionWords): DetectResult | null {
  if (task !== 'generation' || has(v, f.text) || has(v, f.completion) || has(v, f.input_ids) || !hasInstructionPair(v)) return null;
  const turnsKeys = new Set([f.messages, 'conversations']);
  const turnsKey = [...turnsKeys].find((k) => filled(v, k));
  if (turnsKey === undefined) return null;
  const without = (drop: (k: string) => boolean) => Object.fromEntries(Object.entries(v).filter(([k]) => !drop(k)));
  const pairOnly = without((k) => turnsKeys.has(k));
  const asChat = detectShape(without((k) => PAIR_KEYS.includes(k) && !turnsKeys.has(k)), task, f, vocabSize, classes, words);
  const asPair = detectShape(pairOnly, task, f, vocabSize, classes, words);
  if ('record' in asChat && 'record' in asPair && asChat.record.shape === 'chat' && asPair.record.shape === 'chat') {
    const [chat, pair] = [asChat.record.messages, asPair.record.messages].map((m) => m.filter((t) => t.role !== 'system'));
    if (pair!.every((t, i) => chat![i]?.role === t.role && chat![i]?.content === t.content)) return asChat;
  }
  const layout = readLayout(pairOnly, f.messages);
  const pairNames = layout !== null && 'names' in layout ? layout.names.messages.split('/').map((k) => JSON.stringify(k)).join('/') : 'an instruction pair';
  // without the turns' field, the pair is read: unless they are ShareGPT's (read under any of their keys) or "conversations"
  const pairReadable = turnsKey === f.messages && !filled(v, 'conversations') && !isShareGptTurns(ownField(v, turnsKey));
  const hint = pairReadable ? `${fieldIs(words, 'messages', 'none')} reads ${pairNames}` : 'keep one of them';
  return reject('unknown_shape', `ambiguous record: it has "${turnsKey}" and ${pairNames}, which do not hold the same chat (${hint})`);
}

/**
 * What a record's label field holds, read as a generation run reads it (no class list): no such field, or a record of a
 * shape whose label it ignores (a chat, a prompt/completion pair: KTO's boolean label) ('absent'), a missing label
 * ('empty': null, "", a placeholder such as "N/A" or "nan", HF's -1), or a label (or a value that is none of these: a
 * generation run rejects a text or pre-tokenized record with it as wrong_task all the same).
 */
export function labelHeld(value: unknown, f: FieldMap): 'absent' | 'empty' | 'labelled' {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'absent';
  const v = withoutUnfilledShapes(value as Record<string, unknown>, f);
  const textOrIds = has(v, f.input_ids) || (has(v, f.text) && !has(v, f.messages) && !has(v, f.prompt) && !has(v, f.completion));
  if (!textOrIds || !has(v, f.label)) return 'absent';
  const c = canonicalLabel(ownField(v, f.label));
  return 'error' in c || c.label !== null ? 'labelled' : 'empty';
}

function labelOf(v: Record<string, unknown>, f: FieldMap, classes: LabelReading, words: OptionWords): { label: LabelValue } | Rejection {
  const c = canonicalLabel(ownField(v, f.label), classes, () => numberSpelling(v, f.label));
  if ('error' in c) return reject('unknown_label', c.error);
  if (c.label === null) {
    const missing = reject('missing_label', c.why === undefined ? (has(v, f.label) ? `"${f.label}" is empty` : `no "${f.label}" field${labelColumnHint(v, f.text, words)}`) : c.why + noLabelHint(c.noLabel, words));
    return c.noLabel ? { ...missing, noLabel: c.noLabel } : missing;
  }
  return { label: c.label };
}

/**
 * How to make a label read as no label (-1, a placeholder word such as "None") a class, in the caller's `words`: on the
 * command line `prepare --labels -1=NAME,…`, in a library call `options.labels [NAME, …] with options.labelCodes [-1, …]`.
 */
function noLabelHint(noLabel: NoLabel | undefined, words: OptionWords): string {
  if (noLabel === undefined) return '';
  const [what, entries] = noLabel.kind === 'minus_one' ? ['-1', [{ name: NAME, code: -1 }, MORE] as const] : [JSON.stringify(noLabel.word), [MORE, { name: noLabel.word }] as const];
  return `; if ${what} is a class, name it: ${words.cli ? 'prepare ' : ''}${labelsIs(words, entries)}`;
}

function detectPretokenized(v: Record<string, unknown>, task: Task, f: FieldMap, vocabSize: number | undefined, classes: LabelReading, words: OptionWords): DetectResult {
  if (task === 'generation' && labelHeld(v, f) === 'labelled') {
    return reject('wrong_task', `a pre-tokenized record with "${f.label}" in a generation run`);
  }
  const ids = fromJsonCell(ownField(v, f.input_ids)), labels = fromJsonCell(ownField(v, f.labels)), mask = fromJsonCell(ownField(v, 'attention_mask'));
  const broken = brokenJsonCell(ids, f.input_ids) ?? brokenJsonCell(labels, f.labels) ?? brokenJsonCell(mask, 'attention_mask');
  if (broken) return { ...broken, reason: 'invalid_tokens' };
  let row;
  try {
    row = parsePretokenized({ input_ids: ids, labels, attention_mask: mask }, '', vocabSize);
  } catch (e) {
    if (!isUserError(e)) throw e;
    return reject('invalid_tokens', e.message.replace(/^: /, ''));
  }
  const record: DataRecord = { shape: 'pretokenized', inputIds: row.inputIds as number[] };
  if (row.labels) record.labels = row.labels as number[];
  if (task === 'classification') {
    if (record.labels) return reject('wrong_task', `a pre-tokenized record with "${f.labels}" in a classification run`);
    const label = labelOf(v, f, classes, words);
    if ('reason' in label) return label;
    record.label = label.label;
  }
  return row.padding > 0 ? { record, padding: row.padding } : { record };
}

/** How keys differ from their lowercase trimmed names: "case", "spaces" or "case and spaces". */
function differsIn(keys: readonly string[]): string {
  const cased = keys.some((k) => k.trim() !== k.trim().toLowerCase()), spaced = keys.some((k) => k !== k.trim());
  return cased && spaced ? 'case and spaces' : spaced ? 'spaces' : 'case';
}
