// Where an assistant turn lies in the tokens of a whole chat whose template renders it otherwise once the chat goes on
// (Mistral v0.3's system message in the last user turn only, a reasoning template dropping earlier thinking): the tokens
// its content changes (turn-spans.ts turnSpan, for tokenize.ts chatSequence).
import type { ChatTurn } from './record-shape.ts';

/** The length of the common suffix of a and b, at most `max`. */
function commonSuffix(a: readonly number[], b: readonly number[], max: number): number {
  const n = Math.min(a.length, b.length, max);
  let i = 0;
  while (i < n && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  return i;
}

/** The length of the common prefix of a and b. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * The tokens of the whole chat `ids` that message i's content changes, and the tokens the template closes the turn
 * with after them (an EOS, an end-of-turn marker): the chat is rendered with the content replaced by two texts, "a"
 * and "b" (or "c" for a content rendered as one of them; no content's first token is both "▁a" and "▁b", nor its
 * last both "a" and "b"), and the span runs from the first token either changes to the last one; the closing is
 * what `through` (the chat rendered up to and with the turn) has after the content, found the same way, as far as
 * the whole chat has it there too. A turn that calls tools has its calls replaced instead (each call's function by
 * {name: "a", arguments: {}}), and starts where the whole chat differs from it rendered without the turn and the tool
 * results that follow it (with a text answer instead where the chat ends with the calls): what the template writes
 * before the calls ([TOOL_CALLS] [{"name": ") is the turn's too.
 */
export function changedSpan(messages: readonly ChatTurn[], i: number, ids: readonly number[], through: readonly number[], encodeChat: (ms: readonly ChatTurn[]) => number[]): [number, number] {
  const turn = messages[i]!;
  // the turn's name kept: a template that renders it before the content (a speaker's label) changes only the content
  const variant = (c: string): ChatTurn => turn.tool_calls === undefined ? { ...turn, content: c }
    : { ...turn, tool_calls: turn.tool_calls.map((call) => ({ ...(call as object), function: { name: c, arguments: {} } })) };
  const withVariant = (c: string, upTo: number) => encodeChat(messages.slice(0, upTo).map((m, k) => (k === i ? variant(c) : m)));
  let [start, end] = changedRange(ids, replaced(ids, (c) => withVariant(c, messages.length)));
  if (turn.tool_calls !== undefined) {
    let results = i + 1;
    while (messages[results]?.role === 'tool') results++;
    // a chat that ends with the calls ends with an assistant turn still (v0.3 renders the system message otherwise)
    const others = results < messages.length ? messages.slice(results) : [{ role: 'assistant' as const, content: 'a' }];
    try {
      start = Math.min(start, commonPrefix(ids, encodeChat([...messages.slice(0, i), ...others])));
    } catch {
      // a template that refuses the chat so (a result without its call): the calls' own span
    }
  }
  const closing = through.slice(changedRange(through, replaced(through, (c) => withVariant(c, i + 1)))[1]);
  return [start, end + commonPrefix(closing, ids.slice(end))];
}

/**
 * `ids` rendered with the content replaced by two of "a", "b", "c" whose rendering is not `ids` itself: a content
 * that renders as one of them (an answer "a") would show no change, and the span would run to the chat's end.
 */
function replaced(ids: readonly number[], render: (content: string) => number[]): number[][] {
  const out: number[][] = [];
  for (const c of ['a', 'b', 'c']) {
    const other = render(c);
    if (other.length !== ids.length || other.some((id, t) => id !== ids[t])) out.push(other);
    if (out.length === 2) break;
  }
  return out;
}

/** [first, last + 1) of the tokens of `ids` that differ from any of `others` (compared from both ends). */
function changedRange(ids: readonly number[], others: ReadonlyArray<readonly number[]>): [number, number] {
  let start = ids.length, end = 0;
  for (const other of others) {
    const prefix = commonPrefix(ids, other);
    start = Math.min(start, prefix);
    end = Math.max(end, ids.length - commonSuffix(ids, other, Math.min(ids.length, other.length) - prefix));
  }
  return [start, end];
}
