// What transformers 5.17 takes from tokenizer.json's own "padding" and "truncation" (TokenizersBackend's __init__:
// kwargs.setdefault): the pad token of its padding, and the side of its truncation, where tokenizer_config.json has no
// pad_token or truncation_side key (a pad_token null there stays none). Such a tokenizer.json is common (one saved
// after padding or truncation was turned on); the padding's pad token is then the tokenizer's, as in a chat template's
// pad_token, and special (decode drops it). Its max_length and strategy are not read: transformers' tokenizer(text)
// pads and truncates only when asked, whatever tokenizer.json says.
import { UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import { configEntries } from './config-added-tokens.ts';
import type { TokenizerConfig } from './tokenizer-config.ts';
import type { TokenizerJson } from './tokenizer-json.ts';
import { boundedJsonText } from '../util/bounded-json.ts';

/**
 * `config` with the pad token and truncation side of `json` (`file`)'s padding and truncation where it names none
 * itself. A padding pad token that is neither in the vocabulary nor an added token (tokenizer.json's, or the config's
 * added_tokens_decoder's) is refused, as one the config names is (transformers adds it as a new token, whose embedding
 * row the model lacks).
 */
export function withJsonDefaults(config: TokenizerConfig, json: TokenizerJson, file: string): TokenizerConfig {
  const padding = json.raw['padding'], truncation = json.raw['truncation'];
  const pad = isRecord(padding) && typeof padding['pad_token'] === 'string' ? padding['pad_token'] : null;
  const direction = isRecord(truncation) ? truncation['direction'] : undefined; // tokenizers writes "Left" or "Right"
  const side = direction === 'Left' ? 'left' : direction === 'Right' ? 'right' : null;
  const padToken = !Object.hasOwn(config.raw, 'pad_token') && pad !== null ? pad : config.padToken;
  if (padToken !== config.padToken && !isToken(json, config, padToken!)) {
    throw new UserError(`${boundedJsonText(padToken)} is neither in model.vocab nor an added token: transformers 5.17 makes it the pad token (tokenizer_config.json ` +
      'names none) and adds it as a new token, whose embedding row the model lacks; name a token of the vocabulary (or set pad_token in tokenizer_config.json)', `${file}: padding.pad_token`);
  }
  const truncationSide = !Object.hasOwn(config.raw, 'truncation_side') && side !== null ? side : config.truncationSide;
  return padToken === config.padToken && truncationSide === config.truncationSide ? config : { ...config, padToken, truncationSide };
}

function isToken(json: TokenizerJson, config: TokenizerConfig, token: string): boolean {
  const vocab = json.model['vocab'];
  const inVocab = Array.isArray(vocab) ? vocab.some((e) => Array.isArray(e) && e[0] === token) : isRecord(vocab) && Object.hasOwn(vocab, token);
  return inVocab || [...json.added_tokens, ...configEntries(config)].some((t) => t.content === token);
}
