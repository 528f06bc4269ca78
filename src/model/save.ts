// Writes a model as an HF model folder that transformers loads unchanged: config.json,
// model.safetensors (or shards + model.safetensors.index.json above a size), generation_config.json
// (the source folder's, else one from config.json), and the tokenizer files the model was trained with
// (save-tokenizer.ts). Each tensor is written in its buffer's dtype (bf16 weights as BF16, f32 as F32;
// f64 buffers of gradient checks as F32), or in the one dtype asked for (a merged export: the base model's,
// F16 included).
import { needArg, needOneOf, needPath, refuseMisspelledKeys } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';
import { boundedItemsText } from '../util/bounded-json.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeviceBuffer } from '../backend/backend.ts';
import { withIo, writeFileAtomic } from '../util/atomic.ts';
import { isRecord, readJsonFile } from '../util/json-file.ts';
import { copyRegularFile } from '../util/regular-file.ts';
import { parseJsonAsPythonLoads } from '../data/ingest/python-json.ts';
import { loadableGenerationConfig } from './generation-loadable.ts';
import { familyOfType } from './family.ts';
import { writeTokenizerFiles } from './save-tokenizer.ts';
export { MODEL_FOLDER_SPEC, writesModelFile } from './folder-files.ts';
import { modelFilesIn } from './folder-files.ts';
import { classificationPadId, noClassificationPadNote, type MistralConfig } from './config.ts';
import { warnOnce } from '../util/log.ts';
import { defaultLabels } from './config-head.ts';
import { ropeAsSaved } from './rope-config.ts';
import { generationConfigFromModel, withoutGenerationKeys } from './generation-from-config.ts';
import type { MistralModel } from './mistral.ts';
import { writeSafetensors, type TensorToWrite } from './safetensors.ts';
import { bufferTensor, DEFAULT_SHARD_BYTES, fileDType, savedBytes, type FileDType } from './buffer-tensor.ts';
// (bufferTensor and FileDType were first defined here, and are still imported from here)
export { bufferTensor, type FileDType } from './buffer-tensor.ts';
import { compareDotNatural, HF_NAMES, layerNormName, projectionName } from './names.ts';
import { PROJECTIONS } from './weights.ts';
import { makeFolders } from '../util/made-folders.ts';
import { needHeadLabels, needModel, needScoreHead } from './model-arg.ts';
import { floatRepr, isPythonFloat, withPythonNumbers } from '../data/python-numbers.ts';
import { readConfigJson } from '../util/config-json.ts';
import { byCodePoint } from '../util/code-point.ts';

export interface SaveModelOptions {
  /** The folder the model came from (null: random weights): its config.json is the base of ours, its generation_config.json and tokenizer files are copied. */
  sourceDir: string | null;
  /**
   * Shard size limit in bytes (default 5 GB, DEFAULT_SHARD_BYTES: the save holds one shard's host copy at a time;
   * transformers 5's save_pretrained defaults to 50GB, one file for a 7B, which 50e9 writes too).
   */
  maxShardBytes?: number;
  /** 'causal' writes lm_head; 'classification' writes score.weight (the base's …ForSequenceClassification: family.ts). */
  head: 'causal' | 'classification';
  /** Class names for id2label / label2id (classification). */
  labels?: readonly string[] | null;
  /** Write every tensor in this dtype (f32 buffers rounded once to BF16 or F16 here); default: each buffer's own. */
  dtype?: FileDType;
  /** Refuse (a UserError naming it) a tensor with a NaN or infinite value, as it is written: an export does. */
  requireFinite?: boolean;
}

/** config.json's `dtype` for a file dtype (torch's names). */
const TORCH_DTYPE: Readonly<Record<FileDType, string>> = { f32: 'float32', bf16: 'bfloat16', f16: 'float16' };

