// Per-layer attention types, as transformers 5.17 runs them: a config.json of model_type "ministral", or a "mistral"
// one that has layer_types (AutoConfig then reads it as Ministral, the key given as null too), gives each layer "sliding_attention" (the
// sliding window) or "full_attention" (plain causal); without layer_types every layer has sliding_window's. Ministral
// reads head_dim as given (no `or hidden_size // num_attention_heads`), so these configs need an explicit one, and
// builds the sliding-window mask whatever the layers are, so they need a sliding_window too.
import { boundedJsonText } from '../util/bounded-json.ts';

type Json = Record<string, unknown>;
type Err = (key: string, msg: string) => never;

export type LayerType = 'sliding_attention' | 'full_attention';

/**
 * The attention type of each layer, or null when config.json gives none (every layer by sliding_window). Refused
 * where transformers fails (checked): a list of another length than num_hidden_layers, an unknown type, no head_dim
 * (absent, null or 0), and sliding_window null.
 */
export function parseLayerTypes(c: Json, layers: number, window: number | null, err: Err): LayerType[] | null {
  const types = c.layer_types;
  const ministral = c.model_type === 'ministral';
  // transformers' AutoConfig takes a "mistral" config that has the key as Ministral, "layer_types": null too
  if (types === undefined && !ministral) return null;
  const why = ministral ? 'model_type "ministral"' : types === null ? 'layer_types (null here)' : 'layer_types';
  if (typeof c.head_dim !== 'number' || c.head_dim === 0) {
    err('head_dim', `${boundedJsonText(c.head_dim ?? null)} with ${why}: transformers runs such a config as Ministral, which reads head_dim as given and fails without it; give the head size`);
  }
  if (window === null) err('sliding_window', `null with ${why}: transformers runs such a config as Ministral, which builds a sliding-window mask for every model and fails without one`);
  if (types === undefined || types === null) return null;
  if (!Array.isArray(types) || types.length !== layers) err('layer_types', `must be a list of num_hidden_layers = ${layers} attention types, got ${boundedJsonText(types)}`);
  for (const t of types as unknown[]) {
    if (t !== 'sliding_attention' && t !== 'full_attention') err('layer_types', `${boundedJsonText(t)} is not an attention type ("sliding_attention" or "full_attention")`);
  }
  return types as LayerType[];
}

/**
 * The layer types transformers 5.17 accepts in a config's layer_types (configuration_utils.ALLOWED_ATTN_LAYER_TYPES),
 * which PreTrainedConfig.validate_layer_type checks for every model that reads none too (a Llama).
 */
const TRANSFORMERS_LAYER_TYPES = [
  'full_attention', 'sliding_attention', 'chunked_attention', 'window_attention', 'compressed_sparse_attention',
  'heavily_compressed_attention', 'minimax_m3_sparse', 'conv', 'moe', 'hybrid', 'hybrid_sliding', 'deepseek_sparse_attention',
  'qwen_sparse_attention', 'linear_attention',
];

/**
 * A Llama's layer_types, which LlamaConfig keeps and nothing in transformers' Llama reads (every layer has full
 * attention, as here), checked as transformers 5.17 checks it as it loads the config (validate_layer_type): null or
 * absent, or a list of num_hidden_layers (`layers`, where it is a number: parseConfig refuses it otherwise) types it
 * knows; anything else fails there (StrictDataclassClassValidationError), so it is refused here by the key.
 */
export function checkLlamaLayerTypes(c: Json, layers: unknown, err: Err): void {
  const types = c.layer_types;
  if (types === undefined || types === null) return;
  const why = "which transformers 5.17's LlamaConfig refuses as it loads the config (a Llama computes every layer with full attention whatever it says): correct it, or remove the key";
  if (!Array.isArray(types)) err('layer_types', `must be null or a list of attention types, one per layer, got ${boundedJsonText(types)}, ${why}`);
  const unknown = (types as unknown[]).find((t) => typeof t !== 'string' || !TRANSFORMERS_LAYER_TYPES.includes(t));
  if (unknown !== undefined) {
    err('layer_types', `${boundedJsonText(unknown)} is not a layer type transformers knows (${TRANSFORMERS_LAYER_TYPES.slice(0, 3).map((t) => JSON.stringify(t)).join(', ')}, …), ${why}`);
  }
  if (typeof layers === 'number' && (types as unknown[]).length !== layers) {
    err('layer_types', `has ${(types as unknown[]).length} entries, but num_hidden_layers is ${layers}, ${why}`);
  }
}

/** Each layer's sliding window (layerWindow), in layer order. */
export function layerWindows(cfg: { numLayers: number; slidingWindow: number | null; layerTypes: LayerType[] | null }): Array<number | null> {
  return Array.from({ length: cfg.numLayers }, (_, l) => layerWindow(cfg, l));
}

/** How many layers have a sliding window, counted without a list per layer (num_hidden_layers may be anything config.json says). */
export function slidingLayerCount(cfg: { numLayers: number; slidingWindow: number | null; layerTypes: LayerType[] | null }): number {
  if (cfg.slidingWindow === null) return 0;
  return cfg.layerTypes ? cfg.layerTypes.filter((t) => t !== 'full_attention').length : cfg.numLayers;
}

/** The sliding window of layer `l` (key j visible from query i when 0 ≤ i − j < window), or null: plain causal. */
export function layerWindow(cfg: { slidingWindow: number | null; layerTypes: LayerType[] | null }, l: number): number | null {
  return cfg.layerTypes && cfg.layerTypes[l] === 'full_attention' ? null : cfg.slidingWindow;
}
