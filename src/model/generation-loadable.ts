// The generation_config.json keys a model save leaves out because transformers 5.17 cannot load the folder with them:
// GenerationConfig.__init__ runs validate(), which raises for these values (a greedy num_return_sequences 2, a
// cache_implementation it does not know, ...), and from_pretrained of the model raises with it. HF's own save refuses
// to write such a file (validate(strict=True)), so a source folder may still hold one (written by hand or by an older
// transformers); our save writes the rest, each key left out warned of, rather than a folder nothing can load.
// compile_config is never loadable from a file (it must be a CompileConfig, a file gives a dict): HF's save pops it.
import { isPythonFloat } from '../data/python-numbers.ts';
import { boundedJsonText } from '../util/bounded-json.ts';
import { warnOnce } from '../util/log.ts';

/** transformers 5.17's ALL_CACHE_IMPLEMENTATIONS and "paged", the cache_implementation values validate() takes. */
const CACHE_IMPLEMENTATIONS = new Set(['static', 'offloaded_static', 'sliding_window', 'hybrid', 'hybrid_chunked', 'offloaded_hybrid',
  'offloaded_hybrid_chunked', 'dynamic', 'offloaded', 'quantized', 'paged']);

/** Arguments of generate() that validate() refuses inside a GenerationConfig (its generate_arguments). */
const GENERATE_ARGUMENTS = ['logits_processor', 'stopping_criteria', 'prefix_allowed_tokens_fn', 'synced_gpus', 'assistant_model', 'streamer',
  'negative_prompt_ids', 'negative_prompt_attention_mask'];

/** A key left out and why transformers refuses it. */
export interface UnloadableKey { key: string; why: string }

/** A number, a whole float marked as Python's (withPythonNumbers) too. */
const isNumber = (v: unknown): v is number | Number => typeof v === 'number' || isPythonFloat(v);
const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** Why validate() refuses `config`'s watermarking_config (a dict read as WatermarkingConfig.from_dict, its defaults filled in); null where it takes it. */
function watermarkingRefusal(w: unknown): string | null {
  if (typeof w !== 'object' || w === null || Array.isArray(w)) return 'it must be an object of WatermarkingConfig keys';
  const { seeding_scheme: scheme = 'lefthash', greenlist_ratio: ratio = 0.25, context_width: width = 1 } = w as Record<string, unknown>;
  if (scheme !== 'lefthash' && scheme !== 'selfhash') return 'its seeding_scheme must be "lefthash" or "selfhash"';
  if (!isNumber(ratio) || !(Number(ratio) >= 0 && Number(ratio) <= 1)) return 'its greenlist_ratio must be in [0, 1]';
  if (!isNumber(width) || !(Number(width) >= 1)) return 'its context_width must be at least 1';
  return null;
}

/** The keys of `config` (a generation_config.json) that make transformers 5.17's GenerationConfig refuse it as it loads, in its check order. */
export function unloadableGenerationKeys(config: Record<string, unknown>): UnloadableKey[] {
  const out: UnloadableKey[] = [];
  const early = config.early_stopping;
  if (isSet(early) && early !== true && early !== false && early !== 'never') out.push({ key: 'early_stopping', why: 'it must be true, false or "never"' });
  if (isNumber(config.max_new_tokens) && Number(config.max_new_tokens) <= 0) out.push({ key: 'max_new_tokens', why: 'it must be greater than 0' });
  const weight = config.assistant_ensemble_weight;
  if (isSet(weight) && !(isNumber(weight) && Number(weight) > 0 && Number(weight) < 1)) out.push({ key: 'assistant_ensemble_weight', why: 'it must be in (0, 1)' });
  const cache = config.cache_implementation;
  if (isSet(cache) && !(typeof cache === 'string' && CACHE_IMPLEMENTATIONS.has(cache))) out.push({ key: 'cache_implementation', why: 'it names no cache transformers has' });
  if (isSet(config.compile_config)) out.push({ key: 'compile_config', why: 'it must be a CompileConfig object, which no file holds (transformers\' save leaves it out)' });
  const watermark = isSet(config.watermarking_config) ? watermarkingRefusal(config.watermarking_config) : null;
  if (watermark !== null) out.push({ key: 'watermarking_config', why: watermark });
  const sequences = config.num_return_sequences;
  if (isNumber(sequences) && Number(sequences) > 1) {
    const beams = config.num_beams;
    if (!isSet(beams) || Number(beams) === 1) {
      // Python's `not self.do_sample`: 0, "" and null are false too
      if (!config.do_sample) out.push({ key: 'num_return_sequences', why: 'without do_sample true or num_beams above 1, generate() returns one sequence' });
    } else if (isNumber(beams) && Number(sequences) > Number(beams)) {
      out.push({ key: 'num_return_sequences', why: `it must be at most num_beams (${Number(beams)})` });
    }
  }
  // every forced id also suppressed: transformers' message names forced_*_token_id, and ours applies suppress_tokens, not forced ids
  const suppressed = Array.isArray(config.suppress_tokens) ? new Set(config.suppress_tokens.map(Number)) : null;
  for (const key of ['forced_bos_token_id', 'forced_eos_token_id']) {
    const forced = config[key];
    if (suppressed === null || !isSet(forced)) continue;
    const ids = Array.isArray(forced) ? forced.map(Number) : [Number(forced)];
    if (ids.length > 0 && ids.every((id) => suppressed.has(id))) out.push({ key, why: 'every id of it is in suppress_tokens' });
  }
  // a file saying _from_model_config true has its other keys not set at all (GenerationConfig.__init__), so not refused
  for (const key of config._from_model_config ? [] : GENERATE_ARGUMENTS) {
    if (Object.hasOwn(config, key)) out.push({ key, why: 'it is an argument of generate(), not a GenerationConfig key' });
  }
  return out;
}

/**
 * `config` (the generation_config.json a save writes, from `file`) without its unloadable keys (unloadableGenerationKeys),
 * each warned of; `config` itself where it has none.
 */
export function loadableGenerationConfig(config: Record<string, unknown>, file: string): Record<string, unknown> {
  const refused = unloadableGenerationKeys(config);
  for (const { key, why } of refused) {
    warnOnce(`${file}: ${key} ${boundedJsonText(config[key])} is left out of the saved generation_config.json: transformers 5.17 refuses to load it (${why})`);
  }
  if (refused.length === 0) return config;
  const left = new Set(refused.map((r) => r.key));
  return Object.fromEntries(Object.entries(config).filter(([key]) => !left.has(key)));
}
