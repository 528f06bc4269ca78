// Autoregressive generation with a KV cache: the prompt in one pass, then one token per pass; greedy
// or sampled (seeded), with transformers' sequence_bias and bad_words_ids (sequence-bias.ts), repetition penalty,
// no_repeat_ngram_size, min_new_tokens, suppress_tokens and begin_suppress_tokens (token-bans.ts),
// stopping at an EOS id, a stop string (stop-strings.ts) or after maxNewTokens. Non-finite logits are an error.
import { needArg, needInteger, refuseMisspelledKeys } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';
import { boundedListText } from '../util/bounded-json.ts';
import { warnOnce } from '../util/log.ts';
import { Rng } from '../util/rng.ts';
import { checkRow, type Batch } from '../data/batch.ts';
import { createKvCache, freeKvCache, reserveKvCache, type KvCache } from './kv-cache.ts';
import { dynamicRopeRefusal } from './rope-config.ts';
import { needModel } from './model-arg.ts';
import type { MistralModel } from './mistral.ts';
import { logitsChunk } from './activations.ts';
import { applyRepetitionPenalty, requireSamplingOptions, sampleToken, type SamplingOptions } from './sampling.ts';
import { banIds, banRepeatedNgrams } from './token-bans.ts';
import { applySequenceBias, badWordsBias, prepareSequenceBias, type SequenceBias } from './sequence-bias.ts';
import { isIdList, isIdLists } from './token-id-list.ts';
import { StopStrings, tokenizerStopStringMode } from './stop-strings.ts';
import type { Tokenizer } from '../tokenizer/types.ts';

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  seed?: number;
  /** Token ids that end generation (default: the config's eos_token_id). The EOS is included in the output. */
  eosIds?: readonly number[];
  /**
   * transformers' eos_token_id (generation_config.json's: readGenerationConfig(folder).eosIds), the EOS ids its
   * bad_words_ids leaves out and min_new_tokens bans, where eosIds holds more (stopIds adds the tokenizer's EOS, which
   * HF neither bans nor spares); default eosIds.
   */
  hfEosIds?: readonly number[];
  /** transformers' no_repeat_ngram_size (0 = off): no n-gram of the prompt and new tokens comes twice. */
  noRepeatNgramSize?: number;
  /** transformers' min_new_tokens (0 = off): the EOS ids (hfEosIds) are banned before that many new tokens. */
  minNewTokens?: number;
  /** transformers' sequence_bias: [[ids], bias] pairs; the bias is added to the logit of a sequence's last id where the text ends with the rest. */
  sequenceBias?: readonly SequenceBias[];
  /** transformers' bad_words_ids: token sequences never generated (a one-token one that is an EOS id of hfEosIds is left out, as in transformers). */
  badWordsIds?: readonly (readonly number[])[];
  /** transformers' suppress_tokens: ids never generated. */
  suppressTokens?: readonly number[];
  /** transformers' begin_suppress_tokens: ids not generated as the first new token. */
  beginSuppressTokens?: readonly number[];
  /**
   * transformers' stop_strings: generation ends after the token where one of them ends (that token kept), matched on
   * the tokens' own texts as its StopStringCriteria does; needs options.tokenizer, as HF's generate() needs tokenizer=.
   */
  stopStrings?: readonly string[];
  /** The model's tokenizer, for stopStrings. */
  tokenizer?: Tokenizer;
  /** Called with each new token as it is chosen (streaming). */
  onToken?: (id: number) => void;
  /**
   * HF's pad_token_id (readGenerationConfig(folder).padId): a prompt that holds it, where it is no EOS id of hfEosIds
   * (HF's own: a stop id beside them, the tokenizer's EOS, does not spare it there), is refused,
   * as HF's generate() masks such tokens out of a prompt given without an attention mask (attention and positions)
   * and this one, which takes one unpadded sequence, has no mask. A pad id that is the config's BOS is not refused (the
   * tokenizer starts every prompt with it; HF's generate() given the tokenizer's attention mask runs it as it stands).
   */
  padId?: number;
}

