// Everything a run needs before its first step: the backend, the model with its adapter (or base
// gradients for full fine-tuning) and classification head, the tokenized splits, the optimizer and
// the schedule, with the step counts that the conventions define.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../backend/backend.ts';
import { deviceTarget } from '../backend/capacity.ts';
import { CudaBackend } from '../backend/cuda/cuda-backend.ts';
import { createBackend } from '../backend/select.ts';
import { DataLoader } from '../data/loader.ts';
import type { TokenRow } from '../data/batch.ts';
import { precisionDType } from '../backend/dtype.ts';
import { checkClassificationHead, checkTrainable, classificationPadId, loadConfig, parameterCount, type MistralConfig } from '../model/config.ts';
import { loadModel, type MistralModel } from '../model/mistral.ts';
import { requireTokenizerFilesThere } from '../model/save-tokenizer.ts';
import { sourceFilesOf, type SourceFiles } from './source-files.ts';
import { initRandomModel, readRandomModelConfig } from '../model/random-init.ts';
import { initStd } from '../model/init-std.ts';
import { fromCheckpointHeader, type SafetensorsCheckpoint } from '../model/safetensors-checkpoint.ts';
import { storedName } from '../model/weights.ts';
import type { Param } from '../model/params.ts';
import { createAdapter, loadAdapter, readAdapterInfo, refuseMissingTraining, refusePatternedTraining, type TaskType } from '../model/peft.ts';
import { folderClassNames, givenLabels, namedByBase } from '../eval/target.ts';
import { checkDynamicRopeReach } from './dynamic-rope-reach.ts';
import { isUserError, UserError } from '../util/errors.ts';
import type { OptionWords } from '../util/option-words.ts';
import { BUNDLED_VOCAB_SIZE, loadModelTokenizer, loadTokenizer } from '../tokenizer/load.ts';
import type { Tokenizer } from '../tokenizer/types.ts';
import { info, warn } from '../util/log.ts';
import { Rng } from '../util/rng.ts';
import { modelConfigPlace, modelFolder, TrainConfigSchema, type TrainConfig } from './config.ts';
import { HF_NAMES } from '../model/names.ts';
import { loraScaling } from '../model/lora.ts';
import { loadSplit, unknownLabelFix, wrongTaskFix, type SplitContext } from './data.ts';
import { checkConfigPaths, checkLoraRank, checkModelFits, checkSequenceFits } from './fit-check.ts';
import { keyError } from './config-paths.ts';
import { refuseAbsentScore, refuseAdapterTask, refuseUnsavedScore, savedTaskType, savedUntyped } from './adapter-task.ts';
import { setupScoreHead } from './score-head.ts';
import { shownAs } from './config-issues.ts';
import { AdamW } from './optimizer.ts';
import { warmupStepsOf, type Schedule } from './schedule.ts';
import { wsdLengthWarning } from './schedule-length-warning.ts';

export interface RunSetup {
  cfg: TrainConfig;
  /** The model's tokenizer, null when it does not fit the model's vocabulary. */
  tokenizer: Tokenizer | null;
  backend: Backend;
  model: MistralModel;
  /** The run's adapter's task (adapter-task.ts savedTaskType): null for PEFT's plain PeftModel; SEQ_CLS with `untyped` is written task_type null too. */
  taskType: TaskType | null;
  /** SEQ_CLS saved with task_type null, as the adapter without task_type it continues (adapter-task.ts savedUntyped). */
  untyped: boolean;
  train: TokenRow[];
  val: TokenRow[] | null;
  test: TokenRow[] | null;
  params: Param[];
  loader: DataLoader;
  optimizer: AdamW;
  schedule: Schedule;
  microBatchesPerEpoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** The rows of the largest training micro-batch (trainBatchRows), planned once at set-up. */
  batchRows: number;
  /** Records of each split that loading dropped or truncated (max_seq_len, overflow), which report.json counts. */
  loaded: Partial<Record<'train' | 'val' | 'test', { dropped: number; fullyMasked: number; truncated: number }>>;
  /** A full fine-tuning run's model folder files that its saves of model/ and best/ read again (source-files.ts), as loading found them; else null. */
  sourceFiles: SourceFiles | null;
}

/**
 * `resuming`: the run folder's config is fixed, so an error about the data does not suggest changing it. `written`: the
 * config's values as written (writtenTexts), for its warnings. `words`: how an error in a data file names prepare's
 * options (LoadRowsOptions.words: the CLI's flags, or a library call's).
 */
