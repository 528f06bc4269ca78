// The tokenizer section of a GGUF (tokenizer.ggml.*, tokenizer.chat_template*): the token table in the form of
// llama.cpp's tokenizer that reproduces the tokenizer.json's — a SentencePiece-BPE vocabulary (BPE with
// byte_fallback, Mistral 7B's) as "llama" (tokenizer-spm.ts), a byte-level BPE one (Tekken, Llama 3) as "gpt2"
// (tokenizer-bpe.ts) — then what both write alike: the special token ids, whether BOS/EOS are added, and the chat
// templates (chat-templates.ts). Added tokens that strip the spaces beside them, or are matched only as whole words,
// are warned about: a GGUF cannot say so; so are added tokens holding "▁" in a SentencePiece file (shown raw there),
// and tokens llama.cpp stops at or makes control by their text alone (text-stops.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLED_TOKENIZER_DIR, refuseUnreadTokenizer, tokenizerJsonAsLoaded } from '../../tokenizer/load.ts';
import { leadingSpecialIds, tokenizerAddsEos, warnFlagsNotRead } from '../../tokenizer/adds-special.ts';
import { readFolderTokenizerConfig } from '../../tokenizer/tokenizer-config.ts';
import { withJsonDefaults } from '../../tokenizer/json-defaults.ts';
import { generationEosIds } from '../../model/generation-config.ts';
import { stopIds } from '../../model/generate.ts';
import { readTokenizerJson } from '../../tokenizer/tokenizer-json.ts';
import { buildVocab } from '../../tokenizer/vocab.ts';
import { NO_RESIZE_FIX, tokensPastRows } from '../../tokenizer/model-fit.ts';
import { boundedItemsText, boundedJsonText, boundedText } from '../../util/bounded-json.ts';
import { UserError } from '../../util/errors.ts';
import { warn } from '../../util/log.ts';
import { chatTemplateMetadata } from './chat-templates.ts';
import { type ConfigTokenIds, configTokenIds, convertSpecialIds, listedAddedTokens, type ModelTokenIds, SPECIAL_ID_KEYS, type SpecialKind } from './special-ids.ts';
import type { GgufValue } from './gguf-file.ts';
import { bpeVocabMetadata, isByteLevel } from './tokenizer-bpe.ts';
import { addSpacePrefix, spmVocabMetadata } from './tokenizer-spm.ts';
import { warnTextStops } from './text-stops.ts';

export { addSpacePrefix };

/** The folder whose tokenizer a model uses: its own tokenizer.json, else the bundled Mistral tokenizer (as loadTokenizer; not for a folder of tekken.json, or of a tokenizer.model that the bundled one cannot stand in for). */
export function tokenizerFolder(modelDir: string): string {
  if (fs.existsSync(path.join(modelDir, 'tokenizer.json'))) return modelDir;
  refuseUnreadTokenizer(modelDir);
  return BUNDLED_TOKENIZER_DIR;
}

/**
 * The tokenizer section for `model`, whose tokenizer is `modelDir`'s (or the bundled one, as tokenizerFolder), with the
 * ids generate stops at (stopIds: `modelDir`'s generation_config.json's eos_token_id, without that file config.json's; a
 * stale config.json eos beside the file is none, as in HF's generate()); the special
 * ids from the folder's files and the model's config.json (its loaded config: a full run's weights', when its
 * tokenizer is the base's) as convert_hf_to_gguf.py picks them (special-ids.ts).
 */
export function modelTokenizer(model: { cfg: ModelTokenIds & { vocabSize: number } }, modelDir: string): Map<string, GgufValue> {
  const configIds = configTokenIds(model.cfg);
  return tokenizerMetadata(tokenizerFolder(modelDir), model.cfg.vocabSize, stopIds(model.cfg, null, generationEosIds(modelDir)), modelDir, configIds);
}

/**
 * tokenizer.* metadata for a model of `vocabSize` rows whose tokenizer lives in `folder`; `eosIds`: the ids generation
 * stops at (generate's stopIds); `modelDir`: the model's folder (where a tokenizer that does not fit is to be put, when `folder` is the
 * bundled one); `configIds`: the model's config.json ids (one past the embedding's rows, which transformers loads, is skipped),
 * null for none.
 */