/**
 * The ids that end generation, as HF's generate() takes them: the model folder's generation eos_token_id(s)
 * (`generationEos`, readGenerationConfig(folder).eosIds: generation_config.json's, without that file config.json's;
 * where no folder is read, undefined, the model config's). config.json's eos_token_id beside a generation_config.json
 * is not one: HF reads only that file (a stale config.json eos ran on there and stopped here). The tokenizer's EOS is
 * added, which HF does not: a deliberate difference, as the chat template ends each turn with it (HF runs past it).
 */
export function stopIds(cfg: { eosTokenIds: readonly number[] }, tokenizerEos: number | null, generationEos?: readonly number[]): number[] {
  needArg('stopIds', 'cfg', cfg, 'object', { hint: 'the model config (model.cfg)' });
  if (tokenizerEos !== null) needArg('stopIds', 'tokenizerEos', tokenizerEos, 'number', { hint: "the tokenizer's EOS id (tok.eosId), or null" });
  if (generationEos !== undefined) needArg('stopIds', 'generationEos', generationEos, 'array', { hint: "a list of ids (readGenerationConfig(folder).eosIds)" });
  return [...new Set([...(generationEos ?? cfg.eosTokenIds), ...(tokenizerEos !== null ? [tokenizerEos] : [])])];
}

const GENERATE_OPTIONS = ['maxNewTokens', 'seed', 'eosIds', 'hfEosIds', 'onToken', 'padId', 'noRepeatNgramSize', 'minNewTokens', 'temperature', 'topK', 'topP', 'minP', 'epsilonCutoff', 'typicalP', 'etaCutoff', 'repetitionPenalty', 'sequenceBias', 'badWordsIds', 'suppressTokens', 'beginSuppressTokens', 'stopStrings', 'tokenizer'] as const satisfies ReadonlyArray<keyof GenerateOptions>;
/** The positions generation takes: an int32's. */
const MAX_POSITIONS = 2 ** 31 - 1;
const SAMPLE_HOW = 'give options.temperature > 0 to sample (0, the default, is greedy)';