export function setupRun(cfg: TrainConfig, opts: { resuming?: boolean; place?: (key: string) => string; written?: Readonly<Record<string, string>>; words?: OptionWords } = {}): RunSetup {
  checkConfigPaths(cfg, opts.place);
  const backend = createBackend(cfg.device);
  return closingOnError(backend, () => setupOn(cfg, backend, opts.resuming ?? false, opts));
}

/**
 * fn(); when it throws, the backend is closed (its device memory and context given back) before the error
 * goes on — a close that fails too is not reported over the first error.
 */
export function closingOnError<T>(backend: Backend, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    closeAfterError(backend);
    throw e;
  }
}

/** Closes `backend` after an error, which is the one to report: a close that fails too is not. */
export function closeAfterError(backend: Backend): void {
  try {
    backend.close?.();
  } catch {
    // the first error is the one to report
  }
}

/**
 * The refusals of a model config that train cannot train as asked (attention dropout, a regression head): from
 * config.json alone (rows past a dynamic rope's max_position_embeddings: checkDynamicRopeReach, once they are loaded).
 */
export function checkRunTrainable(cfg: TrainConfig, model: MistralConfig): void {
  checkTrainable(model, cfg.task, modelConfigPlace(cfg));
}

function setupOn(cfg: TrainConfig, backend: Backend, resuming: boolean, { place, written, words }: { place?: (key: string) => string; written?: Readonly<Record<string, string>>; words?: OptionWords }): RunSetup {
  const v = shownAs(cfg, written); // values as written (1e3), as the schema's errors quote them
  checkRunTrainable(cfg, runModelConfig(cfg)); // before a 7B model's weights are read
  // a lora.r whose adapter does not fit is named as such, before the model's fit is judged
  const planned = plannedModelConfig(cfg);
  checkLoraRank(cfg, planned, deviceTarget(backend), place, v);
  checkAdapterAndHead(cfg, planned, place); // before the weights are read too
  checkModelFits(cfg, planned, deviceTarget(backend));
  const classification = cfg.task === 'classification';
  checkPacking(cfg, classification, place);
  if (cfg.method === 'full') requireTokenizerFilesThere(modelFolder(cfg), planned.vocabSize); // copied at model/'s first save, after training
  if (cfg.method !== 'lora' && cfg.lora.init_from) throw new UserError('lora.init_from: needs method: lora');
  // the data, and the whole memory plan against the device, before a weight is read: a 7B model's weights take a
  // minute to load, and neither a bad record nor a batch that does not fit should be found after them
  const loaded: RunSetup['loaded'] = {};
  const { tokenizer, train, val, test } = loadRunSplits(cfg, planned, {
    resuming, place, words,
    onLoaded: (key, st) => { loaded[key.replace('data.', '') as 'train' | 'val' | 'test'] = { dropped: st.dropped, fullyMasked: st.fullyMasked, truncated: st.truncated }; },
  });
  checkDynamicRopeReach(cfg, planned, [train, val, test], v, place);
  const batchRows = checkSequenceFits(cfg, planned, [train, val, test],
    { ...deviceTarget(backend), gpu: backend instanceof CudaBackend ? backend.flashGpu : null }, place);

  const model = buildModel(cfg, backend);
  model.setActivationCheckpointing(cfg.activation_checkpointing);
  const rng = new Rng(cfg.seed);
  let adapterTask: TaskType | null | undefined; // lora.init_from's own task, undefined for none
  let untyped = false;
  if (cfg.method === 'lora') {
    const spec = { r: cfg.lora.r, alpha: cfg.lora.alpha, dropout: cfg.lora.dropout, targets: cfg.lora.target_modules, useRslora: cfg.lora.use_rslora, useDora: cfg.lora.use_dora };
    if (cfg.lora.init_from) {
      const adapterInfo = loadAdapter(model, cfg.lora.init_from, { trainable: true, dropout: cfg.lora.dropout });
      adapterTask = adapterInfo.ownTask;
      untyped = savedUntyped(cfg.task, adapterInfo);
      const frozen = classification && adapterTask === null ? "; the model's own classification head stays frozen and is not saved (no task_type: PEFT's plain PeftModel)" : '';
      info(`adapter: continuing from ${cfg.lora.init_from} (r ${adapterInfo.spec.r}, alpha ${adapterInfo.spec.alpha}${adapterInfo.spec.useDora ? ', DoRA' : ''})${frozen}`);
    } else {
      createAdapter(model, spec, rng, true);
    }
  } else {
    model.enableBaseGrads({ lmHead: !classification });
  }
  const folder = modelFolder(cfg);
  const sourceFiles = cfg.method === 'full' && folder !== null ? sourceFilesOf(folder) : null;
  const taskType = savedTaskType(cfg.task, adapterTask);
  if (classification) setupScoreHead(model, cfg, taskType !== null, rng);

  const params = model.trainableParams();
  const optimizer = new AdamW(backend, params, {
    lr: cfg.optimizer.lr, betas: cfg.optimizer.betas, eps: cfg.optimizer.eps, weightDecay: cfg.optimizer.weight_decay,
  });
  const loader = new DataLoader(train, {
    batchSize: cfg.batch_size, shuffle: cfg.shuffle, seed: cfg.seed, groupByLength: cfg.group_by_length, groupSize: cfg.batch_size * cfg.grad_accum,
    packLength: cfg.packing ? cfg.max_seq_len : undefined, padId: model.padId, scorePadId: classificationPadId(model.cfg),
  });
  const steps = planSteps(cfg, loader, place, v);
  warnUnusedSettings(cfg, model.cfg, steps, train, v);
  return {
    cfg, tokenizer, backend, model, taskType, untyped, train, val, test, params, loader, optimizer, ...steps,
    batchRows, loaded, sourceFiles,
  };
}

