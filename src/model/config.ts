// HF config.json for model_type "mistral" (or "ministral": Mistral with per-layer attention types; or "llama": read as
// the Mistral without a sliding window, with LlamaConfig's defaults, llama-config.ts) → a typed, validated MistralConfig.
// Missing keys take the defaults of transformers' MistralConfig; anything we cannot compute exactly
// (other model types, activations other than HIDDEN_ACTS, biases) is refused with the key that says so.
import { needArg, needPath } from '../util/api-args.ts';
import { shellPath } from '../util/shell-quote.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GateActivation } from '../backend/backend.ts';
import { withIo } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { boundedJsonText, boundedText } from '../util/bounded-json.ts';
import { checkpointFolderHint, QUICKSTART_LAYOUT, RUN_LAYOUT, runPath } from '../run/layout.ts';
import { missingCheckpointHint } from '../run/missing-checkpoint.ts';
import { HF_NAMES } from './names.ts';
import { parseLayerTypes, type LayerType } from './layer-types.ts';
import { llamaAsMistral } from './llama-config.ts';
import { parseRope, ropeDictKey, type RopeScaling } from './rope-config.ts';
import { notATokenId } from './token-id-list.ts';
import { negativeId, negativePadId, warnIdsPastVocab, warnNegativeIds } from './negative-ids.ts';
import { configValueText, numberKindRefused } from './config-number-forms.ts';
import { readConfigJson } from '../util/config-json.ts';
import { parseLabels, parseProblemType, parseTask } from './config-head.ts';
import { unreadKeyRefused } from './config-unread-keys.ts';
import { warnOnce } from '../util/log.ts';
import { fileIsThere } from '../util/file-is-there.ts';
import { cacheRepoHint, missingModelHint } from './missing-model.ts';
import { adapterBaseHint } from '../util/adapter-base.ts';
import { nearFileHint } from '../util/near-file.ts';

export interface MistralConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  /** transformers' hidden_act, the MLP's gate activation (gateActivation); absent for silu (Mistral's SwiGLU) and swish. */
  hiddenAct?: HiddenAct;
  ropeTheta: number;
  /** A scaled rope (linear, yarn, llama3; dynamic, run only within max_position_embeddings) with transformers' defaults filled in; null = plain rope. */
  ropeScaling: RopeScaling | null;
  /** Set where a scaled rope comes from rope_parameters (transformers 5's key), not rope_scaling: the key messages name. */
  ropeKey?: 'rope_parameters';
  /** Key j is visible from query i when 0 ≤ i − j < slidingWindow; null = plain causal. */
  slidingWindow: number | null;
  /** Each layer's attention type (Ministral's layer_types): "full_attention" layers have no window; null = every layer slidingWindow's (layerWindow). */
  layerTypes: LayerType[] | null;
  /**
   * transformers' dropout on the attention weights in training (0 in Mistral's releases). We compute none: training
   * refuses a model with one (checkTrainable), inference is exact (transformers applies it only in training). null: a
   * Llama's null (LlamaConfig types it int | float | None), which transformers evaluates as none and fails to train.
   */
  attentionDropout: number | null;
  tieWordEmbeddings: boolean;
  maxPositionEmbeddings: number;
  /** config.json's bos_token_id (MistralConfig's 1 when absent); a negative one (-1) as written, naming no token (negative-ids.ts). */
  bosTokenId: number | null;
  /** The ids generation stops at: config.json's eos_token_id (an id, a list of them, null or absent: MistralConfig's 2) as a list. */
  eosTokenIds: number[];
  /**
   * Whether config.json gives eos_token_id as a list ([4], [], [2, 32000]) rather than one id or null: transformers keeps
   * the form (a saved model writes [4] back: save.ts), and llama.cpp's SpecialVocab takes an id as the EOS but no list.
   */
  eosTokenIdIsList: boolean;
  padTokenId: number | null;
  /** Class names for sequence classification (id2label, or LABEL_i for num_labels: parseLabels), when the config gives them. */
  labels: string[] | null;
  /**
   * config.json's model_type where it is not "mistral": a Llama or Ministral (the same computation) is saved as one,
   * with its own class names, also when no source folder's config.json is there to say so (random weights: save.ts).
   */
  modelType?: 'llama' | 'ministral';
  /** The task architectures names: …ForSequenceClassification → classification, …ForCausalLM → generation; else null. */
  task: 'generation' | 'classification' | null;
  /** transformers' problem_type, which picks a classification head's loss; null = decided by the labels (cross-entropy here). */
  problemType: 'regression' | 'single_label_classification' | 'multi_label_classification' | null;
  /** transformers' initializer_range (MistralConfig's default 0.02), as config.json gives it: the std of the normal a new matrix is drawn from (a new classification head, a random model), read through initStd (init-std.ts: 0 draws with 0.02, a negative one is refused). */
  initializerRange: number;
}