/** New token ids after `prompt` (the prompt is not repeated). */
export function generate(model: MistralModel, promptIds: readonly number[] | Int32Array, opts: GenerateOptions): number[] {
  // a token row's inputIds (loadTokenRows: an Int32Array) as well as a list
  const prompt: readonly number[] = ArrayBuffer.isView(promptIds) ? Array.from(promptIds) : promptIds;
  needArg('generate', 'prompt', prompt, 'array', { hint: 'token ids, e.g. tok.encode(text)' });
  needArg('generate', 'options', opts, 'object', { hint: 'an object such as {maxNewTokens: 32}' });
  if (prompt.length === 0) throw new UserError('prompt is empty: give at least one token id, e.g. [tok.bosId, ...tok.encode(text)] (encode adds no BOS)', 'generate');
  // as transformers refuses max_new_tokens ≤ 0: no token to give, and the KV cache is sized by it
  const hf = opts.maxNewTokens === undefined && 'max_new_tokens' in opts ? "max_new_tokens is transformers' name: write options.maxNewTokens" : undefined;
  needInteger('generate', 'options.maxNewTokens', opts.maxNewTokens, 1, { note: hf });
  refuseMisspelledKeys('generate', 'options', opts, GENERATE_OPTIONS, { do_sample: SAMPLE_HOW, doSample: SAMPLE_HOW });
  for (const key of ['noRepeatNgramSize', 'minNewTokens'] as const) if (opts[key] !== undefined) needInteger('generate', `options.${key}`, opts[key], 0);
  // each given one of its type: temperature '0.7' compared as a number and was then no greedy 0; eosIds 2 and a
  // non-function onToken failed on a TypeError inside
  for (const key of ['temperature', 'topK', 'topP', 'minP', 'epsilonCutoff', 'typicalP', 'etaCutoff', 'repetitionPenalty'] as const) {
    if (opts[key] !== undefined) needArg('generate', `options.${key}`, opts[key], 'number');
  }
  if (opts.seed !== undefined) needInteger('generate', 'options.seed', opts.seed, 0);
  // ids that are no integers ('2') matched no token, and generation ran on to maxNewTokens
  for (const key of ['eosIds', 'hfEosIds'] as const) {
    const ids = opts[key];
    if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => Number.isSafeInteger(id)))) {
      needArg('generate', `options.${key}`, ids, 'array', { hint: 'a list of token ids, e.g. [2]' });
      throw new UserError(`options.${key} is ${boundedListText(ids, (id) => Number.isSafeInteger(id))}: give a list of token ids (integers), e.g. [2]`, 'generate');
    }
  }
  if (opts.onToken !== undefined) needArg('generate', 'options.onToken', opts.onToken, 'function', { hint: 'a function (id) => void' });
  requireSamplingOptions(opts);
  needModel('generate', model);
  const be = model.backend, cfg = model.cfg;
  // the kernels gather these rows unchecked; named as the caller wrote it (was "the prompt: input_ids[1] = …", no function)
  checkRow({ inputIds: prompt }, { vocabSize: cfg.vocabSize }, 'generate',
    (t, id, range) => `prompt[${t}] is ${typeof id === 'number' ? id : JSON.stringify(id)}: give token ids ${range} (the model's vocab_size)`);
  const eos = new Set(opts.eosIds ?? cfg.eosTokenIds), hfEos = opts.hfEosIds === undefined ? eos : new Set(opts.hfEosIds);
  const biases = tokenBiases(opts, hfEos, cfg.vocabSize);
  if (opts.stopStrings !== undefined && opts.tokenizer === undefined) {
    throw new UserError("options.stopStrings needs options.tokenizer (the model's tokenizer), as HF's generate() needs tokenizer= with stop_strings", 'generate');
  }
  const stop = opts.stopStrings !== undefined ? new StopStrings(opts.tokenizer!, opts.stopStrings, tokenizerStopStringMode(opts.tokenizer!)) : null;
  if (opts.padId !== undefined) needInteger('generate', 'options.padId', opts.padId, 0);
  // a pad id that is the BOS is run as it stands: the tokenizer starts every prompt with it (refused, none could run), and
  // HF's generate() given the tokenizer's attention mask, as its pipeline gives it, runs it so
  const padAt = opts.padId !== undefined && !hfEos.has(opts.padId) && opts.padId !== cfg.bosTokenId ? prompt.indexOf(opts.padId) : -1;
  if (padAt >= 0) {
    throw new UserError(`prompt[${padAt}] is the pad token ${opts.padId} (pad_token_id): HF's generate() masks pad tokens out of a prompt ` +
      'given without an attention mask, and this one has no mask, so their tokens would differ; take it out of the prompt', 'generate');
  }
  const rng = new Rng(opts.seed ?? 0);
  const context = cfg.maxPositionEmbeddings, limit = prompt.length + opts.maxNewTokens;
  // positions are int32 (1e11 new tokens was a RangeError stack trace)
  if (limit > MAX_POSITIONS) {
    throw new UserError(`${prompt.length} prompt tokens + ${opts.maxNewTokens} new tokens is more positions than generation takes (${MAX_POSITIONS}): ` +
      `ask for at most ${MAX_POSITIONS - prompt.length} new tokens`, 'generate');
  }
  const dynamic = dynamicRopeRefusal(cfg, limit, `ask for at most ${Math.max(0, context - prompt.length)} new tokens`);
  if (dynamic) throw new UserError(dynamic, 'generate');
  // past max_position_embeddings it goes on, as transformers' generate() does (with a warning, below); the cache is
  // reserved up to the context at once (never more than the call can ask for) and grows past it
  const cache = createKvCache(be, cfg, Math.min(limit, Math.max(context, prompt.length + 1)), model.dtypes.storage);
  const out: number[] = [];
  // the prompt and new tokens, and the set of them (the tokens a repetition penalty applies to)
  const state: Chosen = { seq: [...prompt], seen: new Set(prompt), newTokens: 0, hfEos, ...biases };
  try {
    let next = nextToken(model, prompt, cache, limit, opts, rng, state);
    while (out.length < opts.maxNewTokens) {
      out.push(next);
      state.seq.push(next);
      state.seen.add(next);
      state.newTokens++;
      opts.onToken?.(next);
      if (eos.has(next) || out.length === opts.maxNewTokens || stop?.matches(state.seq)) break;
      next = nextToken(model, [next], cache, limit, opts, rng, state);
    }
  } finally {
    freeKvCache(be, cache);
    model.releaseActivations();
  }
  return out;
}

