// A model folder's generation_config.json (without one, config.json's generation keys, as HF takes them), as far as
// our generate() has the settings HF's GenerationConfig names: eos_token_id (an id or a list: the ids HF's generate()
// stops at; a chat model may list its end-of-turn token there beside </s>, which config.json does not name),
// do_sample, temperature, top_k, top_p, min_p, typical_p, epsilon_cutoff, eta_cutoff, repetition_penalty,
// no_repeat_ngram_size, min_new_tokens, min_length, max_new_tokens, max_length, sequence_bias, bad_words_ids,
// suppress_tokens, begin_suppress_tokens and stop_strings. They are defaults; the
// caller's options (the CLI's flags) override them. A key the file leaves out keeps our default, not HF's class
// default (its max_length 20, or top_k 50 when sampling). pad_token_id is read for one check: HF's generate() masks
// that token out of a prompt (where it is no EOS id, nor the BOS), ours refuses such a prompt. bos_token_id (the
// tokenizer's BOS starts the prompt) is not read; a setting generate does not have (num_beams, max_time, ...) set
// to other than its "off" is listed, to be warned of, and so is a value HF takes with no effect
// (generation-no-effect.ts). A value of the wrong type or range is an error naming the file and the key (a sampling
// setting's range only where generation samples: unsampledOutOfRange), and so is a number of the kind transformers'
// generate() refuses where it applies it (generation-number-kinds.ts), and so is a value with which transformers 5.17
// cannot load the folder at all (generation-loadable.ts: from_pretrained raises; an export leaves such a key out).
import * as path from 'node:path';
import { folderConfigJson } from '../util/config-json.ts';
import { needArg, needPath } from '../util/api-args.ts';
import { fileIsThere } from '../util/file-is-there.ts';
import { UserError } from '../util/errors.ts';
import { isRecord, readJsonFile } from '../util/json-file.ts';
import { boundedJsonText, boundedListText } from '../util/bounded-json.ts';
import { generationConfigFromModel } from './generation-from-config.ts';
import { notATokenId } from './token-id-list.ts';
import { GENERATION_KEY_CHECKS } from './generation-key-checks.ts';
import { refuseWrongKinds, wrongNumberKinds, type KindCheckedKey } from './generation-number-kinds.ts';
import { parseJsonAsPythonLoads } from '../data/ingest/python-json.ts';
import type { SequenceBias } from './sequence-bias.ts';
import { eosBannedFor } from './token-bans.ts';
import { isNoEffectMinNewTokens, withoutNoEffectValues } from './generation-no-effect.ts';
import { refuseUnloadableGeneration } from './generation-loadable.ts';

/** The settings generation_config.json (without one, config.json) states (each absent where it has no such key, or null for it). */
export interface GenerationConfigFile {
  /** The path of the file read (generation_config.json, else config.json), for messages; null where the folder has neither. */
  file: string | null;
  eosIds: number[];
  /** The file's eos_token_id is an empty list: no id, but HF's generate() builds its min_length processors all the same, which check their number's kind. */
  eosEmptyList?: true;
  doSample?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  epsilonCutoff?: number;
  typicalP?: number;
  etaCutoff?: number;
  repetitionPenalty?: number;
  noRepeatNgramSize?: number;
  minNewTokens?: number;
  sequenceBias?: SequenceBias[];
  badWordsIds?: number[][];
  suppressTokens?: number[];
  beginSuppressTokens?: number[];
  stopStrings?: string[];
  /** Prompt + new tokens before which no EOS is chosen, HF's min_length; min_new_tokens, where also given, wins (as in HF). */
  minLength?: number;
  maxNewTokens?: number;
  /** Prompt + new tokens, HF's max_length; max_new_tokens, where also given, wins (as in HF). */
  maxLength?: number;
  /** pad_token_id, where ≥ 0 (a negative one is no token HF's generate() finds in a prompt): generate's options.padId. */
  padId?: number;
  /** Keys set to something HF's generate() would act on that ours has not ("num_beams 4"), to be said: not applied. */
  unsupported: string[];
  /** Values HF's generate() takes and applies to nothing ("no_repeat_ngram_size -1", "suppress_tokens' id -1"), taken as off: to be said. */
  noEffect?: string[];
  /** Keys whose number is of the kind transformers refuses (2 where it wants a float), with why: refused where applied (generationSettings). */
  wrongKinds?: Partial<Record<KindCheckedKey, string>>;
  /**
   * Sampling settings out of range (top_k -1, top_p 1.5), with why: not applied where generation is greedy (a file that
   * does not say do_sample true: warned of, as HF warns; or a temperature of 0 given), refused where it samples
   * (generationSettings).
   */
  unsampledOutOfRange?: Partial<Record<keyof typeof SAMPLING_KEYS, { value: number; why: string }>>;
}

