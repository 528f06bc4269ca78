// What a record holds, seen five ways: the key of exact deduplication, the parts compared for near-duplicates and what
// else a chat is rendered with (only records rendered with the same are compared), the text fields the checks read, and the fields written to train/val/test.jsonl.
import type { ChatTurn } from './record-shape.ts';
import { canonicalJson, pythonJson } from './python-numbers.ts';
import type { DataRecord } from './record-shape.ts';
import { CANONICAL_NAMES, turnName, type FieldNames } from './field-names.ts';
import { invisibleFold } from './invisible-fold.ts';

/**
 * What a chat is rendered with beside its turns (its tools, its template variables) as pythonJson, once per object:
 * textFields is read twice per record (the HTML and the record checks) and contentKeys keys on it, each of which wrote
 * a tool list of kilobytes again. Records are not changed once read, so an object's JSON stays its JSON.
 */
const writtenJson = new WeakMap<object, string>();
function pythonJsonOnce(v: object): string {
  let j = writtenJson.get(v);
  if (j === undefined) writtenJson.set(v, j = pythonJson(v));
  return j;
}

/**
 * canonicalJson of a chat's tools or template variables, sorted and written once per distinct value, not once per record:
 * a million chats that share a tool list of 20 KB each sorted it again (about 25 minutes). Records read apart hold
 * objects of their own, so the value is known by its pythonJson, which tells apart every two values canonicalJson
 * does (the same text is the same value in the same key order: a float 1.0 is written apart from the int 1). The
 * texts kept are bounded (CANONICAL_CACHE_CHARS; forgotten all at once past it), for data whose every record has
 * tools of its own.
 */
const canonicalOfWritten = new Map<string, string>();
const CANONICAL_CACHE_CHARS = 1 << 24;
let canonicalCachedChars = 0;
/** The canonical JSON of `v` as a JSON string (JSON.stringify of it: the form contentKeys writes it in, escaped once too). */
function sharedCanonicalJson(v: object): string {
  const written = pythonJsonOnce(v);
  let c = canonicalOfWritten.get(written);
  if (c === undefined) {
    c = JSON.stringify(canonicalJson(v));
    if (canonicalCachedChars + written.length + c.length > CANONICAL_CACHE_CHARS) {
      canonicalOfWritten.clear();
      canonicalCachedChars = 0;
    }
    canonicalOfWritten.set(written, c);
    canonicalCachedChars += written.length + c.length;
  }
  return c;
}

/**
 * Lets go of the canonical JSON kept by sharedCanonicalJson (up to CANONICAL_CACHE_CHARS: 16M characters, tens of MB):
 * prepare calls it when it ends, so that a library user's process does not hold its last run's tools after it.
 */
export function forgetSharedCanonicalJson(): void {
  canonicalOfWritten.clear();
  canonicalCachedChars = 0;
}

/** How many characters sharedCanonicalJson keeps now (its texts and their keys): for tests. */
export function sharedCanonicalJsonChars(): number {
  return canonicalCachedChars;
}

/** A chat turn's tool use (its calls, the call its result answers), as canonical JSON; '' for a turn of text only. */
function toolUseOf(m: ChatTurn): string {
  return m.tool_calls === undefined && m.tool_call_id === undefined ? '' : canonicalJson([m.tool_calls ?? null, m.tool_call_id ?? null]);
}

/**
 * Content that identifies a record for exact deduplication (a classification label is left out; a text's soft hyphens and
 * a ZWJ after a Latin, Greek or Cyrillic letter, which render as nothing there, too: invisible-fold.ts).
 */
export function canonicalContent(r: DataRecord): string {
  return contentKeys(r).content;
}

/**
 * A record's canonicalContent and renderedWith: what else a chat is rendered with beside its turns, its tool definitions
 * and template variables (chat_template_kwargs), as canonical JSON (key order aside); '' for a record rendered from its
 * turns or text alone. Near-dedup compares records rendered with the same only: they are not among comparableParts (a
 * system prompt's reason: shared tools would make distinct chats look alike, and {"enable_thinking": false} is too short
 * a text to tell a chat from its copy with true), yet the same turns rendered with others are another training text.
 * Both from one canonical JSON of the tools and variables: for a chat with a few tools it takes most of the time.
 */
