// How a generation prompt becomes token ids, for the CLI and library users alike: a conversation rendered
// with the model's chat template (with the generation prompt) and encoded as it is, with the BOS the template
// writes (HF's apply_chat_template), or plain text (`raw`), which starts with BOS when the tokenizer adds one
// (HF's tokenizer(text); once where the text starts with it, where HF's gives two: types.ts). Also reads a messages file ([{"role", "content"}, …]) with a one-line error naming the file and the
// message (and a JSON Lines file as such); readPromptFile reads tool use too (OpenAI's tool_calls, role "tool", tools),
// and a chat record's chat_template_kwargs (the template's extra variables), as prepare reads them.
import { needArg, needPath } from '../util/api-args.ts';
import { loneSurrogateDetail } from '../data/clean.ts';
import { readingRecord } from '../data/ingest/number-spellings.ts';
import { parseWrittenJson } from '../data/ingest/python-json.ts';
import { roleRefusal, speakerName, toolCallField, toolCalls } from '../data/chat-record.ts';
import { holdsToolDefinitions, recordTools } from '../data/untrainable-fields.ts';
import { recordTemplateKwargs, TEMPLATE_KWARGS_FIELD } from '../data/template-kwargs-field.ts';
import { loneSurrogateIn } from '../data/record-checks.ts';
import { textOfParts } from '../data/layouts.ts';
import { textValue } from '../data/record-fields.ts';
import { UserError } from '../util/errors.ts';
import { isRecord, ownField, readJsonFile } from '../util/json-file.ts';
import { warn } from '../util/log.ts';
import { readRegularFile } from '../util/regular-file.ts';
import { chatRoleOf, encodeSequence, isToolRole, type ChatMessage, type ChatTemplateOptions, type TemplateMessage, type Tokenizer } from './types.ts';
import { callTextLeftOut } from './tool-use.ts';

/**
 * A prompt: plain text without the chat template, or messages rendered with it (with tool use, as applyChatTemplate
 * takes it: tool calls and results among the messages, the tools' definitions in `tools`; and the template's extra
 * variables, applyChatTemplate's `chatTemplateKwargs`, such as {enable_thinking: false}).
 */
export type Prompt = { raw: string } | { messages: readonly TemplateMessage[]; tools?: readonly unknown[] | null; chatTemplateKwargs?: Readonly<Record<string, unknown>> | null };

/** What a chat prompt gives its template beside the messages, as apply_chat_template(messages, tools=…, **kwargs) takes it. */
type PromptGiven = Pick<ChatTemplateOptions, 'tools' | 'chatTemplateKwargs'>;

/**
 * The prompt's token ids: the chat template's rendering as it is, or the raw text with BOS first when the tokenizer
 * adds it. A conversation that ends with an assistant message is continued (HF's continue_final_message, which its
 * text-generation pipeline chooses so): the rendering is cut after that message's text, before whatever the template
 * closes a turn with (Mistral's </s>), so the model writes on from it.
 */
export function encodePrompt(tokenizer: Tokenizer, prompt: Prompt): number[] {
  needArg('encodePrompt', 'tokenizer', tokenizer, 'object', { hint: 'loadTokenizer(folder)' });
  needArg('encodePrompt', 'prompt', prompt, 'object', { hint: "{raw: 'text'} or {messages: [{role: 'user', content: 'Hi'}]}" });
  const ids = encodeOnce(tokenizer, prompt);
  // nothing for the model to start from (generate's own check is a programmer's error, a stack trace in the CLI)
  if (ids.length === 0) {
    throw new UserError(`the prompt encodes to no tokens: ${'raw' in prompt ? 'an empty raw text, and the tokenizer adds no BOS' : "the model's chat template renders nothing for these messages"}`);
  }
  return ids;
}