/** The sampling settings (transformers' warpers, built only where generate() samples), each with its option's name. */
const SAMPLING_KEYS = {
  temperature: 'temperature', top_k: 'topK', top_p: 'topP', min_p: 'minP', typical_p: 'typicalP', epsilon_cutoff: 'epsilonCutoff', eta_cutoff: 'etaCutoff',
} as const;

/** The int keys whose fraction (1.5) is refused by its kind, where applied, not by its range as the file is read. */
const FRACTION_KIND_CHECKED: ReadonlySet<string> = new Set(['no_repeat_ngram_size', 'min_length', 'min_new_tokens']);

/** The keys whose value is a list of items each checked alike (a bad one is named by its place in an error). */
const LIST_KEYS: ReadonlySet<string> = new Set(['bad_words_ids', 'suppress_tokens', 'begin_suppress_tokens', 'stop_strings', 'sequence_bias']);

/**
 * Settings of HF's GenerationConfig that change what generate() gives one sequence, which ours does not have, each
 * with the value that leaves it off as transformers 5.17 tests it (guidance_scale 1, penalty_alpha 0; null, always
 * off: unset); a file that sets one otherwise is warned of, as it is not applied.
 */
const UNSUPPORTED: Readonly<Record<string, unknown>> = {
  num_beams: 1, num_beam_groups: 1, penalty_alpha: 0,
  forced_bos_token_id: null, forced_eos_token_id: null, exponential_decay_length_penalty: null,
  num_return_sequences: 1, dola_layers: null, guidance_scale: 1, encoder_repetition_penalty: 1,
  // HF's generate() stops once that many seconds have passed (MaxTimeCriteria); ours has no such stop
  max_time: null,
  // transformers 5.17's TopHLogitsWarper (after temperature), its watermarking logits processor, and token healing
  // (the prompt's last tokens re-chosen): each changes the tokens
  top_h: null, watermarking_config: null, token_healing: false,
  // either makes HF's generate() a constrained beam search (GenerationConfig.get_generation_mode)
  force_words_ids: null, constraints: null,
};

/**
 * `dir`/generation_config.json parsed to an object; where there is no such file, config.json's generation keys, as
 * transformers' from_pretrained takes them then (GenerationConfig.from_model_config: an older config.json's
 * repetition_penalty or do_sample is applied by HF's generate()); null where there is neither.
 */
function readFile(dir: string): { file: string; config: Record<string, unknown>; spelledIn?: object } | null {
  return generationConfigJson(dir) ?? modelConfigKeys(dir);
}

/** `dir`/generation_config.json parsed to an object (refused where it is none); null without the file (config.json not read). */
export function generationConfigJson(dir: string): { file: string; config: Record<string, unknown> } | null {
  const file = path.join(dir, 'generation_config.json');
  if (!fileIsThere(file)) return null; // a folder or FIFO in its place is readJsonFile's error, not "no file"
  const config = readJsonFile(file, parseJsonAsPythonLoads); // 2 and 2.0 told apart, as transformers tells them (generation-number-kinds.ts)
  if (!isRecord(config)) throw new UserError('generation_config.json must be a JSON object', file);
  return { file, config };
}