export function tokenizerMetadata(folder: string, vocabSize: number, eosIds: readonly number[] = [], modelDir = folder, configIds: ConfigTokenIds | null = null): Map<string, GgufValue> {
  const file = path.join(folder, 'tokenizer.json');
  const read = readTokenizerJson(file);
  // its chat_template.jinja first, and tokenizer.json's padding.pad_token where it names none, as transformers (a
  // vocabulary word made so is a special added token there: convert_hf_to_gguf.py types it control)
  const config = withJsonDefaults(readFolderTokenizerConfig(folder), read, file);
  // the tokenizer training ran: the pipeline of the class transformers loads (its LlamaTokenizer's, where the config
  // names that class outside a Mistral model folder: add_prefix_space false is no space prefix), the added tokens
  // (tokenizer_config.json's added_tokens_decoder over tokenizer.json's) and the pre-tokenizer regex (fix_mistral_regex),
  // whose regex picks llama.cpp's (convert_hf_to_gguf.py hashes the ids of AutoTokenizer, which has it too)
  const json = tokenizerJsonAsLoaded(read, config, folder);
  const spm = json.model['type'] === 'BPE' && json.model['byte_fallback'] === true;
  if (!spm && !isByteLevel(json)) {
    throw new UserError('a GGUF export writes llama.cpp\'s SentencePiece tokenizer, which needs a BPE model with byte_fallback (as Mistral 7B\'s), or its byte-level BPE tokenizer, which needs a BPE model with a ByteLevel pre-tokenizer (as Tekken\'s)', `${file}: model`);
  }
  const vocab = buildVocab(json, file);
  if (vocab.size > vocabSize && folder !== modelDir) { // the bundled asset is not the file to fix: the model's folder is
    throw new UserError(`has no tokenizer.json, and the bundled Mistral tokenizer has ${vocab.size} tokens but the model's embedding has ${vocabSize} rows: put the model's own tokenizer.json in it`, modelDir);
  }
  if (vocab.size > vocabSize) throw new UserError(`${tokensPastRows(vocab.size, vocabSize, (id) => vocab.idToToken[id])}: ${NO_RESIZE_FIX}`, file);
  // the tokenizer's own ids, as LoadedTokenizer has them ("<s>" and "</s>" only for a folder without
  // tokenizer_config.json: one naming none has none): what training added, and the ids convert_hf_to_gguf.py leaves unset
  const noConfig = config.source === 'none';
  const idOf = (token: string | null, fallback: string | null): number | null => vocab.tokenToId.get(token ?? fallback ?? '') ?? null;
  const own = {
    bos: idOf(config.bosToken, noConfig ? '<s>' : null), eos: idOf(config.eosToken, noConfig ? '</s>' : null),
    unk: idOf(config.unkToken, typeof json.model['unk_token'] === 'string' ? json.model['unk_token'] : '<unk>'),
  };
  const special = convertSpecialIds(listedAddedTokens(json, read, config.raw), noConfig ? null : config.raw, configIds, vocabSize);
  for (const kind of ['bos', 'eos', 'unk'] as const) {
    if (!special.has(kind) && own[kind] !== null) special.set(kind, own[kind]);
  }
  // no EOS named anywhere but the stop ids (config.json's list): the first that names a token, not llama.cpp's default
  // (11 for "gpt2"); a negative one in a list (which SpecialVocab skips, as any list) or one of vocab_size or more
  // (which transformers loads) names no token, and nothing stops at it
  const firstStop = eosIds.find((id) => id >= 0 && id < vocabSize);
  if (!special.has('eos') && firstStop !== undefined) special.set('eos', firstStop);
  const unk = special.get('unk') ?? null, eos = special.get('eos') ?? null;
  const m = spm ? spmVocabMetadata(json, vocab, vocabSize, unk, file) : bpeVocabMetadata(json, vocab, vocabSize, file);
  // stop ids beyond the EOS: llama.cpp ends generation on its end-of-turn and end-of-message tokens too (and on a few
  // it knows by their text); it has no key for a third beyond those the post-processor took (special-ids.ts)
  const free = (['eot', 'eom'] as const).filter((k) => !special.has(k));
  const taken = new Set([eos, special.get('eot'), special.get('eom')]);
  const beyond = [...new Set(eosIds)].filter((id) => !taken.has(id) && id >= 0 && id < vocabSize);
  free.forEach((kind, i) => {
    if (beyond[i] !== undefined) special.set(kind, beyond[i]);
  });
  const more = beyond.slice(free.length);
  for (const [kind, key] of Object.entries(SPECIAL_ID_KEYS) as Array<[SpecialKind, string]>) {
    const id = special.get(kind);
    if (id !== undefined) m.set(key, { type: 'u32', value: id });
  }
  if (more.length > 0) {
    warn(`gguf: generation stops at token${more.length > 1 ? 's' : ''} ${boundedItemsText(more)} here (generation_config.json's eos_token_id, else config.json's), ` +
      'but a GGUF names at most three stop tokens (EOS, end of turn, end of message): llama.cpp may not stop there (give its text as a stop string: Ollama\'s PARAMETER stop)');
  }
  // whether the tokenizer training used adds them (adds-special.ts, as transformers): BOS where what it puts before a
  // text is the GGUF's BOS alone (the id llama.cpp adds), EOS by its own id
  const leading = leadingSpecialIds(json, config, own.bos);
  m.set('tokenizer.ggml.add_bos_token', { type: 'bool', value: leading.length === 1 && leading[0] === special.get('bos') });
  m.set('tokenizer.ggml.add_eos_token', { type: 'bool', value: tokenizerAddsEos(json, config, own.eos) });
  warnFlagsNotRead(json, config, own, file);
  // the ids generate stops at; without them (a tokenizer exported alone), the EOS
  warnTextStops(m.get('tokenizer.ggml.tokens')!.value as string[], m.get('tokenizer.ggml.token_type')!.value as Int32Array,
    eosIds.length > 0 ? eosIds : eos === null ? [] : [eos], file, special.get('eot') ?? null);
  if (spm) m.set('tokenizer.ggml.add_space_prefix', { type: 'bool', value: addSpacePrefix(json, config, vocab, file) });
  for (const [k, v] of chatTemplateMetadata(folder, config)) m.set(k, v);
  warnStrippedAddedTokens(json.added_tokens, file);
  warnSingleWordAddedTokens(json.added_tokens, file);
  if (spm) warnSpaceMarkAddedTokens(json.added_tokens, file);
  if (spm && JSON.stringify(json.normalizer ?? null).includes('\u2581')) warnNormalizedAddedTokens(json.added_tokens, file);
  if (config.splitSpecialTokens) warnSplitSpecialTokens(config.source);
  return m;
}