function encodeOnce(tokenizer: Tokenizer, prompt: Prompt): number[] {
  if ('raw' in prompt) return encodeSequence(tokenizer, prompt.raw);
  const last = prompt.messages.at(-1), tools = prompt.tools ?? null, kwargs = prompt.chatTemplateKwargs ?? null;
  const options: PromptGiven = { ...(tools === null ? {} : { tools }), ...(kwargs === null ? {} : { chatTemplateKwargs: kwargs }) };
  const continuing = last?.role === 'assistant';
  if (continuing && isRecord(last) && toolCallField(last) !== undefined) {
    throw new UserError('the conversation ends with an assistant turn that calls tools: give their results after it (role "tool") for the model to answer from', `messages[${prompt.messages.length - 1}]`);
  }
  const render = (messages: readonly TemplateMessage[]): string => (continuing
    ? renderContinuing(tokenizer, messages as readonly ChatMessage[], options)
    : tokenizer.applyChatTemplate(messages, { ...options, addGenerationPrompt: true }));
  const text = render(prompt.messages);
  // as transformers leaves it out: said, where prepare refuses such a record
  const unsaid = callTextLeftOut(prompt.messages, text, render);
  if (unsaid >= 0) warn(`messages[${unsaid}].content is not rendered by the chat template beside the turn's tool calls (Mistral v0.3's renders the calls alone): the model does not see it, as with transformers' apply_chat_template`);
  return tokenizer.encode(text);
}

/** What transformers appends to the final message to find where the template wrote its end. */
const CONTINUE_TAG = 'CONTINUE_FINAL_MESSAGE_TAG ';

/**
 * The chat rendered up to the end of its final message's text, as transformers' continue_final_message does it: the
 * message is rendered with a tag after it and the rendering cut at the tag — and its trailing spaces dropped where
 * the template trimmed the tag's.
 */
function renderContinuing(tokenizer: Tokenizer, messages: readonly ChatMessage[], options: PromptGiven): string {
  const { message, content } = taggedFinalMessage(messages.length - 1, messages.at(-1)!);
  const tagged = messages.map((m, i) => (i === messages.length - 1 ? message : m));
  const rendered = tokenizer.applyChatTemplate(tagged, options);
  const at = rendered.lastIndexOf(CONTINUE_TAG.trim());
  if (at < 0 || !rendered.includes(content.trim())) {
    throw new UserError('the conversation ends with an assistant message to continue, but the chat template does not write its text as it is');
  }
  return rendered.slice(at, at + CONTINUE_TAG.length) === CONTINUE_TAG ? rendered.slice(0, at) : rendered.slice(0, at).trimEnd();
}

/**
 * The final message with the tag after its text, and that text: for a content of parts (OpenAI's, a library user's),
 * its last part with a text, as transformers picks it (a content of parts was cut at "[object Object]" here: a TypeError).
 */
function taggedFinalMessage(i: number, m: ChatMessage): { message: ChatMessage; content: string } {
  const content: unknown = m.content;
  if (typeof content === 'string') return { message: { ...m, content: content + CONTINUE_TAG }, content };
  const parts: readonly unknown[] = Array.isArray(content) ? content : [];
  for (let k = parts.length - 1; k >= 0; k--) {
    const part = parts[k];
    if (!isRecord(part) || !Object.hasOwn(part, 'text')) continue;
    const text = ownField(part, 'text');
    if (typeof text !== 'string') break;
    const taggedParts = parts.map((p, j) => (j === k ? { ...part, text: text + CONTINUE_TAG } : p));
    return { message: { ...m, content: taggedParts as unknown as string }, content: text };
  }
  throw new UserError('the conversation ends with an assistant message to continue, but it has no text to continue', `messages[${i}].content`);
}

/**
 * Reads a messages file: a non-empty JSON array of {role, content}, roles as prepare reads them (any case; developer =
 * system) and so is a content of OpenAI text parts (joined with newlines). A message's "name" (the speaker's) is kept
 * as given, as prepare keeps it and transformers hands it to the template (rendered where it reads message.name). Tool
 * use and chat_template_kwargs are refused (readPromptFile reads them).
 */
export function readMessagesFile(file: string): ChatMessage[] {
  needPath('readMessagesFile', 'file', file, 'file', 'the path of a JSON file of messages');
  return readMessages(file, false).messages as ChatMessage[];
}

/**
 * Refuses a part kept as given (tool calls, a call id, the tools, the template variables: named, with its value) that
 * holds half of a surrogate pair, which JSON can spell ("\\ud800"), as prepare rejects it: no text to render.
 */