/** The generation keys of `dir`/config.json, named as from there; null without one (or one that is no object: loadConfig's error). */
function modelConfigKeys(dir: string): { file: string; config: Record<string, unknown>; spelledIn: object } | null {
  const file = path.join(dir, 'config.json');
  const config = folderConfigJson(dir);
  return isRecord(config) ? { file, config: generationConfigFromModel(config, true), spelledIn: config } : null;
}

function eosOf(config: Record<string, unknown>, file: string): number[] {
  const eos = config.eos_token_id;
  if (eos === undefined || eos === null) return [];
  const bad = notATokenId(eos, true); // a list's bad item by its place (a negative id is one nothing stops at): token-id-list.ts
  if (bad !== null) {
    throw new UserError(`eos_token_id must be a token id or a list of them, got ${bad.item !== null ? `a list whose item ${bad.item} is ${boundedJsonText(bad.got)}` : boundedJsonText(eos)}`, file);
  }
  return Array.isArray(eos) ? (eos as number[]) : [eos as number];
}

/** generation_config.json's eos_token_id in `dir` (without one, config.json's) as a list (empty when the files or the key are absent). */
export function generationEosIds(dir: string): number[] {
  const read = readFile(dir);
  return read ? eosOf(read.config, read.file) : [];
}

/** Every setting of `dir`/generation_config.json (without one, config.json's generation keys) that generate has (none where the folder has neither). */
export function readGenerationConfig(dir: string): GenerationConfigFile {
  needPath('readGenerationConfig', 'the model folder', dir, 'folder', 'the path of a Hugging Face model folder');
  const read = readFile(dir);
  if (!read) return { file: null, eosIds: [], unsupported: [] };
  const { file, spelledIn } = read;
  // a negative no_repeat_ngram_size, min_length or suppressed id: taken as off, as HF's generate() takes it (generation-no-effect.ts)
  const { config, noEffect } = withoutNoEffectValues(read.config);
  const outOfRange: NonNullable<GenerationConfigFile['unsampledOutOfRange']> = {};
  const value = <K extends keyof typeof GENERATION_KEY_CHECKS>(key: K): unknown => {
    const v = config[key];
    if (v === undefined || v === null) return undefined;
    const [ok, want] = GENERATION_KEY_CHECKS[key];
    if (ok(v)) return v;
    // a fraction above 0 where transformers wants an int is a float to Python: refused by its kind where generate()
    // applies it (wrongNumberKinds), taken where it does not (a flag over it, min_length with no EOS id)
    if (FRACTION_KIND_CHECKED.has(key) && typeof v === 'number' && v > 0 && Number.isFinite(v) && !Number.isInteger(v)) return v;
    // a long list's first bad item named by its place (a list key's check passes a list of that item alone)
    const why = `${key} must be ${want}, got ${LIST_KEYS.has(key) ? boundedListText(v, (item) => ok([item])) : boundedJsonText(v)}`;
    // a sampling setting out of range: HF's greedy generate() builds no warper of it (a file that does not sample: only
    // warned of; one that does, with a temperature of 0 given); refused where generation samples (refuseBadFileValuesApplied)
    const sampler = SAMPLING_KEYS[key as keyof typeof SAMPLING_KEYS];
    if (sampler !== undefined && typeof v === 'number' && Number.isFinite(v)) {
      outOfRange[key as keyof typeof SAMPLING_KEYS] = { value: v, why };
      return undefined;
    }
    throw new UserError(why, file);
  };
  const unsupported = Object.entries(UNSUPPORTED).filter(([key, off]) => {
    const v = config[key];
    return v !== undefined && v !== null && JSON.stringify(v) !== JSON.stringify(off);
  }).map(([key]) => `${key} ${boundedJsonText(config[key])}`); // force_words_ids of 10^5 lists: cut, not echoed whole
  const out: GenerationConfigFile = { file, eosIds: eosOf(config, file), unsupported };
  if (Array.isArray(config.eos_token_id) && config.eos_token_id.length === 0) out.eosEmptyList = true;
  if (noEffect.length > 0) out.noEffect = noEffect;
  const doSample = value('do_sample'), temperature = value('temperature'), topK = value('top_k'), topP = value('top_p');
  const penalty = value('repetition_penalty'), maxNew = value('max_new_tokens'), maxLength = value('max_length');
  if (doSample !== undefined) out.doSample = doSample as boolean;
  if (temperature !== undefined) out.temperature = temperature as number;
  if (topK !== undefined) out.topK = topK as number;
  if (topP !== undefined) out.topP = topP as number;
  const minP = value('min_p');
  if (minP !== undefined) out.minP = minP as number;
  const epsilon = value('epsilon_cutoff');
  if (epsilon !== undefined) out.epsilonCutoff = epsilon as number;
  const typical = value('typical_p'), eta = value('eta_cutoff');
  if (typical !== undefined) out.typicalP = typical as number;
  if (eta !== undefined) out.etaCutoff = eta as number;
  const bias = value('sequence_bias'), bad = value('bad_words_ids'), suppress = value('suppress_tokens'), beginSuppress = value('begin_suppress_tokens');
  if (bias !== undefined) out.sequenceBias = bias as SequenceBias[];
  if (bad !== undefined) out.badWordsIds = bad as number[][];
  // an empty list is off (transformers' processor then bans nothing)
  if (suppress !== undefined && (suppress as number[]).length > 0) out.suppressTokens = suppress as number[];
  if (beginSuppress !== undefined && (beginSuppress as number[]).length > 0) out.beginSuppressTokens = beginSuppress as number[];
  const stops = value('stop_strings');
  if (stops !== undefined) out.stopStrings = typeof stops === 'string' ? [stops] : (stops as string[]);
  if (penalty !== undefined) out.repetitionPenalty = penalty as number;
  if (maxNew !== undefined) out.maxNewTokens = maxNew as number;
  if (maxLength !== undefined) out.maxLength = maxLength as number;
  const ngram = value('no_repeat_ngram_size'), minLength = value('min_length');
  // a negative one still replaces min_length, as in HF (banning no EOS)
  const minNew = isNoEffectMinNewTokens(config.min_new_tokens) ? config.min_new_tokens : value('min_new_tokens');
  if (ngram !== undefined) out.noRepeatNgramSize = ngram as number;
  if (minNew !== undefined) out.minNewTokens = minNew as number;
  if (minLength !== undefined) out.minLength = minLength as number;
  const pad = value('pad_token_id');
  if (pad !== undefined && (pad as number) >= 0) out.padId = pad as number;
  if (Object.keys(outOfRange).length > 0) out.unsampledOutOfRange = outOfRange;
  const wrongKinds = wrongNumberKinds(config, spelledIn ?? read.config);
  if (Object.keys(wrongKinds).length > 0) out.wrongKinds = wrongKinds;
  // a value HF's from_pretrained raises for (a greedy num_return_sequences 2): refused, not said to be "not applied";
  // after the checks of the keys generate applies (max_new_tokens 0 is refused as such, above)
  refuseUnloadableGeneration(read.config, file);
  return out;
}

