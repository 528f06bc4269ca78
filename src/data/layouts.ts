// Common dataset layouts read as the canonical shapes, so that a file from a hub or another fine-tuner needs no
// --field mapping:
//  - ShareGPT: {conversations: [{from, value}]} (or "messages" with from/value), roles human/gpt and kin, and a
//    "system" beside the turns (LLaMA-Factory's) as the system turn when they have none;
//  - instruction/answer pairs: Alpaca {instruction, input, output}, Dolly {instruction, context, response},
//    {question, answer}, {query, response}, {prompt, response}, {input, output}: a chat of one user turn (the
//    instruction, then its input or context after a blank line) and one assistant turn, so the model's chat
//    template renders it (joined as prompt + completion they would run together: these layouts have no separator);
//    an optional "system" (OpenOrca: "system_prompt") is its system turn, LLaMA-Factory's "history" pairs the turns
//    before the instruction; an input or context that only stands for a missing one — a placeholder (placeholder.ts:
//    pandas' "nan", "None", "N/A") or self-instruct's "<noinput>" — is no input, and an instruction that does beside
//    an input is none, the input alone the user turn (both counted: noInput);
//  - OpenAI content parts: a message's content as [{type: "text", text}], joined with newlines as vLLM joins them
//    for a text-only template; a part that is not text (an image) rejects the record.
import { isRecord, ownField } from '../util/json-file.ts';
import { loneSurrogateDetail, normalizeText } from './clean.ts';
import { keepNumberSpellings } from './ingest/number-spellings.ts';
import { placeholderOf } from './placeholder.ts';
import { turnNamed, type TurnName } from './field-names.ts';
import type { Rejection } from './record-shape.ts';
import { isTextValue, textValue, typeName } from './record-fields.ts';

export type Layout = 'sharegpt' | 'instruction_pairs';

/** How each layout is named in prepare's report. */
export const LAYOUT_NAMES: Record<Layout, string> = {
  sharegpt: 'ShareGPT conversations (from/value; human/gpt → user/assistant)',
  instruction_pairs: 'instruction/answer pairs (Alpaca, Dolly, question/answer, …) as one user and one assistant turn',
};

/** ShareGPT's speaker names (and Gemini's "model", a plain "bot", which such files carry too) → our roles; any other name is left as it is (and rejected as an invalid role). */
export const SHAREGPT_ROLES: Readonly<Record<string, string>> = {
  system: 'system', human: 'user', user: 'user', gpt: 'assistant', assistant: 'assistant', model: 'assistant', bot: 'assistant', chatgpt: 'assistant',
};

/** The instruction keys, the keys of what follows it in the user turn, and the answer keys, in the order tried. */
const INSTRUCTION_KEYS = ['instruction', 'question', 'query', 'prompt', 'input'] as const;
const CONTEXT_KEYS = ['input', 'context'] as const;
const ANSWER_KEYS = ['output', 'response', 'answer'] as const;
/** The instruction keys that are never an input or context. */
const INSTRUCTION_ONLY_KEYS = INSTRUCTION_KEYS.filter((k) => !(CONTEXT_KEYS as readonly string[]).includes(k));
/** Every key an instruction pair is read from, but its system prompt's (which a chat's turns beside it share: systemBeside). */
export const PAIR_KEYS: readonly string[] = [...new Set<string>([...INSTRUCTION_KEYS, ...CONTEXT_KEYS, ...ANSWER_KEYS, 'history'])];
/** The system prompt's keys (OpenOrca's is "system_prompt"). */
const SYSTEM_KEYS = ['system', 'system_prompt'] as const;

/**
 * True when `v` holds a whole instruction/answer pair (non-empty strings): a record with a "text" field as well
 * (Alpaca's formatted prompt + answer column) is read as text, as TRL reads it, and prepare says how many.
 */
