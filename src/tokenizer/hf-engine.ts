// The @huggingface/tokenizers engine: the reference implementation, and the fallback for tokenizer.json
// features that the fast engine does not implement. Its split of the added tokens out of the text is ours
// (added-split.ts, as HF tokenizers splits them): the library ignores single_word; so are its ByteFallback and
// ByteLevel decoder steps (byte-fallback.ts, byte-level-decode.ts: as HF tokenizers' Rust decodes bytes that are not
// UTF-8, and added tokens), its Unigram's best path (unigram-viterbi.ts), and so are the steps hf-steps.ts names, which it runs otherwise than HF tokenizers (Metaspace's
// split among them); a step no one checked against HF tokenizers is refused there.
import { literalReplaceContents } from './literal-replace.ts';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { byteFallbackTokens } from './byte-fallback.ts';
import { byteLevelTokens } from './byte-level-decode.ts';
import { normalizeLed, refuseUncheckedSteps, useOurSteps } from './hf-steps.ts';
import { inputLead } from './first-aligned.ts';
import { unknownCharDropper } from './bpe-unknown.ts';
import { bestPieces, MissingUnkId, unigramPieces, type UnigramTrie } from './unigram-viterbi.ts';
import { UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import { AddedDecoding } from './added-decode.ts';
import { AddedTokenMatcher, splitOutTokens } from './added-split.ts';
import type { EngineName, TokenizerEngine } from './engine.ts';
import { decodeCleansUp, type TokenizerConfig } from './tokenizer-config.ts';
import { isBpeModel, type TokenizerJson } from './tokenizer-json.ts';
import { DECODE_STEPS, decodeWithinLimit, encodeWithinLimit, regexLimitMs, regexSites, type RegexSite } from './regex-bound.ts';
import { boundedJsonText } from '../util/bounded-json.ts';

export class HfEngine implements TokenizerEngine {
  readonly name: EngineName = 'huggingface';
  private readonly tok: HfTokenizer;
  private readonly cleanUp: boolean;
  private readonly added: AddedDecoding;
  /** A text's ids: our split of the added tokens, the library's normalizer, pre-tokenizer and model (encodeBySplit). */
  private readonly encodeIds: (text: string) => number[];
  /** tokenizer.json's own regular expressions, which may backtrack: an encode (decode) over them is time-bounded (regex-bound.ts). */
  private readonly regexes: readonly RegexSite[];
  private readonly decoderRegexes: readonly RegexSite[];

  /** `limitMs`: how long an encode or decode of so many characters may take where tokenizer.json has regular expressions. */
  constructor(json: TokenizerJson, config: TokenizerConfig, private readonly file: string, private readonly limitMs = regexLimitMs) {
    // before the library, which knows fewer step types than HF tokenizers ("Unknown PreTokenizer type: UnicodeScripts")
    refuseUncheckedSteps(json.raw, file);
    try {
      this.tok = new HfTokenizer(literalReplaceContents(json.raw), config.raw); // Replace contents literal, as HF's
    } catch (e) {
      throw new UserError(`@huggingface/tokenizers cannot load it: ${e instanceof Error ? e.message : String(e)}`, file);
    }
    this.cleanUp = decodeCleansUp(json, config);
    // the library puts the added tokens in its model's vocabulary, where a BPE with ignore_merges finds one as a
    // whole word ("zqx" where single_word left it in the text): HF tokenizers' model has only its own vocabulary
    const own = json.model['vocab'];
    const pieces = Array.isArray(own) ? new Set(own.map((e: unknown) => (Array.isArray(e) ? e[0] : undefined))) : null; // Unigram's [piece, score]
    const inModel = (t: string): boolean => (pieces ? pieces.has(t) : isRecord(own) && Object.hasOwn(own, t));
    for (const t of json.added_tokens) if (!inModel(t.content)) this.tok.model?.tokens_to_ids.delete(t.content);
    // a normalized added token decodes as its normalized text (added-decode.ts): the library's id → token table says so
    this.added = new AddedDecoding(json, this.tok.normalizer ? (text) => this.tok.normalizer!(text) : null);
    for (const [id, text] of this.added.renamed) this.tok.model!.vocab[id] = text;
    if (json.model['type'] === 'Unigram') useHfViterbi(this.tok.model, json.model, file);
    useOurDecoderSteps(this.tok.decoder);
    useOurSteps(this.tok, json.raw, file);
    this.encodeIds = encodeBySplit(this.tok, json, config, file);
    this.regexes = regexSites(json.raw);
    this.decoderRegexes = regexSites(json.raw, DECODE_STEPS);
  }

  encode(text: string): number[] {
    if (text.length === 0) return [];
    return encodeWithinLimit(() => this.encodeIds(text), text.length, this.regexes, this.file, this.limitMs);
  }

  decode(ids: readonly number[], skip: ReadonlySet<number> | null): string {
    const kept = ids.filter((id) => !this.added.skips(id, skip));
    if (kept.length === 0) return ''; // @huggingface/tokenizers throws on an empty list
    const job = (): string => this.tok.decode(kept, { skip_special_tokens: false, clean_up_tokenization_spaces: this.cleanUp });
    if (this.decoderRegexes.length === 0) return job();
    const vocab = this.tok.model!.vocab;
    const chars = kept.reduce((n, id) => n + (vocab[id]?.length ?? 0), 0);
    return decodeWithinLimit(job, kept.length, chars, this.decoderRegexes, this.file, this.limitMs);
  }
}

/**
 * The library's Unigram `model` finding each word's pieces as HF tokenizers does (unigram-viterbi.ts), which fuses the
 * unknown runs within each word: the library's own fuse_unk, over all the words' pieces, fused "z" and "1" of ▁z 1 too.
 */
function useHfViterbi(model: HfTokenizer['model'], config: Record<string, unknown>, file: string): void {
  const unigram = model as unknown as { trie: UnigramTrie; tokenize: (text: string) => string[]; fuse_unk: boolean };
  const vocab = (Array.isArray(config['vocab']) ? config['vocab'] : []) as Array<[string, number]>;
  const pieces = unigramPieces(vocab, typeof config['unk_id'] === 'number' ? config['unk_id'] : null, config['byte_fallback'] === true);
  unigram.tokenize = (text) => {
    try {
      return bestPieces(text, unigram.trie, pieces);
    } catch (e) {
      if (!(e instanceof MissingUnkId)) throw e;
      throw new UserError(`is null, and the text has ${JSON.stringify(e.char)} (U+${e.char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}), which no piece `
        + 'of model.vocab covers: HF tokenizers (transformers) fails on it too ("Encountered an unknown token but `unk_id` is missing"); '
        + 'set model.unk_id to the id of an unknown piece such as "<unk>"', `${file}: model.unk_id`);
    }
  };
  unigram.fuse_unk = false;
}

/** The library's decoder with each ByteFallback and ByteLevel step (a Sequence's too) running ours. */
function useOurDecoderSteps(decoder: HfTokenizer['decoder']): void {
  if (decoder === null) return;
  if (decoder.config.type === 'ByteFallback') decoder.decode_chain = byteFallbackTokens;
  if (decoder.config.type === 'ByteLevel') decoder.decode_chain = byteLevelTokens;
  const steps = (decoder as { decoders?: unknown }).decoders;
  if (Array.isArray(steps)) for (const d of steps as Array<HfTokenizer['decoder']>) useOurDecoderSteps(d);
}

/**
 * The library's encode (without special tokens) with our split of the added tokens: the raw ones out of the text, then
 * the normalized ones (found by their normalized text) out of each normalized text between them; the rest
 * pre-tokenized (with the index of its section, which Metaspace's prepend_scheme "first" reads) and run through the
 * model, as the library does. The ids are the added tokens' own and the model's for its tokens: the library maps every
 * token text through its added tokens first, so a model token spelled as a normalized added token's text took that
 * token's id (Tekken's byte "Å", 0xC5 of "ž", became an added "\u212b" normalized by NFKC; HF keeps the model's).
 */
function encodeBySplit(tok: HfTokenizer, json: TokenizerJson, config: TokenizerConfig, file: string): (text: string) => number[] {
  const normalize = (s: string): string => (tok.normalizer ? tok.normalizer(s) : s);
  const matched = splitOutTokens(json.added_tokens, config);
  const raw = new AddedTokenMatcher(matched.filter((t) => !t.normalized).map((t) => ({ pattern: t.content, token: t })));
  const normalized = new AddedTokenMatcher(matched.filter((t) => t.normalized).map((t) => ({ pattern: normalize(t.content), token: t })));
  const removeSpace = config.raw['remove_space'] === true, lowercase = Boolean(config.raw['do_lowercase_and_remove_accent']);
  const model = tok.model!;
  // a token the model does not know (its unk token's text) takes the model's unk id or, where the unk token is only an
  // added token (taken out of the model's vocabulary above), that added token's id, as the library's lookup through
  // the added tokens gave it; with neither there is no id to give
  const unkId = model.unk_token_id ?? json.added_tokens.find((t) => t.content === model.unk_token)?.id;
  const idOf = (t: string): number => {
    const id = model.tokens_to_ids.get(t) ?? unkId;
    if (id === undefined) {
      throw new UserError(`text the model cannot tokenize needs the id of model.unk_token ${boundedJsonText(model.unk_token ?? null)}, `
        + 'which is neither in model.vocab nor an added token: add it to one of them', file);
    }
    return id;
  };
  const modelIds = (tokens: string[]): number[] => tokens.map(idOf);
  // a BPE without unk_token: the characters it cannot encode dropped from each word before it merges, as HF (bpe-unknown.ts);
  // with ignore_merges HF looks up the word as it came (the dropper keeps such a word), never the word without those
  // characters, which the library's encode would look up ("a☃b" is "▁a" "b" where no merge makes the piece "▁ab")
  const drop = isBpeModel(json.model) ? unknownCharDropper(json.model) : null;
  const bpe = model as unknown as { ignore_merges: boolean };
  const merged = (word: string): string[] => {
    const lookup = bpe.ignore_merges;
    bpe.ignore_merges = false;
    try {
      return model([word]);
    } finally {
      bpe.ignore_merges = lookup;
    }
  };
  const tokensOf = (pieces: string[]): string[] => {
    if (drop === null || pieces.every((word) => drop(word) === word)) return model(pieces);
    return pieces.flatMap((word) => {
      const kept = drop(word);
      return kept === word ? model([word]) : kept.length === 0 ? [] : merged(kept);
    });
  };
  return (text) => raw.split(text).flatMap((section, si) => {
    if (section.token !== null) return [section.token.id];
    let s = section.text;
    if (s.length === 0) return [];
    if (removeSpace) s = s.trim().split(/\s+/).join(' ');
    if (lowercase) s = s.toLowerCase().replace(/\p{M}/gu, '');
    const led = normalizeLed(tok.normalizer, json.normalizer, s, si === 0 ? inputLead(s) : 0);
    if (led.text.length === 0) return [];
    let at = 0;
    return normalized.split(led.text).flatMap((sub) => {
      const from = at;
      at += sub.text.length;
      if (sub.token !== null) return [sub.token.id];
      if (sub.text.length === 0) return [];
      // section_index 0 (Metaspace's "first", metaspace.ts) only for a piece whose first character HF aligns with the
      // input's first one (first-aligned.ts): not after an added token, nor where the normalizer took that one away
      return modelIds(tokensOf(tok.pre_tokenizer ? tok.pre_tokenizer(sub.text, { section_index: from < led.lead ? 0 : 1 }) : [sub.text]));
    });
  });
}