/** What the tokens chosen so far are to the logits processors: the prompt and new tokens, their set, how many are new, HF's EOS ids. */
interface Chosen {
  seq: number[];
  seen: Set<number>;
  newTokens: number;
  hfEos: ReadonlySet<number>;
  sequenceBias: SequenceBias[];
  badWords: SequenceBias[];
}

/** A list of token-id lists, each non-empty (transformers' ValueError otherwise), or a UserError naming `key`. */
function needIdLists(key: string, value: unknown, hint: string): readonly (readonly number[])[] {
  if (!isIdLists(value)) throw new UserError(`options.${key} is ${boundedListText(value, (ids) => isIdLists([ids]))}: give a non-empty list of non-empty token-id lists, e.g. ${hint}`, 'generate');
  return value;
}

/** sequenceBias and badWordsIds checked and prepared (the ids in the vocabulary), suppressTokens and beginSuppressTokens checked. */
function tokenBiases(opts: GenerateOptions, eos: ReadonlySet<number>, vocabSize: number): { sequenceBias: SequenceBias[]; badWords: SequenceBias[] } {
  for (const key of ['suppressTokens', 'beginSuppressTokens'] as const) {
    const ids = opts[key];
    // negative ids refused, as generation_config.json's suppress_tokens refuses them (they name no token)
    if (ids !== undefined && !isIdList(ids)) throw new UserError(`options.${key} is ${boundedListText(ids, (id) => isIdList([id]))}: give a list of token ids (integers ≥ 0), e.g. [5, 9]`, 'generate');
  }
  let sequenceBias: SequenceBias[] = [];
  if (opts.sequenceBias !== undefined) {
    const list = opts.sequenceBias as unknown;
    const pair = (e: unknown): boolean => Array.isArray(e) && e.length === 2 && typeof e[1] === 'number' && !Number.isNaN(e[1]);
    const ok = Array.isArray(list) && list.length > 0 && list.every(pair);
    if (!ok) throw new UserError(`options.sequenceBias is ${boundedListText(list, pair)}: give a non-empty list of [token ids, bias] pairs, e.g. [[[5], -2.5], [[7, 8], 1.0]]`, 'generate');
    // transformers' check of the list form wants ids > 0 (it refuses token 0 there)
    const ids = needIdLists('sequenceBias', opts.sequenceBias.map(([i]) => i), '[[[5], -2.5]]');
    if (ids.some((i) => i.includes(0))) throw new UserError('options.sequenceBias names token 0: transformers refuses it in sequence_bias (its ids must be > 0)', 'generate');
    sequenceBias = prepareSequenceBias(opts.sequenceBias, vocabSize, 'sequenceBias');
  }
  let badWords: SequenceBias[] = [];
  if (opts.badWordsIds !== undefined) {
    // one that is only EOS ids bans nothing, as transformers 5.17's (its empty sequence_bias is not refused)
    badWords = prepareSequenceBias(badWordsBias(needIdLists('badWordsIds', opts.badWordsIds, '[[5], [7, 8]]'), eos), vocabSize, 'badWordsIds');
  }
  return { sequenceBias, badWords };
}

