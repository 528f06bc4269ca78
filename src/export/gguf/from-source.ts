// Where a GGUF export's weights come from: a training run (its last or best adapter, or a fully
// trained model folder) or a model folder with an optional PEFT adapter. What the configs refuse (classification, a
// gate or rope llama.cpp cannot run, a classifier adapter by its task_type or by the score head its safetensors
// header names, a config value its GGUF key cannot hold) and what the tokenizer section refuses (built from the
// configs and tokenizer files: a tokenizer llama.cpp cannot run as trained, tokens past the embedding rows, stop ids
// that cannot be read) is refused before a backend starts or a weight is read (planGgufSource): a 7B model loads for
// minutes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../../backend/backend.ts';
import { deviceTarget, usableBytes } from '../../backend/capacity.ts';
import { precisionDType, type Precision } from '../../backend/dtype.ts';
import { loadConfig, type MistralConfig } from '../../model/config.ts';
import { loadModel, type MistralModel } from '../../model/mistral.ts';
import { HF_NAMES } from '../../model/names.ts';
import { SafetensorsCheckpoint } from '../../model/safetensors-checkpoint.ts';
import { tensorElements } from '../../model/weights-fit.ts';
import { storedName } from '../../model/weights.ts';
import { loadAdapter, readAdapterInfo, seqClsBy } from '../../model/peft.ts';
import { optionIs, type OptionWords } from '../../util/option-words.ts';
import { UserError } from '../../util/errors.ts';
import { gib } from '../../util/byte-size.ts';
import { RUN_LAYOUT, runOfCheckpoint, runPath } from '../../run/layout.ts';
import { RunDir } from '../../train/run-dir.ts';
import { readRunConfig, requireRunWeights } from '../export.ts';
import { folderId, readUnchanged } from '../read-unchanged.ts';
import { modelFolder, requireModelFolder } from '../../train/config.ts';
import { warnIfNotTrainedOn } from '../../train/model-fingerprint.ts';
import { warnIfAdapterTemplateDiffers } from '../../tokenizer/adapter-template.ts';
import { requireSourceFilesUnchanged, sourceFilesOf, type SourceFiles } from '../../train/source-files.ts';
import { requireGgufValues, type GgufValue } from './gguf-file.ts';
import { CLASSIFIER, classifierAdapter, classifierRefusal, refuseClassifierConfig, refuseSeqClsAdapter, requireGgufConfig, requireGgufExportable } from './export-gguf.ts';
import { GGUF_WORDS, type GgufQuant } from './quant-choices.ts';
import { warn } from '../../util/log.ts';
import { folderName, hubId, llamaMetadata, type Provenance } from './metadata.ts';
import { modelTokenizer } from './tokenizer.ts';
import { samplingMetadata } from './sampling.ts';

export type GgufSource = { run: string; best: boolean } | { model: string; adapter: string | null };

export interface LoadedSource {
  model: MistralModel;
  /** The folder whose tokenizer (or the bundled one) the model uses. */
  modelDir: string;
  /** The GGUF tokenizer section, the plan's (built before the weights load, from the files they were loaded with). */
  tokenizer: Map<string, GgufValue>;
  from: Provenance;
}

/**
 * What loadGgufSource loads: the folders, found and checked by planGgufSource from the configs alone (no weights read,
 * no backend needed), and the GGUF tokenizer section, so that an export its configs or tokenizer refuse is refused
 * before the backend starts. `weightsId`: a full run's weights folder as the plan read it (loadGgufSource reads its
 * weights from the same checkpoint); `files`: the model folder's config, generation and tokenizer files as the plan
 * read them (the load refuses a folder replaced meanwhile).
 */
export type GgufPlan =
  | { kind: 'full'; weights: string; weightsId: string; modelDir: string; from: Provenance; tokenizer: Map<string, GgufValue> }
  | { kind: 'adapted'; model: string; files: SourceFiles; adapter: string | null; from: Provenance; adapterId?: string; tokenizer: Map<string, GgufValue> };

type FolderPlan = DistributiveOmit<GgufPlan, 'tokenizer'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export function planGgufSource(src: GgufSource, words: OptionWords = GGUF_WORDS): GgufPlan {
  const { plan, cfg } = planFolders(src, words);
  // a config value its GGUF key cannot hold (a context past u32): refused from the config, as exportGguf would refuse it
  requireGgufValues(new Map(llamaMetadata(cfg)), path.join(plan.kind === 'full' ? plan.weights : plan.model, 'config.json'));
  // the tokenizer section, from the configs: what it refuses is refused before a weight is read, and it is built once
  // (its warnings said once); a full run's read from the checkpoint its weights will be read from
  // then the heads its checkpoint's header names (a score head, no LM head), which the load alone found
  if (plan.kind === 'full') {
    return { ...plan, tokenizer: readUnchanged(plan.weights, () => {
      samplingMetadata(plan.modelDir); // its refusals (a value of the wrong type) before a weight is read
      const tokenizer = modelTokenizer({ cfg }, plan.modelDir);
      requireCausalHeads(plan.weights, cfg, words);
      return tokenizer;
    }, undefined, plan.weightsId) };
  }
  samplingMetadata(plan.model);
  const tokenizer = modelTokenizer({ cfg }, plan.model);
  requireCausalHeads(plan.model, cfg, words);
  return { ...plan, tokenizer };
}

