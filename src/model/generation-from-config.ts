// The generation_config.json a save writes where the source folder has none: transformers 5.17's
// GenerationConfig.from_model_config of the config.json written beside it, as its save_pretrained writes it. Every
// key of config.json that GenerationConfig has and that is not null is taken (use_cache, and the sampling settings
// an older config.json may still hold: HF's generate reads them from there when the folder has no
// generation_config.json, so a save that left them out would change how the saved model generates).

/** The keys of transformers 5.17's GenerationConfig().to_dict(), but its own bookkeeping (_from_model_config, transformers_version). */
const GENERATION_KEYS = new Set(('assistant_confidence_threshold assistant_early_exit assistant_ensemble_weight assistant_lookbehind ' +
  'bad_words_ids begin_suppress_tokens bos_token_id cache_config cache_implementation compile_config constraints ' +
  'continuous_batching_config decoder_start_token_id disable_compile diversity_penalty do_sample dola_layers early_stopping ' +
  'encoder_no_repeat_ngram_size encoder_repetition_penalty eos_token_id epsilon_cutoff eta_cutoff exponential_decay_length_penalty ' +
  'force_words_ids forced_bos_token_id forced_eos_token_id guidance_scale is_assistant length_penalty low_memory max_cache_len ' +
  'max_length max_matching_ngram_size max_new_tokens max_time min_length min_new_tokens min_p no_repeat_ngram_size ' +
  'num_assistant_tokens num_assistant_tokens_schedule num_beam_groups num_beams num_return_sequences output_attentions ' +
  'output_hidden_states output_logits output_scores pad_token_id penalty_alpha prefill_chunk_size prompt_lookup_num_tokens ' +
  'remove_invalid_values renormalize_logits repetition_penalty return_dict_in_generate sequence_bias speculation_type ' +
  'stop_strings suppress_tokens target_lookbehind temperature token_healing top_h top_k top_p typical_p use_cache use_mtp ' +
  'watermarking_config').split(' '));

/**
 * The config.json keys transformers 5.17 pops as it loads a config (PreTrainedConfig.__init__): those of
 * GenerationConfig._get_default_generation_params but use_cache (a model's own setting). Its save_pretrained so writes a
 * config.json without them, their values living in generation_config.json (from_model_config took them from the
 * source's config.json). output_attentions is kept (as _output_attentions, written back by to_dict): only its default
 * false is left out (to_diff_dict), true is written (under eager attention; sdpa's save refuses it).
 */
const POPPED_CONFIG_KEYS = new Set(('assistant_confidence_threshold assistant_lookbehind bad_words_ids begin_suppress_tokens ' +
  'diversity_penalty do_sample early_stopping encoder_no_repeat_ngram_size encoder_repetition_penalty epsilon_cutoff eta_cutoff ' +
  'exponential_decay_length_penalty forced_bos_token_id forced_eos_token_id length_penalty max_length min_length no_repeat_ngram_size ' +
  'num_assistant_tokens num_assistant_tokens_schedule num_beam_groups num_beams num_return_sequences output_scores remove_invalid_values ' +
  'repetition_penalty return_dict_in_generate suppress_tokens target_lookbehind temperature top_k top_p typical_p').split(' '));

/** `configJson` without the generation keys transformers pops from a config (POPPED_CONFIG_KEYS) and a default output_attentions: the config.json its save writes. */
export function withoutGenerationKeys(configJson: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(configJson).filter(([key, value]) => !POPPED_CONFIG_KEYS.has(key) && !(key === 'output_attentions' && value === false)));
}

/** The flags from_model_config answers with return_dict_in_generate: true (GenerationConfig.extra_output_flags). */
const EXTRA_OUTPUT_FLAGS = ['output_attentions', 'output_hidden_states', 'output_scores', 'output_logits'];

/**
 * A model config made in code (no config.json read: random weights) holds MistralConfig's defaults of these, which
 * from_model_config takes from its to_dict(); one read from a file holds only the file's keys.
 */
const CONFIG_CLASS_DEFAULTS = { use_cache: true, output_attentions: false, output_hidden_states: false };

/**
 * generation_config.json's keys from `configJson` (the config.json the save writes); `fromFile` false where the model
 * had no config.json (random weights). A negative pad_token_id is left out: transformers 5.17's save refuses to write
 * it there ("pad_token_id should be positive"), and without it HF's generate pads with the EOS.
 */
export function generationConfigFromModel(configJson: Record<string, unknown>, fromFile: boolean): Record<string, unknown> {
  const source = fromFile ? configJson : { ...CONFIG_CLASS_DEFAULTS, ...configJson };
  const gen: Record<string, unknown> = { _from_model_config: true };
  for (const [key, value] of Object.entries(source)) {
    if (!GENERATION_KEYS.has(key) || value === null || value === undefined) continue;
    if (key === 'pad_token_id' && typeof value === 'number' && value < 0) continue;
    gen[key] = value;
  }
  if (EXTRA_OUTPUT_FLAGS.some((flag) => gen[flag] === true)) gen.return_dict_in_generate = true;
  // in transformers' order (its JSON is written with sorted keys)
  return Object.fromEntries(Object.entries(gen).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