/** The first five of `tokens` as `say` puts them (each cut, `after` it kept, quoted where `quote`), "; "-separated, and how many more. */
function named<T>(tokens: readonly T[], say: (t: T) => string, { after, quote }: { after?: (t: T) => string; quote?: boolean } = {}): string {
  return boundedItemsText(tokens, { shown: 5, say, after, quote, separator: '; ' });
}

/**
 * Added tokens that take the spaces beside them (lstrip, rstrip): a GGUF has no key for it, and llama.cpp's vocabulary
 * strips only for the few models it knows by name, so text with a space next to such a token tokenizes otherwise there.
 */
function warnStrippedAddedTokens(added: ReadonlyArray<{ content: string; lstrip: boolean; rstrip: boolean }>, file: string): void {
  const stripping = added.filter((t) => t.lstrip || t.rstrip);
  if (stripping.length === 0) return;
  const list = named(stripping, (t) => t.content, { after: (t) => ` ${[t.lstrip ? 'lstrip' : '', t.rstrip ? 'rstrip' : ''].filter(Boolean).join(', ')}` });
  warn(`gguf: llama.cpp does not strip the spaces beside an added token as this tokenizer.json does (${list}): text with spaces next to it tokenizes differently there (${file})`);
}

/**
 * split_special_tokens: a special token's text inside a text is plain text to transformers (and us), while llama.cpp
 * reads it as the token wherever its caller parses special tokens, as llama-cli and llama-server do for a prompt; a
 * GGUF has no key for it. Measured (node-llama-cpp 3.21.1): "a [INST] b</s>" ends in 700, 28713, 28767 here, in 2 there.
 */
