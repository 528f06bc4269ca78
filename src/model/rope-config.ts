// The rotary embedding of a config.json as transformers 5.17 reads it (RotaryEmbeddingConfigMixin): θ and, for a
// scaled rope, its type and parameters with transformers' defaults filled in. Supported: "default", the three types
// whose frequencies are fixed at load time — "linear" (position interpolation), "yarn" and "llama3" —, "longrope"
// (two fixed sets: the long factors for a batch that reaches past original_max_position_embeddings, the short ones
// otherwise, as transformers picks them at every forward) and "dynamic" (NTK) within max_position_embeddings:
// transformers recomputes its frequencies only for an input that reaches past it (and keeps them for later ones), so
// below it they are plain rope's; the model refuses a batch that reaches past it (dynamicRopeRefusal).
import { isDeepStrictEqual } from 'node:util';
import { boundedJsonText, boundedListText } from '../util/bounded-json.ts';

/** A scaled rope's parameters, defaults filled in as transformers computes them. */
export type RopeScaling =
  | { type: 'linear'; factor: number }
  | { type: 'dynamic'; factor: number; maxPositionEmbeddings: number }
  | {
    type: 'yarn'; factor: number; originalMaxPositionEmbeddings: number;
    /** Multiplies cos and sin (transformers' attention_scaling): the attention_factor given, else from factor and mscale. */
    attentionFactor: number;
    betaFast: number; betaSlow: number; truncate: boolean;
  }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number }
  | {
    type: 'longrope'; originalMaxPositionEmbeddings: number;
    /** Per pair (head_dim / 2): frequencies are divided by these, short within the original context, long past it. */
    shortFactor: number[]; longFactor: number[];
    /** Multiplies cos and sin: the attention_factor given, else √(1 + ln(factor) / ln(original)) (1 for a factor ≤ 1). */
    attentionFactor: number;
  };

export interface RopeConfig {
  theta: number;
  /** null: plain rope (rope_type "default"). */
  scaling: RopeScaling | null;
}

type Json = Record<string, unknown>;
type Err = (key: string, msg: string) => never;

const SUPPORTED = '"default", "linear", "dynamic", "yarn", "longrope" or "llama3"';

/**
 * The rope dict is rope_scaling when it is a non-empty object (transformers 4's key, which then wins over
 * rope_parameters), else rope_parameters; θ is its rope_theta, else the top-level rope_theta, else 1e4. Its type is
 * rope_type, else type, else "default". A key given as null is not absent: transformers keeps the null (setdefault)
 * and fails on it, so it is refused.
 */
