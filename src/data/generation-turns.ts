// Assistant turns found by the chat template's own {% generation %} blocks (turn-spans.ts turnSpans, for tokenize.ts
// chatSequence): TRL 1.13's assistant_only_loss trains the tokens transformers' return_assistant_tokens_mask marks, the
// tokens of each block's first to last character, whatever the template writes around them; a template that marks its
// turns so is followed.
import { commonPrefix } from './changed-span.ts';
import type { ChatTurn } from './record-shape.ts';
import type { Tokenizer } from '../tokenizer/types.ts';

/**
 * The tokens the blocks train: by assistant turn where there is one block per assistant turn, in order (`turns`: each
 * turn's [start, end), empty where its block has no token), else the [start, end) ranges of all the blocks (`union`:
 * TRL trains them whatever turn they are in — a block around the last turn only, nested blocks, two blocks in a turn).
 */
export type BlockTokens = { kind: 'turns'; turns: Map<number, [number, number]> } | { kind: 'union'; ranges: Array<[number, number]> };

/** Where the last character (code point, as Python counts them) of `text`'s first `end` UTF-16 units starts. */
function lastCharAt(text: string, end: number): number {
  return end >= 2 && /[\uDC00-\uDFFF]/.test(text[end - 1]!) && /[\uD800-\uDBFF]/.test(text[end - 2]!) ? end - 2 : end - 1;
}

/**
 * The tokens of `ids` (the encoding of `rendered`, the whole chat) that the blocks' character spans `blocks`
 * (generation-blocks.ts) train; null where the template has no blocks. As transformers maps a span to tokens: from the
 * token holding its first character to the one holding its last (the first that holds it: of a character's <0xNN>
 * byte tokens, the lead byte; a token that merges across either end is trained; an empty block trains the token
 * holding both its neighbours, if one does), to the chat's end where its last character is in no token or in the
 * first, and no further block once one starts past the chat's end.
 */
export function blockTokens(blocks: ReadonlyArray<readonly [number, number]> | null, messages: readonly ChatTurn[], rendered: string, ids: readonly number[], tok: Tokenizer): BlockTokens | null {
  if (blocks === null) return null;
  // the tokens the text before character c encodes to as the whole chat does; with `merged`, and the token that
  // text ends inside where it ends inside one of the chat's (so: the token holding c, and the one holding c - 1, + 1)
  const before = (c: number, merged: boolean) => {
    const head = tok.encode(rendered.slice(0, c));
    const k = commonPrefix(ids, head);
    if (k === head.length) return k;
    // the text before c ends inside the chat's tokens from k on: the one holding c (c - 1 with `merged`) is the first
    // whose text from k on reaches past it, several on when the two encodings part for more than one token ("b  " as
    // "▁▁" against the chat's "▁", "▁</")
    const at = tok.decode(head.slice(k), { skipSpecialTokens: false }).length - (merged ? 1 : 0);
    for (let j = k; j < Math.min(ids.length, head.length + 8); j++) {
      if (tok.decode(ids.slice(k, j + 1), { skipSpecialTokens: false }).length > at) return merged ? j + 1 : j;
    }
    return merged ? k + 1 : k;
  };
  const ranges: Array<[number, number]> = [];
  for (const [s, e] of blocks) {
    if (s >= rendered.length) break; // char_to_token: no token
    const first = before(s, false); // the token holding the first character
    let last = e >= 1 ? before(e, true) - 1 : null; // the one holding the last (before the first one: an empty block)
    // where several tokens hold the last character, char_to_token gives the first of them, and TRL trains the block up
    // to it: a character the vocabulary lacks, held by its UTF-8 bytes' <0xNN> tokens ("ꙮ" as <0xEA> <0x99> <0xAE>:
    // <0xEA>), or one after a special token, before which the normalizer's Prepend writes a "▁" of its own offsets
    // ("</s>\n" as </s> ▁ <0x0A>: the ▁). The first token holding it, found as a block's first token is.
    if (last !== null && e > s) last = Math.min(last, Math.max(first, before(lastCharAt(rendered, e), false)));
    ranges.push([first, Math.max(first, last ? last + 1 : ids.length)]);
  }
  const turns = messages.flatMap((m, i) => (m.role === 'assistant' ? [i] : []));
  const inOrder = blocks.every(([s, e], k) => e >= s && (k === 0 || s >= blocks[k - 1]![1]));
  if (blocks.length !== turns.length || !inOrder) return { kind: 'union', ranges };
  return { kind: 'turns', turns: new Map(turns.map((i, k) => [i, ranges[k] ?? [ids.length, ids.length]])) };
}
