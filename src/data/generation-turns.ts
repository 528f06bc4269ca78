// Assistant turns found by the chat template's own {% generation %} blocks (tokenize.ts chatSequence): TRL 1.13's
// assistant_only_loss trains the tokens transformers' return_assistant_tokens_mask marks, the tokens of each block's
// first to last character, whatever the template writes around them; a template that marks its turns so is followed.
import { commonPrefix } from './changed-span.ts';
import type { ChatTurn } from './record-shape.ts';
import type { Tokenizer } from '../tokenizer/types.ts';

/**
 * Each assistant turn's [start, end) tokens in `ids` (the encoding of `rendered`, the whole chat) by the blocks'
 * character spans `blocks`, by message index; null where there are no blocks or not one per assistant turn (the turns
 * are then found as for a template without blocks). A block's first token is the one holding its first character
 * (one that merges across its start is trained, as transformers' char_to_token marks it), its last the one holding its
 * last character (one that merges across its end too).
 */
export function blockTurnSpans(blocks: ReadonlyArray<readonly [number, number]> | null, messages: readonly ChatTurn[], rendered: string, ids: readonly number[], tok: Tokenizer): Map<number, [number, number]> | null {
  if (blocks === null || blocks.length === 0) return null;
  const turns = messages.flatMap((m, i) => (m.role === 'assistant' ? [i] : []));
  if (blocks.length !== turns.length || blocks.some(([s, e], k) => e < s || (k > 0 && s < blocks[k - 1]![1]))) return null;
  // the tokens before character c: those the text before it encodes to as the whole chat does, and the one after
  // them that holds c where that text ends inside a token of the chat
  const before = (c: number, withMerged: boolean) => {
    const head = tok.encode(rendered.slice(0, c));
    const k = commonPrefix(ids, head);
    return withMerged && k < head.length ? k + 1 : k;
  };
  return new Map(turns.map((i, k) => {
    const [s, e] = blocks[k]!;
    return [i, e > s ? [before(s, false), before(e, true)] : [0, 0]];
  }));
}