export function hasInstructionPair(v: Record<string, unknown>): boolean {
  const filled = (k: string): boolean => isTextValue(ownField(v, k)) && String(ownField(v, k)).trim() !== '';
  return ANSWER_KEYS.some(filled) && INSTRUCTION_KEYS.some(filled);
}

/**
 * The keys of `v` that would make an instruction/answer pair but for their case (a spreadsheet's "Question" and
 * "Answer" headers), as [instruction, answer]; null when it has no such two. The layouts match keys exactly, as HF does.
 */
export function pairKeysButForCase(v: Record<string, unknown>): [string, string] | null {
  const find = (names: readonly string[]) => Object.keys(v).find((k) => k !== k.trim().toLowerCase() && names.includes(k.trim().toLowerCase()));
  const instruction = find(INSTRUCTION_KEYS), answer = find(ANSWER_KEYS);
  return instruction !== undefined && answer !== undefined ? [instruction, answer] : null;
}

/** A layout's messages and the names its fields have in the input (for the chat's validation and its messages). */
export interface LayoutChat {
  layout: Layout;
  messages: unknown[];
  names: { messages: string; role: string; content: string };
  /**
   * A system prompt beside the turns (LLaMA-Factory's ShareGPT), the chat's system turn when it has none of its own;
   * added after the turns are checked, so that their errors name their own indices.
   */
  system?: SystemBeside;
  /** The input's names of the turns (field-names.ts), where they are not `names`' (an instruction pair's "output"). */
  turnNames?: TurnName[];
  /** An instruction pair's input or context (or its instruction, beside an input) that stood for a missing one ("nan", "<noinput>"): its key and text, left out. */
  noInput?: { key: string; text: string };
}

/** Whether an input or context field's text only stands for a missing input (a placeholder, "<noinput>" among them): then the user turn is the instruction alone. */
function standsForNoInput(text: string): boolean {
  return placeholderOf(text) !== null;
}

/** Whether an answer's text stands for none: an artefact ("nan", "<noinput>"); "None", "N/A" are answers (placeholder.ts). */
function answerStandsForNone(text: string): boolean {
  return placeholderOf(text)?.kind === 'artefact';
}

/**
 * The system prompt beside a record's turns ('' when none): LLaMA-Factory's ShareGPT and OpenAI-format datasets have a
 * "system" column beside them; the chat's own system turn wins, as there (see record.ts).
 */
export function systemBeside(v: Record<string, unknown>): SystemBeside | Rejection {
  const systemKey = systemKeyOf(v);
  if (typeof systemKey === 'object') return systemKey;
  const text = systemKey ? textOf(v, systemKey) : '';
  return typeof text === 'string' ? { key: systemKey ?? '', text } : text;
}

/** A system prompt beside a record's turns: its key ('' when none) and its text. */
export interface SystemBeside {
  key: string;
  text: string;
}

/**
 * The key of the system prompt beside a record's turns or pair: the one with words before an empty one (OpenOrca's
 * "system_prompt" beside an empty "system" of a table merging datasets was read as no system prompt); a rejection
 * where both hold other words.
 */
function systemKeyOf(v: Record<string, unknown>): string | undefined | Rejection {
  const key = withWords(v, SYSTEM_KEYS) ?? firstFilled(v, SYSTEM_KEYS);
  const twice = secondText(v, SYSTEM_KEYS, key, 'a system prompt');
  return twice === null ? key : { reason: 'unknown_shape', detail: twice };
}

/**
 * True for ShareGPT turns: objects with "from" and no "role", or a null one (datasets' from_list of turns {role, content}
 * and {from, value} merged gives every turn the four keys, those it lacked null: an OpenAI turn's role is not null).
 * A null "from" is still a ShareGPT turn, whose invalid role the chat's validation names.
 */
export function isShareGptTurns(x: unknown): x is Array<Record<string, unknown>> {
  return Array.isArray(x) && x.length > 0 && x.every((t) => isRecord(t) && Object.hasOwn(t, 'from') && (ownField(t, 'role') ?? null) === null);
}

