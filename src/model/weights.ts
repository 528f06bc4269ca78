// The base model's weights on a backend, loaded tensor by tensor from an HF checkpoint
// (HF names, shapes checked against the config). Host memory holds one tensor at a time, in one read buffer reused for
// all: a tensor is uploaded as its stored bits (BF16, F16, F32) and the backend converts them into its buffer.
import * as path from 'node:path';
import { readConfigJson } from '../util/config-json.ts';
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import { f32ToBf16, type DType, type HostData } from '../backend/dtype.ts';
import { UserError } from '../util/errors.ts';
import { warn } from '../util/log.ts';
import { boundedText } from '../util/bounded-json.ts';
import { checkClassificationHead, type MistralConfig } from './config.ts';
import { familyOfFolder } from './family.ts';
import { FiniteWeights } from './finite-weights.ts';
import { compareDotNatural, HF_NAMES, layerNormName, projectionName, PROJECTIONS, type Projection } from './names.ts';
import { isFloatDType, ReadScratch, shapeText, unreadReason } from './safetensors.ts';
import type { SafetensorsCheckpoint } from './safetensors-checkpoint.ts';

// names.ts owns the projections' names (the config's schema reads them there); the model's modules take them from here
export { PROJECTIONS, type Projection };

export interface LayerWeights {
  inputNorm: DeviceBuffer; // (C)
  postAttentionNorm: DeviceBuffer; // (C)
  proj: Record<Projection, DeviceBuffer>; // (out, in) each
}

export interface MistralWeights {
  embed: DeviceBuffer; // (V, C)
  layers: LayerWeights[];
  finalNorm: DeviceBuffer; // (C)
  /** (V, C); the same buffer as `embed` when the embeddings are tied; null for a classification-only or base-model-only checkpoint. */
  lmHead: DeviceBuffer | null;
  /** (numLabels, C) sequence-classification head, when the checkpoint has one. */
  score: DeviceBuffer | null;
}

/** [out, in] of a projection. */
export function projectionShape(cfg: MistralConfig, p: Projection): [number, number] {
  const C = cfg.hiddenSize, I = cfg.intermediateSize;
  const q = cfg.numHeads * cfg.headDim, kv = cfg.numKvHeads * cfg.headDim;
  switch (p) {
    case 'q_proj': return [q, C];
    case 'k_proj': case 'v_proj': return [kv, C];
    case 'o_proj': return [C, q];
    case 'gate_proj': case 'up_proj': return [I, C];
    case 'down_proj': return [C, I];
  }
}

/** float32 host data as a buffer of `dtype` wants it (bf16: rounded to nearest even). */
export function hostFloats(data: Float32Array, dtype: DType): HostData {
  if (dtype === 'f32') return { dtype: 'f32', data };
  if (dtype === 'f64') return { dtype: 'f64', data: Float64Array.from(data) };
  if (dtype === 'bf16') return { dtype: 'bf16', data: f32ToBf16(data) };
  throw new Error(`cannot upload float weights as ${dtype}`);
}

/**
 * A checkpoint tensor for an upload into a buffer of `dtype`: BF16, F16 and F32 as stored, read into `scratch` (valid
 * until its next read), which the upload converts into the buffer as hostFloats would (bf16 and f16 widen exactly,
 * f32 into bf16 rounds to nearest even), with no float32 copy of its own; F64 via float32, as hostFloats takes it.
 */
export function checkpointTensor(ckpt: SafetensorsCheckpoint, name: string, dtype: DType, scratch = new ReadScratch()): HostData {
  const file = ckpt.fileOf(name);
  const stored = file.info(name).dtype;
  // FP8, FP6 and FP4 weights (a quantized release) and complex ones: refused as reading them refuses them
  const unread = /^[IU]\d+$/.test(stored) ? null : unreadReason(stored);
  if (unread !== null) throw new UserError(`tensor "${name}": ${unread}`, file.file);
  // bitsandbytes' int8, GPTQ's and AWQ's int32 qweight (unsigned in some tools): packed or quantized weights, not the
  // model's values
  if (!isFloatDType(stored)) {
    throw new UserError(`tensor "${name}" has dtype ${stored}: integer weights are quantized or packed ones, which are not supported: use the model's unquantized weights (BF16, F16 or F32)`, file.file);
  }
  switch (stored) {
    case 'BF16': return { dtype: 'bf16', data: file.read(name, scratch) as Uint16Array };
    case 'F16': return { dtype: 'f16', data: file.read(name, scratch) as Uint16Array };
    case 'F32': return { dtype: 'f32', data: file.read(name, scratch) as Float32Array };
    default: return hostFloats(file.readF32(name), dtype);
  }
}

