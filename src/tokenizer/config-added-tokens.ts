// The added tokens transformers 5 ends up with when tokenizer_config.json has an added_tokens_decoder
// ({"<id>": {content, lstrip, rstrip, single_word, normalized, special}}), as AutoTokenizer 5.17 loads a folder
// (checked on hand-made folders where the two files disagree: test/fixtures/added-tokens-decoder, PROVENANCE.md):
// - the config's entries are added over tokenizer.json's, in id order, with their own flags: a content tokenizer.json
//   already has keeps its id and takes the config's lstrip, rstrip, single_word, normalized and special; a content
//   of the model's vocabulary is added at its id; any other content gets the next free id, not the id the config
//   gives it (so "32005" after 32000 and 32001 becomes 32002), numbered as tokenizer.json's are (added-ids.ts);
// - where transformers builds its own LlamaTokenizer from the vocabulary (llama-class.ts), the config's entries are
//   the whole list: tokenizer.json's added tokens that the config does not name are not added at all;
// - for every class, the special tokens the config names (bos, eos, unk, pad, sep, cls, mask, then extra_special_tokens or
//   additional_special_tokens) that are not added tokens by then are added as special tokens, at their vocabulary ids
//   (one tokenizer.json has neither in its vocabulary nor in its added tokens is left out: the loader refuses it,
//   tokenizer.ts): a tokenizer.json without added tokens splits "<s>" out of a text as BOS;
// - a token named by key (bos, eos, unk, pad, sep, cls, mask, extra_special_tokens' named ones) that is a non-special
//   added token of the list read first (the config's added_tokens_decoder, else tokenizer.json's) is made special
//   (decode drops it, split_special_tokens splits it); one of the extra_special_tokens / additional_special_tokens
//   list is left non-special (test/tokenizer/fixtures/named-flip-oracle.py).
import type { TokenizerConfig } from './tokenizer-config.ts';
import type { AddedTokenSpec, TokenizerJson } from './tokenizer-json.ts';
import { isRecord, intKey } from '../util/json-file.ts';
import { decodingFlagsChange } from './added-decode.ts';
import { AddedIds } from './added-ids.ts';

/** The config's entries as AddedTokens (the defaults of tokenizers' AddedToken), in id order. */
export function configEntries(config: TokenizerConfig): Array<Omit<AddedTokenSpec, 'id'>> {
  const dec = config.raw['added_tokens_decoder'];
  if (!isRecord(dec)) return []; // tokenizer-config.ts has refused any other shape
  return Object.entries(dec).map(([k, e]) => [intKey(k)!, e as Record<string, unknown>] as const).sort((a, b) => a[0] - b[0]).map(([, e]) => {
    const flag = (key: string, dflt: boolean): boolean => (typeof e[key] === 'boolean' ? e[key] : dflt);
    const special = flag('special', false);
    return { content: e['content'] as string, special, normalized: flag('normalized', !special), lstrip: flag('lstrip', false), rstrip: flag('rstrip', false), single_word: flag('single_word', false) };
  });
}

/** Whether transformers keeps tokenizer.json's added tokens (at HF tokenizers' ids): not where `ownList` has a config list. */
export function keepsJsonAddedTokens(config: TokenizerConfig, ownList: boolean): boolean {
  return !ownList || configEntries(config).length === 0;
}

/**
 * `json` with the added tokens transformers 5 has after reading `config`: its added_tokens_decoder, then the special
 * tokens it names (bos, eos, unk, pad, additional_special_tokens) that are still not added tokens, added as special
 * tokens at their vocabulary ids, for every tokenizer class (TokenizersBackend's __init__: "if some of the special
 * tokens are not already in the tokenizer, add them"), so that "<s>" in a text is BOS there even where tokenizer.json
 * lists no added tokens. `json` itself where that changes nothing. `ownList`: transformers builds the tokenizer from
 * the vocabulary (its LlamaTokenizer), taking only the config's list.
 */
export function withConfigAddedTokens(json: TokenizerJson, config: TokenizerConfig, ownList: boolean): TokenizerJson {
  const entries = configEntries(config);
  const added: AddedTokenSpec[] = keepsJsonAddedTokens(config, ownList) ? json.added_tokens.map((t) => ({ ...t })) : [];
  // numbered after tokenizer.json's added tokens, as tokenizers adds the config's over them
  const ids = new AddedIds(json.model);
  for (const t of added) ids.add(t.content, t.id);
  const before = new Map<number, { normalized: boolean; special: boolean }>();
  for (const e of entries) {
    const there = added.find((t) => t.content === e.content);
    // decoding keeps a normalized or special flag tokenizer.json gave (added-decode.ts)
    if (there && decodingFlagsChange(there, e)) before.set(there.id, { normalized: there.normalized, special: there.special });
    if (there) Object.assign(there, e);
    else added.push({ id: ids.add(e.content), ...e });
  }
  // a token the config names (not one of the extra_special_tokens list) made special where it is in the list
  // from_pretrained reads the added tokens from: the config's added_tokens_decoder, else tokenizer.json's
  const firstRead = new Set((entries.length > 0 ? entries : json.added_tokens).map((t) => t.content));
  for (const content of namedSpecialTokens(config)) {
    const there = added.find((t) => t.content === content);
    if (there && !there.special && firstRead.has(content)) there.special = true;
  }
  const named = [config.bosToken, config.eosToken, config.unkToken, config.padToken, ...config.otherSpecialTokens, ...config.additionalSpecialTokens.map((e) => e.token)];
  for (const content of named) {
    if (content === null || added.some((t) => t.content === content)) continue;
    // one tokenizer.json has nowhere is not made up here: the loader refuses it, as where tokenizer.json is read as it
    // is (tokenizer.ts: an id past the vocabulary, which the model's embedding lacks)
    if (ids.vocabId(content) === undefined && !json.added_tokens.some((t) => t.content === content)) continue;
    added.push({ id: ids.add(content), content, special: true, normalized: false, lstrip: false, rstrip: false, single_word: false });
  }
  if (JSON.stringify(added) === JSON.stringify(json.added_tokens)) return json;
  added.sort((a, b) => a.id - b.id);
  return { ...json, added_tokens: added, raw: { ...json.raw, added_tokens: added }, ...(before.size > 0 ? { flagsBefore: before } : {}) };
}

/** The special tokens the config names by key (bos, eos, unk, pad, sep, cls, mask, extra_special_tokens' named ones). */
function namedSpecialTokens(config: TokenizerConfig): string[] {
  return [config.bosToken, config.eosToken, config.unkToken, config.padToken, ...Object.values(config.templateTokens)].filter((t): t is string => t !== null);
}
