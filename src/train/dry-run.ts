// `train --dry-run`: what a run of this config will hold in memory (planMemory) and whether that fits
// the memory available, worked out from config.json and the tokenized data without loading a weight,
// creating a backend or writing the run folder.
import { availableHostMemory, CUDA_RESERVE_BYTES, hostMemoryNote, usableBytes, type DeviceTarget } from '../backend/capacity.ts';
import type { FlashGpu } from '../backend/cuda/flash-attention.ts';
import { flashGpuOf, probeCuda } from '../backend/cuda/probe.ts';
import { isUserError, UserError } from '../util/errors.ts';
import { gib } from '../util/byte-size.ts';
import { FLAG_WORDS, type OptionWords } from '../util/option-words.ts';
import type { MistralConfig } from '../model/config.ts';
import { describeModelConfig } from '../model/describe.ts';
import { modelFolder, type TrainConfig } from './config.ts';
import { checkConfigPaths, checkLoraRank, cpuSequenceRefusal, cudaHostRefusal, fitAdvice } from './fit-check.ts';
import { placeOf, withoutOutputDirWord } from './config-paths.ts';
import { shownAs } from './config-issues.ts';
import { deviceBytesNeeded, planMemory, realBatchNote, runBatchShape, type BatchShape, type MemoryPlan } from './memory-plan.ts';
import { checkDynamicRopeReach } from './dynamic-rope-reach.ts';
import { checkAdapterAndHead, checkPacking, checkRunTrainable, loadRunSplits, planSteps, plannedModelConfig, warnUnusedSettings } from './setup.ts';
import { RunDir } from './run-dir.ts';
import { RUN_LAYOUT } from '../run/layout.ts';
import { finishedReadOnly, resumeFinished } from './finished-run.ts';
import { liveHoldRefusal } from './run-lock.ts';
import { checkRunConfigPaths } from './resume-paths.ts';
import { DataLoader } from '../data/loader.ts';
import { foretoldResumeRefusal, type InputsNow, type RunNow } from './checkpoint-inputs.ts';
import { plannedTrainableShapes } from './planned-params.ts';
import { dataFingerprints, type DataFingerprints } from './data-fingerprint.ts';
import { modelFingerprint } from './model-fingerprint.ts';
import { scheduleArgsText } from './schedule.ts';

export interface DryRun {
  /** The model's config.json, as read (no weight is). */
  model: MistralConfig;
  plan: MemoryPlan;
  shape: BatchShape;
  /**
   * Bytes the run may use, as training checks them (usableBytes): the GPU's total memory less CUDA_RESERVE_BYTES on
   * CUDA, the host's RAM on the CPU; null when no GPU is here.
   */
  available: number | null;
  /** On the CPU, the RAM free now (MemAvailable: availableHostMemory), which a plan that fits the RAM may still exceed; else null. */
  freeNow: number | null;
  fits: boolean | null;
  /**
   * Why the run does not fit whatever the GPU's or CPU's memory (a CPU run's attention workspace past WebAssembly's 4 GiB; a
   * CUDA run's host RAM past the machine's, where the GPU is: cudaHostRefusal), which train refuses, or null.
   */
  limit: string | null;
  /** Why `available` is unknown. */
  why: string | null;
  /** The run's step counts and schedule, as training will count them. */
  steps: ReturnType<typeof planSteps>;
  /** Val evaluations (step 0, each eval.every_steps or epoch end, the last step) and checkpoints the run makes if it does not stop early. */
  events: { evaluations: number; checkpoints: number };
  train: { examples: number; tokens: number };
  /** What train does with output_dir: new, empty, emptied first, continued, or why it is refused. */
  output: string;
  /** Train's error for output_dir (`output` says it too), or null. */
  outputRefusal: string | null;
}