/** `maxPositions`: the config's max_position_embeddings (parseConfig's, its default filled in); `note` warns of what is not read. */
export function parseRope(c: Json, headDim: number, maxPositions: number, err: Err, note: (key: string, msg: string) => void): RopeConfig {
  for (const key of ['rope_scaling', 'rope_parameters']) {
    const v = c[key];
    if (v !== undefined && v !== null && (typeof v !== 'object' || Array.isArray(v))) err(key, `must be an object or null, got ${boundedJsonText(v)}`);
  }
  const scaling = c.rope_scaling as Json | null | undefined;
  const key = ropeDictKey(c);
  const dict = (key === 'rope_scaling' ? scaling : c.rope_parameters ?? {}) as Json;
  const name = (k: string): string => `${key}.${k}`;
  const type = 'rope_type' in dict ? dict.rope_type : 'type' in dict ? dict.type : 'default';
  const theta = 'rope_theta' in dict ? dict.rope_theta : 'rope_theta' in c ? c.rope_theta : 10000;
  if (typeof theta !== 'number' || !(theta > 0)) {
    err(dict.rope_theta !== undefined ? name('rope_theta') : 'rope_theta', `must be a positive number, got ${boundedJsonText(theta)}`);
  }
  // transformers 5's form of a rope per layer type ({"sliding_attention": {…}, "full_attention": {…}}, Gemma 3's): its
  // Mistral reads one dict for every layer. It fails on this form when a key is one of the config's layer types (its
  // layer_types, or a Ministral's default: every layer sliding, which a "mistral" config with "layer_types": null is too),
  // refused here; otherwise it warns of unrecognized keys and
  // runs plain rope of the top-level θ, as here, with the warning
  const perLayer = Object.keys(dict).filter((k) => dict[k] !== null && typeof dict[k] === 'object' && !Array.isArray(dict[k]));
  if (perLayer.length > 0) {
    const layerTypes = Array.isArray(c.layer_types) ? c.layer_types : c.model_type === 'ministral' || c.layer_types === null ? ['sliding_attention'] : [];
    const failing = perLayer.find((k) => layerTypes.includes(k));
    if (failing !== undefined) err(name(failing), `a rope dict per layer type is not supported (transformers' Mistral reads one ${key} dict for every layer, and fails on this form): give {"rope_type": …, "rope_theta": …} itself`);
    note(name(perLayer[0]!), `a rope dict per layer type is not read: transformers' Mistral reads one ${key} dict for every layer and ignores it (warning of unrecognized keys), as here, so θ ${theta as number} applies to every layer`);
  }
  const typeKey = key === 'rope_scaling' ? key : name('rope_type');
  if (type === 'default') return { theta: theta as number, scaling: null };
  if (type !== 'linear' && type !== 'dynamic' && type !== 'yarn' && type !== 'longrope' && type !== 'llama3') err(typeKey, `${boundedJsonText(type)} rope scaling is not supported (supported: ${SUPPORTED})`);
  // transformers' scaled ropes (not Mistral's plain one) rotate only partial_rotary_factor of each head, and then fail
  // on the shapes: refused unless it is 1
  const [prfKey, prf] = dict.partial_rotary_factor !== undefined ? [name('partial_rotary_factor'), dict.partial_rotary_factor] : ['partial_rotary_factor', c.partial_rotary_factor];
  if (prf !== undefined && prf !== null && prf !== 1) err(prfKey, `${boundedJsonText(prf)} is not supported with ${type} rope scaling (transformers' Mistral rotates whole heads; only 1)`);
  const num = (k: string, what: string, ok: (v: number) => boolean): number => {
    const v = dict[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) err(name(k), `must be ${what}, got ${boundedJsonText(v)}${v === undefined ? ` (${type} rope scaling needs it)` : ''}`);
    return v as number;
  };
  const optNum = (k: string, what: string, ok: (v: number) => boolean): number | null => (dict[k] === undefined || dict[k] === null ? null : num(k, what, ok));
  const positive = (v: number): boolean => v > 0;
  if (type === 'linear') return { theta: theta as number, scaling: { type, factor: num('factor', 'a positive number', positive) } };
  if (type === 'dynamic') return { theta: theta as number, scaling: { type, factor: num('factor', 'a positive number', positive), maxPositionEmbeddings: maxPositions } };
  const original = originalMaxPositions(c, dict, maxPositions, name, err);
  if (type === 'longrope') {
    const factors = (k: string): number[] => {
      const v = dict[k];
      if (!Array.isArray(v) || v.length !== headDim / 2 || !v.every((x) => typeof x === 'number' && x > 0)) {
        err(name(k), `must be a list of head_dim / 2 = ${headDim / 2} positive numbers, got ${boundedListText(v, (x) => typeof x === 'number' && x > 0)}${v === undefined ? ' (longrope rope scaling needs it)' : ''}`);
      }
      return v as number[];
    };
    // factor null or absent: max_position_embeddings / original (Phi-3's form)
    const factor = optNum('factor', 'a positive number or null', positive) ?? maxPositions / original;
    const attentionFactor = optNum('attention_factor', 'a positive number', positive) ?? (factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(original)));
    return { theta: theta as number, scaling: { type, originalMaxPositionEmbeddings: original, shortFactor: factors('short_factor'), longFactor: factors('long_factor'), attentionFactor } };
  }
  if (type === 'llama3') {
    const low = num('low_freq_factor', 'a positive number', positive);
    const high = num('high_freq_factor', `a number above low_freq_factor ${low}`, (v) => v > low);
    return { theta: theta as number, scaling: { type, factor: num('factor', 'a positive number', positive), lowFreqFactor: low, highFreqFactor: high, originalMaxPositionEmbeddings: original } };
  }
  // yarn: factor null → max_position_embeddings / original (DeepSeek's form); beta_fast/beta_slow read with `or`
  // (0 takes the default, as transformers does)
  if (!('factor' in dict)) err(name('factor'), 'missing (yarn rope scaling needs it; null takes max_position_embeddings / original_max_position_embeddings)');
  const factor = optNum('factor', 'a positive number or null', positive) ?? maxPositions / original;
  const mscale = optNum('mscale', 'a number', () => true);
  const mscaleAllDim = optNum('mscale_all_dim', 'a number', () => true);
  const attentionFactor = optNum('attention_factor', 'a positive number', positive)
    ?? (mscale && mscaleAllDim ? yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim) : yarnMscale(factor, 1));
  const betaFast = optNum('beta_fast', 'a number', () => true) || 32;
  const betaSlow = optNum('beta_slow', 'a number', () => true) || 1;
  // transformers reads `rope_parameters.get("truncate", True)` as a truth value: a null given is false
  const truncate = dict.truncate === undefined ? true : dict.truncate === null ? false : dict.truncate;
  if (typeof truncate !== 'boolean') err(name('truncate'), `must be true, false or null, got ${boundedJsonText(truncate)}`);
  return { theta: theta as number, scaling: { type, factor, originalMaxPositionEmbeddings: original, attentionFactor, betaFast, betaSlow, truncate: truncate as boolean } };
}

/** transformers' yarn get_mscale: 0.1 · mscale · ln(scale) + 1, or 1 for a scale ≤ 1. */
export function yarnMscale(scale: number, mscale: number): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/**
 * The pretraining context of yarn and llama3 (standardize_rope_params): a top-level original_max_position_embeddings
 * wins (Phi-3's form), then the rope dict's, then max_position_embeddings.
 */
