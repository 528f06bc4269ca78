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

// Shapes the first cases did not cover (issue: GQA at small widths, head_dim 64–256, a big vocab on a small model,
// odd widths, a sliding window shorter than the row); 4 layers each unless said.
const FOUR = { ...NANO, num_hidden_layers: 4 };
/** 32 query heads / 8 KV heads at hidden 512 (head_dim 16). */
export const GQA32 = { ...FOUR, hidden_size: 512, intermediate_size: 1536, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 16 };
/** head_dim 64 / 96 / 128 / 256 (hidden 512 or 384, 8/4/4/2 heads, a quarter to a half of them KV). */
export const HD64 = { ...FOUR, hidden_size: 512, intermediate_size: 1536, num_attention_heads: 8, num_key_value_heads: 2, head_dim: 64 };
export const HD96 = { ...FOUR, hidden_size: 384, intermediate_size: 1024, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 96 };
export const HD128 = { ...FOUR, hidden_size: 512, intermediate_size: 1536, num_attention_heads: 4, num_key_value_heads: 1, head_dim: 128 };
export const HD256 = { ...FOUR, hidden_size: 512, intermediate_size: 1536, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 256 };
/** A small model under a big vocab: the LM head and cross-entropy dominate (2 layers, hidden 128). */
export const V32K = { ...NANO, vocab_size: 32768, hidden_size: 128, intermediate_size: 384, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 1, head_dim: 32 };
export const V131K = { ...V32K, vocab_size: 131072 };
/** nano with odd widths: intermediate 997 (prime), hidden 200 (5 heads of 40, 1 KV). */
export const ODD = { ...NANO, hidden_size: 200, intermediate_size: 997, num_attention_heads: 5, num_key_value_heads: 1, head_dim: 40 };
/** nano with a 128-token sliding window (run on rows of 1,024). */
export const SW128 = { ...NANO, sliding_window: 128 };

/** --cpu-time's environment (bench/cpu.ts, bench/cpu-generate.ts): one kernel thread for ours, OpenBLAS and torch. */
export const ONE_THREAD = { MISTRAL_TUNE_THREADS: '1', OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };

/** ms: the wall, or with `cpuTime` the process's CPU time (user + system), what a loaded shared machine disturbs least. */
export const benchClock = (cpuTime: boolean) => (): number => {
  if (!cpuTime) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export const CONFIGS = {
  nano: NANO, small: SMALL, w64: W64, gqa32: GQA32, hd64: HD64, hd96: HD96, hd128: HD128, hd256: HD256, v32k: V32K, v131k: V131K, odd: ODD, sw128: SW128,
} as const;
export type ConfigName = keyof typeof CONFIGS;

/** The benchmark shapes: a config at batch B × T tokens (nano-t1024: the same 1,024 tokens as one sequence). */
export const CASES = {
  nano: { config: 'nano', B: 4, T: 256 },
  small: { config: 'small', B: 4, T: 256 },
  w64: { config: 'w64', B: 4, T: 256 },
  'nano-t1024': { config: 'nano', B: 1, T: 1024 },
  'nano-t2048': { config: 'nano', B: 1, T: 2048 },
  'nano-32x32': { config: 'nano', B: 32, T: 32 },
  gqa32: { config: 'gqa32', B: 4, T: 256 },
  hd64: { config: 'hd64', B: 4, T: 256 },
  hd96: { config: 'hd96', B: 4, T: 256 },
  hd128: { config: 'hd128', B: 4, T: 256 },
  hd256: { config: 'hd256', B: 4, T: 256 },
  v32k: { config: 'v32k', B: 4, T: 256 },
  v131k: { config: 'v131k', B: 2, T: 256 },
  odd: { config: 'odd', B: 4, T: 256 },
  'sw128-t1024': { config: 'sw128', B: 1, T: 1024 },
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
