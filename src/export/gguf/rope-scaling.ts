// A scaled rope as llama.cpp's llama architecture computes it (src/llama-model.cpp, src/llama-context.cpp,
// ggml-cpu rope_yarn), so its angles and cos/sin scale are ours. llama.cpp names two scalings — `linear` (every
// frequency times 1/factor) and `yarn` (its ramp with beta_fast 32 and beta_slow 1, truncated: the llama loader
// reads no other betas) — and divides each pair's frequency by `rope_freqs.weight` when the file has one, whatever
// the type. So: linear, and yarn with the default betas, truncated, as their type; anything else (llama3, yarn with
// other betas or truncate false) as no type and our frequencies over the plain ones in rope_freqs, as
// convert_hf_to_gguf.py writes llama3. yarn's attention factor A multiplies cos and sin in both: llama.cpp scales
// them by attn_factor · get_mscale(factor) for its yarn type (1 + 0.1·ln factor is cancelled and re-applied) and
// by attn_factor alone otherwise, so `rope.scaling.attn_factor` is A / get_mscale(factor), or A. Dynamic rope is
// plain rope within max_position_embeddings, the only positions we run (and llama.context_length): written as plain.
import type { MistralConfig } from '../../model/config.ts';
import { yarnMscale, type RopeScaling } from '../../model/rope-config.ts';
import { ropeFrequencies, yarnCorrectionDim } from '../../model/rope-freq.ts';
import type { GgufValue } from './gguf-file.ts';

export interface GgufRope {
  /** `llama.rope.scaling.*` keys (none for a plain rope). */
  metadata: Array<[string, GgufValue]>;
  /** (head_dim/2) F32 rope_freqs.weight: llama.cpp divides pair i's frequency by it; null when not needed. */
  freqFactors: Float32Array | null;
}

type RopeFields = Pick<MistralConfig, 'ropeTheta' | 'ropeScaling' | 'headDim'>;

const f32 = (value: number): GgufValue => ({ type: 'f32', value });

export function ggufRope(cfg: RopeFields): GgufRope {
  const s = cfg.ropeScaling;
  if (s === null || s.type === 'dynamic') return { metadata: [], freqFactors: null };
  if (s.type === 'linear') return { metadata: [['llama.rope.scaling.type', { type: 'string', value: 'linear' }], ['llama.rope.scaling.factor', f32(s.factor)]], freqFactors: null };
  const attention = (a: number): Array<[string, GgufValue]> => (a === 1 ? [] : [['llama.rope.scaling.attn_factor', f32(a)]]);
  if (s.type === 'yarn' && llamaCppYarn(s, cfg)) {
    return {
      metadata: [
        ['llama.rope.scaling.type', { type: 'string', value: 'yarn' }],
        ['llama.rope.scaling.factor', f32(s.factor)],
        ['llama.rope.scaling.original_context_length', { type: 'u32', value: s.originalMaxPositionEmbeddings }],
        ...attention(s.attentionFactor / yarnMscale(s.factor, 1)),
      ],
      freqFactors: null,
    };
  }
  const plain = ropeFrequencies({ theta: cfg.ropeTheta, scaling: null }, cfg.headDim).invFreq;
  const ours = ropeFrequencies({ theta: cfg.ropeTheta, scaling: s }, cfg.headDim);
  return { metadata: attention(ours.attentionScaling), freqFactors: plain.map((x, i) => x / ours.invFreq[i]!) };
}

/**
 * Whether llama.cpp's own yarn gives this yarn's frequencies: betas 32 and 1, truncated, a factor above 1 (where
 * its mscale cancellation has no pole), and correction dimensions not so near an integer that its float32 floor
 * or ceil could fall otherwise than transformers' float64 one.
 */
function llamaCppYarn(s: Extract<RopeScaling, { type: 'yarn' }>, cfg: RopeFields): boolean {
  if (s.betaFast !== 32 || s.betaSlow !== 1 || !s.truncate || !(s.factor > 1)) return false;
  const clear = (x: number): boolean => Math.floor(x - 1e-4) === Math.floor(x + 1e-4);
  return [32, 1].every((beta) => clear(yarnCorrectionDim(cfg.ropeTheta, cfg.headDim, s.originalMaxPositionEmbeddings, beta)));
}