/** What train does with the flags of the run besides the config (the dry run states what it would do with output_dir). */
export interface DryRunFlags {
  overwrite?: boolean;
  resume?: boolean;
  /** Paths --overwrite must never empty (the config file). */
  keep?: readonly string[];
  /** Where the config set the keys checked after validation (keyPlaces), to name them by. */
  places?: Readonly<Record<string, string>>;
  /** The config's values as written (readTrainConfig's writtenTexts), for its warnings. */
  written?: Readonly<Record<string, string>>;
  /**
   * How an error in a data file names prepare's options (LoadRowsOptions.words); default: `train --dry-run`'s, the CLI's
   * flags and `mistral-tune prepare`, as its output_dir refusal (RunDir.check) names --overwrite.
   */
  words?: OptionWords;
}

export function dryRun(cfg: TrainConfig, flags: DryRunFlags = {}): DryRun {
  const place = placeOf(flags.places);
  if (flags.resume) checkRunConfigPaths(cfg, flags.places, flags.words ?? FLAG_WORDS); // as the resume says a moved file
  checkConfigPaths(cfg, place);
  const model = plannedModelConfig(cfg);
  const v = shownAs(cfg, flags.written); // values as written (1e3), as the schema's errors quote them
  checkRunTrainable(cfg, model);
  const { backend, available, why, gpu, target } = plannedDevice(cfg); // lora.r is judged against its memory
  checkLoraRank(cfg, model, target, place, v);
  checkAdapterAndHead(cfg, model, place);
  checkPacking(cfg, cfg.task === 'classification', place);
  const { train, val, test } = loadRunSplits(cfg, model, { resuming: false, place, words: flags.words ?? FLAG_WORDS });
  checkDynamicRopeReach(cfg, model, [train, val, test], v, place);
  const evalSplits = [val, test];
  const shape = runBatchShape(cfg, train, evalSplits); // its B planned once, for the CPU's limit too
  const freeNow = backend === 'cpu' ? availableHostMemory() : null;
  const plan = planMemory(cfg, model, shape, backend, undefined, gpu);
  // a CUDA run's host RAM is judged where its GPU is (train checks it there): not on a machine planning it without one
  const limit = backend === 'cpu' ? cpuSequenceRefusal(cfg, model, [train, ...evalSplits], shape.B) : available === null ? null : cudaHostRefusal(cfg, plan);
  // the steps as the run's loader batches the data (the pad id does not change the counts), and its warnings
  const loader = new DataLoader(train, {
    batchSize: cfg.batch_size, shuffle: cfg.shuffle, seed: cfg.seed, groupByLength: cfg.group_by_length, groupSize: cfg.batch_size * cfg.grad_accum, packLength: cfg.packing ? cfg.max_seq_len : undefined,
  });
  const steps = planSteps(cfg, loader, place, v);
  warnUnusedSettings(cfg, model, steps, train, v);
  const tokens = train.reduce((n, r) => n + Math.min(r.inputIds.length, cfg.max_seq_len), 0);
  return {
    model, plan, shape, available, freeNow, fits: limit !== null ? false : available === null ? null : deviceBytesNeeded(plan) <= available, limit, why, steps, events: plannedEvents(cfg, steps.totalSteps, steps.stepsPerEpoch),
    train: { examples: train.length, tokens }, ...outputDirFate(cfg, flags, { ...inputsNow(cfg, { train, val, test }), loader, params: () => plannedTrainableShapes(cfg, model), totalSteps: steps.totalSteps }),
  };
}

/**
 * Why `train --dry-run` exits 2 once it has printed the plan, in one line: the run does not fit (the limit train refuses, or
 * the memory available), or train refuses its output_dir; null when train would start.
 */
export function dryRunRefusal(r: DryRun, cfg: TrainConfig): string | null {
  if (r.fits === false) return `the run does not fit: ${whyNotFit(r, cfg)}`;
  return r.outputRefusal;
}

/**
 * Why a run does not fit, in one line: the CPU's attention workspace limit, and (besides, where more than that workspace
 * is past it, or alone) a memory plan past the memory available, with what dominates it: at 32k tokens the activations (277 GiB) outweigh the workspace (17 GiB) the
 * limit names, and a shorter max_seq_len alone may not be enough.
 */