/**
 * lora.init_from and the head the run continues, as training loads them, from adapter_config.json and the safetensors
 * headers alone (no weight is read), so that the dry run refuses what train refuses, and train before it reads a weight:
 * the adapter's own refusals, per-module ranks and selected modules without tensors (not trained on), an adapter of another task (adapter-task.ts); a
 * generation run on a model folder without an LM head; a classification head (the adapter's, else the model folder's own)
 * of other classes than labels, or with its names (a model's id2label; an adapter's config.json id2label or card) in another order.
 */
export function checkAdapterAndHead(cfg: TrainConfig, model: MistralConfig, place?: (key: string) => string): void {
  const dir = cfg.method === 'lora' ? cfg.lora.init_from : null;
  const adapter = dir ? readAdapterInfo(dir, model.numLayers, model, typeof cfg.model === 'string' ? cfg.model : undefined) : null;
  if (dir && adapter) {
    refusePatternedTraining(adapter, dir);
    refuseMissingTraining(adapter, dir);
    refuseAdapterTask(adapter.ownTask, cfg.task, dir, () => checkpointHeadRows(cfg) !== null, place);
    refuseUnsavedScore(adapter, cfg.task, dir, place);
    refuseAbsentScore(adapter, cfg.task, dir, place);
    if (adapter.hasScore) checkClassificationHead(model, adapter.numLabels, path.join(dir, 'adapter_model.safetensors'));
  }
  if (cfg.task !== 'classification') {
    // untied, and no lm_head.weight in the file (loadWeights' rule): saved for classification, or the base MistralModel alone
    const saved = model.tieWordEmbeddings ? undefined : runCheckpointHeader(cfg, (ckpt) => ckpt.has(HF_NAMES.lmHead) ? null : ckpt.has(HF_NAMES.score));
    if (saved === undefined || saved === null) return;
    const what = saved ? 'it was saved for classification' : 'its checkpoint holds the base MistralModel alone';
    throw new UserError(`task: ${cfg.task} needs an LM head, and this model has none (${HF_NAMES.lmHead}): ${what} (set task: classification)`, modelFolder(cfg) ?? undefined);
  }
  // the adapter's head replaces the model's; the model's own scores its id2label's classes in its rows' order: the same
  // names in another order would train each row toward another class
  const own = adapter?.hasScore ? null : checkpointHeadRows(cfg);
  const rows = adapter?.hasScore ? adapter.numLabels : own;
  if (rows === null) initStd(model, 'a new classification head', modelConfigPlace(cfg)); // its std refused before a weight is read
  if (rows !== null && rows !== cfg.labels!.length) {
    throw keyError('labels', `${cfg.labels!.length} classes, but the classification head of the model/adapter has ${rows}`, place);
  }
  if (own !== null) givenLabels(cfg.labels, model.labels, `the model's head (id2label of ${path.join(modelFolder(cfg) ?? '', 'config.json')})`, 'labels', place);
  // the adapter's head, named as classify names it: by its config.json id2label or card, else by the base's id2label where it
  // names one class a row (of another count it names another head; an unreadable card names none here)
  const base = modelFolder(cfg) ?? '';
  const baseNames = model.labels?.length === adapter?.numLabels ? model.labels : null;
  const named = dir && adapter?.hasScore ? folderClassNames(base, baseNames, dir, true) : null;
  if (named && dir) givenLabels(cfg.labels, named.names, `the adapter's head (${named.source} of ${named.source.startsWith("the adapter's") ? dir : namedByBase(base, dir)})`, 'labels', place);
}

