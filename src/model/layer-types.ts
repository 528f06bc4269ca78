// Per-layer attention types, as transformers 5.17 runs them: a config.json of model_type "ministral", or a "mistral"
// one that has layer_types (AutoConfig then reads it as Ministral, the key given as null too), gives each layer "sliding_attention" (the
// sliding window) or "full_attention" (plain causal); without layer_types every layer has sliding_window's. Ministral
// reads head_dim as given (no `or hidden_size // num_attention_heads`), so these configs need an explicit one, and
// builds the sliding-window mask whatever the layers are, so they need a sliding_window too.
import { boundedJsonText } from '../util/bounded-json.ts';
import { isRecord } from '../util/json-file.ts';

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
  if (types !== undefined && types !== null) parseTypes(types, layers, err);
  checkMlpLayerTypes(c, layers, err, `with ${why} (as Ministral)`);
  return types === undefined || types === null ? null : types as LayerType[];
}

/** A Ministral's layer_types (not null), refused as transformers' Ministral refuses it. */
function parseTypes(types: unknown, layers: number, err: Err): void {
  if (!Array.isArray(types) || types.length !== layers) err('layer_types', `must be a list of num_hidden_layers = ${layers} attention types, got ${boundedJsonText(types)}`);
  for (const t of types as unknown[]) {
    if (t !== 'sliding_attention' && t !== 'full_attention') err('layer_types', `${boundedJsonText(t)} is not an attention type ("sliding_attention" or "full_attention")`);
  }
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

/** The MLP layer types transformers 5.17 accepts in mlp_layer_types (configuration_utils.ALLOWED_MLP_LAYER_TYPES). */
const TRANSFORMERS_MLP_LAYER_TYPES = ['sparse', 'dense'];

/**
 * A Llama's layer_types, which LlamaConfig keeps and nothing in transformers' Llama reads (every layer has full
 * attention, as here), checked as transformers 5.17 checks it as it loads the config (validate_layer_type): null or
 * absent, or num_hidden_layers (`layers`, where it is a number: parseConfig refuses it otherwise) types it knows —
 * a list's items, or an object's keys, which is what Python's `for` walks in a dict; anything else fails there
 * (StrictDataclassClassValidationError), so it is refused here by the key. Given, mlp_layer_types is checked too.
 */
export function checkLlamaLayerTypes(c: Json, layers: unknown, err: Err): void {
  if (c.layer_types === undefined || c.layer_types === null) return;
  const why = "which transformers 5.17's LlamaConfig refuses as it loads the config (a Llama computes every layer with full attention whatever it says): correct it, or remove the key";
  checkLayerTypeKey(c, 'layer_types', TRANSFORMERS_LAYER_TYPES, layers, err, why);
  checkMlpLayerTypes(c, layers, err, 'with layer_types given');
}

/**
 * mlp_layer_types, which nothing here or in transformers' Mistral, Ministral and Llama reads, checked as
 * validate_layer_type checks it where the config's layer_types is not None (it returns before it otherwise): a
 * Ministral's always (MinistralConfig fills layer_types in), a Llama's where layer_types is given. `when` says which.
 */
export function checkMlpLayerTypes(c: Json, layers: unknown, err: Err, when: string): void {
  if (c.mlp_layer_types === undefined || c.mlp_layer_types === null) return;
  const why = `which transformers 5.17 refuses as it loads a config ${when}, though no layer reads it: correct it, or remove the key`;
  checkLayerTypeKey(c, 'mlp_layer_types', TRANSFORMERS_MLP_LAYER_TYPES, layers, err, why);
}

/** validate_layer_type's check of `c[key]` (not null): each entry one of `allowed`, as many as `layers`. */
function checkLayerTypeKey(c: Json, key: string, allowed: readonly string[], layers: unknown, err: Err, why: string): void {
  const types = c[key];
  // Python walks a dict's keys (a dict of known types, one per layer, loads); a string's characters, which no type is
  const entries = Array.isArray(types) ? (types as unknown[]) : isRecord(types) ? Object.keys(types) : null;
  const known = (t: unknown): boolean => typeof t === 'string' && allowed.includes(t);
  if (entries === null || (!Array.isArray(types) && !entries.every(known))) {
    err(key, `must be null or a list of layer types, one per layer, got ${boundedJsonText(types)}, ${why}`);
  }
  const unknown = entries.find((t) => !known(t));
  if (unknown !== undefined) {
    err(key, `${boundedJsonText(unknown)} is not a layer type transformers knows here (${allowed.slice(0, 3).map((t) => JSON.stringify(t)).join(', ')}${allowed.length > 3 ? ', …' : ''}), ${why}`);
  }
  if (typeof layers === 'number' && entries.length !== layers) err(key, `has ${entries.length} entries, but num_hidden_layers is ${layers}, ${why}`);
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