function whyNotFit(r: DryRun, cfg: TrainConfig): string {
  const need = deviceBytesNeeded(r.plan);
  const over = r.available !== null && need > r.available
    ? `its memory plan totals ${gib(r.plan.total)}${need > r.plan.total ? ` (${gib(need)} with Node.js itself)` : ''}, more than the ${gib(r.available)} available: ${fitAdvice(cfg, r.plan, r.available, r.shape.B)}` : null;
  if (r.limit === null) return over!;
  // the workspace the limit names is in the plan too: the plan is said besides only where the rest of it is past the memory
  return over === null || need - r.plan.workspace <= r.available! ? r.limit : `${r.limit}; and ${over}`;
}

/**
 * The val evaluations and checkpoints of a run of `totalSteps` that does not stop early, as the trainer makes them:
 * val at step 0, at each multiple of eval.every_steps (else at each epoch's end, every `stepsPerEpoch`) and at the last
 * step; a checkpoint at each multiple of checkpoint.every_steps.
 */
function plannedEvents(cfg: TrainConfig, totalSteps: number, stepsPerEpoch: number): DryRun['events'] {
  const checkpoints = cfg.checkpoint.every_steps === null ? 0 : Math.floor(totalSteps / cfg.checkpoint.every_steps);
  if (cfg.data.val === null) return { evaluations: 0, checkpoints };
  const every = cfg.eval.every_steps ?? stepsPerEpoch;
  return { evaluations: 1 + Math.floor(totalSteps / every) + (totalSteps % every === 0 ? 0 : 1), checkpoints };
}

const COMPLETE = 'a complete run: --resume does nothing (--overwrite trains it again)';

/**
 * What `train --resume --dry-run` says of a run that finished, which train leaves as it is without loading its model or
 * data (the run's config.yaml names them where they were, and a project folder moved since has them elsewhere): that
 * --resume does nothing, with no plan; null for any other output_dir, which dryRun plans. A finished run's config edited
 * since it finished is refused as train refuses it (resumeFinished), as dryRun's output_dir refusals are (outputRefusal).
 */
export function finishedRunDryRun(cfg: TrainConfig, flags: DryRunFlags = {}): Pick<DryRun, 'output' | 'outputRefusal'> | null {
  const dir = cfg.output_dir;
  // an unfinished run's refusals (a config changed since its config.yaml) are said by dryRun, below its plan
  if (!flags.resume || !RunDir.checkFolder(dir) || !RunDir.isRun(dir) || !RunDir.open(dir).finished()) return null;
  return fateOf(() => {
    refuseHeld(dir, true);
    resumeFinished(RunDir.openForResume(cfg, flags.words ?? FLAG_WORDS, { readOnly: true }), cfg);
    return COMPLETE;
  });
}

/** What train will do with output_dir, in words: as RunDir.check decides, without making or emptying anything; and its refusal, if it is one. */
function outputDirFate(cfg: TrainConfig, flags: DryRunFlags, now: InputsNow & RunNow): Pick<DryRun, 'output' | 'outputRefusal'> {
  return fateOf(() => outputDirAction(cfg, flags, now));
}

/** The words `action` gives, or `refused: …` with the refusal it throws as train throws it. */
function fateOf(action: () => string): Pick<DryRun, 'output' | 'outputRefusal'> {
  try {
    return { output: action(), outputRefusal: null };
  } catch (e) {
    // printed after "output_dir: DIR: ", so not "output_dir" again (RunDir's words start with it)
    if (isUserError(e)) return { output: `refused: ${withoutOutputDirWord(e.what)}`, outputRefusal: e.message };
    throw e;
  }
}

/**
 * Throws train's refusal of the folder `dir` while another live process holds it (its lock, which train takes before it
 * looks in the folder: run-lock.ts), read without taking it; but for a finished run on a read-only mount, which
 * --resume tells complete without the lock it cannot take (trainer.ts).
 */
