// generation_config.json values that transformers 5.17's generate() takes and applies to nothing, which ours took as
// errors: a negative no_repeat_ngram_size or min_length (it builds their processor only above 0), a negative integer
// min_new_tokens, a fractional one too (the min_length it sets, the prompt's length plus it, bans no EOS past the prompt;
// it still replaces the file's min_length: generation-config.ts keeps it, and refuses the fraction where that min_length
// is above 0), a fractional min_new_tokens or min_length in a file with no eos_token_id (HF builds neither processor
// without an EOS id, so checks neither number), and a negative or fractional id in suppress_tokens or
// begin_suppress_tokens (torch.isin finds no token with it). Taken here as off, each to be said as not applied, with its own reason.
// Reference: test/fixtures/hf-generation-number-kinds/ (its "noeffect_" cases).
import { isTokenId } from './token-id-list.ts';
import { boundedItemsText } from '../util/bounded-json.ts';

/** The list keys whose negative ids ban nothing. */
const ID_LISTS = ['suppress_tokens', 'begin_suppress_tokens'] as const;

/** Why a negative count is not applied: transformers builds its processor only above 0. */
const OFF = '≤ 0 is off';

const negative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v < 0;
const fractional = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v);

/**
 * `config` (a generation_config.json, or config.json's generation keys) with those values made off: a negative
 * no_repeat_ngram_size or min_length left out, negative ids left out of the id lists (the same object where there is
 * none); and each such value as said, with why ("no_repeat_ngram_size -1 (≤ 0 is off)", "suppress_tokens' id -1 (names no token)"), min_new_tokens's too.
 */
export function withoutNoEffectValues(config: Record<string, unknown>): { config: Record<string, unknown>; noEffect: string[] } {
  const noEffect: string[] = [];
  const out: Record<string, unknown> = { ...config };
  for (const key of ['no_repeat_ngram_size', 'min_length'] as const) {
    if (!negative(config[key])) continue;
    noEffect.push(`${key} ${config[key]} (${OFF})`);
    delete out[key];
  }
  if (config.eos_token_id === undefined || config.eos_token_id === null) {
    for (const key of ['min_new_tokens', 'min_length'] as const) {
      if (!fractional(out[key])) continue;
      noEffect.push(`${key} ${config[key]} (no eos_token_id: no EOS to hold back)`);
      delete out[key];
    }
  }
  if (isNoEffectMinNewTokens(out.min_new_tokens)) noEffect.push(`min_new_tokens ${config.min_new_tokens} (${OFF})`);
  for (const key of ID_LISTS) {
    const ids = config[key];
    // a whole number past 2^53 is left to be refused, as before: transformers refuses one past int64 (torch.tensor:
    // "Overflow when unpacking long long"), and JSON.parse no longer tells which it was
    const namesNone = (id: unknown): boolean => typeof id === 'number' && Number.isFinite(id) && !isTokenId(id) && (Number.isSafeInteger(id) || !Number.isInteger(id));
    if (!Array.isArray(ids) || !ids.some(namesNone)) continue;
    const dropped = ids.filter(namesNone);
    noEffect.push(`${key}' id${dropped.length > 1 ? 's' : ''} ${boundedItemsText(dropped)} (${dropped.length > 1 ? 'name' : 'names'} no token)`);
    out[key] = ids.filter((id) => !namesNone(id)); // not dropped.includes: quadratic (10^5 ids: 4 s)
  }
  return noEffect.length > 0 ? { config: out, noEffect } : { config, noEffect };
}

/**
 * Whether `v` is a min_new_tokens that transformers may take with no effect (a negative number): generation-config.ts
 * takes it (a fractional one refused by its kind where the min_length it sets is above 0).
 */
export function isNoEffectMinNewTokens(v: unknown): v is number {
  return negative(v);
}
