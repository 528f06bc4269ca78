// Chat records: {messages: [{role, content}]} (and the layouts record.ts reads as chats) validated and normalised.
// Roles in any case, OpenAI's "developer" as system; an assistant turn of weight 0 (ShareGPT's, axolotl's) or
// training: false is context, not trained; user turns after the last assistant turn and assistant turns before
// the first user turn are left out (and counted); TRL's conversational prompt/completion is trained on the
// completion; tool use in OpenAI's form is kept as given: an assistant turn's tool_calls (content null or empty beside
// them), a tool's result (role "tool", its tool_call_id), each call's results before the next assistant turn; a turn's
// speaker "name" (OpenAI's field) is kept as given, as transformers hands the template a message's every key.
import { chatRoleOf, isToolRole } from '../tokenizer/types.ts';
import { ownField } from '../util/json-file.ts';
import { boundedJsonText } from '../util/bounded-json.ts';
import { SHAREGPT_ROLES, textOfParts } from './layouts.ts';
import { didYouMean } from '../util/did-you-mean.ts';
import type { DetectResult } from './detect-result.ts';
import { nameTurns, turnNamed, type TurnName } from './field-names.ts';
import type { ChatTurn, FieldMap, Rejection } from './record-shape.ts';
import { reject, stringField, typeName } from './record-fields.ts';
import { loneSurrogateDetail } from './clean.ts';
import { missingTurnField, type TurnsContext } from './field-hints.ts';
import { FLAG_WORDS, type OptionWords } from '../util/option-words.ts';
import { withPythonNumbers } from './python-numbers.ts';

/**
 * Whose name a speaker name SHAREGPT_ROLES reads is, where it is not ShareGPT's (human, gpt, chatgpt): "model" is
 * Gemini's (Google's API) role; "bot" is nobody's in particular.
 */
const ROLE_NAME_OWNERS: Readonly<Record<string, string>> = { model: "Gemini's", bot: 'a common' };

/**
 * What a role name that is none of ours likely means (` (…)`), or '' when nothing is known of it; `sharegpt`: a
 * ShareGPT turn's speaker (`from`), whose names (human, gpt) are near ones too.
 */
function roleHint(named: string, sharegpt: boolean, reader: 'prepare' | 'generate'): string {
  if (['function_call', 'observation'].includes(named)) {
    return ' (LLaMA-Factory\'s ShareGPT tool turns, function_call and observation, are not read: write the chat as OpenAI\'s messages, an assistant turn\'s "tool_calls" followed by {role: "tool", tool_call_id, content} results, with the record\'s "tools")';
  }
  if (['function', 'ipython'].includes(named)) return ' (a tool\'s result is read as OpenAI\'s role "tool", with its "tool_call_id")';
  if (named === 'tool') {
    return reader === 'generate' ? ' (readMessagesFile reads text turns only: readPromptFile reads tool results)' : ' (a tool\'s result is read from OpenAI\'s messages, {role: "tool", tool_call_id, content}, not from ShareGPT\'s turns)';
  }
  const meant = Object.hasOwn(SHAREGPT_ROLES, named) ? SHAREGPT_ROLES[named] : undefined;
  const owner = Object.hasOwn(ROLE_NAME_OWNERS, named) ? ROLE_NAME_OWNERS[named] : "ShareGPT's";
  // only prepare reads ShareGPT's {from, value} turns; generate --messages takes {role, content}
  const other = reader === 'prepare' && owner === "ShareGPT's" ? ', or give the turns as ShareGPT\'s {from, value}' : '';
  if (meant !== undefined) return ` (${JSON.stringify(named)} is ${owner} name for "${meant}": write "${meant}"${other})`;
  const near = named === '' ? null : didYouMean(named, sharegpt ? Object.keys(SHAREGPT_ROLES) : ['system', 'user', 'assistant']);
  return near === null ? '' : ` (did you mean "${near}"?)`;
}

/** The field of a message that holds a tool call (OpenAI's tool_calls, its older function_call), or undefined. */
export function toolCallField(m: Record<string, unknown>): string | undefined {
  return ['tool_calls', 'function_call'].find((k) => { const x = ownField(m, k); return x !== undefined && x !== null && !(Array.isArray(x) && x.length === 0); });
}

