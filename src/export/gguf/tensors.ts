// The model's tensors under llama.cpp's names (rope_freqs, token_embd, blk.N.attn_q, …, output) with its layout, and
// the ggml type each gets for a --quant choice (its rule: quant-choices.ts). Q and K rows are permuted as
// convert_hf_to_gguf.py's LlamaModel.permute does: HF rotates the halves of each head (rotate_half), llama.cpp's
// "norm" RoPE rotates adjacent pairs, so row (h, j·half + i) moves to (h, 2i + j).
import type { MistralConfig } from '../../model/config.ts';
import type { MistralModel } from '../../model/mistral.ts';
import type { Projection } from '../../model/weights.ts';
import { QUANT_RULES, type GgufQuant, type QuantRule } from './quant-choices.ts';
import { GGML_TYPES, type GgmlType } from './quant/ggml-types.ts';
import { ggufRope } from './rope-scaling.ts';

type Role = 'token_embd' | 'output' | 'norm' | 'rope_freqs' | 'attn_v' | 'ffn_down' | 'matrix';

export interface PlannedTensor {
  name: string;
  shape: [number] | [number, number];
  role: Role;
  layer: number;
  /** Float32 host data in llama.cpp's layout. */
  read: () => Float32Array;
}

/** llama.cpp's names of the projections (blk.N.<name>.weight). */
export const GGUF_PROJ: Record<Projection, string> = {
  q_proj: 'attn_q', k_proj: 'attn_k', v_proj: 'attn_v', o_proj: 'attn_output', gate_proj: 'ffn_gate', up_proj: 'ffn_up', down_proj: 'ffn_down',
};

/** LlamaModel.permute: rows of `heads` heads, each half-split → pair-interleaved. */
export function permuteRope(w: Float32Array, heads: number, cols: number): Float32Array {
  const rows = w.length / cols, hd = rows / heads, half = hd / 2;
  const out = new Float32Array(w.length);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const src = (h * hd + j * half + i) * cols, dst = (h * hd + 2 * i + j) * cols;
        out.set(w.subarray(src, src + cols), dst);
      }
    }
  }
  return out;
}

/** The tensors of a (merged, causal) model in file order. */
export function planTensors(model: MistralModel): PlannedTensor[] {
  const cfg = model.cfg, be = model.backend, C = cfg.hiddenSize;
  const host = (buf: Parameters<typeof be.download>[0]) => (): Float32Array => {
    const d = be.download(buf);
    return d instanceof Float32Array ? d : Float32Array.from(d);
  };
  const out: PlannedTensor[] = [];
  // a scaled rope's per-pair frequency divisors, first as convert_hf_to_gguf.py writes them; one for every layer
  const freqFactors = ggufRope(cfg).freqFactors;
  if (freqFactors) out.push({ name: 'rope_freqs.weight', shape: [freqFactors.length], role: 'rope_freqs', layer: -1, read: () => freqFactors });
  out.push({ name: 'token_embd.weight', shape: [cfg.vocabSize, C], role: 'token_embd', layer: -1, read: host(model.weights.embed) });
  for (const layer of model.layers) {
    const i = layer.index;
    out.push({ name: `blk.${i}.attn_norm.weight`, shape: [C], role: 'norm', layer: i, read: host(layer.weights.inputNorm) });
    for (const p of Object.keys(GGUF_PROJ) as Projection[]) {
      const lin = layer.proj[p];
      const read = host(lin.weight);
      const heads = p === 'q_proj' ? cfg.numHeads : p === 'k_proj' ? cfg.numKvHeads : 0;
      out.push({
        name: `blk.${i}.${GGUF_PROJ[p]}.weight`, shape: [lin.outDim, lin.inDim], layer: i,
        role: p === 'v_proj' ? 'attn_v' : p === 'down_proj' ? 'ffn_down' : 'matrix',
        read: heads ? () => permuteRope(read(), heads, lin.inDim) : read,
      });
      if (p === 'o_proj') out.push({ name: `blk.${i}.ffn_norm.weight`, shape: [C], role: 'norm', layer: i, read: host(layer.weights.postAttentionNorm) });
    }
  }
  out.push({ name: 'output_norm.weight', shape: [C], role: 'norm', layer: -1, read: host(model.weights.finalNorm) });
  if (!cfg.tieWordEmbeddings) out.push({ name: 'output.weight', shape: [cfg.vocabSize, C], role: 'output', layer: -1, read: host(model.lmHead()) });
  return out;
}

/** llama.cpp's tensor_type_fallback for rows that do not fit a type's block (then F16 if still not). */
const FALLBACK: Partial<Record<GgmlType, GgmlType>> = { Q4_K: 'Q5_0', Q5_K: 'Q5_1', Q6_K: 'Q8_0' };

/** What of the model's config the type rules read. */
export type TypeRulesConfig = Pick<MistralConfig, 'numLayers' | 'numHeads' | 'numKvHeads' | 'tieWordEmbeddings'>;

/**
 * llama.cpp's LLM_TYPE_70B, the one model type its quantisation rules read: for general.architecture "llama"
 * (what we write) llama_model_llama::load_arch_hparams gives it to 80 layers with fewer KV heads than heads (65B otherwise).
 */
export function is70B(cfg: TypeRulesConfig): boolean {
  return cfg.numLayers === 80 && cfg.numHeads !== cfg.numKvHeads;
}

export interface ChosenType {
  type: GgmlType;
  /** The type the rules chose when the rows did not fit it (the tensor fell back to `type`). */
  wanted: GgmlType | null;
}

/**
 * The ggml type of a tensor by its choice's rule (QUANT_RULES): 1-D tensors stay F32. Rows that do not fit the type's
 * block fall back as llama.cpp's tensor_type_fallback does: Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0, and F16 where even
 * that does not fit (the output's own rule in a K mix gives Q8_0 first).
 */
export function tensorType(t: PlannedTensor, quant: GgufQuant, cfg: TypeRulesConfig): ChosenType {
  if (t.shape.length === 1) return { type: 'F32', wanted: null };
  const rule: QuantRule = QUANT_RULES[quant];
  const cols = t.shape[1];
  let type = rule.base;
  if (rule.mix) {
    const { attnV, ffnDown } = rule.mix;
    if (t.role === 'output' || (cfg.tieWordEmbeddings && t.role === 'token_embd')) type = cols % GGML_TYPES[rule.base].blockSize === 0 ? 'Q6_K' : 'Q8_0';
    else if (t.role === 'attn_v') {
      type = attnV?.(t.layer, cfg.numLayers) ?? rule.base;
      // llama_tensor_get_type_impl: "in the 70B model we have 8 heads sharing the same attn_v weights" (Q3_K/Q4_K → Q5_K)
      if (type === 'Q4_K' && is70B(cfg)) type = 'Q5_K';
    } else if (t.role === 'ffn_down') type = ffnDown?.(t.layer, cfg.numLayers) ?? rule.base;
  }
  if (cols % GGML_TYPES[type].blockSize === 0) return { type, wanted: null };
  const fallback = FALLBACK[type] ?? type;
  return { type: cols % GGML_TYPES[fallback].blockSize === 0 ? fallback : 'F16', wanted: type };
}