/**
 * Refuses the checkpoint in `dir` (of config `cfg`) from its safetensors header names, as requireGgufExportable refuses it
 * once loaded: one holding a classification head (score.weight: a classifier whose config.json's architectures do not
 * say so), or without an LM head (no lm_head.weight, untied: a base MistralModel, as an embedding model is saved).
 */
function requireCausalHeads(dir: string, cfg: MistralConfig, words: OptionWords): void {
  const ckpt = SafetensorsCheckpoint.open(dir);
  let score: boolean, lmHead: boolean;
  try {
    score = ckpt.has(HF_NAMES.score);
    // (without the embedding too, it is no Mistral's checkpoint, which the load says better: a multimodal one's prefix)
    lmHead = cfg.tieWordEmbeddings || ckpt.has(HF_NAMES.lmHead) || !ckpt.has(storedName(ckpt, HF_NAMES.embed));
  } finally {
    ckpt.close();
  }
  const instead = words.cli ? 'export the adapter or --merge instead' : 'use exportRun instead';
  if (score) throw new UserError(`${CLASSIFIER} (its checkpoint holds ${HF_NAMES.score}; ${instead})`, dir);
  if (!lmHead) {
    throw new UserError(`cannot be exported to GGUF: its checkpoint has no ${HF_NAMES.lmHead} and tie_word_embeddings is false (a base MistralModel, ` +
      `as an embedding model is saved), and llama.cpp computes a model's logits with it (${instead})`, dir);
  }
}

/** The folders of `src`, checked from their configs, and the config of the model whose tokenizer section is written. */
function planFolders(src: GgufSource, words: OptionWords): { plan: FolderPlan; cfg: MistralConfig } {
  if ('run' in src) {
    const cfg = readRunConfig(src.run);
    if (cfg.task === 'classification') throw classifierRefusal('the run\'s task is classification', runPath(src.run, 'config'), words);
    const weights = requireRunWeights(src.run, cfg, src.best, words);
    const name = path.basename(path.resolve(src.run));
    if (cfg.method === 'full') { // whole in its folder, with the tokenizer it was trained with (random initial weights need no base)
      const base = modelFolder(cfg);
      const weightsId = folderId(weights);
      const dir = fs.existsSync(path.join(weights, 'tokenizer.json')) || base === null ? weights : base;
      const weightsCfg = loadConfig(weights);
      requireGgufConfig(weightsCfg, weights, words);
      return { plan: { kind: 'full', weights, weightsId, modelDir: dir, from: { name, baseModel: base, adapter: null, run: src.run, best: src.best } }, cfg: weightsCfg };
    }
    const base = requireModelFolder(cfg, words.cli ? 'export --format gguf' : 'exportGgufFile', src.run);
    const files = sourceFilesOf(base);
    const baseCfg = loadConfig(base);
    requireGgufConfig(baseCfg, base, words);
    readUnchanged(weights, () => requireGgufAdapter(weights, baseCfg, base, words));
    return { plan: { kind: 'adapted', model: base, files, adapter: weights, from: { name, baseModel: base, adapter: weights, run: src.run } }, cfg: baseCfg };
  }
  const files = sourceFilesOf(src.model);
  const modelCfg = loadConfig(src.model);
  requireGgufConfig(modelCfg, src.model, words);
  if (!src.adapter) return { plan: { kind: 'adapted', model: src.model, files, adapter: null, from: folderProvenance(src.model, null) }, cfg: modelCfg };
  // the folder as the plan read it: one removed before the load reads it (a run's checkpoint it pruned meanwhile) is said so
  const adapterId = folderId(src.adapter);
  requireGgufAdapter(src.adapter, modelCfg, src.model, words);
  warnIfNotTrainedOn(src.adapter, src.model);
  warnIfAdapterTemplateDiffers(src.adapter, src.model, words, 'the export writes');
  return { plan: { kind: 'adapted', model: src.model, files, adapter: src.adapter, from: folderProvenance(src.model, src.adapter), adapterId }, cfg: modelCfg };
}

