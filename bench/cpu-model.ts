// The CPU benchmarks' workload, shared by bench/cpu.ts and bench/cpu-profile.ts: a random Mistral of one
// of the benchmark configs (nano and small are the torch peer's shapes; w64 is nano at hidden 64) on a
// CpuBackend, LoRA r=16 on all 7 projections (or all weights trained), one batch of random tokens, and the
// step a mode times (forward + loss, or forward + backward + AdamW). CASES names the shapes bench:cpu runs.
import { CpuBackend, type GemmChoice } from '../src/backend/cpu/cpu-backend.ts';
import type { Backend } from '../src/backend/backend.ts';
import { causalLmBackwardInto } from '../src/model/backward.ts';
import { collate } from '../src/data/batch.ts';
import { parseConfig } from '../src/model/config.ts';
import { createRandomModel } from '../src/model/init.ts';
import { createAdapter } from '../src/model/peft.ts';
import { PROJECTIONS } from '../src/model/weights.ts';
import { AdamW } from '../src/train/optimizer.ts';
import { Rng } from '../src/util/rng.ts';

export const NANO = {
  model_type: 'mistral', vocab_size: 32000, hidden_size: 256, intermediate_size: 768, num_hidden_layers: 6,
  num_attention_heads: 8, num_key_value_heads: 2, head_dim: 32, rms_norm_eps: 1e-5, rope_theta: 10000,
  sliding_window: null, tie_word_embeddings: false,
};

/** The peer's `small` (bench_cpu.py CONFIGS). */
export const SMALL = { ...NANO, hidden_size: 768, intermediate_size: 2048, num_hidden_layers: 12, num_attention_heads: 12, num_key_value_heads: 4, head_dim: 64 };

/** nano at hidden 64 (not one of the peer's configs: bench/cpu.ts adds it to the peer's CONFIGS). */
export const W64 = { ...NANO, hidden_size: 64, intermediate_size: 192, num_attention_heads: 4, num_key_value_heads: 1, head_dim: 16 };

export const CONFIGS = { nano: NANO, small: SMALL, w64: W64 } as const;
export type ConfigName = keyof typeof CONFIGS;

/** The benchmark shapes: a config at batch B × T tokens (nano-t1024: the same 1,024 tokens as one sequence). */
export const CASES = {
  nano: { config: 'nano', B: 4, T: 256 },
  small: { config: 'small', B: 4, T: 256 },
  w64: { config: 'w64', B: 4, T: 256 },
  'nano-t1024': { config: 'nano', B: 1, T: 1024 },
} as const satisfies Record<string, { config: ConfigName; B: number; T: number }>;
export type CaseName = keyof typeof CASES;

export type Mode = 'forward' | 'lora' | 'full';

export interface Workload {
  backend: Backend;
  /** One timed step; returns the step's summed loss (read back, so the work is finished). */
  step(): number;
  release(): void;
}

/** The nano workload (what bench/cpu-profile.ts times). */
export function nanoWorkload(mode: Mode, B: number, T: number, gemm: GemmChoice, wrap: (b: Backend) => Backend = (b) => b): Workload {
  return workload('nano', mode, B, T, gemm, wrap);
}

/** Builds the workload on `backend` (a CpuBackend with `gemm` when not given: the profiler passes a wrapped one). */
export function workload(config: ConfigName, mode: Mode, B: number, T: number, gemm: GemmChoice, wrap: (b: Backend) => Backend = (b) => b): Workload {
  const backend = wrap(new CpuBackend({ gemm }));
  const cfg = parseConfig(CONFIGS[config]);
  const model = createRandomModel(backend, cfg, { seed: 0 });
  const rng = new Rng(1);
  createAdapter(model, { r: 16, alpha: 32, dropout: 0, targets: PROJECTIONS, useRslora: false }, rng, mode === 'lora');
  for (const layer of model.lora!.layers) {
    for (const pair of Object.values(layer)) {
      const b = new Float32Array(pair.B.length).map(() => rng.normal() * 0.02);
      backend.upload(pair.B, { dtype: 'f32', data: b });
    }
  }
  if (mode === 'full') model.enableBaseGrads();
  const rows = Array.from({ length: B }, () => ({ inputIds: Array.from({ length: T }, () => rng.below(cfg.vocabSize)) }));
  const batch = collate(rows, 0, null);
  const params = mode === 'forward' ? [] : model.trainableParams();
  const opt = mode === 'forward' ? null : new AdamW(backend, params, { lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
  const lossSum = backend.alloc('f64', 1);
  const step = (): number => {
    if (!opt) return model.loss(batch).sum;
    opt.flat.zeroGrads();
    backend.fill(lossSum, 0);
    causalLmBackwardInto(model, batch, 1 / batch.targetCount, lossSum);
    opt.update(1e-4);
    return backend.download(lossSum)[0]!;
  };
  return { backend, step, release: () => model.releaseActivations() };
}
