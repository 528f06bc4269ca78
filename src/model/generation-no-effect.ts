// generation_config.json values that transformers 5.17's generate() takes and applies to nothing, which ours took as
// errors: a negative no_repeat_ngram_size or min_length (it builds their processor only above 0), a negative integer
// min_new_tokens (the min_length it sets, the prompt's length plus it, bans no EOS past the prompt; it still replaces the
// file's min_length: generation-config.ts keeps it) and a negative id in suppress_tokens or begin_suppress_tokens (no
// token has it). Taken here as off, each to be said as not applied. Reference: test/fixtures/hf-generation-number-kinds/
// (its "noeffect_" cases).

/** The list keys whose negative ids ban nothing. */
const ID_LISTS = ['suppress_tokens', 'begin_suppress_tokens'] as const;

const negative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v < 0;

/**
 * `config` (a generation_config.json, or config.json's generation keys) with those values made off: a negative
 * no_repeat_ngram_size or min_length left out, negative ids left out of the id lists (the same object where there is
 * none); and each such value as said ("no_repeat_ngram_size -1", "suppress_tokens' id -1"), min_new_tokens's too.
 */
export function withoutNoEffectValues(config: Record<string, unknown>): { config: Record<string, unknown>; noEffect: string[] } {
  const noEffect: string[] = [];
  const out: Record<string, unknown> = { ...config };
  for (const key of ['no_repeat_ngram_size', 'min_length'] as const) {
    if (!negative(config[key])) continue;
    noEffect.push(`${key} ${config[key]}`);
    delete out[key];
  }
  if (Number.isSafeInteger(config.min_new_tokens) && negative(config.min_new_tokens)) noEffect.push(`min_new_tokens ${config.min_new_tokens}`);
  for (const key of ID_LISTS) {
    const ids = config[key];
    if (!Array.isArray(ids) || !ids.some((id) => Number.isSafeInteger(id) && negative(id))) continue;
    const dropped = ids.filter((id) => Number.isSafeInteger(id) && negative(id));
    noEffect.push(`${key}' id${dropped.length > 1 ? 's' : ''} ${dropped.join(', ')}`);
    out[key] = ids.filter((id) => !dropped.includes(id));
  }
  return noEffect.length > 0 ? { config: out, noEffect } : { config, noEffect };
}

/** Whether `v` is a min_new_tokens that transformers takes with no effect (a negative integer): generation-config.ts takes it. */
export function isNoEffectMinNewTokens(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) < 0;
}
