// What bench:gpu measures, without a GPU: the Mistral-7B-v0.1 config, the benchmark cases, the train
// config of one case (the same object `mistral-tune train` validates: model {config, init: random}, LoRA
// r = 16 on all 7 projections, bf16, pre-tokenized random rows), its random data file, and the model
// FLOPs of one step by issue [10]'s definition (MFU's numerator).
import * as fs from 'node:fs';
import { Rng } from '../src/util/rng.ts';

/** Mistral-7B-v0.1's config.json (as published on the Hub). */
export const MISTRAL_7B_V01: Record<string, unknown> = {
  architectures: ['MistralForCausalLM'], bos_token_id: 1, eos_token_id: 2, hidden_act: 'silu', hidden_size: 4096,
  initializer_range: 0.02, intermediate_size: 14336, max_position_embeddings: 32768, model_type: 'mistral',
  num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, rms_norm_eps: 1e-5, rope_theta: 10000.0,
  sliding_window: 4096, tie_word_embeddings: false, torch_dtype: 'bfloat16', vocab_size: 32000,
};

export const LORA_RANK = 16;

export interface BenchCase {
  B: number;
  T: number;
  /** Activation checkpointing (HF: gradient checkpointing). */
  ckpt: boolean;
  /** Ours only: MISTRAL_TUNE_CUDA_ATTENTION for the case (gemm or kernel; default: the backend's, flash). */
  attention?: 'gemm' | 'flash' | 'kernel';
  /** Ours only: DoRA (lora.use_dora) instead of LoRA; the HF peer (LoRA) gives no ratio for it. */
  dora?: boolean;
  /** Ours only: run with MISTRAL_TUNE_CUDA_PROFILE=1 (GPU time by operation class; its tokens/s are not a measurement). */
  profile?: boolean;
  /** Ours only: the optimisation switches of VARIANTS the case runs with (`+name` after the rest), in the order given. */
  variants?: string[];
}

/**
 * Optimisation switches a case can measure side by side with the default (issue [10]: one GPU call, several variants):
 * `1x2048+no-splitk` runs ours with these environment variables.
 */
export const VARIANTS: Record<string, Record<string, string>> = {
  /** cuBLASLt's heuristic's first algorithm for every shape, untimed: the A/B of GEMM tuning (gemm-tune.ts), on by default. */
  'no-gemm-tune': { MISTRAL_TUNE_CUDA_GEMM_TUNE: '0' },
  /** Every product whole on cuBLASLt, none with its k in slices (gemm-splitk.ts): the A/B of split-K, on by default. */
  'no-splitk': { MISTRAL_TUNE_CUDA_GEMM_SPLITK: '0' },
  /** A bf16 step's logits in bf16, as HF's (src/model/bf16-logits.ts): the LM head's product bf16 → bf16, not → f32. */
  'bf16-logits': { MISTRAL_TUNE_BF16_LOGITS: '1' },
  /** LoRA's products of the rank's k (up-projection, ∂x += dz·A) on our gemm_small_k, not cuBLASLt (gemm-small-k.ts; off by default). */
  'small-k': { MISTRAL_TUNE_CUDA_GEMM_SMALL_K: '1' },
  /** LoRA's dz and ∂B from one read of dy on our lora_grad_up, not two cuBLASLt products that read it twice (cuda/lora-grad-up.ts; off by default). */
  'lora-grad-up': { MISTRAL_TUNE_CUDA_LORA_GRAD_UP: '1' },
  /** The flash backward in blocks of 128 keys with 8 warps, not 64 with 4 (flash-attention.ts; off by default): half the dQ atomics. */
  'flash-bwd128': { MISTRAL_TUNE_CUDA_FLASH_BWD128: '1' },
  /** The flash forward in blocks of 128 queries, 32 a warp, not 64 of 16 (flash-attention.ts; off by default): half its reads of K and V from shared memory a query. */
  'flash-fwd128': { MISTRAL_TUNE_CUDA_FLASH_FWD128: '1' },
  /** The flash kernels mask every tile, as before their fast path on fully visible tiles (the A/B of that path). */
  'flash-masked': { MISTRAL_TUNE_CUDA_FLASH_INTERIOR: '0' },
};