/** The options a caller gives (the CLI's flags); each overrides the file. */
export interface GivenGenerationOptions {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  epsilonCutoff?: number;
  typicalP?: number;
  etaCutoff?: number;
  repetitionPenalty?: number;
  noRepeatNgramSize?: number;
  minNewTokens?: number;
  maxNewTokens?: number;
  sequenceBias?: SequenceBias[];
  badWordsIds?: number[][];
  suppressTokens?: number[];
  beginSuppressTokens?: number[];
  stopStrings?: string[];
}

export interface GenerationSettings {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  epsilonCutoff: number;
  typicalP: number;
  etaCutoff: number;
  repetitionPenalty: number;
  noRepeatNgramSize: number;
  /** Each where given or in the file (absent otherwise): generate's options of that name. */
  sequenceBias?: SequenceBias[];
  badWordsIds?: number[][];
  suppressTokens?: number[];
  beginSuppressTokens?: number[];
  stopStrings?: string[];
  /** New tokens before which no EOS is chosen (min_new_tokens, else min_length less the prompt). */
  minNewTokens: number;
  maxNewTokens: number;
  /** The file's settings that were taken ("temperature 0.6 (do_sample)", "top_p 0.9"), to be said. */
  fromFile: string[];
  /**
   * The file's sampling settings not applied because it does not say do_sample true and no temperature was given
   * ("temperature 0.6", "top_p 0.9"): greedy, as in HF's generate() (which warns that they may be ignored); to be said.
   */
  unsampledFromFile: string[];
  /**
   * The file's settings generate has not (GenerationConfigFile.unsupported) that HF's generate() would apply here, to
   * be said as not applied: a sampling-only one (typical_p, ...) only where generation samples, as HF's greedy decoding
   * does not apply it either.
   */
  unsupported: string[];
}