type Json = Record<string, unknown>;

/** Mistral AI's other architectures in transformers, named in the refusal so that it says why. */
const OTHER_MISTRALS: Record<string, string> = {
  mixtral: 'a mixture of experts: each layer routes tokens to several MLPs',
  mistral3: 'multimodal: a Pixtral vision encoder with the Mistral text model under text_config',
  pixtral: 'a vision encoder',
  llava: 'multimodal: a vision encoder with a text model under text_config',
  ministral3: 'Ministral 3, whose attention scales queries by position (llama_4_scaling_beta)',
  mistral4: 'a mixture of experts with latent attention',
  voxtral: 'multimodal: an audio encoder with a text model under text_config',
};

/**
 * The hidden_act names of transformers' ACT2FN that we compute, and the gate activation each is: "swish" is silu,
 * "gelu_new" and "gelu_pytorch_tanh" are both gelu's tanh approximation. (transformers' own tiny test Mistrals use "gelu".)
 */
export const HIDDEN_ACTS = {
  silu: 'silu', swish: 'silu', gelu: 'gelu', gelu_new: 'gelu_tanh', gelu_pytorch_tanh: 'gelu_tanh', relu: 'relu',
} as const satisfies Record<string, GateActivation>;
export type HiddenAct = keyof typeof HIDDEN_ACTS;

/** The MLP's gate activation of a config. */
export function gateActivation(cfg: Pick<MistralConfig, 'hiddenAct'>): GateActivation {
  return HIDDEN_ACTS[cfg.hiddenAct ?? 'silu'];
}

/**
 * What a folder given as a model is when it is one of ours that is not a model (a run or quickstart folder, a common
 * mix-up when a trained model is used again), as the rest of a sentence; '' otherwise.
 */
function notAModelFolder(dir: string): string {
  if (fs.existsSync(runPath(dir, 'marker'))) {
    const weights = fs.existsSync(runPath(dir, 'model')) ? `its trained model is ${runPath(dir, 'model')}`
      : fs.existsSync(runPath(dir, 'adapter')) ? `its LoRA adapter is ${runPath(dir, 'adapter')}, used with the base model (--adapter)`
        : `its weights are written to ${RUN_LAYOUT.model}/ or ${RUN_LAYOUT.adapter}/ when it finishes`;
    return `: ${dir} is a training run's folder: ${weights}; eval, generate, classify and export take the run itself as --run ${shellPath(dir)}`;
  }
  if (fs.existsSync(path.join(dir, 'adapter_config.json'))) return `: ${dir} is a PEFT adapter: give it as --adapter ${shellPath(dir)} with its base model as --model${adapterBaseHint(dir)}`;
  const checkpoint = checkpointFolderHint(dir);
  if (checkpoint !== '') return checkpoint;
  if (fs.existsSync(path.join(dir, QUICKSTART_LAYOUT.marker))) return `: ${dir} is a quickstart folder; its model is ${path.join(dir, QUICKSTART_LAYOUT.model)}`;
  // Mistral's releases also ship mistral-inference's own files (params.json, consolidated.safetensors)
  const cached = cacheRepoHint(dir);
  if (cached !== '') return `: ${dir} is huggingface_hub's cache folder of the model, not the model folder: ${cached}`;
  if (fs.existsSync(path.join(dir, 'params.json'))) return ': params.json is mistral-inference\'s config, not transformers\' (fetch config.json and the model-*.safetensors files, or convert the folder with transformers\' convert_mistral_weights_to_hf.py)';
  return '';
}