/**
 * The field of a message that holds its reasoning apart from its content (DeepSeek's and Qwen 3's reasoning_content,
 * gpt-oss's thinking, OpenRouter's reasoning), non-empty, or undefined: a template of transformers renders it, the
 * turn as read here (role and content) would be trained without it.
 */
export function reasoningField(m: Record<string, unknown>): string | undefined {
  return ['reasoning_content', 'reasoning', 'thinking'].find((k) => { const x = ownField(m, k); return typeof x === 'string' && x.trim() !== ''; });
}

/** Why `role` (at `where`, e.g. messages[0].role) is none of ours, with what it likely means: prepare's and generate's words. */
export function roleRefusal(role: unknown, where: string, sharegpt: boolean, reader: 'prepare' | 'generate' = 'prepare'): string {
  const named = typeof role === 'string' ? role.trim().toLowerCase() : '';
  return `${where} is ${boundedJsonText(role ?? null)}; roles are system, user, assistant${roleHint(named, sharegpt, reader)}`;
}

/**
 * How detectChat reads a chat: `contextTurns`, how many turns first are a prompt's, not trained (conversationalPair);
 * `checkingHint`, when it is asked whether a hint's field options read the chat (then it offers none itself).
 */
interface ChatReading {
  contextTurns?: number;
  checkingHint?: boolean;
  /** The input's names of the turns given, by index, where a layout renamed them (an Alpaca row's "output"); else `f`'s. */
  names?: readonly TurnName[];
}

