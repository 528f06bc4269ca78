// How transformers 5 loads a tokenizer whose tokenizer_config.json names the class LlamaTokenizer (or
// LlamaTokenizerFast): Mistral's SentencePiece-BPE tokenizers (v0.1–v0.3) and Llama 2's. Its LlamaTokenizer keeps the
// tokenizer.json's vocabulary, merges and added tokens but not its normalizer, pre-tokenizer or decoder: it puts a
// Metaspace pre-tokenizer in their place, whose "▁" goes before a text that does not already start with one —
// before every text between special tokens where tokenizer_config.json says "legacy": true, before the input's
// first text only where it says false or nothing (and nowhere with add_prefix_space false).
// But AutoTokenizer takes that class only for a folder without a model config.json, or one whose model_type has no
// tokenizer class of its own registered: for a Mistral model folder (config.json's model_type mistral, mixtral,
// ministral, mistral3 or ministral3, which transformers registers with TokenizersBackend, or MistralCommonBackend with
// a tekken.json), the hub's LlamaTokenizer is not that class, so AutoTokenizer loads tokenizer.json as it is
// (TokenizersBackend; tokenization_auto.py), whose normalizer puts "▁" before every text between special tokens,
// one that starts with a space included (" lead" → "▁", "▁lead"). Loading the tokenizer as transformers does gives its ids.
import { UserError } from '../util/errors.ts';
import type { TokenizerConfig } from './tokenizer-config.ts';
import type { TokenizerJson } from './tokenizer-json.ts';
import { boundedJsonText } from '../util/bounded-json.ts';

const LLAMA_TOKENIZER = /^LlamaTokenizer(Fast)?$/;
/** Model types transformers 5 registers with TokenizersBackend (or MistralCommonBackend): a hub class is not used for them. */
const TOKENIZERS_BACKEND_MODEL_TYPES = new Set(['mistral', 'mixtral', 'ministral', 'mistral3', 'ministral3']);

/**
 * Whether AutoTokenizer builds its LlamaTokenizer from `json`'s vocabulary: the config names that class, the model is
 * BPE, and the folder's config.json's `modelType` (null: no config.json) is not a Mistral one.
 */
export function loadsAsLlamaTokenizer(json: TokenizerJson, config: TokenizerConfig, modelType: string | null): boolean {
  const cls = config.raw['tokenizer_class'];
  if (typeof cls !== 'string' || !LLAMA_TOKENIZER.test(cls) || json.model['type'] !== 'BPE') return false;
  return modelType === null || !TOKENIZERS_BACKEND_MODEL_TYPES.has(modelType);
}

/** `json` with the pipeline transformers' LlamaTokenizer gives it, where AutoTokenizer takes that class (else `json`). */
export function asTransformersLoadsIt(json: TokenizerJson, config: TokenizerConfig, modelType: string | null): TokenizerJson {
  if (!loadsAsLlamaTokenizer(json, config, modelType)) return json;
  const addPrefixSpace = flag(config, 'add_prefix_space', true); // null or absent: true, as transformers reads it
  const legacy = flag(config, 'legacy', false); // the class's default is false
  const pipeline = {
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: addPrefixSpace ? (legacy ? 'always' : 'first') : 'never', split: false },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' },
        ...(addPrefixSpace ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
      ],
    },
  };
  return { ...json, ...pipeline, raw: { ...json.raw, ...pipeline } };
}

/**
 * tokenizer_config.json's switch `key`: true or false, `fallback` when null or absent; anything else is refused:
 * transformers reads it by truthiness ("legacy": "false" is legacy there), we read
 * only true, so the two tokenized such a text differently.
 */
function flag(config: TokenizerConfig, key: string, fallback: boolean): boolean {
  const v = config.raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new UserError(`expected true or false, got ${boundedJsonText(v)}`, `${config.source}: ${key}`);
  return v;
}