/**
 * `v` as a chat when it is in one of the layouts above, else null; a rejection when an instruction or answer field
 * is not a string or is empty. Turns are passed on otherwise unchecked: the chat's validation names what is wrong.
 * The caller only asks for a record without canonical fields (a "messages" field only when it holds ShareGPT turns);
 * `messagesKey` is where --field messages=KEY says the turns are (tried first).
 */
export function readLayout(v: Record<string, unknown>, messagesKey = 'messages', contentKey = 'content'): LayoutChat | Rejection | null {
  for (const key of new Set([messagesKey, 'conversations', 'messages'])) {
    const turns = ownField(v, key);
    if (isShareGptTurns(turns)) {
      // a turn with both "value" and "content" of other words (by default "value" is read): which to train is not guessed
      const twice = contentKey === 'content' ? turns.map((t, i) => secondText(t, ['content'], 'value', "the turn's words", { where: `${key}[${i}].` })).find((d) => d !== null) : undefined;
      if (twice !== undefined) return { reason: 'unknown_shape', detail: twice };
      const turnNames: TurnName[] = [];
      const messages = turns.map((t, i) => {
        const from = ownField(t, 'from');
        const speaker = typeof from === 'string' ? (ownField(SHAREGPT_ROLES, from.trim().toLowerCase()) ?? from) : from;
        // a turn's words under the field --field content names, which wins over "value" (an option the user gave); by
        // default ("content": ShareGPT's {from, content}) only when its "value" holds no words: absent, null (datasets'
        // from_list of turns {from, value} and {from, content} gives each turn both keys, the one it lacked null) or blank
        const named = ownField(t, contentKey) !== undefined && (contentKey !== 'content' || filledText(t, 'value') === null);
        const valueKey = named ? contentKey : 'value';
        turnNames.push(turnNamed(key, i, valueKey));
        // a turn without them keeps its keys, so that the chat's rejection names them
        const turn: Record<string, unknown> = ownField(t, valueKey) === undefined ? { ...t, from: speaker } : { from: speaker, value: ownField(t, valueKey) };
        for (const k of ['weight', 'training']) if (ownField(t, k) !== undefined) turn[k] = ownField(t, k); // whether the turn is trained
        return keepNumberSpellings(t, turn);
      });
      const system = systemBeside(v);
      if ('reason' in system) return system;
      return { layout: 'sharegpt', messages, names: { messages: key, role: 'from', content: 'value' }, turnNames, ...(system.text.trim() !== '' ? { system } : {}) };
    }
  }
  // Alpaca and Dolly rows merged into one table have an empty (or "nan") "input" and "output" beside Dolly's "context"
  // and "response": the field with words in it is read, before one that stands for none, before an empty one
  // (an instruction with words before one that stands for none, among the instruction keys that are no input: Alpaca's
  // "input" after a "nan" or "N/A" instruction is its context, as it was, not the instruction)
  const answerKey = withWords(v, ANSWER_KEYS, answerStandsForNone) ?? firstFilled(v, ANSWER_KEYS);
  const instructionKey = withWords(v, INSTRUCTION_ONLY_KEYS) ?? firstFilled(v, INSTRUCTION_KEYS);
  if (answerKey === undefined || instructionKey === undefined) return null;
  const contexts = CONTEXT_KEYS.filter((k) => k !== instructionKey);
  const contextKey = withWords(v, contexts) ?? firstFilled(v, contexts);
  const twice = secondText(v, ANSWER_KEYS, answerKey, 'an answer', { none: answerStandsForNone }) ?? secondText(v, contexts, contextKey, 'an input')
    ?? secondText(v, INSTRUCTION_ONLY_KEYS, instructionKey, 'an instruction');
  if (twice !== null) return { reason: 'unknown_shape', detail: twice };
  const systemKey = systemKeyOf(v);
  if (typeof systemKey === 'object') return systemKey;
  const text: Record<string, string> = {};
  for (const key of [instructionKey, answerKey, ...(contextKey ? [contextKey] : []), ...(systemKey ? [systemKey] : [])]) {
    const x = textOf(v, key);
    if (typeof x !== 'string') return x;
    text[key] = x;
  }
  // empty as cleaning leaves it (a zero-width space is nothing), named here: the chat's messages do not bear these names
  for (const key of [instructionKey, answerKey]) if (normalizeText(text[key]!) === '') return { reason: 'empty', detail: `"${key}" is empty` };
  const given = contextKey ? text[contextKey]!.trim() : '';
  const noInput = contextKey !== undefined && given !== '' && standsForNoInput(given) ? { key: contextKey, text: given } : undefined;
  const context = noInput ? '' : given;
  // an instruction that stands for none (pandas' "nan" for a missing one) beside an input: the input alone, as beside a
  // null or empty instruction, not "nan\n\ninput" trained (counted as a left-out input is)
  const instruction = text[instructionKey]!.trim();
  const noInstruction = context !== '' && standsForNoInput(instruction) ? { key: instructionKey, text: instruction } : undefined;
  const left = noInput ?? noInstruction;
  const history = historyTurns(ownField(v, 'history'));
  if (!Array.isArray(history)) return history;
  const system = systemKey && text[systemKey]!.trim() ? [systemKey] : [];
  // the user turn's text: the instruction, the input, or both
  const asked = noInstruction ? [contextKey!] : context === '' ? [instructionKey] : [instructionKey, contextKey!];
  const turnNames = [...system, ...history.map((_, k) => `history[${k >> 1}][${k & 1}]`), asked.join('"+"'), answerKey]
    .map((n) => ({ turn: `"${n}"`, content: `"${n}"` }));
  const messages = [
    ...system.map((k) => ({ role: 'system', content: text[k] })),
    ...history,
    { role: 'user', content: noInstruction ? context : context === '' ? text[instructionKey] : `${text[instructionKey]!.trimEnd()}\n\n${context}` },
    { role: 'assistant', content: text[answerKey] },
  ];
  return { layout: 'instruction_pairs', messages, names: { messages: `${instructionKey}/${answerKey}`, role: 'role', content: 'content' }, turnNames, ...(left ? { noInput: left } : {}) };
}