/** The HF tensors of the model's (merged) base weights. */
export function modelTensors(model: MistralModel, head: SaveModelOptions['head']): Array<[string, number[], DeviceBuffer]> {
  const cfg = model.cfg, C = cfg.hiddenSize;
  const out: Array<[string, number[], DeviceBuffer]> = [[HF_NAMES.embed, [cfg.vocabSize, C], model.weights.embed]];
  for (const layer of model.layers) {
    const i = layer.index;
    out.push([layerNormName(i, 'input'), [C], layer.weights.inputNorm]);
    out.push([layerNormName(i, 'post_attention'), [C], layer.weights.postAttentionNorm]);
    for (const p of PROJECTIONS) out.push([projectionName(i, p), [layer.proj[p].outDim, layer.proj[p].inDim], layer.proj[p].weight]);
  }
  out.push([HF_NAMES.finalNorm, [C], model.weights.finalNorm]);
  if (head === 'classification') {
    const score = model.scoreHead();
    out.push([HF_NAMES.score, [score.numLabels, C], score.weight]);
  } else if (!cfg.tieWordEmbeddings) {
    out.push([HF_NAMES.lmHead, [cfg.vocabSize, C], model.lmHead()]);
  }
  return out;
}

/**
 * Refuses, before anything is written, a folder that holds a file (or the named templates' folder) of a model folder
 * (MODEL_FOLDER_SPEC): saveModelFolder wrote its own over it without a word (the user's config.json, another model's
 * weights), or left another model's shards beside its one file. Other files there (a README, notes) are left as they
 * are; an export (output-folder.ts) takes only a new or empty folder.
 */
function refuseModelFilesThere(dir: string): void {
  const there = withIo(dir, 'read', () => modelFilesIn(dir));
  if (there.length === 0) return;
  throw new UserError(`the output folder ${JSON.stringify(dir)} holds ${boundedItemsText(there, { shown: 3, quote: true })} already, which saveModelFolder would ` +
    'write over (it replaces no file): save into a new or empty folder, or move them (nothing was written)', 'saveModelFolder');
}

