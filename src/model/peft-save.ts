// Writing a PEFT LoRA adapter folder the way PEFT 0.21's save_pretrained does: adapter_model.safetensors (the factors,
// DoRA magnitudes and a SEQ_CLS score head under PEFT's key names), adapter_config.json with exactly PEFT's keys, and a
// README.md model card that says how to load it. Reading an adapter back is peft.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { needArg, needOneOf, needPath, refuseMisspelledKeys } from '../util/api-args.ts';
import { withIo, writeFileAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { warnOnce } from '../util/log.ts';
import { makeFolders } from '../util/made-folders.ts';
import { readRegularFile } from '../util/regular-file.ts';
import { adapterCard, isOurAdapterCard } from './adapter-card.ts';
import { bufferTensor } from './buffer-tensor.ts';
import { classificationPadId, noClassificationPadNote } from './config.ts';
import type { LoraAdapter, LoraSpec } from './lora.ts';
import type { MistralModel } from './mistral.ts';
import { needHeadLabels, needLora, needModel, needScoreHead } from './model-arg.ts';
import { hfModuleName, loraKey, SCORE_SAVED_KEY } from './names.ts';
import type { TaskType } from './peft.ts';
import { encodeSafetensors, type TensorToWrite } from './safetensors.ts';
import { PROJECTIONS, projectionShape, type Projection } from './weights.ts';

export interface SaveAdapterOptions {
  /**
   * adapter_config.json's task_type; null for PEFT's plain PeftModel (the LoRA factors alone, run as whichever model loads
   * them: a classifier with its own head, as a classification run continuing such an adapter keeps that head frozen).
   */
  taskType: TaskType | null;
  baseModel: string | null;
  /** SEQ_CLS: the class names in index order, for the README's loading code (null: the indices). */
  labels?: readonly string[] | null;
  /**
   * SEQ_CLS written as PEFT 0.21 saves again an adapter without task_type whose modules_to_save names "score", continued
   * over a classifier: task_type null and modules_to_save ["score"], the trained head in the file all the same.
   */
  untyped?: boolean;
}

/** The files saveAdapter writes in an adapter folder. */
export const ADAPTER_FILES: readonly string[] = ['adapter_model.safetensors', 'adapter_config.json', 'README.md'];

/**
 * Writes the model's adapter (and a trained score head for SEQ_CLS) as PEFT does, with a README.md model card
 * that says how transformers + PEFT load it (adapter-card.ts); atomic per file.
 */
export function saveAdapter(model: MistralModel, dir: string, opts: SaveAdapterOptions): void {
  needArg('saveAdapter', 'model', model, 'object', { hint: 'a model with an adapter (loadAdapter or createAdapter)' });
  needPath('saveAdapter', 'the output folder', dir, 'folder', 'the folder to write');
  needArg('saveAdapter', 'options', opts, 'object', { hint: "an object such as {taskType: 'CAUSAL_LM', baseModel: folder}" });
  refuseMisspelledKeys('saveAdapter', 'options', opts, ['taskType', 'baseModel', 'labels', 'untyped']);
  // a taskType left out or mistyped wrote no SEQ_CLS and so dropped a classifier's score head, without a word
  if (opts.taskType !== null) needOneOf('saveAdapter', 'options.taskType', opts.taskType, ['CAUSAL_LM', 'SEQ_CLS'], ', or null (no task_type: the LoRA factors alone)');
  if (opts.baseModel !== null) needArg('saveAdapter', 'options.baseModel', opts.baseModel, 'string', { hint: "the base model's folder or name (adapter_config.json's base_model_name_or_path), or null" });
  if (opts.untyped !== undefined) needArg('saveAdapter', 'options.untyped', opts.untyped, 'boolean', { hint: "true or false (true with taskType 'SEQ_CLS' only)" });
  if (opts.untyped === true && opts.taskType !== 'SEQ_CLS') needOneOf('saveAdapter', 'options.taskType', opts.taskType, ['SEQ_CLS'], ' where options.untyped is true');
  needModel('saveAdapter', model, 'a model with an adapter (loadAdapter or createAdapter)');
  const adapter = needLora('saveAdapter', model);
  if (opts.taskType === 'SEQ_CLS') needHeadLabels('saveAdapter', opts.labels, needScoreHead('saveAdapter', model).numLabels);
  refuseForeignCard(path.join(dir, 'README.md'));
  makeFolders(dir);
  const seqCls = opts.taskType === 'SEQ_CLS', cfg = model.cfg;
  // no task_type over a classifier: the card loads the model's own head, which this folder does not hold
  const frozenHead = opts.taskType === null && model.score !== null, classifier = seqCls || frozenHead;
  writeFileAtomic(path.join(dir, 'adapter_model.safetensors'), ...adapterWeightsFile(model, opts.taskType));
  const modules = adaptedModules(adapter);
  writeFileAtomic(path.join(dir, 'adapter_config.json'), JSON.stringify(peftConfig(adapter.spec, opts, seqCls, modules), null, 2) + '\n');
  writeFileAtomic(path.join(dir, 'README.md'), adapterCard({
    spec: adapter.spec, targetModules: modules.target_modules, taskType: opts.taskType, frozenHead, baseModel: opts.baseModel,
    labels: classifier ? opts.labels ?? null : null, numLabels: classifier ? model.scoreHead().numLabels : null,
    padTokenId: classifier && cfg.padTokenId === null ? classificationPadId(cfg) : null, scorePadId: classifier ? classificationPadId(cfg) : null,
    dtype: 'float32', // under bf16 too: its math is f32 (AdapterCardOptions.dtype)
  }));
  // as saveModelFolder says it of a classification export; once, not at every checkpoint of a run
  const note = classifier ? noClassificationPadNote(cfg, 'adapter') : null;
  if (note) warnOnce(note);
}

/**
 * The bytes of the adapter_model.safetensors saveAdapter writes for `model`'s adapter (a SEQ_CLS one with its score
 * head): what a checkpoint's adapter of the restored step is written again from (checkpoint.ts).
 */
export function adapterWeightsFile(model: MistralModel, taskType: TaskType | null): Uint8Array[] {
  const adapter = needLora('saveAdapter', model);
  const be = model.backend, cfg = model.cfg;
  const tensors: Record<string, TensorToWrite> = {};
  // each tensor in its buffer's dtype: LoRA factors and a trained head are f32 (PEFT's adapters too)
  adapter.layers.forEach((layer, i) => {
    for (const [proj, pair] of Object.entries(layer)) {
      const [out, inDim] = projectionShape(cfg, proj as Projection);
      tensors[loraKey(i, proj, 'A')] = bufferTensor(be, pair.A, [adapter.spec.r, inDim]);
      tensors[loraKey(i, proj, 'B')] = bufferTensor(be, pair.B, [out, adapter.spec.r]);
      if (pair.dora) tensors[loraKey(i, proj, 'magnitude', true)] = bufferTensor(be, pair.dora.magnitude, [out]);
    }
  });
  if (taskType === 'SEQ_CLS') {
    const score = model.scoreHead();
    tensors[SCORE_SAVED_KEY] = bufferTensor(be, score.weight, [score.numLabels, cfg.hiddenSize]);
  }
  return encodeSafetensors(tensors, { format: 'pt' });
}

/**
 * Refuses, before anything is written, a README.md in the adapter's folder that is not a card saveAdapter wrote (the
 * user's notes, a card of their own): it was replaced by the adapter's card without a word, where PEFT's
 * save_pretrained keeps its text (it adds its metadata to it).
 */
function refuseForeignCard(card: string): void {
  const st = withIo(path.dirname(card), 'read', () => fs.statSync(card, { throwIfNoEntry: false }));
  if (!st?.isFile() || isOurAdapterCard(readRegularFile(card).toString('utf8'))) return;
  throw new UserError('is there, and is not a model card mistral-tune wrote: saveAdapter writes the adapter\'s card as README.md, which would replace it; ' +
    'move it, or save the adapter into another folder (nothing was written)', card);
}

/**
 * target_modules and layers_to_transform selecting exactly the adapter's modules, so that PEFT creates no module
 * the file has no tensors for (it would warn "Found missing adapter keys" and train them on): the projections when
 * every layer has all of them; those projections and the layers when some layers have none (an adapter loaded
 * with layers_to_transform); else each module by its full name.
 */
export function adaptedModules(adapter: Pick<LoraAdapter, 'spec' | 'layers'>): { target_modules: string[]; layers_to_transform: number[] | null } {
  const targets = [...adapter.spec.targets];
  const has = adapter.layers.map((layer) => PROJECTIONS.filter((p) => layer[p] !== undefined));
  const used = has.flatMap((projs, i) => (projs.length > 0 ? [i] : []));
  const regular = used.every((i) => has[i]!.length === targets.length && targets.every((p) => has[i]!.includes(p)));
  if (regular) return { target_modules: targets, layers_to_transform: used.length === has.length ? null : used };
  return { target_modules: has.flatMap((projs, i) => projs.map((p) => hfModuleName(i, p))), layers_to_transform: null };
}

/** adapter_config.json with exactly the keys PEFT 0.21 writes for a LoRA adapter. */
function peftConfig(spec: LoraSpec, opts: SaveAdapterOptions, seqCls: boolean, modules: ReturnType<typeof adaptedModules>): Record<string, unknown> {
  return {
    alora_invocation_tokens: null, alpha_pattern: {}, arrow_config: null, auto_mapping: null,
    base_model_name_or_path: opts.baseModel, bias: spec.bias ?? 'none', corda_config: null, ensure_weight_tying: false,
    eva_config: null, exclude_modules: null, fan_in_fan_out: false, inference_mode: true, init_lora_weights: spec.initLoraWeights ?? true,
    kasa_config: null, layer_replication: null, layers_pattern: null, layers_to_transform: modules.layers_to_transform, loftq_config: {},
    lora_alpha: spec.alpha, lora_bias: false, lora_dropout: spec.dropout, lora_ga_config: null,
    megatron_config: null, megatron_core: 'megatron.core', modules_to_save: seqCls ? (opts.untyped === true ? ['score'] : ['classifier', 'score']) : null,
    monteclora_config: null, peft_type: 'LORA', peft_version: '0.21.0', qalora_group_size: 16, r: spec.r,
    rank_pattern: {}, revision: null, target_modules: modules.target_modules, target_parameters: null,
    task_type: opts.untyped === true ? null : opts.taskType, trainable_token_indices: null, use_bdlora: null, use_dora: spec.useDora === true, use_qalora: false,
    use_rslora: spec.useRslora, velora_config: null,
  };
}