/**
 * The first of `keys` that `v` has with text in it, else the first it has at all (whose emptiness the caller names):
 * an Alpaca record with a null or empty instruction and an input is the input alone.
 */
function firstFilled(v: Record<string, unknown>, keys: readonly string[]): string | undefined {
  const filled = keys.find((k) => { const x = ownField(v, k); return isTextValue(x) && normalizeText(String(x)) !== ''; });
  return filled ?? keys.find((k) => ownField(v, k) !== undefined);
}

/** The normalised text of `v[key]` when it holds some (a string, number or boolean not empty once cleaned), else null. */
function filledText(v: Record<string, unknown>, key: string): string | null {
  const x = ownField(v, key);
  if (!isTextValue(x)) return null;
  const t = normalizeText(String(x));
  return t === '' ? null : t;
}

/** The first of `keys` whose text is words: filled, and not a placeholder nor an input-less mark (`none`). */
function withWords(v: Record<string, unknown>, keys: readonly string[], none = standsForNoInput): string | undefined {
  return keys.find((k) => { const t = filledText(v, k); return t !== null && !none(t); });
}

/**
 * The detail of an ambiguous pair: another of `keys` than `chosen` holding other words (not a copy, nor one that stands
 * for none) — a second answer or input would be lost, read as the one chosen ({output, response} both filled); null when none.
 */
function secondText(v: Record<string, unknown>, keys: readonly string[], chosen: string | undefined, what: string, { where = '', none = standsForNoInput } = {}): string | null {
  const text = chosen === undefined ? null : filledText(v, chosen);
  if (text === null) return null;
  const other = keys.find((k) => { const t = k === chosen ? null : filledText(v, k); return t !== null && t !== text && !none(t); });
  return other === undefined ? null : ambiguity(`${where}${chosen}`, `${where}${other}`, what);
}