/** Packing, refused for classification (whose head scores one sequence per row). */
export function checkPacking(cfg: TrainConfig, classification: boolean, place?: (key: string) => string): void {
  if (classification && cfg.packing) throw keyError('packing', 'classification scores one sequence per row, so it cannot pack (set packing: false)', place);
}

/** The run's step counts as `loader` batches its data (every epoch alike: packed, the rows are packed once), and the schedule over them. */
export function planSteps(cfg: TrainConfig, loader: DataLoader, place?: (key: string) => string, v = shownAs(cfg)):
  Pick<RunSetup, 'microBatchesPerEpoch' | 'stepsPerEpoch' | 'totalSteps' | 'schedule'> {
  const microBatchesPerEpoch = loader.epochBatches;
  const stepsPerEpoch = Math.ceil(microBatchesPerEpoch / cfg.grad_accum);
  const totalSteps = cfg.max_steps ?? cfg.epochs * stepsPerEpoch;
  // past 2^53 a step count is no longer exact (the loop's step + 1 stops changing): such a run never ends anyway
  if (!Number.isSafeInteger(totalSteps)) {
    throw keyError('epochs', `${v('epochs')} epochs of ${stepsPerEpoch} steps is ${totalSteps.toLocaleString('en-US')} optimizer steps, ` +
      'past 2^53 − 1, which no step count holds exactly: set max_steps (it wins over epochs), or fewer epochs', place);
  }
  const { type, warmup_steps: warmup, ...kwargs } = cfg.schedule;
  const schedule: Schedule = { type, warmupSteps: warmupStepsOf(warmup, totalSteps), totalSteps, kwargs };
  return { microBatchesPerEpoch, stepsPerEpoch, totalSteps, schedule };
}