/**
 * `dir` is a folder: a missing one is "model folder not found", and a file in its place (a .gguf export, a
 * .safetensors file) is named as a file, rather than as a folder not found or as `FILE/config.json` not found.
 */
export function requireModelFolder(dir: string): void {
  const st = folderStat(dir, 'model');
  if (!st) {
    const hint = missingModelHint(dir); // a Hub id written as a path: the cache's snapshot of it, or where to get it
    throw new UserError(`model folder not found${hint === '' ? nearFileHint(dir) : ` (${hint})`}`, dir);
  }
  if (!st.isDirectory()) refuseFile(dir, 'a model folder: give the folder that holds config.json and the *.safetensors', 'the Hugging Face folder');
}

/**
 * `dir` is a folder, as requireModelFolder's: a missing one is "adapter folder not found" (not `DIR/adapter_config.json`
 * not found, as for a folder without the file), and a file given as an adapter (a .gguf LoRA export, an
 * adapter_model.safetensors) is named as a file, rather than as "cannot read the adapter folder: … (ENOTDIR)".
 */
export function requireAdapterFolder(dir: string): void {
  const st = folderStat(dir, 'adapter');
  if (!st) throw new UserError(`adapter folder not found${missingCheckpointHint(dir) || nearFileHint(dir)}`, dir); // a run's checkpoint it pruned: said so
  if (!st.isDirectory()) refuseFile(dir, 'a PEFT adapter folder: give the folder that holds adapter_config.json and adapter_model.safetensors', 'the PEFT adapter folder');
}

/** What is at `dir`, or undefined; a path that cannot be followed (a file on the way: ENOTDIR, EACCES) is a UserError naming it, not a stack trace. */
function folderStat(dir: string, kind: 'model' | 'adapter'): fs.Stats | undefined {
  return withIo(dir, `read the ${kind} folder`, () => fs.statSync(dir, { throwIfNoEntry: false }));
}

/** The one wording of a file given for a folder (`what`); a .gguf is also said to be llama.cpp's, with `source` it came from to give instead. */
function refuseFile(file: string, what: string, source: string): never {
  const gguf = /\.gguf$/i.test(file) ? ` (a GGUF file is for llama.cpp and Ollama; mistral-tune reads ${source} it was exported from)` : '';
  throw new UserError(`a file, not ${what}${gguf}`, file);
}

/**
 * `dir`/config.json, which must be there (in a folder: requireModelFolder), else an error that says what `dir` is
 * when it is a run or quickstart folder. What the CLI checks before a backend starts, and loadConfig reads.
 */
export function modelConfigFile(dir: string): string {
  requireModelFolder(dir);
  const file = path.join(dir, 'config.json');
  // a link to nothing (a hub snapshot copied with cp -r) is named as such by fileIsThere, not "not found"
  if (!fileIsThere(file)) throw new UserError(`model config not found (a model folder needs config.json)${notAModelFolder(dir)}`, file);
  return file;
}

/** Throws a UserError naming `fn` unless `cfg` is a model config as loadConfig or parseConfig gives it. */
export function needModelConfig(fn: string, cfg: unknown): asserts cfg is MistralConfig {
  const hint = 'a model config (loadConfig(folder), or model.cfg)';
  needArg(fn, 'cfg', cfg, 'object', { hint });
  const c = cfg as Partial<MistralConfig>;
  if (![c.hiddenSize, c.numLayers, c.vocabSize, c.headDim].every((n) => typeof n === 'number')) throw new UserError(`cfg is no model config (it has no hiddenSize, numLayers, vocabSize and headDim): give ${hint}`, fn);
}

