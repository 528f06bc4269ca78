// The special token ids of a GGUF (tokenizer.ggml.bos/eos/unknown/padding_token_id, and the end-of-turn or
// end-of-message id a post-processor implies) picked as llama.cpp's convert_hf_to_gguf.py picks them for the same
// folder: gguf-py's SpecialVocab (gguf-py/gguf/vocab.py of the llama.cpp tree node-llama-cpp bundles), in its order:
//  1. tokenizer_config.json's bos_token, eos_token, unk_token, pad_token (a string or an AddedToken's content), each the
//     id of the first of tokenizer.json's added tokens with that text; its cls_token (sep_token) stands in for a
//     missing bos_token (eos_token); and its post-processor's single-sequence TemplateProcessing names a BOS where
//     the config has none, or an EOS other than the config's (which then becomes the end-of-turn token, or the
//     end-of-message one);
//  2. then config.json's bos_token_id, eos_token_id and pad_token_id for a kind still without one: an integer only (a
//     list of eos ids names no EOS, even a list of one: MistralConfig keeps which form the file has, eosTokenIdIsList);
//     generation_config.json is not read;
//  3. with no tokenizer_config.json (or an empty one) only step 2: the file names no token.
// The first source to give a kind an id wins. Two choices of ours, where convert_hf_to_gguf.py gives no id (llama.cpp
// then takes its default: BOS 1, EOS 2, unknown 0 for a "llama" vocabulary; 11, 11 and none for a "gpt2" one) or
// reads what training did not use: a kind still without an id gets the tokenizer's own ("<s>", "</s>" for a folder
// without tokenizer_config.json, as LoadedTokenizer; tokenizer.json's model.unk_token, else "<unk>"), an EOS else the
// first id generation stops at (tokenizer.ts); and the added
// tokens searched are those the GGUF's token list has (tokenizer_config.json's added_tokens_decoder laid over
// tokenizer.json's, as transformers reads them: addedTokensAsLoaded), which are tokenizer.json's own where the two
// agree. config.json's ids are the loaded model's (MistralConfig, its defaults BOS 1 and EOS 2 filled in as
// transformers' MistralConfig fills them, so a folder transformers saved gives the same).
import { isRecord } from '../../util/json-file.ts';
import { UserError } from '../../util/errors.ts';
import { templateSpecialName } from '../../tokenizer/post-processor-ids.ts';
import type { TokenizerJson } from '../../tokenizer/tokenizer-json.ts';

export type SpecialKind = 'bos' | 'eos' | 'unk' | 'pad' | 'eot' | 'eom';

/** The GGUF key of each kind (gguf-py's constants.py: Keys.Tokenizer). */
export const SPECIAL_ID_KEYS: Readonly<Record<SpecialKind, string>> = {
  bos: 'tokenizer.ggml.bos_token_id', eos: 'tokenizer.ggml.eos_token_id', unk: 'tokenizer.ggml.unknown_token_id',
  pad: 'tokenizer.ggml.padding_token_id', eot: 'tokenizer.ggml.eot_token_id', eom: 'tokenizer.ggml.eom_token_id',
};

/** The ids of the model's config.json that SpecialVocab reads (step 2): each an integer there, else none. */
export interface ConfigTokenIds {
  bosTokenId: number | null;
  eosTokenId: number | null;
  padTokenId: number | null;
}

/** A loaded model's token ids (MistralConfig's): an eos_token_id is a list there, of one for an integer. */
export interface ModelTokenIds {
  bosTokenId: number | null;
  eosTokenIds: readonly number[];
  /** Whether config.json gave eos_token_id as a list (MistralConfig's). */
  eosTokenIdIsList: boolean;
  padTokenId: number | null;
}

/**
 * config.json's ids as SpecialVocab takes them, from the loaded model's `cfg`: its eos_token_id only where the file
 * gives an integer (_set_special_token skips what is not an int, so [4] names no EOS where 4 does); absent,
 * MistralConfig's default 2. (A float, 2.0, which it skips too, is refused as the config loads, as transformers does.)
 */
export function configTokenIds(cfg: ModelTokenIds): ConfigTokenIds {
  const eosTokenId = !cfg.eosTokenIdIsList && cfg.eosTokenIds.length === 1 ? cfg.eosTokenIds[0]! : null;
  refuseNegativeConfigIds(cfg);
  return { bosTokenId: cfg.bosTokenId, eosTokenId, padTokenId: cfg.padTokenId };
}

/**
 * Refuses config.json's negative bos_token_id, eos_token_id or pad_token_id (-1, which transformers loads): SpecialVocab's
 * _set_special_token raises on a negative integer (before it asks whether the tokenizer's files named one), so
 * convert_hf_to_gguf.py makes no GGUF of such a folder. A -1 in an eos_token_id list is skipped, as any list.
 * `where`: the config.json, when known.
 */
export function refuseNegativeConfigIds(cfg: ModelTokenIds, where = 'config.json'): void {
  const eos = !cfg.eosTokenIdIsList && cfg.eosTokenIds.length === 1 ? cfg.eosTokenIds[0]! : null;
  // in SpecialVocab's order (bos first), so that the one named is the one it raises at
  for (const [key, id] of [['bos_token_id', cfg.bosTokenId], ['eos_token_id', eos], ['pad_token_id', cfg.padTokenId]] as const) {
    if (id !== null && id < 0) {
      throw new UserError(`${key}: ${id} names no token, and llama.cpp's convert_hf_to_gguf.py refuses a negative special token id ("invalid value for special token type"): set it to null or a token id to export GGUF`, where);
    }
  }
}