/** Settings the run will not use as the user meant, each said in one line (nothing is silently ignored). */
export function warnUnusedSettings(cfg: TrainConfig, modelCfg: MistralConfig, steps: Pick<RunSetup, 'schedule' | 'microBatchesPerEpoch' | 'stepsPerEpoch'>,
  train: readonly TokenRow[], v = shownAs(cfg)): void {
  const { warmupSteps, totalSteps } = steps.schedule;
  if (!cfg.data.val) {
    if (cfg.early_stopping.patience !== null) warn('early_stopping.patience is set but there is no data.val: early stopping never triggers');
    if (cfg.eval.every_steps !== null) warn('eval.every_steps is set but there is no data.val: nothing is evaluated during training');
    if (!cfg.data.test && cfg.eval.batch_size !== TrainConfigSchema.shape.eval.parse(undefined).batch_size) {
      warn(`eval.batch_size ${v('eval.batch_size')} is set but there is no data.val or data.test: nothing is evaluated, so it is not used`);
    }
  }
  if (cfg.early_stopping.patience === null && cfg.early_stopping.min_delta !== 0) {
    warn('early_stopping.min_delta is set but early_stopping.patience is null (off): it is not used (best/ keeps any lower val loss)');
  }
  if (cfg.checkpoint.every_steps === null && cfg.checkpoint.keep !== TrainConfigSchema.shape.checkpoint.parse(undefined).keep) {
    warn(`checkpoint.keep ${v('checkpoint.keep')} is set but checkpoint.every_steps is null (off): no checkpoint is written, so it is not used`);
  }
  if (cfg.max_steps !== null && cfg.epochs !== 1) warn(`epochs ${v('epochs')} is set but max_steps ${v('max_steps')} decides the run's length (it wins), so epochs is not used`);
  if (cfg.task !== 'classification' && cfg.labels !== null) warn(`labels is set but the task is ${cfg.task}: class names are not used (task: classification trains a classifier)`);
  if (cfg.method === 'full') {
    const defaults = TrainConfigSchema.shape.lora.parse(undefined) as Record<string, unknown>;
    const set = Object.keys(defaults).filter((k) => JSON.stringify((cfg.lora as Record<string, unknown>)[k]) !== JSON.stringify(defaults[k]));
    if (set.length > 0) warn(`${set.map((k) => `lora.${k}`).join(', ')} ${set.length === 1 ? 'is' : 'are'} set but method is full: every weight is trained and no adapter is made, so ${set.length === 1 ? 'it is' : 'they are'} not used`);
  }
  if (cfg.task === 'classification') {
    const defaults = TrainConfigSchema.shape.eval.parse(undefined) as Record<string, unknown>;
    // samples: 0 turns off what classification does not do anyway
    const set = ['samples', 'max_new_tokens'].filter((k) => ![defaults[k], k === 'samples' ? 0 : defaults[k]].includes((cfg.eval as Record<string, unknown>)[k]));
    if (set.length > 0) warn(`${set.map((k) => `eval.${k}`).join(', ')} ${set.length === 1 ? 'is' : 'are'} set but the task is classification: no text is generated, so ${set.length === 1 ? 'it is' : 'they are'} not used`);
    // the loss is the head's, on each row's class: no token is a target, so which tokens would be is not asked
    if (cfg.data.train_on !== TrainConfigSchema.shape.data.shape.train_on.parse(undefined)) {
      warn(`data.train_on ${cfg.data.train_on} is set but the task is classification: the loss is the head's on each text's class, not on tokens, so it is not used`);
    }
  }
  // evaluation data that is the training data measures how well the run fits it, not how it generalises
  const same = (file: string | null): boolean => file !== null && fs.realpathSync(file) === fs.realpathSync(cfg.data.train);
  if (same(cfg.data.val)) warn('data.val is the training data (data.train, the same file): its loss is a training loss, so best/ and early stopping follow how well the run fits its own data');
  if (same(cfg.data.test)) warn('data.test is the training data (data.train, the same file): the test scores measure the data the run was trained on');
  if (cfg.checkpoint.every_steps !== null && cfg.checkpoint.every_steps > totalSteps) {
    warn(`checkpoint.every_steps ${v('checkpoint.every_steps')} > the run's ${totalSteps} steps: no checkpoint is written, so --resume would have nothing to continue from`);
  }
  if (cfg.data.val && cfg.eval.every_steps !== null && cfg.eval.every_steps > totalSteps) {
    warn(`eval.every_steps ${v('eval.every_steps')} > the run's ${totalSteps} steps: val is evaluated only at step 0 and the last step`);
  }
  // a step's micro-batches never cross an epoch's end (trainer.ts), so more than an epoch has are never accumulated
  const perEpoch = steps.microBatchesPerEpoch;
  if (cfg.grad_accum > perEpoch) {
    warn(`grad_accum ${v('grad_accum')} is more than an epoch's ${perEpoch} micro-batches, and a step ends with its epoch: ` +
      `each step accumulates ${perEpoch} at most (set grad_accum to ${perEpoch} or less, or raise batch_size)`);
  }
  // step k uses λ(k − 1): the peak comes at step warmup + 1, but at step warmup for cosine_warmup_with_min_lr, whose warmup
  // is a step ahead (and never where its one warmup step starts from warmup_lr_rate)
  const peakStep = warmupSteps + (cfg.schedule.type === 'cosine_warmup_with_min_lr' ? 0 : 1);
  const given = warmupSteps === cfg.schedule.warmup_steps ? v('schedule.warmup_steps') : `${warmupSteps} (${v('schedule.warmup_steps')} of the run's steps)`;
  if (peakStep > totalSteps && warmupSteps > 0) {
    warn(`schedule.warmup_steps ${given} ${peakStep === warmupSteps ? '>' : '≥'} the run's ${totalSteps} steps: the learning rate never reaches optimizer.lr`);
  } else if (cfg.schedule.type === 'cosine_warmup_with_min_lr' && warmupSteps === 1 && (cfg.schedule.warmup_lr_rate ?? 1) < 1) {
    // its one warmup step is warmup_lr_rate (transformers divides by max(1, warmup − 1)), and the cosine starts after it
    warn(`schedule.warmup_steps ${given} with schedule.warmup_lr_rate ${v('schedule.warmup_lr_rate')}: the one warmup step runs at warmup_lr_rate and the cosine ` +
      'starts after it, so the learning rate never reaches optimizer.lr (as in transformers; give warmup_steps 2 or more, or leave warmup_lr_rate out)');
  }
  const wsd = wsdLengthWarning(steps.schedule, v);
  if (wsd) warn(wsd);
  const lr = lrWarning(cfg, v);
  if (lr) warn(lr);
  const scaling = loraScalingWarning(cfg, v);
  if (scaling) warn(scaling);
  // torch's AdamW multiplies each decayed weight by 1 − lr · weight_decay every step: at 1 that zeroes it, past 1 flips it
  const decay = cfg.optimizer.lr * cfg.optimizer.weight_decay;
  if (decay >= 1) {
    warn(`optimizer.weight_decay ${v('optimizer.weight_decay')} × optimizer.lr ${v('optimizer.lr')} = ${Number(decay.toPrecision(6))} ≥ 1: each step multiplies every decayed ` +
      'weight by 1 − lr × weight_decay, which zeroes or flips it, and the loss diverges (weight_decay is usually 0 to 0.1)');
  }
  const stopping = earlyStoppingWarning(cfg, steps.stepsPerEpoch, totalSteps, v);
  if (stopping) warn(stopping);
  // packed, positions restart at each sample: they reach its longest sample, not the pack's length
  const longest = train.reduce((m, r) => Math.max(m, Math.min(r.inputIds.length, cfg.max_seq_len)), 0);
  if (longest > modelCfg.maxPositionEmbeddings) {
    warn(`sequences of up to ${longest} tokens (max_seq_len ${v('max_seq_len')}) pass the model's max_position_embeddings ${modelCfg.maxPositionEmbeddings}: positions beyond it were never trained`);
  }
}