export function contentKeys(r: DataRecord): { content: string; renderedWith: string } {
  if (r.shape === 'chat') {
    // a turn given as context (weight 0) is marked: the same text with other turns trained is another example
    // tool use (calls, results' call ids, the tools) as canonical JSON, only where a chat has it (keys as before else);
    // the template variables too, marked as such: the same turns rendered with others are another example
    // a speaker's name, which the template may render, marked as such where a turn has one
    const turns = r.messages.map((m) => [m.role, invisibleFold(m.content), ...(m.weight === 0 ? [0] : []), ...(toolUseOf(m) === '' ? [] : [toolUseOf(m)]),
      ...(m.name === undefined ? [] : [['name', m.name]])]);
    // as JSON strings, escaped once per distinct value (sharedCanonicalJson), and joined as JSON.stringify joins an array's
    // items: content is JSON.stringify(['chat', turns, tools?, ['chat_template_kwargs', kwargs]?]), renderedWith
    // JSON.stringify([tools, kwargs]), with null for either that is not given
    const tools = r.tools === undefined ? null : sharedCanonicalJson(r.tools), kwargs = r.chatTemplateKwargs === undefined ? null : sharedCanonicalJson(r.chatTemplateKwargs);
    return {
      content: `["chat",${JSON.stringify(turns)}${tools === null ? '' : `,${tools}`}${kwargs === null ? '' : `,["chat_template_kwargs",${kwargs}]`}]`,
      renderedWith: tools === null && kwargs === null ? '' : `[${tools ?? 'null'},${kwargs ?? 'null'}]`,
    };
  }
  return { content: otherContent(r), renderedWith: '' };
}

function otherContent(r: Exclude<DataRecord, { shape: 'chat' }>): string {
  switch (r.shape) {
    case 'text': return JSON.stringify(['text', invisibleFold(r.text)]);
    case 'prompt_completion': return JSON.stringify(['prompt_completion', invisibleFold(r.prompt), invisibleFold(r.completion)]);
    case 'classification': return JSON.stringify(['classification', invisibleFold(r.text)]);
    case 'pretokenized': return JSON.stringify(['pretokenized', r.inputIds, r.labels ?? null]);
  }
}

/**
 * The parts compared for near-duplicates, each of which must be nearly the same (null: pre-tokenized records are
 * only deduplicated exactly): the text; the prompt and the completion; a chat's context (user turns and assistant
 * turns of weight 0) and its trained assistant turns, its system turn left out — a prompt template or system prompt that every record shares would otherwise
 * make distinct examples look alike. Each part is as it is compared: lower-cased and compatibility-folded (NFKC), so that
 * text that reads the same is the same — full-width letters and digits (`ｈｅｌｌｏ　１２３`), ligatures a PDF's text
 * keeps (`ﬁ`) — and a copy so written in another split is no leak.
 */
export function comparableParts(r: DataRecord): string[] | null {
  const parts = ((): string[] | null => {
    switch (r.shape) {
      case 'text':
      case 'classification': return [r.text];
      case 'prompt_completion': return [r.prompt, r.completion];
      case 'chat': {
        const trained = (m: ChatTurn): boolean => m.role === 'assistant' && m.weight !== 0;
        // a tool call is compared as the text of its calls; the tool definitions are left out as the system turn is
        // (records rendered with other tools or template variables are not compared: contentKeys)
        const text = (m: ChatTurn): string => (m.tool_calls === undefined ? m.content : [m.content, canonicalJson(m.tool_calls)].filter((x) => x !== '').join('\n'));
        return [false, true].map((t) => r.messages.filter((m) => m.role !== 'system' && trained(m) === t).map(text).join('\n'));
      }
      case 'pretokenized': return null;
    }
  })();
  return parts === null ? null : parts.map(foldForComparison);
}