/** Runs `ids` through the model after the cached positions and picks the token that follows them. */
function nextToken(model: MistralModel, ids: readonly number[], cache: KvCache, limit: number, opts: GenerateOptions, rng: Rng, chosen: Chosen): number {
  const T = ids.length, context = model.cfg.maxPositionEmbeddings;
  if (cache.length + T > context) {
    warnOnce(`generate past ${context}`, `generation runs past the model's max_position_embeddings ${context}, as transformers' generate() does ` +
      '(with its warning): positions beyond it were never trained, so the tokens there may say little');
  }
  reserveKvCache(model.backend, cache, cache.length + T, limit);
  const batch: Batch = {
    B: 1, T, inputIds: Int32Array.from(ids), positions: Int32Array.from(ids, (_, t) => cache.length + t),
    segments: new Int32Array(T), targets: new Int32Array(T).fill(-100), scoreIndex: new Int32Array(1),
    classLabels: null, targetCount: 0,
  };
  const acts = model.forward(batch, false, cache);
  const be = model.backend, C = model.cfg.hiddenSize, V = model.cfg.vocabSize;
  const logits = be.view(logitsChunk(acts), 0, V);
  be.gemm(logits, be.view(acts.lnf, (T - 1) * C, C), model.lmHead(), { m: 1, n: V, k: C, transB: true });
  const host = be.download(logits) as Float32Array | Float64Array;
  const bad = host.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    throw new UserError(`the model's logit for token ${bad} is ${host[bad]} at position ${cache.length - 1}: ` +
      'the model (or adapter) has NaN or infinite weights, or its activations overflow; nothing sensible can be generated');
  }
  // in transformers' order (GenerationMixin._get_logits_processor): sequence bias, repetition penalty, no-repeat
  // n-grams, bad words, the EOS ban of min_new_tokens, suppressed tokens, those suppressed at the start; then its warpers
  applySequenceBias(host, chosen.seq, chosen.sequenceBias);
  applyRepetitionPenalty(host, chosen.seen, opts.repetitionPenalty ?? 1);
  banRepeatedNgrams(host, chosen.seq, opts.noRepeatNgramSize ?? 0);
  applySequenceBias(host, chosen.seq, chosen.badWords);
  const eosBanned = chosen.newTokens < (opts.minNewTokens ?? 0) && chosen.hfEos.size > 0;
  if (eosBanned) banIds(host, chosen.hfEos);
  if (opts.suppressTokens) banIds(host, opts.suppressTokens);
  if (opts.beginSuppressTokens && chosen.newTokens === 0) banIds(host, opts.beginSuppressTokens);
  // sampling from nothing: transformers' multinomial fails on the NaN probabilities (greedy picks id 0, as its argmax)
  if ((opts.temperature ?? 0) > 0 && host.every((x) => x === -Infinity)) {
    const ngrams = (opts.noRepeatNgramSize ?? 0) > 0;
    const lists = chosen.badWords.length > 0 || opts.suppressTokens || opts.beginSuppressTokens || chosen.sequenceBias.length > 0;
    const bans = [...(ngrams ? [`no_repeat_ngram_size ${opts.noRepeatNgramSize}: each would repeat an n-gram of the prompt and output`] : []),
      ...(eosBanned ? [`the EOS ids until min_new_tokens ${opts.minNewTokens}`] : []),
      ...(lists ? ['bad_words_ids, suppress_tokens or sequence_bias'] : [])];
    // the fix of each cause (the EOS ban alone bans every token only of a vocabulary of EOS ids)
    const fixes = [...(ngrams ? ['give a larger noRepeatNgramSize (--no-repeat-ngram-size) or fewer new tokens'] : []), ...(lists ? ['ban fewer tokens'] : [])];
    if (fixes.length === 0) fixes.push('give a smaller minNewTokens');
    throw new UserError(`every token is banned at new token ${chosen.newTokens + 1}${bans.length > 0 ? ` (${bans.join('; ')})` : ''}: nothing can be sampled, as transformers' ` +
      `generate() fails there; ${fixes.join(', or ')}`, 'generate');
  }
  return sampleToken(host, opts, rng);
}