/**
 * The learning rates each method trains with (LoRA and DoRA: about 1e-5 to 1e-3, full fine-tuning about 1e-6 to 1e-4)
 * and the bounds a hundred times past them beyond which a value is likely a mistyped exponent: above, AdamW moves each
 * weight by about lr a step, so the loss diverges; below, the weights barely move.
 */
const LR_RANGES = {
  lora: { method: 'LoRA', usual: '1e-5 to 1e-3', above: 0.1, below: 1e-8 },
  full: { method: 'full fine-tuning', usual: '1e-6 to 1e-4', above: 0.01, below: 1e-9 },
} as const;

/** A warning for an optimizer.lr far outside the range of its method, or null: a warning, as a tiny model may want one. */
export function lrWarning(cfg: TrainConfig, v = shownAs(cfg)): string | null {
  const r = LR_RANGES[cfg.method];
  const lr = cfg.optimizer.lr;
  if (lr > r.above) return `optimizer.lr ${v('optimizer.lr')} is far above the learning rates ${r.method} trains with (about ${r.usual}): past ${r.above} every step moves each trained weight by about lr, and the loss diverges; check the exponent`;
  if (lr < r.below) return `optimizer.lr ${v('optimizer.lr')} is far below the learning rates ${r.method} trains with (about ${r.usual}): under ${r.below} the weights barely move; check the exponent`;
  return null;
}

/**
 * The LoRA scaling (alpha / r, rsLoRA's alpha / √r) past which a config is warned: PEFT's usual alpha of r to 2r scales
 * by 1 to 2, and the larger ones in use stay within 16 (rsLoRA's alpha = r at rank 256, alpha = 4r at rank 16); the
 * update of B·A grows with the scaling as with the learning rate, so a scaling of hundreds is a mistyped lora.alpha.
 */
const MAX_USUAL_LORA_SCALING = 32;

/** A warning for a LoRA scaling far past MAX_USUAL_LORA_SCALING, or null: a warning, as a small rank may want more. */
export function loraScalingWarning(cfg: TrainConfig, v = shownAs(cfg)): string | null {
  if (cfg.method !== 'lora') return null;
  const { r, alpha, use_rslora: rs } = cfg.lora;
  const scaling = loraScaling({ r, alpha, useRslora: rs, dropout: 0, targets: [] });
  if (scaling <= MAX_USUAL_LORA_SCALING) return null;
  const s = Number(scaling.toPrecision(6));
  return `lora.alpha ${v('lora.alpha')} with lora.r ${v('lora.r')} scales the adapter's update by alpha / ${rs ? '√r' : 'r'} = ${s}, far past the 1 to 2 adapters train with ` +
    `(PEFT's alpha is r to 2r; above ${MAX_USUAL_LORA_SCALING} it is likely a mistyped lora.alpha): the update grows as a learning rate ${s} times larger would, and the loss may diverge`;
}

/**
 * A warning for early stopping that can never end the run early, or null: step 0's evaluation is a baseline that
 * patience does not count, so it runs out at the (patience + 1)-th evaluation after step 0 at the soonest (the first
 * sets the best loss), and when that is the run's last step or past it the run ends anyway.
 * Val is evaluated every eval.every_steps steps, else at each epoch's end (where every epoch ends before the last
 * step but the last, so patience + 1 ≥ epochs; every epoch has the same steps, packed too).
 */