/**
 * The precision the model is held in for a GGUF export: `precision`, except that auto (bf16 on CUDA, for its memory)
 * holds a checkpoint stored wider than bf16 (F32, F16) in fp32 when it is written as f32 or f16 and fits so on the
 * GPU — rounded to bf16 first, its logits in llama.cpp would differ from the model's by bf16's error (measured ~1.4e-2
 * relative), not the file type's (f16: ~1.7e-3); the HF merge (export.ts) holds such a base in f32 likewise. Where
 * such weights are held in bf16 all the same (an explicit bf16, or auto on a GPU too small for fp32), a warning says so.
 * A BF16 checkpoint loses nothing in bf16, and a quantised type's own error dwarfs the rounding. So auto on the CPU
 * (fp32) holds a checkpoint of BF16 tensors alone with no adapter to merge in bf16: the same file in half the host
 * memory (a 7B model ~15 GB, not ~29 GB; F32 norms beside BF16 matrices, or a merge, stay fp32).
 */
export function ggufPrecision(plan: GgufPlan, quant: GgufQuant, precision: Precision, backend: Pick<Backend, 'name'>, words: OptionWords = GGUF_WORDS): Precision {
  const dir = plan.kind === 'full' ? plan.weights : plan.model;
  const merges = plan.kind === 'adapted' && plan.adapter !== null;
  const stored = widestStoredDType(dir);
  if (precision === 'auto' && backend.name === 'cpu' && !merges && stored === 'bf16') return 'bf16';
  if (precisionDType(precision, backend.name) !== 'bf16' || (quant !== 'f32' && quant !== 'f16')) return precision;
  if (stored === 'bf16') return precision;
  const rounded = `its ${stored.toUpperCase()} weights are rounded to bf16 before they are written as ${quant.toUpperCase()}, which would hold them more closely`;
  if (precision !== 'auto') {
    warn(`gguf: ${optionIs(words, 'precision', 'bf16')} holds the model in bf16, so ${rounded}; ${optionIs(words, 'precision', 'fp32')} writes them rounded once (twice the device memory)`);
    return precision;
  }
  const target = deviceTarget(backend);
  const room = target.backend === 'cuda' ? usableBytes(target) : null;
  if (room === null) return 'fp32'; // the CPU, or a GPU whose memory is unknown: the allocator says if it runs out
  const need = 4 * checkpointElements(dir);
  if (need <= room) return 'fp32';
  // a GPU too small for fp32: the CPU holds it in fp32, in the host's memory
  warn(`gguf: ${optionIs(words, 'precision', 'auto')} holds the model in bf16 on this GPU (in fp32 it needs ${gib(need)}, more than the ${gib(room)} it has beside the CUDA context), ` +
    `so ${rounded}; ${optionIs(words, 'device', 'cpu')} writes them rounded once`);
  return precision;
}

/**
 * The widest type the checkpoint in `dir` stores a tensor in, from its headers: 'bf16' where every one is BF16 (nothing a
 * bf16 model rounds), else F32 (or F64) or F16 where one is. Per tensor, not the checkpoint's overall dtype: F32 norms
 * beside BF16 matrices (config.json's dtype bfloat16) are rounded by a bf16 model all the same.
 */
function widestStoredDType(dir: string): 'bf16' | 'f16' | 'f32' {
  const ckpt = SafetensorsCheckpoint.open(dir);
  let dtypes: Set<string>;
  try {
    dtypes = new Set(ckpt.names().map((n) => ckpt.info(n).dtype));
  } finally {
    ckpt.close();
  }
  return dtypes.has('F32') || dtypes.has('F64') ? 'f32' : dtypes.has('F16') ? 'f16' : 'bf16';
}

/** How many numbers the checkpoint in `dir` holds (its tensors' elements), from its headers. */
function checkpointElements(dir: string): number {
  const ckpt = SafetensorsCheckpoint.open(dir);
  try {
    return tensorElements(ckpt);
  } finally {
    ckpt.close();
  }
}

/**
 * Refuses adapter folder `adapter`, for a base of config `cfg` (folder `base`, named in a shape error), as loading it would
 * after the base model (a classifier, an adapter_config.json or tensor names or shapes it cannot be read by): from its
 * config and safetensors header, before a backend.
 */
function requireGgufAdapter(adapter: string, cfg: MistralConfig, base: string, words: OptionWords): void {
  refuseSeqClsAdapter(adapter, words);
  readAdapterInfo(adapter, cfg.numLayers, cfg, base);
}