/** The prefix of the base model's weights in a MistralFor* checkpoint (transformers' base_model_prefix). */
const BASE_PREFIX = 'model.';

/**
 * The name the checkpoint stores `name` (an HF name: names.ts) under. A checkpoint saved from the base MistralModel
 * (AutoModel's save_pretrained: e5-mistral and other embedding models) has its keys without "model."
 * ("embed_tokens.weight", "layers.0.…"); transformers 5.17 loads it into MistralForCausalLM or …SequenceClassification
 * by adding the prefix to each key whose prefixed name is a parameter (core_model_loading.rename_source_key). Where
 * the file holds both, transformers reads the one first in its dot_natural_key order (it sorts the checkpoint's names
 * and a parameter takes its first source): "embed_tokens.…" and "layers.…" before "model.…", "model.…" before "norm.…".
 */
export function storedName(ckpt: SafetensorsCheckpoint, name: string): string {
  if (!name.startsWith(BASE_PREFIX)) return name;
  const bare = name.slice(BASE_PREFIX.length);
  if (!ckpt.has(bare)) return name;
  return ckpt.has(name) && compareDotNatural(name, bare) < 0 ? name : bare;
}

/**
 * Where a checkpoint that lacks base-model tensor `name` holds it under another prefix than "model.", as the rest of a
 * sentence ('' where it does not): a multimodal checkpoint's text model (Mistral Small 3.1's language_model.model.* in
 * transformers 4, model.language_model.* in 5), of which transformers 5.17 loads nothing into a Mistral (every tensor
 * unexpected, every weight missing and drawn at random).
 */
function otherPrefixHint(ckpt: SafetensorsCheckpoint, name: string): string {
  if (!name.startsWith(BASE_PREFIX)) return '';
  const bare = name.slice(BASE_PREFIX.length);
  const held = ckpt.names().find((n) => n.endsWith(`.${bare}`));
  if (held === undefined) return '';
  const prefix = held.slice(0, held.length - bare.length);
  const family = familyOfFolder(ckpt.dir);
  return `: it holds "${held}", under the prefix "${prefix}" where a ${family}'s tensors are under "${BASE_PREFIX}" (the text model of a multimodal checkpoint?); ` +
    `transformers does not load it into a ${family} either (it draws those weights at random): rename its tensors to ${BASE_PREFIX}*`;
}

/**
 * The config as transformers 5 loads the checkpoint: tie_word_embeddings true, but lm_head.weight in the file with
 * values other than the embedding's, is used untied (transformers warns and keeps both), so tieWordEmbeddings is false
 * here (and an export writes lm_head and tie_word_embeddings false: what the model computed). An lm_head.weight equal
 * to the embedding stays tied; one alone, without the embedding, is the tied weight (loadWeights).
 */
export function tyingAsLoaded(ckpt: SafetensorsCheckpoint, cfg: MistralConfig): MistralConfig {
  const embed = storedName(ckpt, HF_NAMES.embed);
  if (!cfg.tieWordEmbeddings || !ckpt.has(HF_NAMES.lmHead) || !ckpt.has(embed)) return cfg;
  const a = ckpt.info(embed), b = ckpt.info(HF_NAMES.lmHead);
  if (a.shape.join() === b.shape.join() && sameValues(ckpt.readF32(embed), ckpt.readF32(HF_NAMES.lmHead))) return cfg;
  warn(`${ckpt.dir}: tie_word_embeddings is true, but the checkpoint holds ${HF_NAMES.lmHead} with values other than ${HF_NAMES.embed}: ` +
    'both are used, untied, as transformers does (set tie_word_embeddings to false in config.json to silence this)');
  return { ...cfg, tieWordEmbeddings: false };
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Why a k_proj or v_proj has other rows than config.json implies, when q_proj (read before them) fitted
 * num_attention_heads × head_dim: the number of key/value heads its rows hold is not num_key_value_heads — one that
 * config.json leaves out is transformers' default 8, not num_attention_heads (a Llama's: num_attention_heads; transformers
 * fails on the shapes too).
 * '' for another tensor or shape.
 */
