// prepare's token-length limits of one record (--min-tokens, --max-tokens, --overflow): its length as the trainer
// builds the sequence, or the reason it is rejected.
import { isUserError } from '../util/errors.ts';
import type { OptionWords } from '../util/option-words.ts';
import { NoDefaultTemplateError } from '../tokenizer/tokenizer-config.ts';
import type { Tokenizer } from '../tokenizer/types.ts';
import type { DataRecord, FieldMap, Reason } from './record-shape.ts';
import { blocksTrainNone, fullyMaskedWithin, sequenceLength, tokenizeRecord } from './tokenize.ts';

export interface TokenLimits {
  minTokens?: number;
  maxTokens?: number;
  overflow: 'reject' | 'truncate';
}

/**
 * The tokens `record` keeps (cut: true where --overflow truncate cuts it to --max-tokens), or the reason it is rejected:
 * untokenizable, too_short, too_long (--overflow reject), or fully_masked — a chat whose template's {% generation %}
 * blocks mark none of its tokens (whatever train_on the run will use, which prepare does not know: as for the default),
 * or cut to --max-tokens, its prompt fills the
 * tokens kept and nothing is left to train, a row loading drops with train_on: assistant (a pre-tokenized row: its labels
 * mask them, and loading drops it whatever train_on says).
 */
export function tokenVerdict(record: DataRecord, tok: Tokenizer, limits: TokenLimits, words: OptionWords, fields?: FieldMap):
  { tokens: number; cut: boolean } | { reason: Reason; detail: string } {
  const { minTokens, maxTokens, overflow } = limits;
  let tokens: number, fullyMasked = false, untrained = false;
  try {
    ({ tokens, untrained } = lengthAndBlocksTrainNone(record, tok, fields));
    fullyMasked = overflow === 'truncate' && maxTokens !== undefined && tokens > maxTokens && fullyMaskedWithin(record, tok, maxTokens, fields);
  } catch (err) {
    // the tokenizer has no template to render any chat with: said once, not as a rejection of each chat record
    if (!isUserError(err) || err instanceof NoDefaultTemplateError) throw err;
    return { reason: 'untokenizable', detail: err.message };
  }
  if (untrained) {
    return {
      reason: 'fully_masked',
      detail: `${tokens} tokens, none to train: the chat template's {% generation %} blocks mark none of them (TRL's assistant_only_loss trains none), and training with train_on: assistant (the default) drops it; prepare does not know the run's train_on: a train_on: all run, which trains every token, keeps it reading the raw file itself`,
    };
  }
  if (minTokens !== undefined && tokens < minTokens) return { reason: 'too_short', detail: `${tokens} tokens, fewer than ${words.say('minTokens')} ${minTokens}` };
  if (maxTokens === undefined || tokens <= maxTokens) return { tokens, cut: false };
  if (overflow === 'reject') return { reason: 'too_long', detail: `${tokens} tokens, more than ${words.say('maxTokens')} ${maxTokens}` };
  if (fullyMasked && record.shape === 'pretokenized') {
    // its own labels mask the tokens kept: train_on does not apply to a pre-tokenized row
    return {
      reason: 'fully_masked',
      detail: `${tokens} tokens: cut to ${words.say('maxTokens')} ${maxTokens}, no token to train is left (its labels are -100 up to there); loading at that length would drop it (leave ${words.say('maxTokens')} out to keep it)`,
    };
  }
  if (fullyMasked) {
    return {
      reason: 'fully_masked',
      detail: `${tokens} tokens: cut to ${words.say('maxTokens')} ${maxTokens}, no token to train is left (the prompt fills them); training at that length with train_on: assistant (the default) would drop it (train_on: all would train the prompt: leave ${words.say('maxTokens')} out to keep it)`,
    };
  }
  return { tokens: maxTokens, cut: true };
}

/**
 * sequenceLength and blocksTrainNone of a record at once: a chat whose template's {% generation %} blocks are followed is
 * built once (its row is null where nothing of it is trained, as blocksTrainNone finds: fullyMaskedWithin at no length
 * limit), not rendered and encoded again for the second (a third of prepare's time on such a template).
 */
function lengthAndBlocksTrainNone(record: DataRecord, tok: Tokenizer, fields?: FieldMap): { tokens: number; untrained: boolean } {
  if (record.shape !== 'chat' || tok.followsGenerationBlocks?.(record.tools) !== true) return { tokens: sequenceLength(record, tok, fields), untrained: blocksTrainNone(record, tok, fields) };
  const r = tokenizeRecord(record, tok, { fields });
  return { tokens: r.length, untrained: r.row === null };
}