/** `text` lower-cased, compatibility-folded (NFKC) when it holds a character beyond ASCII (ASCII text is its own NFKC). */
function foldForComparison(text: string): string {
  return (/[^\x00-\x7f]/.test(text) ? text.normalize('NFKC') : text).toLowerCase();
}

/**
 * A text field of a record, whether it is an answer (a completion, an assistant turn) rather than what is answered, and
 * its name in a rejection's detail (`"prompt"`, `messages[2].content`).
 */
export interface TextField {
  text: string;
  answer: boolean;
  name: string;
  /** A field kept as given, not normalised nor stripped of HTML: a tool call's JSON. */
  asGiven?: true;
  /** The template variables (chat_template_kwargs): checked for a special token's text entry by entry (kwargsToCheck). */
  variables?: true;
}

/** A tool result's call id as the template renders it: a string as it is, another value as Python's JSON of it. */
export function callIdText(id: unknown): string {
  return typeof id === 'string' ? id : pythonJson(id);
}

/** Every text field of a record, for checks that apply to all of them, each named as `names` says the input names it. */
export function textFields(r: DataRecord, names: FieldNames = CANONICAL_NAMES): TextField[] {
  const { fields: f } = names;
  switch (r.shape) {
    case 'text':
    case 'classification': return [{ text: r.text, answer: false, name: `"${f.text}"` }];
    case 'prompt_completion': return [{ text: r.prompt, answer: false, name: `"${f.prompt}"` }, { text: r.completion, answer: true, name: `"${f.completion}"` }];
    // a tool call's text (its calls' JSON: names, arguments) is checked as an answer's, for a special token's text
    // the tool definitions and template variables too, which the template renders into the prompt
    case 'chat': return [...r.messages.flatMap((m, i) => [
      { text: m.content, answer: m.role === 'assistant', name: turnName(names, i).content },
      ...(m.name === undefined ? [] : [{ text: m.name, answer: false, name: `${turnName(names, i).turn}.name`, asGiven: true as const }]),
      ...(m.tool_calls === undefined ? [] : [{ text: pythonJson(m.tool_calls), answer: true, name: `${turnName(names, i).turn}.tool_calls`, asGiven: true as const }]),
      // a tool result's call id: rendered too (v0.3's [TOOL_RESULTS] {"call_id": …})
      ...(m.tool_call_id === undefined ? [] : [{ text: callIdText(m.tool_call_id), answer: false, name: `${turnName(names, i).turn}.tool_call_id`, asGiven: true as const }]),
    ]), ...(r.tools === undefined ? [] : [{ text: pythonJsonOnce(r.tools), answer: false, name: '"tools"', asGiven: true as const }]),
    ...(r.chatTemplateKwargs === undefined ? [] : [{ text: pythonJsonOnce(r.chatTemplateKwargs), answer: false, name: '"chat_template_kwargs"', asGiven: true as const, variables: true as const }])];
    case 'pretokenized': return [];
  }
}

/** The record's fields as written to train/val/test.jsonl (after "id" and "source"), in a fixed key order. */
export function recordFields(r: DataRecord): Record<string, unknown> {
  switch (r.shape) {
    case 'text': return { text: r.text };
    case 'prompt_completion': return { prompt: r.prompt, completion: r.completion };
    case 'chat': {
      const messages = r.messages.map((m) => ({
        role: m.role, ...(m.name === undefined ? {} : { name: m.name }), content: m.content,
        ...(m.tool_calls === undefined ? {} : { tool_calls: m.tool_calls }), ...(m.tool_call_id === undefined ? {} : { tool_call_id: m.tool_call_id }),
        ...(m.weight === 0 ? { weight: 0 } : {}),
      }));
      return { messages, ...(r.tools === undefined ? {} : { tools: r.tools }), ...(r.chatTemplateKwargs === undefined ? {} : { chat_template_kwargs: r.chatTemplateKwargs }) };
    }
    case 'classification': return { text: r.text, label: r.label };
    case 'pretokenized': {
      const o: Record<string, unknown> = { input_ids: r.inputIds };
      if (r.labels) o.labels = r.labels;
      if (r.label !== undefined) o.label = r.label;
      return o;
    }
  }
}