/** The environment variables of a case's variants. */
export function variantEnv(c: BenchCase): Record<string, string> {
  return Object.assign({}, ...(c.variants ?? []).map((v) => VARIANTS[v]!));
}

/** "1x2048", "4x2048:ckpt", "1x2048:gemm-attn", "1x2048:kernel-attn", "2x2048:flash-attn", "1x2048:dora", "1x2048:profile" → a case. */
export function parseCase(text: string): BenchCase {
  const [shape, ...variants] = text.trim().split('+');
  for (const v of variants) if (!(v in VARIANTS)) throw new Error(`bench case "${text}": unknown variant +${v} (known: ${Object.keys(VARIANTS).map((k) => `+${k}`).join(', ')})`);
  const m = /^(\d+)x(\d+)(:ckpt)?(?::(gemm|flash|kernel)-attn)?(:dora)?(:profile)?$/.exec(shape!);
  if (!m) throw new Error(`bench case "${text}": expected BxT, BxT:ckpt, either with :gemm-attn, :kernel-attn or :flash-attn (the default), then :dora, then :profile if wanted, e.g. 1x2048 or 4x2048:ckpt`);
  return {
    B: Number(m[1]), T: Number(m[2]), ckpt: m[3] !== undefined, ...(m[4] ? { attention: m[4] as 'gemm' | 'flash' | 'kernel' } : {}),
    ...(m[5] ? { dora: true } : {}), ...(m[6] ? { profile: true } : {}), ...(variants.length > 0 ? { variants } : {}),
  };
}

/** The case as --cases spells it. */
export const caseName = (c: BenchCase): string =>
  `${peerCaseName(c)}${c.attention ? `:${c.attention}-attn` : ''}${c.dora ? ':dora' : ''}${c.profile ? ':profile' : ''}${(c.variants ?? []).map((v) => `+${v}`).join('')}`;
/** The HF peer's case of the same shape (the attention path is ours only). */
export const peerCaseName = (c: BenchCase): string => `${c.B}x${c.T}${c.ckpt ? ':ckpt' : ''}`;

/** `rows` pre-tokenized rows of exactly T random ids, as JSONL (labels = the ids: every token trains). */
export function writeRandomRows(file: string, rows: number, T: number, vocab: number, seed: number): void {
  const rng = new Rng(seed);
  const lines = Array.from({ length: rows }, () => JSON.stringify({ input_ids: Array.from({ length: T }, () => rng.below(vocab)) }));
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

export interface CaseRun {
  layers: number;
  steps: number;
  warmup: number;
  data: string;
  outputDir: string;
  device: 'cuda' | 'cpu';
}

/** The train config (raw, for validate()) of one case: what `mistral-tune train` would read from YAML. */
export function benchTrainConfig(c: BenchCase, run: CaseRun): Record<string, unknown> {
  return {
    model: { config: { ...MISTRAL_7B_V01, num_hidden_layers: run.layers }, init: 'random' },
    data: { train: run.data },
    method: 'lora',
    lora: { r: LORA_RANK, alpha: 2 * LORA_RANK, dropout: 0, ...(c.dora ? { use_dora: true } : {}) },
    // HF's side: torch.optim.AdamW(lr=1e-4) (weight decay 0.01), no clipping, no schedule
    optimizer: { lr: 1e-4, weight_decay: 0.01 },
    schedule: { type: 'constant' },
    grad_clip: null,
    batch_size: c.B, max_seq_len: c.T, max_steps: run.warmup + run.steps, shuffle: false,
    activation_checkpointing: c.ckpt,
    eval: { samples: 0, batch_size: c.B },
    device: run.device, precision: 'bf16', seed: 0,
    output_dir: run.outputDir,
  };
}

/** The profile table a case printed to stderr (MISTRAL_TUNE_CUDA_PROFILE=1: the backend's close), or a line saying it is missing. */
export function profileTable(stderr: string): string {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => l.startsWith('# CUDA profile'));
  if (at < 0) return '# (no profile printed)';
  const end = lines.findIndex((l, i) => i > at && !l.startsWith('# '));
  return lines.slice(at, end < 0 ? undefined : end).join('\n');
}