/** Reads and validates `dir/config.json`. */
export function loadConfig(dir: string): MistralConfig {
  needPath('loadConfig', 'the model folder', dir, 'folder', 'the path of a Hugging Face model folder');
  const file = modelConfigFile(dir);
  return parseConfig(readConfigJson(file), file);
}

/** Validates a parsed config.json object; `where` names it in errors. */
export function parseConfig(raw: unknown, where = 'config.json'): MistralConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError('not a JSON object', where);
  const err = (key: string, msg: string): never => {
    throw new UserError(`${key}: ${msg}`, where);
  };
  const type = (raw as Json).model_type;
  if (type !== 'mistral' && type !== 'ministral' && type !== 'llama') {
    const what = typeof type === 'string' ? OTHER_MISTRALS[type] : undefined;
    err('model_type', type === undefined ? 'missing (an HF config.json names its model_type: "mistral")'
      : `${boundedJsonText(type)}${what ? ` (${what})` : ''} is not supported (only "mistral", "ministral" and "llama": dense text models)`);
  }
  // a Llama is the Mistral without a sliding window, with its own defaults (llama-config.ts)
  const c = type === 'llama' ? llamaAsMistral(raw as Json, err) : raw as Json;
  // GPTQ, AWQ, bitsandbytes or FP8 weights are packed integers or 8-bit floats, not the tensors a model is made of:
  // refused here by name, rather than as a missing or unreadable tensor later
  const quant = c.quantization_config;
  if (quant !== undefined && quant !== null) {
    const method = typeof quant === 'object' && !Array.isArray(quant) ? (quant as Json).quant_method : undefined;
    err('quantization_config', `the weights are quantized${typeof method === 'string' ? ` (${boundedText(method)})` : ''}, which is not supported: use the model's unquantized weights (BF16, F16 or F32 safetensors)`);
  }
  // a multimodal config's key: transformers 5.17 takes a "mistral", "ministral" or "llama" config's text_config as its
  // text model's config and fails on it, whatever it holds (AttributeError: … has no attribute 'to_dict'); refused rather
  // than computed from the top-level keys
  if (c.text_config !== undefined && c.text_config !== null) {
    const shown = Array.isArray(c.text_config) ? 'a list' : typeof c.text_config === 'object' ? 'an object' : boundedJsonText(c.text_config);
    err('text_config', `${shown} in a "${c.model_type as string}" config, which transformers 5.17 fails to load (AttributeError): ` +
      'delete it where the top-level keys are the text model\'s (a multimodal model ("mistral3", "llava"…) is not supported)');
  }
  checkDType(c, err);
  const unread = unreadKeyRefused(c, type as string);
  if (unread) err(unread.key, unread.why);
  // transformers 5 types these keys strictly (int, float, str, bool): absent takes MistralConfig's default, null is refused
  const given = (key: string, dflt: unknown): unknown => (c[key] === undefined ? dflt : c[key]);
  // `fix`: what to write instead, where the key's meaning tells it
  const int = (key: string, dflt: number, min = 1, fix = ''): number => {
    const v = given(key, dflt);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) err(key, `must be an integer ≥ ${min}, got ${configValueText(c, key)}${fix}`);
    // 1e300 is an integer to JSON, but sizes past 2^53 lose digits in every product the memory plan forms
    if (!Number.isSafeInteger(v)) err(key, `must be an integer from ${min} to 2^53 − 1, got ${boundedJsonText(v)}`);
    return v as number;
  };
  const optId = (key: string, dflt: number | null): number | null => {
    const v = key in c ? c[key] : dflt;
    if (v === null || v === undefined) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) err(key, `must be a token id or null, got ${configValueText(c, key)}`);
    return v as number;
  };
  const hidden = int('hidden_size', 4096);
  const heads = int('num_attention_heads', 32);
  // transformers 5: absent → 8 (MistralConfig's default); null is refused (its strict int), though 4 read it as num_attention_heads
  if (c.num_key_value_heads === null) {
    err('num_key_value_heads', `must be an integer ≥ 1, got null (transformers 5 refuses null here: for no grouped-query attention write num_attention_heads' ${heads})`);
  }
  const kvHeads = int('num_key_value_heads', 8);
  // absent, the 8 is transformers' default, which the file does not show: said, with what to write
  if (heads % kvHeads !== 0) {
    const absent = c.num_key_value_heads === undefined ? ` (absent from config.json: transformers' MistralConfig default, which it fails on here too; give the model's number of key/value heads, num_attention_heads' ${heads} without grouped-query attention)` : '';
    err('num_key_value_heads', `${kvHeads} does not divide num_attention_heads ${heads}${absent}`);
  }
  const headDim = parseHeadDim(c, hidden, heads, err);
  const act = given('hidden_act', 'silu');
  if (typeof act !== 'string' || !Object.hasOwn(HIDDEN_ACTS, act)) {
    err('hidden_act', `${boundedJsonText(act)} is not supported (supported: ${Object.keys(HIDDEN_ACTS).map((a) => JSON.stringify(a)).join(', ')})`);
  }
  // attention_bias and mlp_bias are not MistralConfig's: transformers builds Mistral's projections without biases whatever
  // they say, and so do we (a checkpoint that holds biases is refused as its weights load: weights.ts)
  // LlamaConfig types it int | float | None (null: no dropout outside training, a failure in it: checkTrainable)
  const llamaNoDropout = type === 'llama' && c.attention_dropout === null;
  const attentionDropout = llamaNoDropout ? null : given('attention_dropout', 0);
  if (!llamaNoDropout && (typeof attentionDropout !== 'number' || !(attentionDropout >= 0 && attentionDropout < 1))) {
    err('attention_dropout', `must be a number in [0, 1), got ${configValueText(c, 'attention_dropout')}`);
  }
  // loaded as transformers 5.17 loads it (0 and negative too): it only matters where a new matrix is drawn (init-std.ts);
  // LlamaConfig's interval(min=0.0, max=1.0) refuses one past 1 (its min 0.0 reads as no bound: a negative loads)
  const range = given('initializer_range', 0.02);
  if (typeof range !== 'number') err('initializer_range', `must be a number, got ${boundedJsonText(range)}`);
  if (type === 'llama' && (range as number) > 1) err('initializer_range', `${configValueText(c, 'initializer_range')} is past 1.0, which transformers 5.17's LlamaConfig refuses (its range is 0.0 to 1.0): write the model's (0.02 is the default)`);
  const eps = given('rms_norm_eps', 1e-6);
  if (typeof eps !== 'number' || !(eps > 0)) err('rms_norm_eps', `must be a positive number, got ${boundedJsonText(eps)}`);
  // transformers: absent → 4096 (MistralConfig's default), null → no window
  const sw = c.sliding_window === undefined ? 4096 : c.sliding_window;
  if (sw !== null && (typeof sw !== 'number' || !Number.isInteger(sw) || sw < 1)) {
    err('sliding_window', `must be null or an integer ≥ 1, got ${configValueText(c, 'sliding_window')}`);
  }
  const layerTypes = parseLayerTypes(c, int('num_hidden_layers', 32), sw as number | null, err);
  const tie = given('tie_word_embeddings', false);
  if (typeof tie !== 'boolean') err('tie_word_embeddings', `must be true or false, got ${boundedJsonText(tie)}`);
  const eosRaw = c.eos_token_id === undefined ? 2 : c.eos_token_id;
  const eosBad = eosRaw === null ? null : notATokenId(eosRaw, true); // a list's bad item by its place: token-id-list.ts
  if (eosBad !== null) {
    err('eos_token_id', eosBad.item !== null ? `item ${eosBad.item} must be a token id, got ${boundedJsonText(eosBad.got)}` : `must be a token id, a list of them or null, got ${boundedJsonText(eosRaw)}`);
  }
  const eosTokenIdIsList = Array.isArray(eosRaw);
  const eosList = (eosRaw === null ? [] : eosTokenIdIsList ? eosRaw : [eosRaw]) as number[];
  const vocabSize = int('vocab_size', 32000);
  const bosTokenId = negativeId(c, 'bos_token_id') ?? optId('bos_token_id', 1);
  const padTokenId = negativePadId(c, vocabSize, err) ?? optId('pad_token_id', null);
  warnNegativeIds(where, vocabSize, bosTokenId, padTokenId, eosList);
  // a BOS or EOS id past the embedding is loaded, as transformers 5.17 loads it (with a warning): nothing gathers its row
  // (a prompt's BOS is the tokenizer's; an EOS is only compared with the sampled token); a pad id past it would be
  // padding's row, and transformers' embedding refuses it as its padding_idx
  warnIdsPastVocab(where, vocabSize, bosTokenId, eosList);
  if (padTokenId !== null && padTokenId >= vocabSize) err('pad_token_id', `${padTokenId} is not a token id: vocab_size is ${vocabSize} (transformers' embedding refuses it as its padding_idx); write null, or the id of the pad token`);
  // transformers 5.17 loads 0, to degenerate effect: refused here, saying what it should be
  const maxPositionEmbeddings = int('max_position_embeddings', 4096 * 32, 1, ': set it to the model\'s context length (the longest sequence it was trained on; its model card gives it)');
  const rope = parseRope(c, headDim, maxPositionEmbeddings, err, (key, msg) => warnOnce(`${where}: ${key}: ${msg}`));
  // transformers' yarn, longrope and dynamic NTK read head_dim as it is given (not `or hidden // heads`): 0 gives them
  // no frequencies, and it fails; dynamic raises θ to head_dim / (head_dim − 2), and fails at 2
  const ropeType = rope.scaling?.type;
  if ((ropeType === 'yarn' || ropeType === 'longrope' || ropeType === 'dynamic') && c.head_dim === 0) err('head_dim', `0 is not supported with ${ropeType} rope scaling (transformers reads it as 0 there, not as hidden_size // num_attention_heads, and fails): give the head size`);
  if (ropeType === 'dynamic' && headDim === 2) err('head_dim', 'dynamic rope scaling needs a head_dim above 2 (transformers divides by head_dim − 2)');
  // JSON.parse reads 16.0 as 16 and 1.0 as 1 (a token id 2.0 as 2, which SpecialVocab would skip), where transformers
  // refuses a float for an int key and an int for a float key
  const kind = numberKindRefused(raw as Json, type as string);
  if (kind) err(kind.key, kind.why);
  return {
    vocabSize,
    hiddenSize: hidden,
    intermediateSize: int('intermediate_size', 14336),
    numLayers: int('num_hidden_layers', 32),
    numHeads: heads,
    numKvHeads: kvHeads,
    headDim,
    rmsNormEps: eps as number,
    // silu's (and its alias swish's) config is left as it always was: absent reads as silu
    ...(HIDDEN_ACTS[act as HiddenAct] === 'silu' ? {} : { hiddenAct: act as HiddenAct }),
    ropeTheta: rope.theta,
    ropeScaling: rope.scaling,
    ...(rope.scaling && ropeDictKey(c) === 'rope_parameters' ? { ropeKey: 'rope_parameters' as const } : {}),
    slidingWindow: sw as number | null,
    layerTypes,
    attentionDropout: attentionDropout as number | null,
    tieWordEmbeddings: tie as boolean,
    maxPositionEmbeddings,
    bosTokenId,
    eosTokenIds: eosList,
    eosTokenIdIsList,
    padTokenId,
    labels: parseLabels(c, where, err),
    ...(type === 'mistral' ? {} : { modelType: type as 'llama' | 'ministral' }),
    task: parseTask(c, err),
    problemType: parseProblemType(c, err),
    initializerRange: range as number,
  };
}

