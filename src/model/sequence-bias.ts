// transformers' SequenceBiasLogitsProcessor (sequence_bias) and NoBadWordsLogitsProcessor (bad_words_ids, a bias of
// -Infinity): a token's logit gets the bias of each listed sequence it would complete — one of one token always, one of
// n tokens where the text (prompt and new tokens) ends with its first n − 1.
import { UserError } from '../util/errors.ts';
import { boundedItemsText } from '../util/bounded-json.ts';

/** One biased sequence: its token ids and the bias added to its last token's logit. */
export type SequenceBias = readonly [ids: readonly number[], bias: number];

/**
 * The sequences as transformers 5.17 keys them (a dict by the ids): a sequence listed twice keeps its first place and
 * its last bias. Ids ≥ `vocabSize` are refused, as its processor's first call refuses them (ValueError).
 */
export function prepareSequenceBias(entries: readonly SequenceBias[], vocabSize: number, key: string): SequenceBias[] {
  const byIds = new Map<string, SequenceBias>();
  for (const [ids, bias] of entries) byIds.set(ids.join(','), [ids, bias]);
  refuseIdsPastVocab(entries.map(([ids]) => ids), vocabSize, key, 'generate');
  return [...byIds.values()];
}

/** Ids of `idLists` ≥ `vocabSize` refused in one line naming `what` (at `where`), as transformers' processor refuses them (ValueError). */
export function refuseIdsPastVocab(idLists: readonly (readonly number[])[], vocabSize: number, what: string, where?: string): void {
  const outside = idLists.flatMap((ids) => ids.filter((id) => id >= vocabSize));
  if (outside.length > 0) throw new UserError(`${what} names token ids ${boundedItemsText(outside)}: the model's vocabulary has ${vocabSize} (ids 0..${vocabSize - 1})`, where);
}

/**
 * The bias, in place, as transformers adds it: the one-token sequences' bias, then each longer one's whose first n − 1
 * ids end `seq` (one longer than `seq` is skipped), summed per token in float32 (its bias tensor's dtype) and added.
 */
export function applySequenceBias(logits: Float32Array | Float64Array, seq: readonly number[], entries: readonly SequenceBias[]): void {
  const f = logits instanceof Float32Array ? Math.fround : (x: number): number => x;
  const bias = new Map<number, number>();
  for (const [ids, b] of entries) if (ids.length === 1) bias.set(ids[0]!, f(b));
  for (const [ids, b] of entries) {
    if (ids.length === 1 || ids.length > seq.length) continue;
    const start = seq.length - (ids.length - 1);
    let match = true;
    for (let j = 0; j < ids.length - 1 && match; j++) match = seq[start + j] === ids[j];
    if (!match) continue;
    const last = ids.at(-1)!;
    bias.set(last, f((bias.get(last) ?? 0) + f(b)));
  }
  for (const [id, b] of bias) logits[id] = logits[id]! + b;
}

/**
 * bad_words_ids as NoBadWordsLogitsProcessor takes them: a bias of -Infinity each, less the one-token words that are an
 * EOS id (transformers drops those, so a bad word equal to the EOS still ends generation).
 */
export function badWordsBias(badWordsIds: readonly (readonly number[])[], eosIds: ReadonlySet<number>): SequenceBias[] {
  return badWordsIds.filter((ids) => !(ids.length === 1 && eosIds.has(ids[0]!))).map((ids) => [ids, -Infinity] as const);
}