export function loadGgufSource(src: GgufSource | GgufPlan, backend: Backend, precision: Precision, words: OptionWords = GGUF_WORDS): LoadedSource {
  const plan = 'kind' in src ? src : planGgufSource(src, words);
  const load = (dir: string): MistralModel => loadModel(dir, { backend, precision });
  // the run's folder is read whole (weights, adapter) inside readUnchanged: a run still training may swap in a newer best/
  if (plan.kind === 'full') {
    // from the checkpoint the plan read its config and tokenizer.json from: one of a newer best/ would not be the plan's
    const model = readUnchanged(plan.weights, () => {
      const m = load(plan.weights);
      requireGgufExportable(m, plan.modelDir, words); // what exportGguf refuses, refused as the model loads
      return m;
    }, undefined, plan.weightsId);
    return { model, modelDir: plan.modelDir, tokenizer: plan.tokenizer, from: plan.from };
  }
  const model = load(plan.model);
  const adapter = plan.adapter;
  if (adapter !== null) {
    const adapt = (): void => {
      if (loadAdapter(model, adapter, { trainable: false }).taskType === 'SEQ_CLS') throw classifierAdapter(seqClsBy(adapter) ?? 'task_type', adapter, words);
    };
    readUnchanged(adapter, adapt, undefined, plan.adapterId);
  }
  // the tokenizer, config and generation files the plan read from the model folder, as the load (minutes for a 7B) found
  // them: a folder replaced meanwhile is refused, as export --merge refuses it (source-files.ts)
  requireSourceFilesUnchanged(plan.model, plan.files, { since: 'the export read the model', during: 'it loaded', then: 'export again' });
  return { model, modelDir: plan.model, tokenizer: plan.tokenizer, from: plan.from };
}

/**
 * A model folder's provenance, exported as it is (named by its model card, else its config.json's hub id, else its
 * folder — a hub cache snapshot by its model — as llama.cpp's convert_hf_to_gguf.py names a folder; the card's base
 * models are its own) or with `adapter`
 * merged in (named by the adapter; `model` is its base).
 */
export function folderProvenance(model: string, adapter: string | null): Provenance {
  if (adapter === null) return { name: folderName(model), hubId: hubId(model), baseModel: null, adapter: null, run: null, cardDir: model };
  // a run's own adapter given as --adapter is named by its run, as --run names it (its folder's name is adapter, best or step-N)
  const run = runOfAdapter(adapter);
  const named = run ?? (path.basename(path.resolve(adapter)) === RUN_LAYOUT.adapter ? path.dirname(path.resolve(adapter)) : adapter);
  return { name: folderName(named), baseModel: model, adapter, run };
}

/** The training run (a folder train made) whose adapter/, best/ or checkpoints/step-N `adapter` is; null for another folder. */
function runOfAdapter(adapter: string): string | null {
  const abs = path.resolve(adapter), entry = path.basename(abs);
  const run = runOfCheckpoint(abs) ?? (entry === RUN_LAYOUT.adapter || entry === RUN_LAYOUT.best ? path.dirname(abs) : null);
  return run !== null && RunDir.isRun(run) ? run : null;
}

/** A LoRA adapter and its base model's config, for an adapter-only export (no weights are loaded). */
export interface AdapterSource {
  cfg: MistralConfig;
  adapterDir: string;
  from: Provenance;
}

export function adapterSource(src: GgufSource, words: OptionWords = GGUF_WORDS): AdapterSource {
  if ('run' in src) {
    const cfg = readRunConfig(src.run);
    if (cfg.task === 'classification') throw classifierRefusal('the run\'s task is classification', runPath(src.run, 'config'), words);
    const format = (f: string): string => (words.cli ? `--format ${f}` : `${words.say('format')} '${f}'`);
    if (cfg.method !== 'lora') throw new UserError(`${format('gguf-lora')} exports a LoRA adapter, and this run trained every weight (method: ${cfg.method}): use ${format('gguf')}`, runPath(src.run, 'config'));
    const weights = requireRunWeights(src.run, cfg, src.best, words);
    const base = requireModelFolder(cfg, words.cli ? 'export --format gguf-lora' : "exportGgufFile with format 'gguf-lora'", src.run);
    readUnchanged(weights, () => refuseSeqClsAdapter(weights, words));
    return { cfg: requireGgufBase(base), adapterDir: weights, from: { name: path.basename(path.resolve(src.run)), baseModel: base, adapter: weights, run: src.run } };
  }
  if (!src.adapter) {
    throw new UserError(words.cli ? '--format gguf-lora with --model needs --adapter DIR (the adapter to export)'
      : `${words.say('format')} 'gguf-lora' with ${words.say('model')} needs ${words.say('adapter')} (the adapter folder to export)`, words.where);
  }
  refuseSeqClsAdapter(src.adapter, words);
  const cfg = requireGgufBase(src.model);
  warnIfNotTrainedOn(src.adapter, src.model);
  return { cfg, adapterDir: src.adapter, from: folderProvenance(src.model, src.adapter) };
}

/**
 * The config of the base model `base` of a GGUF adapter file, refused in --format gguf's words where its config.json names
 * a sequence classifier (the adapter file is loaded beside a GGUF of its base, which no export writes); no weight is read.
 */
function requireGgufBase(base: string): MistralConfig {
  const cfg = loadConfig(base);
  refuseClassifierConfig(cfg, base);
  return cfg;
}
