// A LoRA step and a full fine-tuning step at shapes none of the HF fixtures has, on the test device against the CPU
// backend at the same storage dtype (the same weights, adapter and batch): loss, logits and every gradient within the
// test precision's tolerances. Odd sizes are where a device's vectorized loads (rows of 22, 37, 44 or 196 elements
// start off 16-byte boundaries), tiling remainders (3 × 13 = 39 rows, a vocabulary of 97) and head-dim limits (6:
// below every tile; 128: the flash kernels', with hidden < heads × head dim as in Mistral Nemo; 80: a head dim the
// flash kernels are not built for, which MISTRAL_TUNE_CUDA_ATTENTION=flash hands to cuBLASLt) break, and a LoRA rank
// above every projection's sides (r 48 at hidden 22: products whose inner dimension, the rank, exceeds both others). On the CUDA
// backend (`npm run test:gpu`, or without a GPU `npm run test:gpu-emulated`: see test/backend/cuda/emulated-kernels.test.ts)
// under each attention path; on the CPU it compares the CPU with itself. Measured on the emulated CUDA backend: fp32
// ≤ 1.8e-6; bf16 ≤ 1.9e-2 on the flash and cuBLASLt paths (which round the probabilities to bf16 before P·V).
import type { Backend } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/select.ts';
import { collatePacked } from '../../src/data/batch.ts';
import { causalLmBackward } from '../../src/model/backward.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import type { MistralModel } from '../../src/model/mistral.ts';
import { zeroGrads } from '../../src/model/params.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { PROJECTIONS } from '../../src/model/weights.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertTol, test, testBackend, TEST_DTYPE } from '../backend/device.ts';
import { relErr } from '../helpers.ts';

const CASES = {
  // hidden 22 ≠ 3 heads × head dim 6, one KV head, an odd MLP and vocabulary, a window shorter than the rows, untied
  'hidden 22, 3 heads of 6 (MQA), MLP 37, vocab 97, window 5': {
    vocab_size: 97, hidden_size: 22, intermediate_size: 37, num_attention_heads: 3, num_key_value_heads: 1, head_dim: 6, sliding_window: 5,
    tie_word_embeddings: false,
  },
  // Mistral Nemo's layout (hidden 5120 < 32 heads × 128) at a head dim the flash kernels take: q and the attention
  // output wider than the residual stream, whose bf16 rows of 196 are off 16-byte boundaries
  'hidden 196, 2 heads of 128 (MQA), MLP 37, vocab 97, window 9': {
    vocab_size: 97, hidden_size: 196, intermediate_size: 37, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 128, sliding_window: 9,
    tie_word_embeddings: false,
  },
  // hidden 44 ≠ 2 heads × 80, tied embeddings, no window
  'hidden 44, 2 heads of 80 (MQA), MLP 30, vocab 33, tied': {
    vocab_size: 33, hidden_size: 44, intermediate_size: 30, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 80, sliding_window: null,
    tie_word_embeddings: true,
  },
};

/** Row 0: two packed samples (5 + 8 tokens); row 1: 13 tokens; row 2: 7 tokens and padding. */
function batchFor(vocab: number): ReturnType<typeof collatePacked> {
  const rng = new Rng(5);
  const row = (n: number): { inputIds: number[] } => ({ inputIds: Array.from({ length: n }, () => 1 + rng.below(vocab - 1)) });
  return collatePacked([[row(5), row(8)], [row(13)], [row(7)]], 0, 13);
}

interface Step {
  loss: number;
  logits: Float32Array | Float64Array;
  grads: Map<string, ArrayLike<number>>;
}

/** One backward of `model` on `batch`: the mean loss, the logits, and every trainable gradient by name. */
function step(model: MistralModel, batch: ReturnType<typeof collatePacked>): Step {
  const params = model.trainableParams();
  zeroGrads(model.backend, params);
  const loss = causalLmBackward(model, batch, 1 / batch.targetCount) / batch.targetCount;
  return { loss, logits: model.logits(batch), grads: new Map(params.map((p) => [p.name, model.backend.download(p.grad)])) };
}

for (const [name, shape] of Object.entries(CASES)) {
  const cfg = parseConfig({ model_type: 'mistral', num_hidden_layers: 2, max_position_embeddings: 64, rms_norm_eps: 1e-5, rope_theta: 10000, ...shape });
  const batch = batchFor(shape.vocab_size);
  // weights of std ~1/√hidden keep activations O(1): at std 0.2 the hidden-196 case's bf16 gradients moved 0.2 from
  // f32 on the CPU alone, too near the tolerances for a device's own roundings to fit beside them
  const model = (be: Backend): MistralModel => createRandomModel(be, cfg, { seed: 7, std: 0.6 / Math.sqrt(shape.hidden_size), normStd: 0.1 }, TEST_DTYPE);
  const compare = (what: string, dev: Step, ref: Step): void => {
    assertTol('loss', Math.abs(dev.loss - ref.loss) / ref.loss, `${name}, ${what}: loss ${dev.loss} vs the CPU's ${ref.loss}`);
    assertTol('logits', relErr(dev.logits, ref.logits), `${name}, ${what}: logits`);
    for (const [param, g] of ref.grads) assertTol('grad', relErr(dev.grads.get(param)!, g), `${name}, ${what}: ${param}`);
  };

  /** A LoRA step of rank `r` on all projections, on the test device and on the CPU. */
  const loraSteps = (r: number): [Step, Step] => [testBackend(), createBackend('cpu')].map((be) => {
    const m = model(be);
    createAdapter(m, { r, alpha: 8, dropout: 0, targets: [...PROJECTIONS], useRslora: false }, new Rng(3), true);
    // random B factors too, so that every gradient is non-zero
    const rng = new Rng(4);
    for (const layer of m.lora!.layers) {
      for (const pair of Object.values(layer)) be.upload(pair.B, { dtype: 'f32', data: Float32Array.from({ length: pair.B.length }, () => 0.05 * rng.normal()) });
    }
    return step(m, batch);
  }) as [Step, Step];

  test(`${name}: a LoRA step's loss, logits and LoRA gradients match the CPU backend's`, () => {
    compare('LoRA', ...loraSteps(4));
  });

  // a rank above every projection's sides (PEFT trains it): k_proj's 6 and the MLP's 37; 48 is a rank of the
  // up-projection's own kernels (gemm_small_k, lora_grad_up) where they are on
  if (shape.hidden_size === 22) {
    test(`${name}: a LoRA step at r 48, above every projection's sides, matches the CPU backend's`, () => {
      compare('LoRA r 48', ...loraSteps(48));
    });
  }

  test(`${name}: full fine-tuning's loss, logits and every base-weight gradient match the CPU backend's`, () => {
    const [dev, ref] = [testBackend(), createBackend('cpu')].map((be) => {
      const m = model(be);
      m.enableBaseGrads();
      return step(m, batch);
    }) as [Step, Step];
    compare('full fine-tuning', dev, ref);
  });
}