export function earlyStoppingWarning(cfg: TrainConfig, stepsPerEpoch: number, totalSteps: number, v = shownAs(cfg)): string | null {
  const patience = cfg.early_stopping.patience;
  if (patience === null || !cfg.data.val) return null;
  const never = 'patience runs out no sooner than the run\'s last step, so early stopping never ends the run early';
  const counted = `(early_stopping.patience ${v('early_stopping.patience')} + 1, the first evaluation after step 0 setting the best loss)`;
  const every = cfg.eval.every_steps;
  if (every !== null) {
    if ((patience + 1) * every < totalSteps) return null;
    return `${counted} × eval.every_steps ${v('eval.every_steps')} = ${(patience + 1) * every} ≥ the run's ${totalSteps} steps: ${never} ` +
      '(lower early_stopping.patience or eval.every_steps)';
  }
  const fix = '(lower early_stopping.patience, or set eval.every_steps)';
  if (cfg.max_steps === null) {
    if (patience + 1 < cfg.epochs) return null;
    return `${counted} ≥ epochs ${v('epochs')}, and val is evaluated at each epoch's end (eval.every_steps is null): ${never} ${fix}`;
  }
  if ((patience + 1) * stepsPerEpoch < totalSteps) return null;
  return `${counted} × ${stepsPerEpoch} steps an epoch (val is evaluated at each epoch's end, eval.every_steps being null) ` +
    `≥ max_steps ${v('max_steps')}: ${never} ${fix}`;
}

/** The config of the run's model, read without touching a weight: its folder's config.json, or `model.config`. */
export function runModelConfig(cfg: TrainConfig): MistralConfig {
  return typeof cfg.model === 'string' ? loadConfig(cfg.model) : readRandomModelConfig(cfg.model.config).cfg;
}

/** runModelConfig as a memory plan needs it: tied or not as the loader will find the checkpoint (its headers). */
export function plannedModelConfig(cfg: TrainConfig): MistralConfig {
  const model = runModelConfig(cfg);
  if (typeof cfg.model !== 'string' || !model.tieWordEmbeddings) return model;
  // tied, but the file holds an lm_head.weight: transformers (and the loader, tyingAsLoaded) unties it unless its
  // values are the embedding's, which only reading them would tell; the plan counts it, never under the run
  const untied = runCheckpointHeader(cfg, (ckpt) => ckpt.has(HF_NAMES.lmHead) && ckpt.has(storedName(ckpt, HF_NAMES.embed)));
  return untied === true ? { ...model, tieWordEmbeddings: false } : model;
}

/** The rows (classes) of the model folder's own classification head (score.weight), from its header; null for none. */
function checkpointHeadRows(cfg: TrainConfig): number | null {
  return runCheckpointHeader(cfg, (ckpt) => (ckpt.has(HF_NAMES.score) ? ckpt.info(HF_NAMES.score).shape[0] ?? 0 : null)) ?? null;
}

/** `read` of the run's model folder's safetensors headers (fromCheckpointHeader); undefined for random weights. */
function runCheckpointHeader<T>(cfg: TrainConfig, read: (ckpt: SafetensorsCheckpoint) => T): T | undefined {
  return typeof cfg.model === 'string' ? fromCheckpointHeader(cfg.model, read) : undefined;
}

/**
 * The run's model on `backend`: loaded from its folder, or (`model: {config, init: random}`) drawn on the
 * backend by its randomNormal kernel from `model.seed` (else the run's seed), with no host copy of the weights.
 */
export function buildModel(cfg: TrainConfig, backend: Backend): MistralModel {
  if (typeof cfg.model === 'string') return loadModel(cfg.model, { backend, precision: cfg.precision });
  const r = readRandomModelConfig(cfg.model.config);
  const seed = cfg.model.seed ?? cfg.seed;
  const dtype = precisionDType(cfg.precision, backend.name);
  info(`model: random weights from ${r.where} (${(parameterCount(r.cfg) / 1e6).toFixed(1)}M parameters, ${dtype}, normal(0, ${r.std}) from seed ${seed}, drawn on ${backend.name})`);
  return initRandomModel(backend, r.cfg, { seed, std: r.std, dtype });
}

/**
 * The run's tokenizer: the model folder's (modelTokenizer); for random weights the bundled Mistral
 * tokenizer when vocab_size is its 32000, else none (then only pre-tokenized data can be read).
 */