function warnSplitSpecialTokens(configFile: string): void {
  warn(`gguf: split_special_tokens is true: a special token's text written in a text (e.g. "</s>") is plain text here and in transformers, ` +
    `but llama.cpp reads it as the special token where it parses special tokens (llama-cli and llama-server do in a prompt), and a GGUF cannot say otherwise (${configFile})`);
}

/**
 * Added tokens matched only as whole words (single_word: not beside a letter, digit or "_"): a GGUF has no key for it
 * and llama.cpp finds them anywhere, so "zqxbox" is the token zqx and "box" there, plain text here and in transformers.
 */
function warnSingleWordAddedTokens(added: ReadonlyArray<{ content: string; single_word: boolean }>, file: string): void {
  const whole = added.filter((t) => t.single_word);
  if (whole.length === 0) return;
  warn(`gguf: llama.cpp finds an added token inside a word too, where this tokenizer.json matches it only as a whole word (single_word: ${named(whole, (t) => t.content)}): text with it inside a word tokenizes differently there (${file})`);
}

/**
 * Added tokens whose text holds "▁", in a SentencePiece ("llama") file: transformers' decoder (Replace "▁" → " ") turns
 * it into a space in an added token too, while llama.cpp shows a user-defined or control token's text as it is, unescaping
 * "▁" only in normal tokens. The ids agree; the decoded text does not (measured, node-llama-cpp 3.21.1: an added "x▁y",
 * normalized false, decodes "x y" in transformers 5.17 and here, "x▁y" there; a special one shown so too).
 */
function warnSpaceMarkAddedTokens(added: ReadonlyArray<{ content: string }>, file: string): void {
  const marked = added.filter((t) => t.content.includes('\u2581'));
  if (marked.length === 0) return;
  const first = boundedJsonText(marked[0]!.content), spaced = boundedJsonText(marked[0]!.content.replaceAll('\u2581', ' '));
  warn(`gguf: llama.cpp shows an added token's text as it is, where transformers decodes each "▁" in it as a space (${named(marked, (t) => t.content, { quote: true })}): ` +
    `${first} decodes as ${first} there, ${spaced} here and in transformers; the ids are the same (${file})`);
}

/**
 * Non-special added tokens of `normalized: true` in a SentencePiece file whose normalizer puts "▁" in text (Mistral's
 * Prepend and Replace): transformers matches such a token in the normalized text, its text there taking the "▁" before
 * it, and decodes it with that space; llama.cpp matches and shows a user-defined token's text as it is, as
 * convert_hf_to_gguf.py writes it (measured, node-llama-cpp 3.21.1: an added "xyzzy" is [264, 32001, 287] for "a xyzzy b"
 * in transformers 5.17 and here, [264, 28705, 32001, 28705, 287] there, and [32000, 32001] decodes "foo bar xyzzy" in
 * transformers, "foo barxyzzy" there). Written with a space before it, it would differ at the text's start instead.
 */
function warnNormalizedAddedTokens(added: ReadonlyArray<{ content: string; normalized: boolean; special: boolean }>, file: string): void {
  const normalized = added.filter((t) => t.normalized && !t.special);
  if (normalized.length === 0) return;
  const first = boundedText(normalized[0]!.content);
  warn(`gguf: transformers matches an added token of normalized true after its normalizer, taking the space before it, and decodes it with that space, where llama.cpp matches and shows its text as it is (${named(normalized, (t) => t.content, { quote: true })}): ` +
    `"a ${first}" decodes as "a${first}" there from the same ids, and text with it tokenizes differently around it (${file})`);
}
