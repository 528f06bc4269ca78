// Where a chat's assistant turns are among the tokens of the whole chat (tokenize.ts chatSequence trains them): the
// template's {% generation %} blocks where it has them (generation-turns.ts), else the tokens each turn adds to the chat
// rendered up to it.
import { UserError } from '../util/errors.ts';
import { FOLLOWABLE_BLOCKS_WAY_OUT } from '../tokenizer/generation-block-places.ts';
import { generationMarks, MARK_SETS } from '../tokenizer/generation-blocks.ts';
import type { Tokenizer } from '../tokenizer/types.ts';
import { changedSpan, commonPrefix } from './changed-span.ts';
import { renderChat, templateMessages, type ChatGiven } from './chat-render.ts';
import { turnName, type FieldNames } from './field-names.ts';
import { blockTokens } from './generation-turns.ts';
import type { ChatTurn } from './record-shape.ts';

/**
 * [start, end) of the tokens of assistant turns `turns` in the whole chat `ids` (the encoding of `rendered`): those of
 * the template's {% generation %} blocks where it has one per assistant turn (`blocks` 'turns'; a turn whose block has
 * no token has an empty span), else, where it has blocks, every block's tokens whatever turn they are in ('union',
 * sorted by end, empty ones left out) — but where an assistant turn has weight 0, which those cannot leave out, and
 * where the template has none (or `withBlocks` is false) — turnSpan's (`blocks` null; the first turn's alone with
 * `firstOnly`). With `refuseUnfollowed` (train_on assistant), a chat whose blocks the marks cannot follow
 * (generationSpans null: a trim cut the output, the chat holds a character of every set of marks) is refused, not found so.
 */
export function turnSpans(messages: readonly ChatTurn[], turns: readonly number[], given: ChatGiven, rendered: string, ids: readonly number[], tok: Tokenizer, names: FieldNames, firstOnly = false, withBlocks = true, refuseUnfollowed = false): { spans: Array<[number, number]>; blocks: 'turns' | 'union' | null } {
  const blockSpans = withBlocks ? tok.generationSpans?.(templateMessages(messages), given, rendered) ?? null : null;
  if (blockSpans === null && withBlocks && refuseUnfollowed && tok.followsGenerationBlocks?.(given.tools) === true) {
    // the turns found without the blocks would be another mask than TRL's
    if (generationMarks(rendered) === null) {
      throw new UserError(`the chat holds a character of each of the ${MARK_SETS} sets of noncharacters (U+FDD0–U+FDEF, four a set) that mark the chat `
        + 'template\'s {% generation %} blocks, so none can mark them in it: remove those noncharacters from the chat, or train with train_on: all');
    }
    throw new UserError('the chat template\'s {% generation %} blocks cannot be followed in this chat as transformers marks them: the chat rendered with '
      + 'their marks left out is not the chat (a `| trim` that cuts some of a block\'s macro output); ' + FOLLOWABLE_BLOCKS_WAY_OUT);
  }
  const found = blockTokens(blockSpans, messages, rendered, ids, tok);
  if (found?.kind === 'turns') return { spans: turns.map((i) => found.turns.get(i)!), blocks: 'turns' };
  if (found?.kind === 'union' && !messages.some((m) => m.role === 'assistant' && m.weight === 0)) {
    return { spans: found.ranges.filter(([s, end]) => end > s).sort((a, b) => a[1] - b[1]), blocks: 'union' };
  }
  return { spans: (firstOnly ? turns.slice(0, 1) : turns).map((i) => turnSpan(messages, i, given, ids, tok, names)), blocks: null };
}

/** [start, end) of assistant turn i's tokens in the whole chat `ids`, with the EOS that closes it (chatSequence). */
function turnSpan(messages: readonly ChatTurn[], i: number, given: ChatGiven, ids: readonly number[], tok: Tokenizer, names: FieldNames): [number, number] {
  const encodeChat = (ms: readonly ChatTurn[], addGenerationPrompt = false) => tok.encode(renderChat(tok, ms, given, addGenerationPrompt));
  const before = encodeChat(messages.slice(0, i), true);
  const through = encodeChat(messages.slice(0, i + 1));
  let start = commonPrefix(ids, before), end = commonPrefix(ids, through);
  if (start < before.length - 1 || end < through.length - 1) [start, end] = changedSpan(messages, i, ids, through, encodeChat);
  if (end <= start) throw new UserError(`${turnName(names, i).turn}: the chat template renders no tokens of this assistant turn in the whole chat`);
  // an EOS right after the turn closes it (a template that writes one only once the chat goes on)
  const e = tok.eosId; // (its callers refuse a tokenizer without one first)
  if (ids[end] === e && !ids.slice(start, end).includes(e)) end++;
  return [start, end];
}