/**
 * head_dim as transformers' Mistral attention and rotary embedding read it (`getattr(config, "head_dim", None) or
 * hidden_size // num_attention_heads`): absent, null and 0 all give hidden_size // num_attention_heads, rounded down
 * (the projections then have heads · head_dim rows, not hidden_size, as with an explicit head_dim).
 */
function parseHeadDim(c: Json, hidden: number, heads: number, err: (key: string, msg: string) => never): number {
  const v = c.head_dim;
  const derived = v === undefined || v === null || v === 0;
  if (!derived && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)) err('head_dim', `must be an integer ≥ 1 (below 2^53), 0 or null, got ${configValueText(c, 'head_dim')}`);
  const headDim = derived ? Math.floor(hidden / heads) : (v as number);
  if (headDim % 2 !== 0 || headDim === 0) {
    const why = derived ? ` (hidden_size ${hidden} // num_attention_heads ${heads}, as head_dim is ${v === undefined ? 'absent' : JSON.stringify(v)})` : '';
    err('head_dim', `${headDim}${why} must be even and positive for rotary embeddings`);
  }
  return headDim;
}

/**
 * torch's names for the float types transformers can build a model in (torch.float, .half, .double are aliases).
 * The weights are read in the dtype their safetensors store (F64 included) whatever the config says, so each works;
 * "auto" (from_pretrained's word for "as stored") says the same.
 */
