// The generation_config.json keys a model save leaves out because transformers 5.17 cannot load the folder with them:
// GenerationConfig.__init__ runs validate(), which raises for these values (a greedy num_return_sequences 2, a
// cache_implementation it does not know, ...), and from_pretrained of the model raises with it. HF's own save refuses
// to write such a file (validate(strict=True)), so a source folder may still hold one (written by hand or by an older
// transformers); our save writes the rest, each key left out warned of, rather than a folder nothing can load, and
// generate refuses a folder holding one (its generation_config.json, or config.json's generation keys without one).
// compile_config is never loadable from a file (it must be a CompileConfig, a file gives a dict): HF's save pops it.
import { isPythonFloat, withPythonNumbers } from '../data/python-numbers.ts';
import { boundedJsonText } from '../util/bounded-json.ts';
import { UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import { warnOnce } from '../util/log.ts';

/** transformers 5.17's ALL_CACHE_IMPLEMENTATIONS and "paged", the cache_implementation values validate() takes. */
const CACHE_IMPLEMENTATIONS = new Set(['static', 'offloaded_static', 'sliding_window', 'hybrid', 'hybrid_chunked', 'offloaded_hybrid',
  'offloaded_hybrid_chunked', 'dynamic', 'offloaded', 'quantized', 'paged']);

/** Arguments of generate() that validate() refuses inside a GenerationConfig (its generate_arguments). */
const GENERATE_ARGUMENTS = ['logits_processor', 'stopping_criteria', 'prefix_allowed_tokens_fn', 'synced_gpus', 'assistant_model', 'streamer',
  'negative_prompt_ids', 'negative_prompt_attention_mask'];

/** A key left out and why transformers refuses it. */
export interface UnloadableKey { key: string; why: string }

// validate() is Python: a JSON value is read as Python reads it. A comparison of a string, list or object with a number
// raises (TypeError), as a ValueError does (from_pretrained of the model catches neither); true and false compare as 1
// and 0 (1 == True: early_stopping 1 is in {None, True, False, "never"}); [] and {} are false; a set of a number raises,
// and one holding a list or an object.

/** `v` as a Python number compares (a bool as 1 or 0); null for a value whose comparison with a number raises. */
function pyNumber(v: unknown): number | null {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'bigint' || isPythonFloat(v)) return Number(v);
  return null;
}

/** A JSON object (not a float marked as Python's, which is a boxed Number: withPythonNumbers). */
const isJsonObject = (v: unknown): v is Record<string, unknown> => isRecord(v) && !isPythonFloat(v);

/** Python's truth of a JSON value: null, false, 0, "", [] and {} are false. */
function pyTruthy(v: unknown): boolean {
  const n = pyNumber(v);
  if (n !== null) return n !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isJsonObject(v)) return Object.keys(v).length > 0;
  return typeof v === 'string' && v !== '';
}

/** A set key for a hashable JSON value, equal where Python's == is (2, 2.0 and true-for-1 alike; "2" not 2); null: unhashable (a list, an object). */
function pyHashKey(v: unknown): string | null {
  const n = pyNumber(v);
  if (n !== null) return `n${n}`;
  if (typeof v === 'string') return `s${v}`;
  return v === null || v === undefined ? 'None' : null;
}

/** Python's set(v) as keys (pyHashKey); null where it raises: `v` not iterable (a number, a bool) or an item unhashable. */
function pySet(v: unknown): Set<string> | null {
  const items = Array.isArray(v) ? v : typeof v === 'string' ? [...v] : isJsonObject(v) ? Object.keys(v) : null;
  if (items === null) return null;
  const keys = items.map(pyHashKey);
  return keys.every((k) => k !== null) ? new Set(keys as string[]) : null;
}

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** WatermarkingConfig.__init__'s keywords, which WatermarkingConfig.from_dict takes as they are. */
const WATERMARKING_KEYS = new Set(['greenlist_ratio', 'bias', 'hashing_key', 'seeding_scheme', 'context_width']);

/** Why validate() refuses `config`'s watermarking_config (a dict read as WatermarkingConfig.from_dict, its defaults filled in); null where it takes it. */
function watermarkingRefusal(w: unknown): string | null {
  if (!isJsonObject(w)) return 'it must be an object of WatermarkingConfig keys';
  const unknown = Object.keys(w).find((k) => !WATERMARKING_KEYS.has(k));
  if (unknown !== undefined) return `WatermarkingConfig has no key ${JSON.stringify(unknown)}`;
  const { seeding_scheme: scheme = 'lefthash', greenlist_ratio: ratio = 0.25, context_width: width = 1 } = w;
  if (scheme !== 'lefthash' && scheme !== 'selfhash') return 'its seeding_scheme must be "lefthash" or "selfhash"';
  const r = pyNumber(ratio), c = pyNumber(width);
  if (r === null || !(r >= 0 && r <= 1)) return 'its greenlist_ratio must be a number in [0, 1]';
  if (c === null || !(c >= 1)) return 'its context_width must be a number, at least 1';
  return null;
}

/**
 * The keys of `config` (a generation_config.json, its whole floats marked as Python's: withPythonNumbers) that make
 * transformers 5.17's GenerationConfig refuse it as it loads, in its check order.
 */
