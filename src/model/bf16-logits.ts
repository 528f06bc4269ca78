// The dtype of the LM head's logits in a training step under bf16 storage (MISTRAL_TUNE_BF16_LOGITS): f32, the exact
// dtype (the default: the loss from logits rounded once, to f32), or with 1 bf16, as HF's bf16 models compute them
// (lm_head's bf16 output, upcast to f32 in the loss) — written into the logits' gradient buffer, which the
// cross-entropy then overwrites with the gradient. A variant being measured: on the H200 (device run 1) the LM head's
// bf16·bf16 → f32 product took 1,288 µs a chunk of 512 rows, where its bf16 → bf16 backward product took 363.
// Evaluation keeps f32 logits. On CUDA the cross-entropy reads the bf16 chunk as it is (cross_entropy_stored; until the
// fiftieth session through an f32 staging copy, 65 MB at 512 rows of Mistral's vocabulary, outside the memory plan).
import { envSwitch } from '../util/env-switch.ts';

/** MISTRAL_TUNE_BF16_LOGITS: 1 computes a bf16 training step's logits in bf16; 0 (default) in f32. */
export function bf16LogitsFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return envSwitch(env, 'MISTRAL_TUNE_BF16_LOGITS', { default: false, on: 'bf16 logits in a bf16 training step, as HF\'s' });
}