function originalMaxPositions(c: Json, dict: Json, maxPositions: number, name: (k: string) => string, err: Err): number {
  const [key, v] = c.original_max_position_embeddings !== undefined ? ['original_max_position_embeddings', c.original_max_position_embeddings]
    : dict.original_max_position_embeddings !== undefined ? [name('original_max_position_embeddings'), dict.original_max_position_embeddings]
      : ['max_position_embeddings', maxPositions];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) err(key, `must be an integer ≥ 1, got ${boundedJsonText(v)}`);
  return v as number;
}

/**
 * The rope keys of a saved config.json. `doc` is the config being written (the source's keys, our values for
 * max_position_embeddings and head_dim): where its own rope keys read as `rope`, they are kept as the source wrote
 * them (nothing to set or remove), so loaders other than transformers 5 read the file as they read the source —
 * transformers 4.x before 4.45 and older TGI read rope_scaling's "type" only, vLLM's DeepSeek-style yarn and llama.cpp's
 * DeepSeek read mscale / mscale_all_dim, convert_hf_to_gguf.py copies an attention_factor given into the GGUF, and
 * transformers 5 itself writes back only the keys given. Otherwise (no source, or one whose rope reads otherwise now)
 * a scaled rope is written as `rope_scaling` (transformers 4's key, θ at the top level) when the source had it, else
 * as `rope_parameters` (transformers 5's), every parameter as resolved here, so the file reads back to the same
 * frequencies; plain rope: θ alone, under rope_parameters when the source had that key. Returns the keys to set and
 * those to remove.
 */
export function ropeAsSaved(rope: RopeConfig, doc: Json, headDim: number, maxPositions: number): { set: Json; remove: string[] } {
  if (readsAs(doc, headDim, maxPositions, rope)) return { set: {}, remove: [] };
  const s = rope.scaling;
  if (s === null) {
    return 'rope_parameters' in doc ? { set: { rope_parameters: { rope_theta: rope.theta, rope_type: 'default' } }, remove: ['rope_scaling'] }
      : { set: { rope_theta: rope.theta }, remove: ['rope_scaling'] };
  }
  const params: Json = s.type === 'linear' || s.type === 'dynamic' ? { factor: s.factor }
    : s.type === 'longrope' ? { short_factor: s.shortFactor, long_factor: s.longFactor, original_max_position_embeddings: s.originalMaxPositionEmbeddings, attention_factor: s.attentionFactor }
    : s.type === 'llama3' ? { factor: s.factor, low_freq_factor: s.lowFreqFactor, high_freq_factor: s.highFreqFactor, original_max_position_embeddings: s.originalMaxPositionEmbeddings }
      : { factor: s.factor, original_max_position_embeddings: s.originalMaxPositionEmbeddings, attention_factor: s.attentionFactor, beta_fast: s.betaFast, beta_slow: s.betaSlow, truncate: s.truncate };
  const v4 = doc.rope_scaling !== null && typeof doc.rope_scaling === 'object' && Object.keys(doc.rope_scaling).length > 0;
  return v4 ? { set: { rope_scaling: { rope_type: s.type, ...params }, rope_theta: rope.theta }, remove: ['rope_parameters'] }
    : { set: { rope_parameters: { rope_type: s.type, rope_theta: rope.theta, ...params } }, remove: ['rope_scaling', 'rope_theta'] };
}

/** Whether `doc`'s rope keys read (as parseRope reads them, warnings unsaid) as `rope`; false where they are refused. */
function readsAs(doc: Json, headDim: number, maxPositions: number, rope: RopeConfig): boolean {
  const refused = new Error('refused');
  try {
    return isDeepStrictEqual(parseRope(doc, headDim, maxPositions, () => { throw refused; }, () => {}), rope);
  } catch (e) {
    if (e === refused) return false;
    throw e;
  }
}

/** The key of config `c`'s rope dict: rope_scaling where it is a non-empty object (transformers 4's key, which wins), else rope_parameters. */
export function ropeDictKey(c: Json): 'rope_scaling' | 'rope_parameters' {
  const v = c.rope_scaling;
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0 ? 'rope_scaling' : 'rope_parameters';
}

/**
 * Why a model with dynamic rope scaling cannot take positions up to `reach` (past max_position_embeddings, where
 * transformers would recompute its frequencies), or null when it can (or its rope is not dynamic).
 */
export function dynamicRopeRefusal(cfg: { ropeScaling: RopeScaling | null; ropeKey?: 'rope_parameters'; maxPositionEmbeddings: number }, reach: number, fix: string): string | null {
  if (cfg.ropeScaling?.type !== 'dynamic' || reach <= cfg.maxPositionEmbeddings) return null;
  return `"dynamic" rope scaling (${cfg.ropeKey ?? 'rope_scaling'}) changes its frequencies for inputs longer than max_position_embeddings ${cfg.maxPositionEmbeddings}, ` +
    `which is not supported; here they reach ${reach} tokens: ${fix}`;
}
