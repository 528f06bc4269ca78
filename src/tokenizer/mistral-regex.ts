// transformers 5.17's fix of the pre-tokenizer regex of Mistral's byte-level (Tekken) tokenizers, which it applies
// where tokenizer_config.json says "fix_mistral_regex": true (TokenizersBackend._patch_mistral_regex): for a local
// folder whose config.json has no transformers_version, or one before 5.0.0 with a Mistral model_type (or none), and a
// vocabulary of more than 100,000 tokens with a pre-tokenizer, the first step of a Sequence pre-tokenizer becomes a Split
// on the Tekken regex below; another pre-tokenizer gets that Split before it (a Metaspace is replaced by ByteLevel).
// Without this the file's own regex ran here while transformers ran the fixed one: other ids, silently.
import { UserError } from '../util/errors.ts';
import type { TokenizerConfig } from './tokenizer-config.ts';
import type { TokenizerJson } from './tokenizer-json.ts';
import { boundedJsonText } from '../util/bounded-json.ts';

/** The regex transformers puts in place (tokenization_utils_tokenizers.py, 5.17). */
export const MISTRAL_FIXED_REGEX = String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

const MISTRAL_MODEL_TYPES = new Set(['mistral', 'mistral3', 'voxtral', 'ministral', 'pixtral']);

/** What the folder's config.json says (undefined: the folder has none). */
export interface ModelConfigFacts { modelType: unknown; transformersVersion: unknown }

/** `json` with the fixed regex where transformers 5.17 puts it (see the header), else `json` itself. */
export function withMistralRegexFix(json: TokenizerJson, config: TokenizerConfig, modelConfig: ModelConfigFacts | undefined): TokenizerJson {
  const flag = config.raw['fix_mistral_regex'];
  if (flag === undefined || flag === null || flag === false) return json;
  if (flag !== true) throw new UserError(`expected true or false, got ${boundedJsonText(flag)}`, `${config.source}: fix_mistral_regex`);
  if (json.pre_tokenizer === null || tokenCount(json) <= 100_000 || modelConfig === undefined) return json;
  const version = modelConfig.transformersVersion;
  if (typeof version === 'string' && version !== '') {
    const major = Number.parseInt(version, 10);
    if (!(major < 5)) return json; // saved by transformers 5: its tokenizer.json has the fixed regex already
    const type = modelConfig.modelType;
    if (type !== undefined && type !== null && !MISTRAL_MODEL_TYPES.has(String(type))) return json;
  }
  const split = { type: 'Split', pattern: { Regex: MISTRAL_FIXED_REGEX }, behavior: 'Isolated', invert: false };
  const current = json.pre_tokenizer;
  let pre: Record<string, unknown>;
  if (current['type'] === 'Sequence' && Array.isArray(current['pretokenizers']) && current['pretokenizers'].length > 0) {
    pre = { ...current, pretokenizers: [split, ...current['pretokenizers'].slice(1)] };
  } else {
    // Metaspace(split=false) loses spaces after a Split, transformers says: it takes ByteLevel in its place
    const after = current['type'] === 'Metaspace' ? { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false } : current;
    pre = { type: 'Sequence', pretokenizers: [split, after] };
  }
  return { ...json, pre_tokenizer: pre, raw: { ...json.raw, pre_tokenizer: pre } };
}

/** HF tokenizers' get_vocab_size(): the model's tokens and the added tokens not among them. */
function tokenCount(json: TokenizerJson): number {
  const vocab = json.model['vocab'];
  const own = new Set<string>(Array.isArray(vocab) ? vocab.map((e: unknown) => String(Array.isArray(e) ? e[0] : e)) : Object.keys(vocab ?? {}));
  return own.size + new Set(json.added_tokens.map((t) => t.content).filter((c) => !own.has(c))).size;
}