export { matmulParams, stepFlops } from '../src/train/flops.ts';

/** One row of bench:gpu's results: ours or the HF peer's, a case as --cases spells it; null where it did not run. */
export interface BenchRow { system: string; case: string; tokens_per_s: number | null; step_ms: number | null; peak_gib: number | null; mfu: number | null; note?: string }

/** The system name of our rows and of the HF peer's. */
export const OURS = 'mistral-tune (CUDA, bf16)', HF_PEER = 'HF transformers + PEFT';

/** The case a variant case is the A/B of: the same case without its `+name` switches. */
export const defaultCaseName = (c: BenchCase): string => caseName({ ...c, variants: undefined });

/**
 * A variant row's step time against its default path's measured in the same call, as a signed percentage of the
 * default's ("−4.2 %": 4.2 % faster); '' for a row without variants, a profiled one, or where either did not run.
 */
export function vsDefault(rows: readonly BenchRow[], row: BenchRow): string {
  const c = parseCase(row.case);
  if (row.system !== OURS || !c.variants || c.profile || row.step_ms === null) return '';
  const base = rows.find((r) => r.system === OURS && r.case === defaultCaseName(c))?.step_ms;
  if (!base) return '';
  const pct = ((row.step_ms - base) / base) * 100;
  return `${pct < 0 ? '−' : '+'}${Math.abs(pct).toFixed(1)} %`;
}

/** Issue [10]'s targets: tokens/s over HF's (1×2048, 2×2048: 2×; 4×2048 with checkpointing: 1.6×) in no more memory. */
export const TARGETS: ReadonlyArray<{ peer: string; speedup: number }> = [
  { peer: '1x2048', speedup: 2 }, { peer: '2x2048', speedup: 2 }, { peer: '4x2048:ckpt', speedup: 1.6 },
];

/**
 * One line a target: the default path's tokens/s and peak memory against HF's of the same shape in the same call, met
 * or missed, and where a variant case of that shape (attention default, not profiled, LoRA) did better than the
 * default, the fastest one. What the lines do not know: whether test:gpu passed in that call, which decides whether
 * a timing counts.
 */
export function targetLines(rows: readonly BenchRow[]): string[] {
  return TARGETS.map(({ peer, speedup }) => {
    const hf = rows.find((r) => r.system === HF_PEER && r.case === peer);
    const judge = (r: BenchRow): string => {
      if (!hf?.tokens_per_s || !hf.peak_gib || !r.tokens_per_s || r.peak_gib === null) return `${r.case}: not measured beside HF`;
      const x = r.tokens_per_s / hf.tokens_per_s, mem = r.peak_gib / hf.peak_gib;
      const met = x >= speedup && mem <= 1;
      return `${r.case} ${x.toFixed(2)}× HF's tokens/s in ${mem.toFixed(2)}× its memory: ${met ? 'met' : `missed (${x < speedup ? `needs ${speedup}×` : 'more memory than HF'})`}`;
    };
    const ours = rows.filter((r) => r.system === OURS && r.tokens_per_s !== null && peerCaseName(parseCase(r.case)) === peer)
      .filter((r) => { const c = parseCase(r.case); return !c.profile && !c.dora && c.attention === undefined; });
    const base = ours.find((r) => parseCase(r.case).variants === undefined);
    const best = ours.filter((r) => r !== base).sort((a, b) => b.tokens_per_s! - a.tokens_per_s!)[0];
    const better = best && (!base || best.tokens_per_s! > base.tokens_per_s!) ? `; fastest variant ${judge(best)}` : '';
    return `${peer} (≥ ${speedup}×): default ${base ? judge(base) : 'not measured'}${better}`;
  });
}