function refuseHeld(dir: string, resume: boolean): void {
  const busy = liveHoldRefusal(dir);
  if (busy !== null && !(resume && finishedReadOnly(dir))) throw busy;
}

/** outputDirFate's words; a refusal thrown as train throws it. */
function outputDirAction(cfg: TrainConfig, flags: DryRunFlags, now: InputsNow & RunNow): string {
  const dir = cfg.output_dir;
  if (RunDir.checkFolder(dir)) refuseHeld(dir, flags.resume ?? false);
  if (flags.resume) {
    // as train decides it (trainer.ts), without putting back what a crash moved aside (readOnly: the checkpoint it would
    // put back is judged where it is): a config changed since the run's config.yaml is refused as train refuses it
    // (openForResume), and a finished run's edits since it finished (resumeFinished), and what the resume refuses of its
    // newest valid checkpoint (or without one, the run's start): foretoldResumeRefusal
    if (!RunDir.checkFolder(dir)) throw new UserError('cannot resume: the run folder does not exist', dir);
    if (RunDir.holdsNothing(dir)) return 'holds no run yet: --resume starts it from the beginning';
    RunDir.requireRun(dir);
    const words = flags.words ?? FLAG_WORDS;
    const run = RunDir.openForResume(cfg, words, { readOnly: true });
    if (!run.finished()) {
      const refusal = foretoldResumeRefusal(cfg, run, now, `train again with ${words.say('overwrite')}`, (key) => flags.places?.[key] ?? run.file(RUN_LAYOUT.config));
      if (refusal) throw refusal;
      return 'continued from its newest valid checkpoint (--resume)';
    }
    resumeFinished(run, cfg);
    return COMPLETE;
  }
  if (!RunDir.checkFolder(dir)) return 'new';
  try {
    RunDir.check(dir, false);
    return 'empty';
  } catch (e) {
    if (!flags.overwrite) throw e;
  }
  RunDir.check(dir, true, flags.keep ?? []);
  return 'emptied first (--overwrite)';
}

/**
 * The device a run of this config would train on and the memory it offers, decided as createBackend
 * decides (`auto`: CUDA when its driver, a GPU and its libraries load) but without starting a backend:
 * the GPU's total memory less what the backend holds beyond the plan, or the host's RAM on the CPU (usableBytes, as train
 * checks them).
 */
function plannedDevice(cfg: TrainConfig): { backend: 'cpu' | 'cuda'; available: number | null; why: string | null; gpu: FlashGpu | null; target: DeviceTarget } {
  if (cfg.device !== 'cpu') {
    const probe = probeCuda({ libraries: true });
    if (probe.available) {
      const target: DeviceTarget = { backend: 'cuda', deviceBytes: probe.device.totalBytes };
      return { backend: 'cuda', available: usableBytes(target), why: null, gpu: flashGpuOf(probe.device), target };
    }
    // planning a GPU run from a machine without one: the plan holds, whether it fits is unknown here
    if (cfg.device === 'cuda') return { backend: 'cuda', available: null, why: probe.reason.split('; looked in')[0]!, gpu: null, target: { backend: 'cuda', deviceBytes: null } };
  }
  return { backend: 'cpu', available: usableBytes({ backend: 'cpu' }), why: null, gpu: null, target: { backend: 'cpu' } };
}

/**
 * The inputs of the run, as the trainer works them out: the data's fingerprints, the model folder's weights', each once
 * (a moved project asks for the data's once per moved key, and each time they hash every token of every split).
 */
function inputsNow(cfg: TrainConfig, splits: Parameters<typeof dataFingerprints>[0]): InputsNow {
  let data: DataFingerprints | undefined, base: string | undefined;
  return { data: () => (data ??= dataFingerprints(splits)), model: () => (typeof cfg.model === 'string' ? (base ??= modelFingerprint(cfg.model)) : undefined) };
}