function refuseLoneSurrogates(parts: ReadonlyArray<readonly [string, unknown]>, file: string): void {
  for (const [where, part] of parts) {
    const lone = loneSurrogateIn(part, where);
    if (lone !== null) throw new UserError(lone, file);
  }
}

/**
 * Reads a messages file as readMessagesFile does, with tool use as prepare reads it: an assistant turn's tool_calls
 * (its content null or empty beside them), a tool's result ({role: "tool", tool_call_id, content}), and the tools'
 * definitions of an object's "tools" (a chat record's, an OpenAI request body's), kept as given; and a chat record's
 * "chat_template_kwargs" (TRL's field: the template's extra variables; null and {} are none), as `chatTemplateKwargs`,
 * refused as prepare refuses it: a prompt for encodePrompt.
 */
export function readPromptFile(file: string): PromptFile {
  needPath('readPromptFile', 'file', file, 'file', 'the path of a JSON file of messages');
  return readMessages(file, true);
}

/** A messages file read: its messages, and its tools and chat template variables where it has them. */
type PromptFile = { messages: TemplateMessage[]; tools?: unknown[]; chatTemplateKwargs?: Record<string, unknown> };

/**
 * A messages file's messages, and its tools and chat template variables where `toolUse` reads them (else tool use is
 * refused, and so are the variables, which readMessagesFile's caller could not pass on).
 */
function readMessages(file: string, toolUse: boolean): PromptFile {
  const read = readJsonOrLines(file);
  // a chat record as prepare reads it and writes it ({"messages": [...]}, an OpenAI request body): its messages
  const value = isRecord(read) && Array.isArray(ownField(read, 'messages')) ? ownField(read, 'messages') : read;
  // a request body's tools, which the chat template would render: not dropped unsaid
  if (isRecord(read) && holdsToolDefinitions(read) && !toolUse) throw new UserError('"tools" holds tool definitions, which the chat template renders into the chat (apply_chat_template(tools=...)): ' +
    'readMessagesFile reads text turns only (readPromptFile reads tool use); or drop the field to generate from the messages without them', file);
  const tools = isRecord(read) && toolUse ? recordTools(read, 'chat') : null;
  if (tools !== null && !Array.isArray(tools)) throw new UserError(tools.detail, file);
  const kwargs = isRecord(read) ? recordTemplateKwargs(read, 'chat') : { kwargs: null };
  if (!('kwargs' in kwargs)) throw new UserError(kwargs.detail, file);
  if (kwargs.kwargs !== null && !toolUse) throw new UserError(`"${TEMPLATE_KWARGS_FIELD}" holds chat template variables, which the chat template renders the chat with (apply_chat_template(**kwargs)): ` +
    'readMessagesFile reads the messages only (readPromptFile reads them); or drop the field to generate from the messages without them', file);
  if (isRecord(value) && ownField(value, 'role') !== undefined) {
    throw new UserError('this is one message, not a list of them: write it in a JSON array, [{"role": "user", "content": "..."}]', file);
  }
  if (!Array.isArray(value) || value.length === 0) throw new UserError('expected a non-empty JSON array of {role, content}, or an object whose "messages" is one', file);
  const messages = value.map((m: unknown, i): TemplateMessage => {
    const named = isRecord(m) ? ownField(m, 'role') : undefined;
    const result = toolUse && isToolRole(named);
    const role = result ? 'tool' : chatRoleOf(named), given = isRecord(m) ? ownField(m, 'content') : undefined;
    // a role given but not ours ("human", "asistant") is named with what it likely means, as prepare names it
    if (role === null && typeof named === 'string') throw new UserError(roleRefusal(named, `messages[${i}].role`, false, 'generate'), file);
    const field = isRecord(m) ? toolCallField(m) : undefined;
    if (field !== undefined && !toolUse) throw new UserError(`messages[${i}] is a tool call ("${field}"): readMessagesFile reads text turns only (readPromptFile reads tool use)`, file);
    const calls = field !== undefined && role !== null ? toolCalls(m as Record<string, unknown>, role, `messages[${i}]`) : undefined;
    if (calls !== undefined && !Array.isArray(calls)) throw new UserError(calls.detail, file);
    const parts = textOfParts(given, `messages[${i}].content`);
    if (parts !== null && typeof parts !== 'string') throw new UserError(parts.detail, file);
    // a number or boolean is text, as prepare reads a chat record's content; a call's content may be null
    const content = parts ?? (isRecord(m) ? textValue('content', given, m) : null) ?? (calls !== undefined && (given === null || given === undefined) ? '' : null);
    if (role === null || typeof content !== 'string') {
      throw new UserError(`message ${i} must be {"role": "system"|"user"|"assistant"${toolUse ? '|"tool"' : ''}, "content": string}`, file);
    }
    // JSON can spell half a surrogate pair ("\ud800"): no text, which the tokenizer would encode as U+FFFD's bytes
    const lone = loneSurrogateDetail('content', content);
    if (lone !== null) throw new UserError(`message ${i}: ${lone}`, file);
    const callId = result ? ownField(m as Record<string, unknown>, 'tool_call_id') : undefined;
    refuseLoneSurrogates([[`messages[${i}].tool_calls`, calls], [`messages[${i}].tool_call_id`, callId]], file);
    // the speaker's name as prepare keeps it for training (chat-record.ts): a template reading message.name renders it
    const name = speakerName(m as Record<string, unknown>, `messages[${i}]`);
    if (typeof name === 'object') throw new UserError(name.detail, file);
    return {
      role, ...(name !== undefined ? { name } : {}), content,
      ...(calls !== undefined ? { tool_calls: calls } : {}), ...(callId !== undefined ? { tool_call_id: callId } : {}),
    };
  });
  refuseLoneSurrogates([['"tools"', tools], [`"${TEMPLATE_KWARGS_FIELD}"`, kwargs.kwargs]], file);
  return { messages, ...(tools === null ? {} : { tools }), ...(kwargs.kwargs === null ? {} : { chatTemplateKwargs: kwargs.kwargs }) };
}

