// The check of an HF config key that holds a token id or a list of them (config.json's eos_token_id, and
// generation_config.json's): one shape for both files, which name a list's bad item by its place and value as the
// file has it (the whole list through JSON.stringify showed 1e309, read as Infinity, as null: "got [2,null]"); and the
// id lists that generation_config.json and generate()'s options both hold (suppress_tokens, bad_words_ids), one check for both.
// An eos_token_id may be negative (old LLaMA configs write -1): transformers 5.17 loads it with a warning and writes it
// back, and generate() never stops at it (no token has that id), as ours: `negativeOk`.

/** Whether `v` is a token id: an integer ≥ 0 that a float64 holds exactly. */
export function isTokenId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A list of token ids (an empty one is off: transformers' suppress_tokens). */
export function isIdList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every(isTokenId);
}

/** A non-empty list of non-empty token-id lists (transformers refuses an empty one, or one holding an empty list). */
export function isIdLists(v: unknown): v is number[][] {
  return Array.isArray(v) && v.length > 0 && v.every((ids) => Array.isArray(ids) && ids.length > 0 && ids.every(isTokenId));
}

/**
 * What is not a token id in `value` (an id, or a list of them): the first such item and its place (null: `value`
 * itself, not a list); null when none. `negativeOk`: a negative integer passes (an id that names no token).
 */
export function notATokenId(value: unknown, negativeOk = false): { item: number | null; got: unknown } | null {
  const ok = (v: unknown): boolean => isTokenId(v) || (negativeOk && typeof v === 'number' && Number.isSafeInteger(v));
  if (!Array.isArray(value)) return ok(value) ? null : { item: null, got: value };
  const item = value.findIndex((v) => !ok(v));
  return item < 0 ? null : { item, got: value[item] };
}