/** The --json object: exactly these keys (the memory plan, then the run's counts as the human dry run states them). */
export function dryRunJson(r: DryRun): Record<string, string | number | boolean | null> {
  const p = r.plan;
  return {
    device: p.backend, precision: p.precision, weights_bytes: p.weights, trainable_bytes: p.trainable,
    activation_bytes: p.activations, workspace_bytes: p.workspace, ...(p.staging > 0 ? { staging_bytes: p.staging } : {}),
    ...(p.saving > 0 ? { saving_bytes: p.saving } : {}), total_bytes: p.total, host_bytes: p.host,
    available_bytes: r.available, fits: r.fits,
    train_examples: r.train.examples, train_tokens: r.train.tokens, steps_per_epoch: r.steps.stepsPerEpoch, total_steps: r.steps.totalSteps,
    warmup_steps: r.steps.schedule.warmupSteps, evaluations: r.events.evaluations, checkpoints: r.events.checkpoints, output_dir_action: r.output,
  };
}

/** What the activations line names of its bytes: evaluation's own plan, and the LM head's logits chunk (none in a classification run). */
function activationParts(p: MemoryPlan): string {
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const own = p.evalActivations > 0 ? `evaluation's own plan ${mib(p.evalActivations)}, ` : '';
  return p.logitsChunk > 0 ? `of which ${own}the logits chunk ${mib(p.logitsChunk)}` : `${own ? `of which ${own}` : ''}no LM logits chunk: the classification head's scratch is sized by its classes`;
}