/** `raw` (a record's messages, as given) as a validated chat record, or why not; `f` names the fields in the input, `words` the caller's option words. */
export function detectChat(raw: unknown, f: FieldMap, words: OptionWords = FLAG_WORDS, reading: ChatReading = {}): DetectResult {
  if (!Array.isArray(raw)) return reject('unknown_shape', `"${f.messages}" is ${typeName(raw)}, not an array`);
  const messages: ChatTurn[] = [], names: TurnName[] = [];
  const turns: TurnsContext = {
    turns: raw,
    follows: (patch) => !reading.checkingHint && 'record' in detectChat(raw, { ...f, ...patch }, words, { ...reading, checkingHint: true }),
  };
  for (let i = 0; i < raw.length; i++) {
    const m = raw[i];
    const where = `${f.messages}[${i}]`;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      return reject('unknown_shape', `${where} is ${typeName(m)}, not an object`);
    }
    const mm = m as Record<string, unknown>;
    const role = ownField(mm, f.role);
    const misnamed = (key: string) => (ownField(mm, key) === undefined ? missingTurnField(mm, where, key, f, turns, words) : null);
    const noRole = misnamed(f.role);
    if (noRole !== null) return reject('invalid_roles', noRole);
    // a tool's result: OpenAI's {role: "tool", tool_call_id, content}; ShareGPT's tool turns are of other forms
    const r = f.role !== 'from' && isToolRole(role) ? 'tool' : chatRoleOf(role);
    if (r === null) return reject('invalid_roles', roleRefusal(role, `${where}.${f.role}`, f.role === 'from'));
    const calls = toolCalls(mm, r, where);
    if (calls !== undefined && !Array.isArray(calls)) return calls;
    // as a "thinking" part of the content is refused (layouts.ts textOfParts): its text would be left out unseen
    const reasoning = reasoningField(mm);
    if (reasoning !== undefined) {
      return reject('unknown_shape', `${where} holds reasoning apart from its content ("${reasoning}"), which is not read: only ${f.content} is trained; write the reasoning into ${f.content} as the model's template shows it (e.g. <think>…</think> before the answer), or remove "${reasoning}" to train without it`);
    }
    const noContent = calls === undefined ? misnamed(f.content) : null; // a call turn may have no content
    if (noContent !== null) return reject('unknown_shape', noContent);
    // "name" read as the role or the text (--field role=name) is that, no speaker's name
    const name = f.role !== 'name' && f.content !== 'name' ? speakerName(mm, where) : undefined;
    if (typeof name === 'object') return name;
    const parts = textOfParts(ownField(mm, f.content), `${where}.${f.content}`);
    if (parts !== null && typeof parts !== 'string') return parts;
    const content = stringField(parts === null ? mm : { [f.content]: parts }, f.content);
    if (typeof content !== 'string') {
      // transformers' templates render it as Python's repr ({'sum': 3}), Mistral v0.3's its "content" key alone
      const given = ownField(mm, f.content), json = JSON.stringify(JSON.stringify(given));
      const object = r === 'tool' && typeof given === 'object' && !Array.isArray(given);
      const hint = object ? `; a tool's result is text: write the object as its JSON text${json.length <= 60 ? ` (${json})` : ''}` : '';
      return { reason: content.reason, detail: `${where}: ${content.detail}${hint}` };
    }
    // a prompt's turns are context, whatever their own flags say
    const trained = i < (reading.contextTurns ?? 0) ? false : turnTrained(mm, where);
    if (typeof trained !== 'boolean') return trained;
    if (content === '' && calls === undefined) {
      if (r === 'system') continue; // an empty system prompt says nothing: the turn is dropped, not the record
      return reject('empty', `${where} (${r}) has empty content`);
    }
    const callId = r === 'tool' ? ownField(mm, 'tool_call_id') : undefined;
    const turn: ChatTurn = {
      role: r, ...(name !== undefined ? { name } : {}), content,
      ...(calls !== undefined ? { tool_calls: calls } : {}), ...(callId !== undefined ? { tool_call_id: callId } : {}),
    };
    messages.push(r === 'assistant' && !trained ? { ...turn, weight: 0 } : turn);
    names.push(reading.names?.[i] ?? turnNamed(f.messages, i, f.content));
  }
  // Turns after the last assistant turn are context for nothing: left out, as the report says (TRL would carry them
  // untrained at the sequence's end, which changes no loss). Assistant turns before the first user turn (a ShareGPT
  // scrape's greeting) are left out as FastChat leaves them: a chat template expects the user to speak first.
  let last = messages.length - 1;
  while (last >= 0 && (messages[last]!.role === 'user' || messages[last]!.role === 'tool') && messages.slice(0, last).some((m) => m.role === 'assistant')) last--;
  const trailingTurns = messages.length - 1 - last;
  messages.length = names.length = last + 1;
  const first = messages[0]?.role === 'system' ? 1 : 0;
  let opening = 0;
  while (messages[first + opening]?.role === 'assistant') opening++;
  const leadingTurns = messages.slice(first + opening).some((m) => m.role === 'user') ? opening : 0;
  messages.splice(first, leadingTurns);
  names.splice(first, leadingTurns);
  const bad = checkRoles(messages);
  if (bad) return reject('invalid_roles', bad);
  if (!messages.some((m) => m.role === 'assistant' && m.weight !== 0)) return reject('empty', 'no assistant turn is trained: each has weight 0 (or training: false)');
  nameTurns(messages, names);
  return { record: { shape: 'chat', messages }, ...(leadingTurns > 0 ? { leadingTurns } : {}), ...(trailingTurns > 0 ? { trailingTurns } : {}) };
}

/**
 * A message's speaker name ("name": OpenAI's field, "alice") as given, for the chat template: TRL hands
 * apply_chat_template each message whole, as datasets' load_dataset("json") reads it (a key only where the message has
 * it), so a template that reads message.name renders it. Undefined where there is none (absent or null); a value that is
 * no text is refused, as a template would render Python's repr of it.
 */
export function speakerName(m: Record<string, unknown>, where: string): string | Rejection | undefined {
  const name = ownField(m, 'name');
  if (name === undefined || name === null) return undefined;
  if (typeof name !== 'string') return reject('unknown_shape', `${where}.name is ${typeName(name)}; a speaker's name is text ("alice")`);
  const lone = loneSurrogateDetail('name', name);
  return lone === null ? name : reject('invalid_utf8', `${where}: ${lone}`);
}

/**
 * TRL's conversational prompt/completion, {prompt: [messages], completion: [messages]}: the chat of both, with the loss
 * on the completion only — the prompt's assistant turns (earlier rounds) are context, as weight 0 marks them.
 */