const ambiguity = (chosen: string, other: string, what: string): string =>
  `ambiguous record: "${chosen}" and "${other}" both hold ${what}, of other words; one would be lost: remove or rename the one not to train`;

/**
 * The detail of a prompt/completion record with an answer beside its completion that the completion does not hold
 * ({prompt, completion, response} all filled: the response would be lost, the pair read); null when there is none, or
 * the completion holds it (a copy, or a completion formatted from it: " Lima</s>" beside "Lima").
 */
export function answerBesideCompletion(v: Record<string, unknown>, completionKey: string): string | null {
  const completion = filledText(v, completionKey);
  if (completion === null) return null;
  const other = ANSWER_KEYS.find((k) => { const t = k === completionKey ? null : filledText(v, k); return t !== null && !answerStandsForNone(t) && !completion.includes(t); });
  return other === undefined ? null : ambiguity(completionKey, other, 'an answer');
}

/** LLaMA-Factory's "history" ([[question, answer], …], the rounds before the instruction) as turns; [] when absent. */
function historyTurns(x: unknown): Array<{ role: string; content: unknown }> | Rejection {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) return { reason: 'unknown_shape', detail: '"history" is not an array of [question, answer] pairs' };
  const turns: Array<{ role: string; content: unknown }> = [];
  for (let i = 0; i < x.length; i++) {
    const pair: unknown = x[i];
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every(isTextValue)) {
      return { reason: 'unknown_shape', detail: `"history"[${i}] is not a [question, answer] pair of strings` };
    }
    const texts: string[] = [];
    for (const k of [0, 1]) {
      const name = `history[${i}][${k}]`, t = textValue('history', pair[k], pair, k)!;
      texts.push(t);
      if (normalizeText(t) === '') return { reason: 'empty', detail: `"${name}" is empty` };
      const lone = loneSurrogateDetail(name, t);
      if (lone !== null) return { reason: 'invalid_utf8', detail: lone };
    }
    turns.push({ role: 'user', content: texts[0] }, { role: 'assistant', content: texts[1] });
  }
  return turns;
}

/**
 * A record-level text field ('' for null): checked here, as the chat's messages that it becomes do not bear its name —
 * a rejection for another type or a lone surrogate.
 */
function textOf(v: Record<string, unknown>, key: string): string | Rejection {
  const raw = ownField(v, key) ?? '';
  const x = textValue(key, raw, v);
  if (x === null) return { reason: 'unknown_shape', detail: `"${key}" is ${typeName(raw)}, not a string` };
  const lone = loneSurrogateDetail(key, x);
  return lone === null ? x : { reason: 'invalid_utf8', detail: lone };
}

/**
 * A message's content given as OpenAI content parts: the text parts joined with newlines; null when `x` is not an
 * array; a rejection for a part that is not {type: "text", text: string}.
 */
export function textOfParts(x: unknown, where: string): string | Rejection | null {
  if (!Array.isArray(x)) return null;
  const texts: string[] = [];
  for (let i = 0; i < x.length; i++) {
    const part = x[i];
    const type = isRecord(part) ? ownField(part, 'type') : undefined;
    if (!isRecord(part) || type !== 'text') {
      const what = typeof type === 'string' ? `a "${type}" part` : 'not a {type: "text", text} part';
      return { reason: 'unknown_shape', detail: `${where}[${i}] is ${what}: only text content is read` };
    }
    const text = ownField(part, 'text'), t = textValue('text', text, part);
    if (t === null) {
      return { reason: 'unknown_shape', detail: `${where}[${i}] is a "text" part without a string "text" (${text === undefined ? 'it has none' : `it is ${typeName(text)}`})` };
    }
    texts.push(t);
  }
  return texts.join('\n');
}