/** The human-readable table. */
export function describeDryRun(r: DryRun, cfg: TrainConfig): string {
  const p = r.plan;
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1).padStart(10)} MiB`;
  const n = (x: number): string => x.toLocaleString('en-US');
  const ev = r.shape.eval ? `; evaluation ${n(r.shape.eval.B)} × ${n(r.shape.eval.T)} in a plan of its own` : '';
  const lines = [
    `model: ${modelFolder(cfg) ?? 'random weights'}: ${describeModelConfig(r.model)}`,
    `memory plan: ${cfg.method === 'lora' ? `${cfg.lora.use_dora ? 'DoRA' : 'LoRA'} r=${cfg.lora.r}` : 'full fine-tuning'} on ${p.backend}, ${p.precision}, ` +
      `batches of ${n(r.shape.B)} × ${n(r.shape.T)} tokens${ev}${cfg.activation_checkpointing ? ', activation checkpointing' : ''}`,
    `  weights           ${mib(p.weights)}  (the model's weights outside the trainable state)`,
    `  trainable         ${mib(p.trainable)}  (parameters, gradients, AdamW m and v, in f32${cfg.method === 'lora' && p.precision === 'bf16'
      ? "; the factors' bf16 working copies" : ''}${cfg.method === 'lora' && cfg.lora.use_dora ? "; DoRA's norms" : ''})`,
    `  activations       ${mib(p.activations)}  (${activationParts(p)})`,
    `  workspace         ${mib(p.workspace)}  (attention)`,
    ...(p.staging > 0 ? [`  GEMM staging      ${mib(p.staging)}  (f32 copies for the largest mixed bf16/f32 GEMM)`] : []),
    ...(p.saving > 0 ? [`  saving            ${mib(p.saving)}  (host copies while ${cfg.checkpoint.every_steps !== null ? 'a checkpoint (parameters, AdamW m and v) is' : 'the final weights are'} written)`] : []),
    `  total             ${mib(p.total)}${p.backend === 'cuda' ? '  (on the GPU)' : ''}`,
    `  host RAM          ${mib(p.host)}  (${p.backend === 'cpu' ? 'the total and' : cfg.checkpoint.every_steps !== null
      ? "a checkpoint's copies of the trained weights and AdamW m and v, and" : "the final save's copies of the trained weights, and"} Node.js itself)`,
    r.available === null
      ? `  available         unknown here (${r.why}): compare the total with the GPU's memory`
      : `  available         ${mib(r.available)}  (${p.backend === 'cuda' ? `the GPU's memory less ${(CUDA_RESERVE_BYTES / 2 ** 20).toFixed(0)} MiB for the CUDA context, cuBLASLt and the allocator`
        : `this machine's RAM, ${mib(r.freeNow!).trim()} of it free now`}) → ` +
        `${r.fits ? `fits${freeNowNote(r)}` : `does NOT fit: ${r.limit === null ? fitAdvice(cfg, p, r.available, r.shape.B) : whyNotFit(r, cfg)}`}`,
    describeSteps(r, cfg),
    `output_dir: ${cfg.output_dir}: ${r.output}`,
  ];
  return lines.join('\n');
}

/** A CPU plan that fits the RAM but not what is free of it now, as train warns of it ("; but …"); else ''. */
function freeNowNote(r: DryRun): string {
  const note = r.freeNow === null ? null : hostMemoryNote(r.plan.host, r.freeNow);
  return note === null ? '' : `; but ${note}`;
}

/** The run's steps in one line: how many, from what, with which schedule; evaluations and checkpoints. */
function describeSteps(r: DryRun, cfg: TrainConfig): string {
  const { stepsPerEpoch, totalSteps, schedule } = r.steps;
  const n = (x: number): string => x.toLocaleString('en-US');
  // max_steps: the whole epochs it runs and the steps past them, exactly (epochs rounded to 2 digits misstated the
  // run: 1,201 steps of 12 an epoch were "100 epochs")
  const [whole, rest] = cfg.max_steps === null ? [cfg.epochs, 0] : [Math.floor(totalSteps / stepsPerEpoch), totalSteps % stepsPerEpoch];
  const s = (k: number): string => (k === 1 ? '' : 's');
  const epoch = `${n(stepsPerEpoch)} step${s(stepsPerEpoch)}`;
  const steps = `${n(totalSteps)} optimizer step${s(totalSteps)}`;
  const epochs = whole === 0 ? `${n(rest)} of an epoch's ${epoch}` : `${n(whole)} epoch${s(whole)} of ${epoch}${rest === 0 ? '' : ` and ${n(rest)} step${s(rest)} more`}`;
  const count = `${steps} (${cfg.max_steps !== null ? 'max_steps, ' : ''}${epochs})`;
  const real = realBatchNote(cfg, r.shape.B);
  const data = `${n(r.train.examples)} examples${cfg.packing ? ` packed into sequences of ${n(cfg.max_seq_len)} tokens` : ''}, micro-batches of ${n(cfg.batch_size)}` +
    `${real === null ? '' : ` (${real})`}${cfg.grad_accum > 1 ? `, ${n(cfg.grad_accum)} a step` : ''}`;
  const warmup = schedule.warmupSteps > 0 ? `, warmup ${n(schedule.warmupSteps)} step${schedule.warmupSteps === 1 ? '' : 's'}` : '';
  const { evaluations: evals, checkpoints: saves } = r.events;
  const evaluation = cfg.data.val === null ? 'no val data'
    : `val evaluated at step 0${cfg.eval.every_steps !== null ? `, every ${n(cfg.eval.every_steps)} steps and the last`
      // max_steps may end the run before an epoch's end (3 of 251 steps: step 0 and the last, no epoch's end) or within one
      : totalSteps < stepsPerEpoch ? ' and the last step' : totalSteps % stepsPerEpoch === 0 ? ", each epoch's end" : ", each epoch's end and the last step"} ` +
      `(${n(evals)} time${evals === 1 ? '' : 's'})`;
  const checkpoints = cfg.checkpoint.every_steps === null ? 'no checkpoints'
    : `a checkpoint every ${n(cfg.checkpoint.every_steps)} steps (${n(saves)} in all, ${cfg.checkpoint.keep} kept)`;
  const args = scheduleArgsText(schedule);
  return `run: ${count}: ${data}; ${schedule.type} schedule${args ? ` (${args})` : ''} to lr ${cfg.optimizer.lr}${warmup}; ${evaluation}; ${checkpoints}`;
}
