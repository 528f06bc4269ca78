// transformers' logits processors that forbid tokens (their logit set to -Infinity) before the next one is chosen, greedy
// or sampled: no_repeat_ngram_size's NoRepeatNGramLogitsProcessor (no n-gram of the sequence twice) and the EOS ban of
// min_new_tokens / min_length (MinNewTokensLengthLogitsProcessor, MinLengthLogitsProcessor).

/**
 * NoRepeatNGramLogitsProcessor, in place: each token that would end an n-gram already in `seq` (prompt and generated
 * tokens) gets -Infinity — those that followed, earlier in `seq`, the n − 1 tokens `seq` ends with (n 1: every token of
 * `seq`). Nothing while `seq` is shorter than n − 1.
 */
export function banRepeatedNgrams(logits: Float32Array | Float64Array, seq: readonly number[], n: number): void {
  if (n <= 0 || seq.length + 1 < n) return;
  const tail = seq.length - (n - 1); // where the last n − 1 tokens start
  for (let start = 0; start + n <= seq.length; start++) {
    let same = true;
    for (let j = 0; j < n - 1 && same; j++) same = seq[start + j] === seq[tail + j];
    if (same) logits[seq[start + n - 1]!] = -Infinity;
  }
}

/**
 * The new tokens before which the EOS ids are banned, as transformers 5.17's generate() takes min_new_tokens and
 * min_length: min_new_tokens where given (it then sets min_length to the prompt's length plus it), else min_length
 * less the prompt's tokens.
 */
export function eosBannedFor(minNewTokens: number | undefined, minLength: number | undefined, promptLength: number): number {
  // a negative one bans nothing (HF's min_length below the prompt's); a fraction reaches here only where it bans nothing
  // (no EOS id, or below the prompt: refused by its kind otherwise), and is rounded up to an integer count
  if (minNewTokens !== undefined) return Math.max(0, Math.ceil(minNewTokens));
  return Math.max(0, Math.ceil((minLength ?? 0) - promptLength));
}

/** The EOS ban, in place: each of `ids` gets -Infinity. */
export function banIds(logits: Float32Array | Float64Array, ids: Iterable<number>): void {
  for (const id of ids) if (id >= 0 && id < logits.length) logits[id] = -Infinity;
}