const FLOAT_DTYPES = ['float32', 'float', 'bfloat16', 'float16', 'half', 'float64', 'double', 'auto'];

/**
 * dtype (transformers 5) and torch_dtype (transformers 4): the dtype the weights were saved in. One that is not a
 * float type (int8, uint8, float8_e4m3fn: packed or 8-bit weights) or not a torch dtype at all is refused by the key.
 */
function checkDType(c: Json, err: (key: string, msg: string) => never): void {
  for (const key of ['dtype', 'torch_dtype']) {
    const v = c[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !FLOAT_DTYPES.includes(v)) {
      err(key, `${boundedJsonText(v)} is not supported: the weights must be float32, bfloat16 or float16 (or float64); use the model's unquantized weights`);
    }
  }
}

/**
 * The config.json a random model's `config` path names (the file, or the folder that holds it); one that is not there is
 * a UserError at `key`, which says what to give instead.
 */
export function randomConfigFile(source: string, key = 'model.config'): string {
  const file = fs.existsSync(source) && fs.statSync(source).isDirectory() ? path.join(source, 'config.json') : source;
  if (!fs.existsSync(file)) throw new UserError(`${file}: config not found (set ${key} to an HF config.json, or to its keys inline)`, key);
  return file;
}

/**
 * Throws when training this model for `task` would compute other than transformers: attention dropout, which
 * transformers applies to the attention weights in training (generation and evaluation, without it, are exact); and
 * for classification a problem_type whose loss is not cross-entropy (transformers trains "regression" with MSE and
 * "multi_label_classification" with BCE on the logits).
 */