/**
 * The file's numbers of a kind transformers' processors refuse (repetition_penalty 2 for 2.0: GenerationConfigFile.wrongKinds),
 * and its sampling settings out of range (unsampledOutOfRange), where generate() would build the processor with them
 * (the option given does not override it, ...): a UserError naming the file.
 * generationSettings checks it; the CLI also before the model loads.
 */
export function refuseBadFileValuesApplied(given: GivenGenerationOptions, file: GenerationConfigFile, promptLength?: number): void {
  const sampling = given.temperature === undefined ? file.doSample === true : given.temperature > 0;
  const eos = file.eosIds.length > 0 || file.eosEmptyList === true;
  // a sampling setting out of range, where generation samples (said before its kind: top_k -5.0 is refused for its
  // range, not told to be written -5)
  for (const [key, bad] of Object.entries(file.unsampledOutOfRange ?? {})) {
    if (sampling && given[SAMPLING_KEYS[key as keyof typeof SAMPLING_KEYS]] === undefined) throw new UserError(`${bad.why} (applied: generation samples)`, file.file ?? undefined);
  }
  refuseWrongKinds(file.wrongKinds, {
    repetition_penalty: given.repetitionPenalty === undefined && file.repetitionPenalty !== 1,
    // a temperature of 0 is refused as such (generationSettings), whatever its spelling
    temperature: given.temperature === undefined && file.doSample === true && file.temperature !== 1 && file.temperature !== 0,
    top_k: given.topK === undefined && sampling && file.topK !== 0,
    no_repeat_ngram_size: given.noRepeatNgramSize === undefined && (file.noRepeatNgramSize ?? 0) > 0,
    // only where the file has an eos_token_id (an empty list too: HF builds the processor all the same); min_new_tokens
    // sets min_length to the prompt's length plus it (> 0: 0.0 too, -1.0 after a prompt of 2; before the prompt is
    // known, refused where it is ≥ 0), and where given or in the file it replaces min_length
    min_new_tokens: given.minNewTokens === undefined && eos && (promptLength === undefined ? (file.minNewTokens ?? 0) >= 0 : promptLength + (file.minNewTokens ?? 0) > 0),
    min_length: given.minNewTokens === undefined && file.minNewTokens === undefined && eos && (file.minLength ?? 0) > 0,
    bad_words_ids: given.badWordsIds === undefined,
    sequence_bias: given.sequenceBias === undefined,
  }, file.file);
}

