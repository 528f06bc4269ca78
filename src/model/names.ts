// The HF and PEFT tensor names of a Mistral model, in one table: the checkpoint names of every base weight
// (model.embed_tokens.weight, model.layers.{i}.{self_attn|mlp}.{proj}.weight, the norms, lm_head, score)
// and PEFT's names of the adapter tensors (base_model.model.model.layers.{i}.….lora_{A|B}.weight, and the
// classification head it trains as modules_to_save). Loading, saving, the trainable-parameter list, the
// adapter reader/writer and the target_modules matcher all build names here. No imports: the config's schema reads
// PROJECTIONS from here without loading the model.

/** A layer's seven linear projections, in the order the model, its adapters and their files list them. */
export const PROJECTIONS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type Projection = (typeof PROJECTIONS)[number];

/** The sub-module a projection belongs to in HF's Mistral: mlp or self_attn. */
export function blockOf(p: string): 'mlp' | 'self_attn' {
  return p === 'gate_proj' || p === 'up_proj' || p === 'down_proj' ? 'mlp' : 'self_attn';
}

/** HF names of the weights outside the layers. */
export const HF_NAMES = {
  embed: 'model.embed_tokens.weight',
  finalNorm: 'model.norm.weight',
  lmHead: 'lm_head.weight',
  /** MistralForSequenceClassification's head. */
  score: 'score.weight',
  /** MistralForTokenClassification's head bias, which …SequenceClassification's head has not (loadWeights refuses it). */
  scoreBias: 'score.bias',
} as const;

/** HF module name of a projection in layer i (what PEFT's target_modules match), without `.weight`. */
export function hfModuleName(layer: number, p: Projection): string {
  return `model.layers.${layer}.${blockOf(p)}.${p}`;
}

/** The module names of every projection of a model of `numLayers` layers, layer by layer in PROJECTIONS' order. */
export function hfModuleNames(numLayers: number): string[] {
  return Array.from({ length: numLayers }, (_, i) => PROJECTIONS.map((p) => hfModuleName(i, p))).flat();
}

/** HF tensor name of a projection in layer i. */
export function projectionName(layer: number, p: Projection): string {
  return `${hfModuleName(layer, p)}.weight`;
}

/** HF tensor name of layer i's RMSNorm before attention ('input') or before the MLP ('post_attention'). */
export function layerNormName(layer: number, which: 'input' | 'post_attention'): string {
  return `model.layers.${layer}.${which}_layernorm.weight`;
}

/** A LoRA tensor of a projection: factor A or B, or DoRA's magnitude. */
export type LoraPart = 'A' | 'B' | 'magnitude';

/**
 * PEFT's name of a LoRA tensor of layer i's projection: a factor's (lora_A.weight: in memory and in a saved adapter alike),
 * or DoRA's magnitude, lora_magnitude_vector.weight in memory (a gradient, a checkpoint) and lora_magnitude_vector in a
 * saved adapter (`saved`).
 */
export function loraKey(layer: number, proj: string, part: LoraPart, saved = false): string {
  const prefix = `base_model.model.model.layers.${layer}.${blockOf(proj)}.${proj}`;
  if (part === 'magnitude') return `${prefix}.lora_magnitude_vector${saved ? '' : '.weight'}`;
  return `${prefix}.lora_${part}.weight`;
}

// a magnitude with .weight too: PEFT appends it only where it is missing as it loads, so it reads either name
const PEFT_LORA_RE = /^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+)\.(?:lora_(A|B)\.weight|(lora_magnitude_vector)(?:\.weight)?)$/;

/** The parts of a key of a saved PEFT LoRA adapter (loraKey's inverse, either name of a magnitude), or null when `name` is not one. */
export function parseLoraKey(name: string): { layer: number; block: string; proj: string; factor: LoraPart } | null {
  const m = PEFT_LORA_RE.exec(name);
  return m ? { layer: Number(m[1]), block: m[2]!, proj: m[3]!, factor: m[5] ? 'magnitude' : m[4] as 'A' | 'B' } : null;
}

/** PEFT's in-memory name of the trained classification head (modules_to_save), and its key in a saved adapter. */
export const SCORE_PARAM = 'base_model.model.score.modules_to_save.weight';
export const SCORE_SAVED_KEY = 'base_model.model.score.weight';

const PEFT_EMBEDDING_LAYER_RE = /^base_model\.model\.(?:model\.(embed_tokens)|(lm_head))\.weight$/;

/**
 * The layer of a whole embed_tokens or lm_head weight in a saved PEFT adapter (its save_embedding_layers: PEFT saves
 * them so when the vocabulary was resized, or when asked), or null when `name` is not one.
 */
export function savedEmbeddingLayer(name: string): 'embed_tokens' | 'lm_head' | null {
  const m = PEFT_EMBEDDING_LAYER_RE.exec(name);
  return m ? (m[1] ?? m[2]) as 'embed_tokens' | 'lm_head' : null;
}

/** One part of a tensor name as transformers' dot_natural_key sorts it: a number before a word, "shard_2" before "shard_11". */
function naturalPart(part: string): Array<number | string> {
  if (/^\d+$/.test(part)) return [0, Number(part)];
  const text = part.replace(/\d+$/, '');
  return text === part ? [1, text] : [1, text, Number(part.slice(text.length))];
}

/** Tensor names compared as transformers' dot_natural_key orders them (layers.2 before layers.10). */
export function compareDotNatural(a: string, b: string): number {
  const pa = a.split('.').map(naturalPart), pb = b.split('.').map(naturalPart);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!, y = pb[i]!;
    for (let j = 0; j < Math.min(x.length, y.length); j++) if (x[j] !== y[j]) return x[j]! < y[j]! ? -1 : 1;
    if (x.length !== y.length) return x.length - y.length;
  }
  return pa.length - pb.length;
}