export function checkTrainable(cfg: MistralConfig, task: 'generation' | 'classification', where?: string): void {
  if (cfg.attentionDropout === null) {
    throw new UserError('attention_dropout: null: transformers\' Llama fails to train with it (its attention takes the dropout as a number; evaluation and generation are unaffected): set it to 0.0 to train', where);
  }
  if (cfg.attentionDropout > 0) {
    throw new UserError(`attention_dropout: ${cfg.attentionDropout}: training with dropout on the attention weights is not supported (set it to 0.0 to train without; generation and evaluation are unaffected)`, where);
  }
  if (task === 'classification') refuseOtherProblemType(cfg, where);
}

/** A problem_type whose loss is not cross-entropy over the classes ("regression": MSE, "multi_label_classification": BCE). */
function refuseOtherProblemType(cfg: MistralConfig, where?: string): void {
  if (cfg.problemType !== null && cfg.problemType !== 'single_label_classification') {
    throw new UserError(`problem_type: "${cfg.problemType}": transformers trains such a head with ${cfg.problemType === 'regression' ? 'MSE' : 'BCE'} loss; only single-label classification (cross-entropy) is supported (remove the key or set it to "single_label_classification")`, where);
  }
}

/**
 * Throws when a classification head of `numLabels` rows (score.weight of a checkpoint or a SEQ_CLS adapter, at `where`)
 * is one transformers does not score as classes with a softmax and cross-entropy: a head with one output is
 * regression to transformers (problem_type "regression" is inferred from num_labels 1: MSE loss, and the
 * text-classification pipeline's sigmoid), as is a problem_type other than single-label classification. Our
 * evaluation, classify and training would give it a softmax over one class (loss 0, accuracy 1).
 */
