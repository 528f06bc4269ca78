// generation_config.json contents transformers 5.17 refuses to load (each with the key it refuses) and ones it loads,
// as /tmp/hfvenv's GenerationConfig.from_pretrained had them, 2026-12-08 (save-generation-loadable.test.ts checks the
// tables against transformers where $PYTHON has it): shared by the save's and generate's tests.
/** Each generation_config.json HF refuses to load, and the key a save leaves out of it. */
export const REFUSED: [Record<string, unknown>, string][] = [
  [{ num_return_sequences: 2 }, 'num_return_sequences'],
  [{ num_return_sequences: 2, do_sample: false, temperature: 1.0 }, 'num_return_sequences'],
  [{ num_return_sequences: 3, num_beams: 2 }, 'num_return_sequences'],
  [{ early_stopping: 'yes' }, 'early_stopping'],
  [{ max_new_tokens: 0 }, 'max_new_tokens'],
  [{ assistant_ensemble_weight: 1.5 }, 'assistant_ensemble_weight'],
  [{ cache_implementation: 'foo' }, 'cache_implementation'],
  [{ compile_config: { fullgraph: true } }, 'compile_config'],
  [{ watermarking_config: { seeding_scheme: 'x' } }, 'watermarking_config'],
  [{ forced_eos_token_id: 2, suppress_tokens: [2] }, 'forced_eos_token_id'],
  [{ logits_processor: null }, 'logits_processor'],
  // Python's reading of the other JSON types: a comparison with a string or a list raises (TypeError), [] and {} are false,
  // false is 0, an unhashable value has no place in a set, WatermarkingConfig takes only its own keys
  [{ max_new_tokens: false }, 'max_new_tokens'],
  [{ max_new_tokens: '5' }, 'max_new_tokens'],
  [{ early_stopping: [] }, 'early_stopping'],
  [{ num_return_sequences: 2, do_sample: [] }, 'num_return_sequences'],
  [{ num_return_sequences: 2, do_sample: {} }, 'num_return_sequences'],
  [{ num_return_sequences: '2' }, 'num_return_sequences'],
  [{ num_return_sequences: 2, num_beams: '2' }, 'num_return_sequences'],
  [{ watermarking_config: { foo: 1 } }, 'watermarking_config'],
  [{ watermarking_config: { context_width: false } }, 'watermarking_config'],
  [{ suppress_tokens: 2 }, 'suppress_tokens'],
  [{ suppress_tokens: [[2]], forced_eos_token_id: 2 }, 'suppress_tokens'],
  [{ forced_eos_token_id: 2.5, suppress_tokens: [2] }, 'forced_eos_token_id'],
  [{ forced_eos_token_id: true, suppress_tokens: [1] }, 'forced_eos_token_id'],
  [{ logits_processor: null, _from_model_config: [] }, 'logits_processor'],
];
/** Files HF loads as they are. */
export const LOADED: Record<string, unknown>[] = [
  { num_return_sequences: 2, do_sample: true }, { num_return_sequences: 2, num_beams: 2 }, { num_return_sequences: 0 }, { early_stopping: 'never' },
  { cache_implementation: 'static' }, { forced_eos_token_id: 2, suppress_tokens: [3] }, { _from_model_config: true, logits_processor: null },
  { watermarking_config: { seeding_scheme: 'selfhash', greenlist_ratio: 0.5 } },
  // Python's 1 == True and 0 == False: early_stopping 1 is in {None, True, False, "never"}
  { early_stopping: 1 }, { early_stopping: 0 }, { max_new_tokens: true }, { watermarking_config: { greenlist_ratio: true, context_width: true } },
  { forced_eos_token_id: 2, suppress_tokens: ['2'] }, { forced_eos_token_id: '2', suppress_tokens: [2] }, { num_return_sequences: true },
  // NaN <= 0 is False: validate() takes it
  { max_new_tokens: NaN },
];