function kvHeadsHint(cfg: MistralConfig, dir: string, name: string, shape: readonly number[]): string {
  if (!/\.self_attn\.[kv]_proj\.weight$/.test(name) || shape.length !== 2 || shape[1] !== cfg.hiddenSize) return '';
  const n = shape[0]! / cfg.headDim;
  if (!Number.isInteger(n) || n < 1 || cfg.numHeads % n !== 0) return '';
  const fallback = cfg.modelType === 'llama' ? 'LlamaConfig\'s default, num_attention_heads, which transformers' : 'transformers\' MistralConfig default, which it';
  const absent = configLacks(dir, 'num_key_value_heads') ? ` (absent from config.json: ${fallback} fails on here too)` : '';
  return `: it holds ${n} key/value heads of head_dim ${cfg.headDim}, where num_key_value_heads is ${cfg.numKvHeads}${absent}; set num_key_value_heads to ${n} in config.json`;
}

/**
 * Why a q_proj (the first projection read) has other rows than config.json implies, where its columns fit hidden_size:
 * the head size its rows hold for num_attention_heads heads is not head_dim — one that config.json leaves out (or
 * gives as null or 0) is hidden_size // num_attention_heads, which a model whose heads are of another size (Mistral
 * Nemo's 128 of 5120 / 32) needs written. '' for another tensor or shape.
 */
function headDimHint(cfg: MistralConfig, dir: string, name: string, shape: readonly number[]): string {
  if (!/\.self_attn\.q_proj\.weight$/.test(name) || shape.length !== 2 || shape[1] !== cfg.hiddenSize) return '';
  const d = shape[0]! / cfg.numHeads;
  if (!Number.isInteger(d) || d < 2 || d % 2 !== 0 || d === cfg.headDim) return '';
  const absent = configLacks(dir, 'head_dim') ? ` (absent from config.json: hidden_size ${cfg.hiddenSize} // num_attention_heads ${cfg.numHeads})` : '';
  return `: it holds ${cfg.numHeads} heads of head_dim ${d}, where head_dim is ${cfg.headDim}${absent}; set head_dim to ${d} in config.json`;
}

/** Whether `dir`/config.json leaves out `key` or gives it as null (false where it cannot be read: a config given otherwise). */
function configLacks(dir: string, key: string): boolean {
  try {
    const raw = readConfigJson(path.join(dir, 'config.json'));
    return typeof raw === 'object' && raw !== null && ((raw as Record<string, unknown>)[key] ?? null) === null;
  } catch {
    return false;
  }
}

