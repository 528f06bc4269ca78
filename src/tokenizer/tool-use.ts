// The parts of a chat that are tool use — an assistant's tool calls (tool_calls, the older function_call), a tool's
// result (a message of role "tool", or "tool_results", "function", "ipython"), the tool definitions
// (apply_chat_template's tools) — render only where the chat template reads them, as transformers renders them. A
// template that does not (the built-in [INST] one, Mistral v0.1's, Mistral v0.3's without its tool branches) would
// give the chat without them, unsaid: each part present is refused where the chat rendered without it is the same text.
// The rendering is compared, not the template's source: a template naming tool_calls only to refuse them, or in a
// branch these messages never take, renders none of them. A template that fails without the part reads it.
import { toolCallField } from '../data/chat-record.ts';
import { UserError } from '../util/errors.ts';
import { isRecord, ownField } from '../util/json-file.ts';
import type { TemplateMessage } from './types.ts';

/** The roles of a tool's result: OpenAI's "tool" (its older "function"), Mistral v0.3's template's "tool_results", Llama 3's "ipython". */
const TOOL_RESULT_ROLES: readonly unknown[] = ['tool', 'tool_results', 'function', 'ipython'];

/** The chat rendered with these messages and tools (null: none given). */
type Render = (messages: readonly TemplateMessage[], tools: readonly unknown[] | null) => string;

/** One part of tool use a chat holds: what it is (for the refusal) and the chat without it. */
interface ToolPart {
  what: string;
  messages: readonly TemplateMessage[];
  tools: readonly unknown[] | null;
}

/** The parts of tool use `messages` and `tools` hold: none for a chat of text turns. */
export function toolParts(messages: readonly TemplateMessage[], tools: readonly unknown[] | null): ToolPart[] {
  const parts: ToolPart[] = [];
  const call = messages.findIndex((m) => isRecord(m) && toolCallField(m) !== undefined);
  if (call >= 0) {
    const field = toolCallField(messages[call] as Record<string, unknown>)!;
    const withoutCalls = messages.map((m) => (isRecord(m) ? Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'tool_calls' && k !== 'function_call')) : m));
    parts.push({ what: `messages[${call}] holds a tool call ("${field}")`, messages: withoutCalls as TemplateMessage[], tools });
  }
  const result = messages.findIndex((m) => isRecord(m) && TOOL_RESULT_ROLES.includes(ownField(m, 'role')));
  if (result >= 0) {
    const role = String(ownField(messages[result] as Record<string, unknown>, 'role'));
    parts.push({ what: `messages[${result}] is a tool result (role "${role}")`, messages: messages.filter((m) => !(isRecord(m) && TOOL_RESULT_ROLES.includes(ownField(m, 'role')))), tools });
  }
  if (tools !== null && tools.length > 0) parts.push({ what: `options.tools holds ${tools.length === 1 ? 'a tool definition' : `${tools.length} tool definitions`}`, messages, tools: null });
  return parts;
}

/** The first of `parts` that the template does not render (`rendered`: the chat with every part), or null. */
export function unrenderedToolPart(parts: readonly ToolPart[], rendered: string, render: Render): ToolPart | null {
  for (const part of parts) {
    try {
      if (render(part.messages, part.tools) === rendered) return part;
    } catch {
      // the template reads the part: without it, it fails
    }
  }
  return null;
}

/** Why `part` is refused: `template` names the chat template that does not render it. */
export function toolUseRefusal(part: ToolPart, template: string): UserError {
  return new UserError(`${part.what}, which ${template} does not render: the chat would be rendered as it is without it; ` +
    "tool use needs a chat template that renders it (Mistral-7B-Instruct-v0.3's does)", 'applyChatTemplate');
}

/**
 * The first assistant turn whose text beside its tool calls the template does not render (Mistral v0.3's renders the
 * calls alone), or -1: the chat rendered with that text empty is the same (`rendered`, the chat as it is). The rendering
 * is compared, not the text searched for, which the chat may hold elsewhere (a user's "Sure").
 */
export function callTextLeftOut<M extends { readonly content?: unknown }>(messages: readonly M[], rendered: string, render: (messages: readonly M[]) => string): number {
  return messages.findIndex((m, i) => isRecord(m) && toolCallField(m) !== undefined && typeof m.content === 'string' && m.content.trim() !== '' &&
    render(messages.map((x, k) => (k === i ? { ...x, content: '' } : x))) === rendered);
}

/**
 * Whether a tool call of `messages` gives its arguments as JSON text (OpenAI's form: `"arguments": "{\"city\": …}"`)
 * that the template writes as a JSON string: one that writes arguments with tojson (Mistral v0.3's) writes the text
 * encoded again, as transformers does, where Mistral's models write arguments as an object. The chat is rendered with
 * each such text replaced by a marker that `rendered` (the chat as it is) holds in no form: the marker written as a
 * JSON string is where the template wrote an argument's text so, where the text itself, searched for, could be found
 * elsewhere too (a user quoting it as a JSON string). The marker holds a `"`, which a template that writes the text as
 * it is between quotes leaves unescaped. A template that fails on the marker (it reads the text) is asked by search.
 */
export function argumentsRenderedAsText<M>(messages: readonly M[], rendered: string, render: (messages: readonly M[]) => string): boolean {
  const texts = messages.flatMap((m) => callsOf(m).map(argumentsOf).filter((a): a is string => typeof a === 'string'));
  if (texts.length === 0) return false;
  let marker = 'mistral-tune "arguments"';
  while (rendered.includes(marker) || rendered.includes(JSON.stringify(marker).slice(1, -1))) marker += '#';
  const marked = messages.map((m) => {
    const calls = callsOf(m);
    if (!calls.some((c) => typeof argumentsOf(c) === 'string')) return m;
    const withMarkers = calls.map((c) => {
      if (typeof argumentsOf(c) !== 'string') return c;
      const call = c as Record<string, unknown>;
      return { ...call, function: { ...(call.function as Record<string, unknown>), arguments: marker } };
    });
    return { ...m, tool_calls: withMarkers };
  });
  try {
    return render(marked).includes(JSON.stringify(marker));
  } catch {
    return texts.some((text) => rendered.includes(JSON.stringify(text)));
  }
}

/** The tool calls of a message (OpenAI's tool_calls), or none. */
function callsOf(m: unknown): unknown[] {
  const calls = isRecord(m) ? ownField(m, 'tool_calls') : undefined;
  return Array.isArray(calls) ? calls : [];
}

/** A tool call's function.arguments, or undefined. */
function argumentsOf(c: unknown): unknown {
  const fn = isRecord(c) ? ownField(c, 'function') : undefined;
  return isRecord(fn) ? ownField(fn, 'arguments') : undefined;
}