export function conversationalPair(prompt: unknown[], completion: unknown[], f: FieldMap, words: OptionWords = FLAG_WORDS): DetectResult {
  // the turns as given (a copy with "weight": 0 added would name a key the data has not in a rejection)
  return detectChat([...prompt, ...completion], { ...f, messages: `${f.prompt}+${f.completion}` }, words, { contextTurns: prompt.length });
}

/**
 * Whether a message's turn is trained, from its `weight` (0 or 1: ShareGPT's, axolotl's) or `training` (true or false:
 * axolotl's chat_template); true when it has neither. Only an assistant turn's counts: other turns are never trained.
 */
function turnTrained(m: Record<string, unknown>, where: string): boolean | Rejection {
  const weight = ownField(m, 'weight'), training = ownField(m, 'training');
  if (weight !== undefined && weight !== null && weight !== 0 && weight !== 1) {
    return reject('unknown_shape', `${where}.weight is ${boundedJsonText(weight)}; a turn's weight is 0 (not trained) or 1`);
  }
  if (training !== undefined && training !== null && typeof training !== 'boolean') {
    return reject('unknown_shape', `${where}.training is ${boundedJsonText(training)}; it is true or false`);
  }
  if ((weight === 0 && training === true) || (weight === 1 && training === false)) {
    return reject('unknown_shape', `${where} has weight ${weight} and training ${training}: they contradict each other`);
  }
  return weight !== 0 && training !== false;
}

/**
 * An assistant turn's tool calls (OpenAI's tool_calls: a non-empty array of objects, kept as given), undefined for a
 * turn without, or why they are refused: on another role, or in OpenAI's older form (function_call).
 */
export function toolCalls(m: Record<string, unknown>, role: ChatTurn['role'], where: string): unknown[] | Rejection | undefined {
  const field = toolCallField(m);
  if (field === undefined) return undefined;
  if (field === 'function_call') return reject('unknown_shape', `${where}.function_call is OpenAI's older form of a tool call, which is not read: write it as "tool_calls": [{"id", "type": "function", "function": {"name", "arguments"}}]`);
  if (role !== 'assistant') return reject('unknown_shape', `${where} (${role}) has "tool_calls": only an assistant turn calls tools`);
  const calls = ownField(m, 'tool_calls');
  if (!Array.isArray(calls) || !calls.every((c) => typeof c === 'object' && c !== null && !Array.isArray(c))) {
    return reject('unknown_shape', `${where}.tool_calls is ${typeName(calls)}${Array.isArray(calls) ? ' holding a value that is not an object' : ''}; it is an array of calls, {"id", "type": "function", "function": {"name", "arguments"}}`);
  }
  return withPythonNumbers(calls); // arguments' 1.0 as transformers renders it
}

/**
 * An optional system turn first, then rounds: a user turn, then the assistant's, where an assistant turn that calls
 * tools is followed by their results (role tool, one or more) and then by the assistant again; ending with an assistant
 * turn (detectChat leaves out assistant turns before the first user turn and user and tool turns after the last
 * assistant turn).
 */
export function checkRoles(messages: readonly ChatTurn[]): string | null {
  if (messages.length === 0) return 'no messages';
  let i = 0;
  if (messages[0]!.role === 'system') i = 1;
  if (i === messages.length) return 'only a system message';
  const wants = (prev: ChatTurn | undefined): ReadonlyArray<ChatTurn['role']> =>
    prev === undefined || (prev.role === 'assistant' && prev.tool_calls === undefined) ? ['user']
      : prev.role === 'user' ? ['assistant'] : prev.role === 'tool' ? ['tool', 'assistant'] : ['tool'];
  for (let k = i; k < messages.length; k++) {
    const want = wants(k === i ? undefined : messages[k - 1]), got = messages[k]!.role;
    if (!want.includes(got)) {
      if (got === 'system') return `a system message at turn ${k} (only the first turn may be system)`;
      const why = want[0] === 'tool' ? 'an assistant turn that calls tools is followed by their results' : got === 'tool' ? 'a tool result follows the assistant turn that calls it' : 'turns alternate user/assistant';
      return `turn ${k} is ${got} where ${want.join(' or ')} was expected (${why})`;
    }
  }
  if (messages[messages.length - 1]!.role !== 'assistant') return 'the chat has no assistant turn to train';
  return null;
}