/**
 * The file's JSON, with numbers as it spells them (3.50, where text is read). A file that is not JSON but JSON Lines
 * (one message a line, or prepare's records, one conversation a line) is refused as such, with what to write instead,
 * not read: the documented form is one JSON value, and a .jsonl of records holds many conversations where generate
 * takes one, so reading lines as one conversation's messages would guess.
 */
function readJsonOrLines(file: string): unknown {
  try {
    return readJsonFile(file, parseMessagesJson);
  } catch (e) {
    const lines = e instanceof UserError && e.what.startsWith('invalid JSON') ? jsonLines(readRegularFile(file).toString('utf8')) : null;
    if (lines === null) throw e;
    if (lines.every((v) => isRecord(v) && ownField(v, 'role') !== undefined)) {
      throw new UserError(`this is JSON Lines (${lines.length} messages, one a line): write the messages as one JSON array, [{"role": "user", "content": "..."}, ...]`, file);
    }
    if (lines.every((v) => isRecord(v) && Array.isArray(ownField(v, 'messages')))) {
      throw new UserError(`this is JSON Lines of ${lines.length} conversations (records, one a line): --messages takes one conversation, a JSON array of messages or one {"messages": [...]} object (one line of this file in a file of its own)`, file);
    }
    throw new UserError(`this is JSON Lines (${lines.length} JSON values, one a line), not one JSON value: write the messages as one JSON array, [{"role": "user", "content": "..."}, ...]`, file);
  }
}

/**
 * A messages file's JSON as Python's json.load reads it: NaN, Infinity and -Infinity too (as json.dumps writes a tool
 * call's nan and inf, and prepare's train.jsonl holds them: parseWrittenJson), each number's spelling noted, so that a
 * tool call's NaN is a float nan and 1.0 stays a float where the chat template renders them (python-numbers.ts).
 */
function parseMessagesJson(text: string): unknown {
  const value = parseWrittenJson(text);
  readingRecord(value); // the value whose numbers' spellings the tool calls, the tools and a number content ask for
  return value;
}

/** The values of a text of two or more non-blank lines that are each JSON; null where any is not, or fewer. */
function jsonLines(text: string): unknown[] | null {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length < 2) return null;
  const values: unknown[] = [];
  for (const line of lines) {
    try {
      values.push(parseWrittenJson(line)); // a train.jsonl's line may hold a tool call's NaN or Infinity, as json.dumps writes it
    } catch {
      return null;
    }
  }
  return values;
}