/** Python's truthiness of a JSON value, which SpecialVocab tests its tokens by ("not special_bos"). */
function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isRecord(v)) return Object.keys(v).length > 0;
  return v !== null && v !== undefined && v !== false && v !== 0 && v !== '';
}

/** The text a tokenizer_config.json token entry names: a string, or an AddedToken's content; else null. */
function tokenText(entry: unknown): string | null {
  if (typeof entry === 'string') return entry;
  return isRecord(entry) && typeof entry['content'] === 'string' ? entry['content'] : null;
}

/** The SpecialToken id (its name) of a TemplateProcessing piece, or null for a sequence. */
function specialPiece(piece: unknown): string | null {
  const id = templateSpecialName(piece);
  return id !== '' ? id : null;
}

/**
 * tokenizer_config.json's token entries as SpecialVocab reads them: cls_token (sep_token) for a missing bos_token
 * (eos_token); then a post-processor's TemplateProcessing whose single sequence starts with a special token gives the
 * BOS where there is none; one that ends with a special token other than the EOS makes it the EOS, the EOS before it
 * the end-of-turn token (or end-of-message). A RobertaProcessing sets only cls/sep, which we do not write; nested
 * Sequences are not read, as there.
 */
function entriesAfterPostProcessor(json: TokenizerJson, config: Record<string, unknown>): Map<SpecialKind, unknown> {
  let bos = config['bos_token'], eos = config['eos_token'], cls = config['cls_token'];
  if (!truthy(bos) && truthy(cls)) bos = cls;
  if (!truthy(eos) && truthy(config['sep_token'])) eos = config['sep_token'];
  const entries = new Map<SpecialKind, unknown>([['bos', bos], ['eos', eos], ['unk', config['unk_token']], ['pad', config['pad_token']]]);
  const post = json.post_processor;
  const processors = post === null ? [] : Array.isArray(post['processors']) ? post['processors'] : [post];
  for (const p of processors) {
    if (!isRecord(p) || p['type'] !== 'TemplateProcessing') continue;
    const single = Array.isArray(p['single']) ? p['single'] : [];
    if (single.length <= 1) continue;
    const first = specialPiece(single[0]);
    if (first !== null && first !== bos && first !== cls) {
      if (!truthy(bos)) entries.set('bos', bos = first);
      if (!truthy(cls)) cls = first;
    }
    const last = specialPiece(single[single.length - 1]);
    if (last !== null && last !== eos) {
      const slot = !entries.has('eot') ? 'eot' : !entries.has('eom') ? 'eom' : null;
      if (slot !== null) entries.set(slot, eos);
      entries.set('eos', eos = last);
    }
  }
  return entries;
}

/**
 * `loaded` (tokenizer.json `read` with the config's added tokens, addedTokensAsLoaded) with only the added tokens the
 * files list (tokenizer.json's, the config's added_tokens_decoder): those convert_hf_to_gguf.py searches, not those
 * transformers adds for a special token the config only names (config-added-tokens.ts).
 */
export function listedAddedTokens(loaded: TokenizerJson, read: TokenizerJson, config: Record<string, unknown> | null): TokenizerJson {
  const decoder = config?.['added_tokens_decoder'];
  const fromConfig = isRecord(decoder) ? Object.values(decoder).map((e) => (isRecord(e) ? e['content'] : undefined)) : [];
  const listed = new Set<unknown>([...read.added_tokens.map((t) => t.content), ...fromConfig]);
  const added = loaded.added_tokens.filter((t) => listed.has(t.content));
  return added.length === loaded.added_tokens.length ? loaded : { ...loaded, added_tokens: added };
}

/**
 * The special ids convert_hf_to_gguf.py would write for a model with tokenizer `json` (its added tokens as the GGUF
 * has them), tokenizer_config.json `config` (null: none) and config.json ids `configIds` (null: none to read). An id
 * of `nVocab` (the GGUF's tokens) or more is skipped, as _set_special_token skips it ("out of range"), for a later
 * source to give that kind (transformers loads a config.json eos_token_id or bos_token_id past vocab_size).
 */
export function convertSpecialIds(json: TokenizerJson, config: Record<string, unknown> | null, configIds: ConfigTokenIds | null, nVocab = Infinity): Map<SpecialKind, number> {
  const ids = new Map<SpecialKind, number>();
  const set = (kind: SpecialKind, id: number | null | undefined): void => {
    if (typeof id === 'number' && id < nVocab && !ids.has(kind)) ids.set(kind, id);
  };
  if (config !== null && truthy(config)) {
    for (const [kind, entry] of entriesAfterPostProcessor(json, config)) {
      const text = tokenText(entry);
      if (text !== null) set(kind, json.added_tokens.find((t) => t.content === text)?.id);
    }
  }
  if (configIds !== null) {
    set('bos', configIds.bosTokenId);
    set('eos', configIds.eosTokenId);
    set('pad', configIds.padTokenId);
  }
  return ids;
}