/** Settings of GenerationConfig that only its sampling applies (transformers 5.17's warpers), which ours has not. */
const SAMPLING_ONLY = new Set(['top_h']);

/** With no max_new_tokens anywhere: 256 new tokens, or as many as the model's context leaves after the prompt. */
export const DEFAULT_MAX_NEW_TOKENS = 256;

/**
 * The settings generate runs with: the options given > generation_config.json (`file`) > ours (greedy, no top-k,
 * top-p or penalty, DEFAULT_MAX_NEW_TOKENS up to the `context` left after `promptLength` tokens). As in HF's
 * generate(), the file's temperature, top_k, top_p, min_p, typical_p, epsilon_cutoff and eta_cutoff apply only where it says do_sample true (a temperature it
 * leaves out is then HF's 1); a given temperature > 0 samples, 0 is greedy. max_length counts the prompt.
 */
export function generationSettings(given: GivenGenerationOptions, file: GenerationConfigFile, promptLength: number, context: number): GenerationSettings {
  needArg('generationSettings', 'given', given, 'object', { hint: 'the options given, such as {temperature: 0.7} or {}' });
  needArg('generationSettings', 'file', file, 'object', { hint: 'readGenerationConfig(folder)' });
  needArg('generationSettings', 'promptLength', promptLength, 'number');
  needArg('generationSettings', 'context', context, 'number', { hint: "a number (the model's max_position_embeddings)" });
  const fromFile: string[] = [];
  const sampling = given.temperature === undefined ? file.doSample === true : given.temperature > 0;
  refuseBadFileValuesApplied(given, file, promptLength);
  const take = <T>(option: T | undefined, stated: T | undefined, key: string, dflt: T, applies = true): T => {
    if (option !== undefined) return option;
    if (stated === undefined || !applies) return dflt;
    fromFile.push(`${key} ${Array.isArray(stated) ? boundedJsonText(stated) : String(stated)}`);
    return stated;
  };
  let temperature = given.temperature ?? 0;
  if (given.temperature === undefined && file.doSample === true) {
    // HF's generate() refuses to sample at 0 (TemperatureLogitsWarper: "a strictly positive float"); decoding greedily
    // here instead would give other tokens than the file asks for, without a word
    if (file.temperature === 0) {
      throw new UserError('do_sample true with temperature 0: HF\'s generate() refuses it (sampling needs a temperature above 0); ' +
        'set do_sample false for greedy decoding, or give --temperature', file.file ?? undefined);
    }
    temperature = file.temperature ?? 1;
    fromFile.push(`do_sample true, temperature ${temperature}${file.temperature === undefined ? " (HF's default)" : ''}`);
  }
  const topK = take(given.topK, file.topK, 'top_k', 0, sampling);
  const topP = take(given.topP, file.topP, 'top_p', 1, sampling);
  const minP = take(given.minP, file.minP, 'min_p', 0, sampling);
  const epsilonCutoff = take(given.epsilonCutoff, file.epsilonCutoff, 'epsilon_cutoff', 0, sampling);
  const typicalP = take(given.typicalP, file.typicalP, 'typical_p', 1, sampling);
  const etaCutoff = take(given.etaCutoff, file.etaCutoff, 'eta_cutoff', 0, sampling);
  // greedy too, as transformers' logits processors (not its sampling-only warpers)
  const lists = {
    sequenceBias: take(given.sequenceBias, file.sequenceBias, 'sequence_bias', undefined),
    badWordsIds: take(given.badWordsIds, file.badWordsIds, 'bad_words_ids', undefined),
    suppressTokens: take(given.suppressTokens, file.suppressTokens, 'suppress_tokens', undefined),
    beginSuppressTokens: take(given.beginSuppressTokens, file.beginSuppressTokens, 'begin_suppress_tokens', undefined),
    stopStrings: take(given.stopStrings, file.stopStrings, 'stop_strings', undefined),
  };
  const repetitionPenalty = take(given.repetitionPenalty, file.repetitionPenalty, 'repetition_penalty', 1);
  const noRepeatNgramSize = take(given.noRepeatNgramSize, file.noRepeatNgramSize, 'no_repeat_ngram_size', 0);
  let minNewTokens: number;
  if (given.minNewTokens !== undefined) minNewTokens = given.minNewTokens;
  else {
    // as transformers 5.17: min_new_tokens, where given, sets min_length to the prompt's length plus it
    minNewTokens = eosBannedFor(file.minNewTokens, file.minLength, promptLength);
    if (file.minNewTokens !== undefined) fromFile.push(`min_new_tokens ${file.minNewTokens}`);
    else if (file.minLength !== undefined) fromFile.push(`min_length ${file.minLength} (prompt and new tokens): ${minNewTokens} new tokens before an EOS`);
  }
  let maxNewTokens: number;
  if (given.maxNewTokens !== undefined) maxNewTokens = given.maxNewTokens;
  else if (file.maxNewTokens !== undefined || file.maxLength !== undefined) {
    const key = file.maxNewTokens !== undefined ? `max_new_tokens ${file.maxNewTokens}` : `max_length ${file.maxLength} (prompt and new tokens)`;
    maxNewTokens = file.maxNewTokens ?? file.maxLength! - promptLength;
    if (maxNewTokens < 1) throw new UserError(`${key} leaves no new token after the prompt's ${promptLength}: give --max-new-tokens`, file.file ?? undefined);
    fromFile.push(file.maxNewTokens !== undefined ? key : `${key}: ${maxNewTokens} new tokens`);
  } else maxNewTokens = Math.max(1, Math.min(DEFAULT_MAX_NEW_TOKENS, context - promptLength));
  // what would sample otherwise than their "off" (temperature 1, top_k 0, top_p 1); top_k 50, HF's default (an old
  // config.json's default keys hold it), as transformers 5.17's GenerationConfig.validate does not warn of it either
  // a key whose flag is given is not the file's to be said (the flag's own "only when sampling" warning is the CLI's)
  const unsampledFromFile = given.temperature !== undefined || file.doSample === true ? [] : [
    ...(file.temperature !== undefined && file.temperature !== 1 ? [`temperature ${file.temperature}`] : []),
    ...(file.topK !== undefined && file.topK !== 0 && file.topK !== 50 ? [`top_k ${file.topK}`] : []),
    ...(file.topP !== undefined && file.topP !== 1 ? [`top_p ${file.topP}`] : []),
    ...(file.minP !== undefined && file.minP !== 0 ? [`min_p ${file.minP}`] : []),
    ...(file.epsilonCutoff !== undefined && file.epsilonCutoff !== 0 ? [`epsilon_cutoff ${file.epsilonCutoff}`] : []),
    ...(file.typicalP !== undefined && file.typicalP !== 1 ? [`typical_p ${file.typicalP}`] : []),
    ...(file.etaCutoff !== undefined && file.etaCutoff !== 0 ? [`eta_cutoff ${file.etaCutoff}`] : []),
    ...Object.entries(file.unsampledOutOfRange ?? {}).map(([key, bad]) => `${key} ${bad.value}`),
  ].filter((setting) => given[SAMPLING_KEYS[setting.split(' ')[0] as keyof typeof SAMPLING_KEYS]] === undefined);
  const unsupported = temperature > 0 ? file.unsupported : file.unsupported.filter((setting) => !SAMPLING_ONLY.has(setting.split(' ')[0]!));
  const listsSet = Object.fromEntries(Object.entries(lists).filter(([, v]) => v !== undefined));
  return { temperature, topK, topP, minP, epsilonCutoff, typicalP, etaCutoff, repetitionPenalty, noRepeatNgramSize, ...listsSet, minNewTokens, maxNewTokens, fromFile, unsampledFromFile, unsupported };
}