export function unloadableGenerationKeys(config: Record<string, unknown>): UnloadableKey[] {
  const out: UnloadableKey[] = [];
  const early = config.early_stopping;
  if (isSet(early) && early !== 'never' && pyNumber(early) !== 0 && pyNumber(early) !== 1) out.push({ key: 'early_stopping', why: 'it must be true, false or "never"' });
  // max_new_tokens <= 0 raises: a NaN compares false and is taken, a value no number compares with raises
  const maxNew = config.max_new_tokens, maxNewNumber = pyNumber(maxNew);
  if (isSet(maxNew) && (maxNewNumber === null || maxNewNumber <= 0)) out.push({ key: 'max_new_tokens', why: 'it must be a number greater than 0' });
  const weight = pyNumber(config.assistant_ensemble_weight);
  if (isSet(config.assistant_ensemble_weight) && !(weight !== null && weight > 0 && weight < 1)) out.push({ key: 'assistant_ensemble_weight', why: 'it must be a number in (0, 1)' });
  const cache = config.cache_implementation;
  if (isSet(cache) && !(typeof cache === 'string' && CACHE_IMPLEMENTATIONS.has(cache))) out.push({ key: 'cache_implementation', why: 'it names no cache transformers has' });
  if (isSet(config.compile_config)) out.push({ key: 'compile_config', why: 'it must be a CompileConfig object, which no file holds (transformers\' save leaves it out)' });
  const watermark = isSet(config.watermarking_config) ? watermarkingRefusal(config.watermarking_config) : null;
  if (watermark !== null) out.push({ key: 'watermarking_config', why: watermark });
  const sequencesRefusal = numReturnSequencesRefusal(config);
  if (sequencesRefusal !== null) out.push({ key: 'num_return_sequences', why: sequencesRefusal });
  // every forced id also suppressed: transformers' message names forced_*_token_id, and ours applies suppress_tokens, not forced ids
  if (isSet(config.suppress_tokens)) {
    const suppressed = pySet(config.suppress_tokens);
    if (suppressed === null) out.push({ key: 'suppress_tokens', why: 'it must be a list of token ids' });
    for (const key of ['forced_bos_token_id', 'forced_eos_token_id']) {
      const forced = config[key];
      if (suppressed === null || !isSet(forced)) continue;
      // a Python int (a bool too) is one id; anything else is set() as it is (a float, 2.0 too, raises)
      const isInt = typeof forced === 'boolean' || typeof forced === 'bigint' || (typeof forced === 'number' && Number.isInteger(forced));
      const ids = isInt ? new Set([pyHashKey(forced)!]) : pySet(forced);
      if (ids === null) out.push({ key, why: pyNumber(forced) !== null ? 'a token id must be an integer, and the file writes a float' : 'it must be a token id or a list of them' });
      else if (ids.size > 0 && [...ids].every((id) => suppressed.has(id))) out.push({ key, why: 'every id of it is in suppress_tokens' });
    }
  }
  // a file saying _from_model_config (true, or anything Python takes for true) has its other keys not set at all (GenerationConfig.__init__), so not refused
  for (const key of pyTruthy(config._from_model_config) ? [] : GENERATE_ARGUMENTS) {
    if (Object.hasOwn(config, key)) out.push({ key, why: 'it is an argument of generate(), not a GenerationConfig key' });
  }
  return out;
}

/** Why validate() refuses `config`'s num_return_sequences (its check 2.4, with num_beams and do_sample); null where it takes it. */
function numReturnSequencesRefusal(config: Record<string, unknown>): string | null {
  if (!isSet(config.num_return_sequences)) return null;
  const sequences = pyNumber(config.num_return_sequences);
  if (sequences === null) return 'it must be a number';
  if (!(sequences > 1)) return null;
  const beams = config.num_beams;
  if (!isSet(beams) || pyNumber(beams) === 1) {
    return pyTruthy(config.do_sample) ? null : 'without do_sample true or num_beams above 1, generate() returns one sequence';
  }
  const b = pyNumber(beams);
  if (b === null) return 'num_beams must be a number to compare it with';
  return sequences > b ? `it must be at most num_beams (${b})` : null;
}

/**
 * "transformers 5.17 refuses to load a model folder with num_return_sequences 2 (why)[; …]" for `refused`, keys of
 * `config`: the one wording of a save's warning (loadableGenerationConfig) and generate's refusal (refuseUnloadableGeneration).
 * Not cut as a list: at most one item per key unloadableGenerationKeys checks, each value cut.
 */
export function unloadableKeysText(config: Record<string, unknown>, refused: readonly UnloadableKey[]): string {
  return `transformers 5.17 refuses to load a model folder with ${refused.map(({ key, why }) => `${key} ${boundedJsonText(config[key])} (${why})`).join('; ')}`;
}

/**
 * `config` (the generation_config.json a save writes, from `file`) without its unloadable keys (unloadableGenerationKeys),
 * each warned of; `config` itself where it has none.
 */
export function loadableGenerationConfig(config: Record<string, unknown>, file: string): Record<string, unknown> {
  const refused = unloadableGenerationKeys(withPythonNumbers(config));
  for (const r of refused) warnOnce(`${file}: ${unloadableKeysText(config, [r])}: left out of the saved generation_config.json`);
  if (refused.length === 0) return config;
  const left = new Set(refused.map((r) => r.key));
  return Object.fromEntries(Object.entries(config).filter(([key]) => !left.has(key)));
}

/**
 * A UserError naming `file` and each key where `config` (a model folder's generation settings, read from `file`) has
 * values transformers 5.17 cannot load the folder with: as a config.json value it refuses is refused (config-unread-keys.ts),
 * rather than generating from a folder HF's from_pretrained raises for.
 */
export function refuseUnloadableGeneration(config: Record<string, unknown>, file: string): void {
  const refused = unloadableGenerationKeys(withPythonNumbers(config));
  if (refused.length === 0) return;
  const fix = refused.length === 1 ? 'correct it or delete the key' : 'correct them or delete those keys';
  throw new UserError(`${unloadableKeysText(config, refused)}: ${fix}`, file);
}