export function saveModelFolder(model: MistralModel, dir: string, opts: SaveModelOptions): void {
  needArg('saveModelFolder', 'model', model, 'object', { hint: 'loadModel(folder, {backend})' });
  needPath('saveModelFolder', 'the output folder', dir, 'folder', 'the folder to write');
  needArg('saveModelFolder', 'options', opts, 'object', { hint: "an object such as {sourceDir: folder, head: 'causal'}" });
  refuseMisspelledKeys('saveModelFolder', 'options', opts, ['sourceDir', 'maxShardBytes', 'head', 'labels', 'dtype', 'requireFinite']);
  // a head left out or mistyped wrote lm_head and dropped a classifier's score; a dtype 'fp16' or a maxShardBytes '5GB' was let be
  needOneOf('saveModelFolder', 'options.head', opts.head, ['causal', 'classification']);
  if (opts.sourceDir !== null) needPath('saveModelFolder', 'options.sourceDir', opts.sourceDir, 'folder', 'the folder the model was loaded from (its tokenizer and configs are copied), or null');
  if (opts.dtype !== undefined) needOneOf('saveModelFolder', 'options.dtype', opts.dtype, ['f32', 'bf16', 'f16']);
  if (opts.maxShardBytes !== undefined && !(typeof opts.maxShardBytes === 'number' && opts.maxShardBytes > 0)) {
    throw new UserError(`options.maxShardBytes is ${JSON.stringify(opts.maxShardBytes)}: give a number of bytes > 0, such as 5e9`, 'saveModelFolder');
  }
  needModel('saveModelFolder', model);
  // the folder holds the base weights alone: an attached adapter's change was left out without a word
  if (model.lora) {
    throw new UserError('model has a LoRA adapter attached, which a model folder does not hold (its weights would be the base\'s alone): ' +
      'mergeLora(model) first to save the merged model, or saveAdapter(model, folder, …) to save the adapter', 'saveModelFolder');
  }
  if (opts.head === 'classification') needHeadLabels('saveModelFolder', opts.labels, needScoreHead('saveModelFolder', model).numLabels);
  // a file in the folder's place was a plain Error from mkdir (EEXIST)
  if (fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) throw new UserError(`the output folder ${JSON.stringify(dir)} is a file: give the folder to write`, 'saveModelFolder');
  refuseModelFilesThere(dir);
  makeFolders(dir);
  const be = model.backend;
  const maxShard = opts.maxShardBytes ?? DEFAULT_SHARD_BYTES;
  // split in the order transformers 5 saves a loaded model's state dict in (revert_weight_conversion sorts it by
  // dot_natural_key), so that each shard holds the tensors HF's save_pretrained puts there
  const tensors = modelTensors(model, opts.head).sort((a, b) => compareDotNatural(a[0], b[0]));
  const as = (buf: DeviceBuffer): FileDType => opts.dtype ?? fileDType(buf);
  // shards in tensor order, each under the size limit, as huggingface_hub's split_torch_state_dict_into_shards makes them:
  // a tensor larger than it is a shard of its own, listed at once (before the shard being filled, which goes on after it)
  const shards: Array<Array<[string, number[], DeviceBuffer]>> = [];
  let filling: Array<[string, number[], DeviceBuffer]> = [], size = 0;
  for (const t of tensors) {
    const bytes = savedBytes(t[2], as(t[2]));
    if (bytes > maxShard) {
      shards.push([t]);
      continue;
    }
    if (size + bytes > maxShard) {
      shards.push(filling);
      filling = [];
      size = 0;
    }
    filling.push(t);
    size += bytes;
  }
  if (filling.length > 0 || shards.length === 0) shards.push(filling);
  const names = shards.length === 1 ? ['model.safetensors'] : shards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`);
  const weightMap: Record<string, string> = {};
  let total = 0, parameters = 0;
  shards.forEach((shard, i) => {
    const out: Record<string, TensorToWrite> = {};
    for (const [name, shape, buf] of shard) {
      out[name] = bufferTensor(be, buf, shape, as(buf), opts.requireFinite ? name : undefined);
      weightMap[name] = names[i]!;
      total += savedBytes(buf, as(buf));
      parameters += buf.length;
    }
    writeSafetensors(path.join(dir, names[i]!), out, { format: 'pt' });
  });
  if (shards.length > 1) {
    writeFileAtomic(path.join(dir, 'model.safetensors.index.json'), hfJson({ metadata: { total_parameters: parameters, total_size: total }, weight_map: weightMap }));
  }
  const source = readSourceConfig(opts.sourceDir);
  const configJson = hfConfig(model, opts, source);
  // the source's numbers in their kind (2.0 stays 2.0: transformers' generate() refuses a repetition_penalty 2), in both files
  const forms = source === null ? undefined : withPythonNumbers(source.json);
  // the generation keys a source's config.json held go to generation_config.json alone, as transformers' save writes them
  writeFileAtomic(path.join(dir, 'config.json'), hfJson(withoutGenerationKeys(configJson), forms, 'tagged'));
  const cfg = model.cfg;
  // the source's generation settings (extra stop tokens, sampling defaults) are kept, as transformers' save does
  // (but for values transformers cannot load the folder with: generation-loadable.ts)
  const sourceGen = opts.sourceDir ? path.join(opts.sourceDir, 'generation_config.json') : null;
  if (sourceGen && fs.existsSync(sourceGen)) writeLoadableGenerationConfig(sourceGen, path.join(dir, 'generation_config.json'));
  else {
    const gen = loadableGenerationConfig(generationConfigFromModel(configJson, source !== null), path.join(opts.sourceDir ?? dir, 'config.json'));
    writeFileAtomic(path.join(dir, 'generation_config.json'), hfJson(gen, forms));
  }
  writeTokenizerFiles(dir, { sourceDir: opts.sourceDir, vocabSize: cfg.vocabSize, padTokenId: opts.head === 'classification' ? classificationPadId(cfg) : null });
  // once, not at every checkpoint of a run
  const note = opts.head === 'classification' ? noClassificationPadNote(cfg) : null;
  if (note) warnOnce(note);
}

/**
 * The generation_config.json `src` (a source model folder's; a full run's model/ that export copies) copied to `dst`
 * byte for byte; one with keys transformers cannot load written without them (loadableGenerationConfig), as
 * json.dumps(indent=2, sort_keys=True), its numbers in their form.
 */
export function writeLoadableGenerationConfig(src: string, dst: string): void {
  const json = readJsonFile(src, parseJsonAsPythonLoads); // as transformers reads it (json.loads: NaN, Infinity)
  if (!isRecord(json)) throw new UserError('generation_config.json must be a JSON object', src);
  const loadable = loadableGenerationConfig(json, src);
  if (loadable === json) copyRegularFile(src, dst); // parsed above (copyJsonFile's JSON.parse would refuse a NaN)
  else writeFileAtomic(dst, hfJson(loadable, withPythonNumbers(json)));
}

/**
 * eos_token_id as transformers 5.17's save_pretrained writes it: in the form config.json gave it (4 as 4; [4] and []
 * as lists; null as null), as MistralConfig keeps it; several ids of a config made in code as a list.
 */
function eosValue(cfg: Pick<MistralConfig, 'eosTokenIds' | 'eosTokenIdIsList'>): number | number[] | null {
  const ids = cfg.eosTokenIds;
  return cfg.eosTokenIdIsList || ids.length > 1 ? [...ids] : ids[0] ?? null;
}

/**
 * config.json keys that MistralConfig types as float (transformers 5 validates the types strictly): rms_norm_eps and
 * initializer_range refuse an int (1 for 1.0: config-number-forms.ts), so a whole number is written 1.0.
 */
const STRICT_FLOAT_KEYS = new Set(['rms_norm_eps', 'initializer_range']);
/**
 * Keys that take an int or a float (attention_dropout and rope's numbers): transformers writes back the form the source
 * gave (rope_theta 10000 as 10000, attention_dropout 0.0 as 0.0); a whole number the source did not give is written 1.0.
 */
const FLOAT_KEYS = new Set(['rope_theta', 'attention_dropout', 'factor', 'attention_factor', 'beta_fast', 'beta_slow', 'low_freq_factor', 'high_freq_factor']);

/**
 * Whether the whole number under `key` is written as a float: by its form in the source (`form`, withPythonNumbers' of
 * the source's config.json: 1.0 and 1e-05 are Python's floats, 1 and 12345678901234567890 its ints), else by its key.
 */
function wholeAsFloat(key: string, form: unknown): boolean {
  if (STRICT_FLOAT_KEYS.has(key) || isPythonFloat(form) || (typeof form === 'number' && !Number.isInteger(form))) return true;
  return typeof form === 'number' || typeof form === 'bigint' ? false : FLOAT_KEYS.has(key);
}

/**
 * JSON as transformers writes an HF config (json.dumps with indent=2, sort_keys=True and ensure_ascii, as
 * PretrainedConfig and GenerationConfig's to_json_string do): keys sorted at every level, a character past ASCII as
 * its \\u escape, a float as Python's repr writes it (a float key's whole-number value as 10000.0, not 10000; 1e-05,
 * not 0.00001), so that a merged folder's config.json is the one HF's save_pretrained writes, byte for byte. `forms`:
 * the source's config.json with its numbers as Python reads them (withPythonNumbers), whose whole numbers keep their
 * form (an int stays one, 1.0 stays 1.0). A float JSON has no word for (NaN, ±Infinity, which a source's config.json
 * may hold) is written as json.dumps writes it ('bare': NaN), or `nonFinite` 'tagged' as a model config's
 * to_json_string writes it ({"__float__": "NaN"}: PreTrainedConfig._encode_special_floats), not as null.
 */
export function hfJson(doc: Record<string, unknown>, forms?: unknown, nonFinite: NonFiniteForm = 'bare'): string {
  return pythonJson(doc, '', '', forms, nonFinite) + '\n';
}

type NonFiniteForm = 'bare' | 'tagged';

/** `v` (under `key`) as json.dumps(indent=2, sort_keys=True) writes it at `indent`: a JS object's own order puts "10" before "2", Python's sort does not. */
function pythonJson(v: unknown, key: string, indent: string, form: unknown, nonFinite: NonFiniteForm): string {
  const inner = indent + '  ';
  // an int past 2**53 that JSON.parse rounded (12345678901234567890 read as …7000): its source form, as Python has it
  if (typeof form === 'bigint' && typeof v === 'number' && Number(form) === v) return form.toString();
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) {
    const word = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    return nonFinite === 'tagged' ? pythonJson({ __float__: word }, key, indent, undefined, nonFinite) : word;
  }
  if (typeof v === 'number' && Number.isFinite(v) && (!Number.isInteger(v) || wholeAsFloat(key, form))) return floatRepr(v);
  // ensure_ascii escapes every character outside space..~ (DEL too); JSON.stringify has escaped the controls below space
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(v)) {
    const forms = Array.isArray(form) ? form : [];
    return v.length === 0 ? '[]' : `[\n${v.map((x, i) => inner + pythonJson(x ?? null, '', inner, forms[i], nonFinite)).join(',\n')}\n${indent}]`;
  }
  if (isRecord(v)) {
    const forms = isRecord(form) ? form : {};
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort(byCodePoint);
    return keys.length === 0 ? '{}' : `{\n${keys.map((k) => `${inner}${pythonJson(k, '', '', undefined, nonFinite)}: ${pythonJson(v[k], k, inner, Object.hasOwn(forms, k) ? forms[k] : undefined, nonFinite)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * head_dim as transformers saves it: a source's 0, which transformers keeps in its config and reads as hidden_size //
 * num_attention_heads, stays 0; otherwise the value the model has (also for an absent or null head_dim: transformers
 * writes the one it computed).
 */
function headDimAsSaved(base: Record<string, unknown>, c: MistralConfig): number {
  return base.head_dim === 0 && c.headDim === Math.floor(c.hiddenSize / c.numHeads) ? 0 : c.headDim;
}

/** The source folder's config.json, read once (readConfigJson: its numbers' spellings noted), or null where it has none. */
function readSourceConfig(sourceDir: string | null): { json: unknown } | null {
  const file = sourceDir ? path.join(sourceDir, 'config.json') : null;
  return file !== null && fs.existsSync(file) ? { json: readConfigJson(file) } : null;
}

/** config.json: the source's (`source`, so unknown keys survive) with our values for what we know, the weights' dtype. */
function hfConfig(model: MistralModel, opts: SaveModelOptions, source: { json: unknown } | null): Record<string, unknown> {
  const base: Record<string, unknown> = isRecord(source?.json) ? source.json : {};
  const c = model.cfg;
  // a Ministral or Llama stays one (the same weights; its own class names): as parsed, which random weights (no source
  // folder) have too, else as the source says (a config made by hand)
  const family = familyOfType(c.modelType ?? base.model_type);
  const out: Record<string, unknown> = {
    ...base,
    architectures: [`${family}${opts.head === 'classification' ? 'ForSequenceClassification' : 'ForCausalLM'}`],
    model_type: family.toLowerCase(), vocab_size: c.vocabSize, hidden_size: c.hiddenSize, intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers, num_attention_heads: c.numHeads, num_key_value_heads: c.numKvHeads, head_dim: headDimAsSaved(base, c),
    hidden_act: c.hiddenAct ?? 'silu', rms_norm_eps: c.rmsNormEps, sliding_window: c.slidingWindow, tie_word_embeddings: c.tieWordEmbeddings,
    max_position_embeddings: c.maxPositionEmbeddings, bos_token_id: c.bosTokenId,
    eos_token_id: eosValue(c),
    pad_token_id: opts.head === 'classification' ? classificationPadId(c) : c.padTokenId,
  };
  // the weights' dtype under the source's key: torch_dtype (transformers 4's name, the only one 4.x before 4.56 and the
  // tools on it read; 5 reads it too) stays torch_dtype, as a loader of the source reads it; else dtype, as transformers 5
  const dtypeKeys = ['dtype', 'torch_dtype'].filter((k) => k in base);
  for (const key of dtypeKeys.length > 0 ? dtypeKeys : ['dtype']) out[key] = TORCH_DTYPE[opts.dtype ?? fileDType(model.weights.embed)];
  if (c.layerTypes) out.layer_types = [...c.layerTypes];
  // Llama has no sliding window: its config keeps the source's key as it was (a key LlamaConfig does not read), or none
  if (family === 'Llama') {
    if ('sliding_window' in base) out.sliding_window = base.sliding_window;
    else delete out.sliding_window;
  }
  const rope = ropeAsSaved({ theta: c.ropeTheta, scaling: c.ropeScaling }, out, c.headDim, c.maxPositionEmbeddings);
  for (const key of rope.remove) delete out[key];
  Object.assign(out, rope.set);
  if (opts.head === 'classification') {
    const labels = opts.labels ?? defaultLabels(model.scoreHead().numLabels);
    out.id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
    out.label2id = Object.fromEntries(labels.map((l, i) => [l, i]));
  }
  return out;
}