export function loadWeights(backend: Backend, ckpt: SafetensorsCheckpoint, cfg: MistralConfig, dtype: DType): MistralWeights {
  const used = new Set<string>();
  const finite = new FiniteWeights(backend);
  const scratch = new ReadScratch();
  const load = (hfName: string, shape: readonly number[]): DeviceBuffer => {
    const name = storedName(ckpt, hfName);
    if (!ckpt.has(name)) throw new UserError(`tensor "${name}" not found in the checkpoint${ckpt.absentNote(name) || otherPrefixHint(ckpt, hfName)}`, ckpt.dir);
    used.add(name);
    const info = ckpt.info(name);
    if (info.shape.length !== shape.length || info.shape.some((s, i) => s !== shape[i])) {
      throw new UserError(
        `tensor "${name}" has shape ${shapeText(info.shape)}, but config.json implies [${shape.join(', ')}]${kvHeadsHint(cfg, ckpt.dir, name, info.shape)}${headDimHint(cfg, ckpt.dir, name, info.shape)}`,
        ckpt.dir,
      );
    }
    const buf = backend.alloc(dtype, info.shape.reduce((a, b) => a * b, 1));
    const host = checkpointTensor(ckpt, name, dtype, scratch);
    backend.upload(buf, host);
    // before the next read reuses `scratch`: a CUDA upload from pageable memory may return before it has read it, and
    // require's download of its sum (on the same stream) waits for the upload — keep the two together
    finite.require(buf, host, info.shape, name, ckpt.fileOf(name).file);
    return buf;
  };
  const C = cfg.hiddenSize, V = cfg.vocabSize;
  // tied, with lm_head.weight alone in the file: transformers ties the embedding to it
  const headOnly = cfg.tieWordEmbeddings && !ckpt.has(storedName(ckpt, HF_NAMES.embed)) && ckpt.has(HF_NAMES.lmHead);
  const embed = load(headOnly ? HF_NAMES.lmHead : HF_NAMES.embed, [V, C]);
  const layers: LayerWeights[] = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    const proj = {} as Record<Projection, DeviceBuffer>;
    for (const p of PROJECTIONS) proj[p] = load(projectionName(i, p), projectionShape(cfg, p));
    layers.push({
      inputNorm: load(layerNormName(i, 'input'), [C]),
      postAttentionNorm: load(layerNormName(i, 'post_attention'), [C]),
      proj,
    });
  }
  const finalNorm = load(HF_NAMES.finalNorm, [C]);
  let score: DeviceBuffer | null = null;
  if (ckpt.has(HF_NAMES.score)) {
    const [labels] = ckpt.info(HF_NAMES.score).shape;
    // transformers sizes the head from id2label or num_labels (2 when neither is given) and refuses a checkpoint of
    // another size
    const classes = cfg.labels?.length ?? 2;
    if (labels !== undefined && labels !== classes) {
      const given = cfg.labels ? `config.json's id2label / num_labels give ${classes} classes` : 'config.json has neither id2label nor num_labels, so transformers builds a head of 2 classes';
      throw new UserError(`${given}, but the checkpoint's ${HF_NAMES.score} scores ${labels} (transformers refuses the size mismatch): ` +
        'give id2label one name per row of the head', ckpt.dir);
    }
    checkClassificationHead(cfg, labels ?? 0, ckpt.dir);
    score = load(HF_NAMES.score, [labels ?? 0, C]);
  }
  let lmHead: DeviceBuffer | null = cfg.tieWordEmbeddings ? embed : null;
  if (!cfg.tieWordEmbeddings && ckpt.has(HF_NAMES.lmHead)) lmHead = load(HF_NAMES.lmHead, [V, C]);
  // neither head: the base MistralModel alone (AutoModel's save; e5-mistral and other embedding models), which
  // transformers loads into MistralForSequenceClassification with a new score head (and into …ForCausalLM with a random
  // lm_head, not done here): it loads without one, and what needs the LM head says so (MistralModel.lmHead)
  // as transformers ("Some weights of the model checkpoint were not used"): a warning naming them, since a
  // config.json that disagrees with its checkpoint (num_hidden_layers too small, say) would otherwise go unnoticed
  // (transformers before 4.31 saved each layer's rotary_emb.inv_freq buffer: computed from the config, and ignored without
  // a word by transformers 5.17 as here)
  const unused = ckpt.names().filter((n) => !used.has(n) && !(n === HF_NAMES.lmHead && cfg.tieWordEmbeddings) && !/(^|\.)rotary_emb\.inv_freq$/.test(n));
  // a bias of a projection: transformers' Mistral has none and would drop it with that warning, computing another model
  // than the checkpoint's (a Qwen2-style attention bias, say): refused
  const bias = unused.find((n) => /^(model\.)?layers\.\d+\.(self_attn|mlp)\.\w+_proj\.bias$/.test(n));
  if (bias) {
    const family = familyOfFolder(ckpt.dir);
    throw new UserError(`tensor "${bias}" is a bias of a projection, which the ${family} architecture does not have (transformers' ${family} would drop it and compute another model than this checkpoint's): not supported`, ckpt.dir);
  }
  // so is the score head's: MistralForSequenceClassification has none (a token classifier's head, saved without its
  // config.json's architectures, has one)
  if (unused.includes(HF_NAMES.scoreBias)) {
    const family = familyOfFolder(ckpt.dir);
    throw new UserError(`tensor "${HF_NAMES.scoreBias}" is a bias of the classification head, which transformers' ${family}ForSequenceClassification does not have (it would drop it and compute another model than this checkpoint's; ${family}ForTokenClassification's head has one): not supported`, ckpt.dir);
  }
  if (unused.length > 0) {
    warn(`${ckpt.dir}: ${unused.length} checkpoint tensor(s) are not used by the model config.json describes (num_hidden_layers ${cfg.numLayers}), e.g. "${boundedText(unused[0]!)}" (in ${path.relative(ckpt.dir, ckpt.fileOf(unused[0]!).file)})`);
  }
  finite.free();
  return { embed, layers, finalNorm, lmHead, score };
}