export function checkClassificationHead(cfg: MistralConfig, numLabels: number, where?: string): void {
  if (numLabels < 2) {
    throw new UserError(`num_labels: the classification head (${HF_NAMES.score}) has ${numLabels} row${numLabels === 1 ? '' : 's'}, which transformers treats as regression (MSE loss, sigmoid scores); only classification into 2 or more classes is supported`, where);
  }
  refuseOtherProblemType(cfg, where);
}

/**
 * The pad id a classification head scores by (the last token that is not it, as HF's
 * MistralForSequenceClassification picks) and that a classification export writes as its pad_token_id: the
 * config's own, else the EOS id, HF's usual pad = eos (HF refuses batches of more than one row without a
 * pad_token_id). Training, eval and classify score by the same id the export writes, so a model loaded from the
 * export by transformers picks the token ours was trained on, also for a pre-tokenized row that ends with EOS
 * (scored at the token before its trailing EOS ids). Null (no pad, no EOS): the row's last real token.
 */
export function classificationPadId(c: MistralConfig): number | null {
  return c.padTokenId ?? c.eosTokenIds.find((id) => id >= 0 && id < c.vocabSize) ?? null;
}

/**
 * Why a classification export of `c` (`made` 'export': its config.json) or a SEQ_CLS adapter of it ('adapter': the
 * loading code of its README.md card) gives pad_token_id null (classificationPadId null: no pad_token_id, no EOS id that
 * names a token), which makes transformers' …ForSequenceClassification refuse batches of more than one row; null when
 * it gives an id. What to do is said too: the model was scored at each row's last token, as transformers scores a row
 * alone, so a pad id that no row ends with keeps that.
 */
export function noClassificationPadNote(c: MistralConfig, made: 'export' | 'adapter' = 'export'): string | null {
  if (classificationPadId(c) !== null) return null;
  const eos = c.eosTokenIds.length === 0 ? 'no eos_token_id' : `eos_token_id ${c.eosTokenIds.join(', ')}, which names no token (vocab_size ${c.vocabSize})`;
  const [gives, where] = made === 'export'
    ? ["its classification export's config.json has pad_token_id null", 'in that config.json']
    : ["its classification adapter's README.md loads it with pad_token_id null", "in the loaded model's config"];
  return `pad_token_id: the model has none and ${eos}, so ${gives}, ` +
    'with which transformers classifies one row at a time (a batch of more rows: "Cannot handle batch sizes > 1 if no padding token is defined"); ' +
    `to classify batches there, set pad_token_id ${where}, and the tokenizer's pad token, to an id below ${c.vocabSize} that no row ends with ` +
    "(the rows were scored at their last token, which transformers' pick of the last token that is not the pad id then keeps)";
}

/**
 * Number of parameters of the model config.json describes, as transformers' num_parameters() counts them: embedding,
 * layers, final norm, and the head — the LM head unless tied, or for …ForSequenceClassification the score head
 * (a row per class: 2 where the config names none) and no LM head.
 */
export function parameterCount(cfg: MistralConfig): number {
  needModelConfig('parameterCount', cfg); // a tokenizer or {} counted NaN parameters
  const { hiddenSize: C, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: D, vocabSize: V } = cfg;
  const attn = C * H * D * 2 + C * KV * D * 2;
  const mlp = 3 * C * I;
  const layer = attn + mlp + 2 * C;
  const head = cfg.task === 'classification' ? (cfg.labels?.length ?? 2) * C : cfg.tieWordEmbeddings ? 0 : V * C;
  return V * C + cfg.numLayers * layer + C + head;
}