export function runTokenizer(cfg: TrainConfig, vocabSize: number): Tokenizer | null {
  if (typeof cfg.model === 'string') return modelTokenizer(cfg.model, vocabSize);
  if (vocabSize === BUNDLED_VOCAB_SIZE) return loadTokenizer();
  info(`model: random weights with vocab_size ${vocabSize}: no tokenizer fits (the bundled Mistral tokenizer has ${BUNDLED_VOCAB_SIZE}), so the data must be pre-tokenized`);
  return null;
}

/**
 * The run's tokenizer and its splits, read before its weights: the data context (what an error says to do about a
 * record of the other task or an unknown label) from config.json and the safetensors headers alone. `resuming`: the run
 * folder's config is fixed, so no fix changes it. Refuses a run without training examples.
 */
export function loadRunSplits(cfg: TrainConfig, model: MistralConfig, opts: { resuming: boolean; place?: (key: string) => string; words?: OptionWords; onLoaded?: SplitContext['onLoaded'] }):
  { tokenizer: Tokenizer | null; train: TokenRow[]; val: TokenRow[] | null; test: TokenRow[] | null } {
  const { resuming, place } = opts;
  const tokenizer = runTokenizer(cfg, model.vocabSize);
  const ctx: SplitContext = {
    cfg, vocabSize: model.vocabSize, tokenizer, wrongTaskFix: wrongTaskFix(cfg, { resuming, generation: runCanGenerate(cfg, model) }),
    unknownLabelFix: unknownLabelFix(resuming, place), words: opts.words, onLoaded: opts.onLoaded,
  };
  const train = loadRunSplit(cfg.data.train, 'data.train', ctx, place);
  const val = cfg.data.val ? loadRunSplit(cfg.data.val, 'data.val', ctx, place) : null;
  const test = cfg.data.test ? loadRunSplit(cfg.data.test, 'data.test', ctx, place) : null;
  if (train.length === 0) throw new UserError('no training examples', cfg.data.train);
  return { tokenizer, train, val, test };
}

/**
 * Whether the run's model could train for generation instead: it has an LM head (tied to the embedding, lm_head.weight
 * in its folder's headers, or drawn with random weights) and does not continue a classification adapter (SEQ_CLS).
 */
function runCanGenerate(cfg: TrainConfig, model: MistralConfig): boolean {
  const dir = cfg.method === 'lora' ? cfg.lora.init_from : null;
  if (dir && readAdapterInfo(dir, model.numLayers, model).taskType === 'SEQ_CLS') return false;
  return model.tieWordEmbeddings || (runCheckpointHeader(cfg, (ckpt) => ckpt.has(HF_NAMES.lmHead)) ?? true);
}

/**
 * loadSplit, with what to do when text data meets a random model that has no tokenizer; an error about the file as a
 * whole ("no records", "is a device") names the config key it was given as, at its place (the config's line, or the flag).
 */
export function loadRunSplit(file: string, key: string, ctx: SplitContext, place?: (key: string) => string): TokenRow[] {
  try {
    return loadSplit(file, key, ctx);
  } catch (e) {
    if (isUserError(e) && e.where === file) throw keyError(key, `${file}: ${e.what}`, place);
    if (ctx.tokenizer !== null || !isUserError(e) || !/needs a tokenizer/.test(e.message)) throw e;
    if (typeof ctx.cfg.model === 'string') {
      // what to do depends on why (the bundled tokenizer in place of a missing one, or tokens past the rows): the warning says
      throw new UserError(`${e.message}, and no tokenizer fits the model (vocab_size ${ctx.vocabSize}): do what the warning above says, ` +
        `or give ${key} pre-tokenized rows {"input_ids": [...]}`);
    }
    throw new UserError(`${e.message}: a random model (model.init: random) has a tokenizer only with vocab_size ${BUNDLED_VOCAB_SIZE} ` +
      `(the bundled Mistral tokenizer), this one has ${ctx.vocabSize}: give ${key} pre-tokenized rows {"input_ids": [...]} or set vocab_size: ${BUNDLED_VOCAB_SIZE}`);
  }
}

/** The model folder's tokenizer (or the bundled one) when its ids fit the model; else null (pre-tokenized data only). */
export function modelTokenizer(dir: string, vocabSize: number): Tokenizer | null {
  const tok = loadModelTokenizer(dir, vocabSize);
  if (tok.misfit) warn(`${tok.misfit.what}: only pre-tokenized data can be used, and no samples are generated (${tok.misfit.fix})`);
  return tok.tokenizer;
}

