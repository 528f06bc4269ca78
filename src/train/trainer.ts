// `mistral-tune train`: the loop that minimises the loss. Evaluates on val at step 0, every
// eval.every_steps (or each epoch end) and at the last step, keeps the best adapter, stops early when
// val stops improving, checkpoints every checkpoint.every_steps, resumes exactly from the newest valid
// checkpoint, and ends with the test evaluation, samples before vs after, report.json and the loss curve.
import { needArg, optionKeys, refuseMisspelledKeys } from '../util/api-args.ts';
import * as path from 'node:path';
import { describeModelConfig } from '../model/describe.ts';
import { generationEosIds } from '../model/generation-config.ts';
import { adapterWeightsFile, saveAdapter } from '../model/peft-save.ts';
import { saveModelFolder } from '../model/save.ts';
import { requireSourceFilesUnchanged } from './source-files.ts';
import { shellPath } from '../util/shell-quote.ts';
import { BEST_EVALUATION, RUN_LAYOUT, weightsEntry } from '../run/layout.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import type { Tokenizer } from '../tokenizer/types.ts';
import { isUserError, UserError } from '../util/errors.ts';
import { libraryWords, type OptionWords } from '../util/option-words.ts';
import { info, warn } from '../util/log.ts';
import { Progress } from '../util/progress.ts';
import { deriveSeed } from '../util/rng.ts';
import { bestOnResume, stepZeroBestOnResume } from './best-check.ts';
import { forgetBests, settleOlderBest, takeEvaluation } from './best-state.ts';
import { placeOf } from './config-paths.ts';
import { dropCheckpointsBefore, repairCheckpointAdapter, requireCheckpointPlaces, restoreLatestCheckpoint, saveCheckpoint, type CheckpointState, type LoopState } from './checkpoint.ts';
import { configToYaml, modelFolder, validatedConfig, type TrainConfig } from './config.ts';
import { readYamlMapping } from './config-yaml.ts';
import { changedData, dataFingerprints, splitFingerprint, type DataFingerprints } from './data-fingerprint.ts';
import { AS_TOKENIZED, olderOrderRefusal, otherConfigRefusal, otherInputsRefusal, placeProblem, reportStateProblem, sameInputs } from './checkpoint-inputs.ts';
import { NonFiniteLossError } from '../eval/evaluate.ts';
import { evalRowFromJson, evalRowJson, evaluateSplit, metricsRow, type EvalRow, type EvalRowJson } from './evaluate-split.ts';
import { modelFingerprint } from './model-fingerprint.ts';
import { stepFlops } from './flops.ts';
import { realBatchNote, runBatchShape } from './memory-plan.ts';
import { writeReport } from './report.ts';
import { divergedError, type CheckpointsWritten } from './diverged-error.ts';
import { finishedReadOnly, resumeFinished } from './finished-run.ts';
import { MetricsLog } from './metrics-log.ts';
import { configRecord, resumeChanges, RunDir } from './run-dir.ts';
import { checkRestart } from './restart-check.ts';
import { checkRunConfigPaths } from './resume-paths.ts';
import { acquireRunLock, trainRunFolder, type RunLock } from './run-lock.ts';
import { runSamples, samplePrompts, type Sample, type SamplePrompt } from './samples.ts';
import { lrAtStep } from './schedule.ts';
import { closeAfterError, setupRun, type RunSetup } from './setup.ts';
import { optimizerStep, type StepStats } from './step.ts';
import { counted } from '../util/plural.ts';

export interface TrainOptions {
  overwrite?: boolean;
  /** Continue the run in output_dir from its newest valid checkpoint. */
  resume?: boolean;
  /** Tokenizer for decoding samples (default: the model folder's, or the bundled one). */
  tokenizer?: Tokenizer | null;
  /**
   * Called once the run directory exists, with its path, on train()'s thread. train() is synchronous: it holds that
   * thread's event loop until it returns, so a server started from here on the same thread (startDashboard) answers
   * nothing until the run ends. Train with trainAsync (train-async.ts: the event loop runs between steps), start the
   * dashboard in another process (`mistral-tune dashboard DIR`, as `train --dashboard` does: src/cli/train.ts) or run
   * train() on a worker thread (as the CLI does: src/cli/train-thread.ts).
   */
  onRunDir?: (dir: string) => void;
  /** Paths --overwrite must never empty besides the run's inputs (the config file). */
  keep?: readonly string[];
  /** Where the config set the keys checked after validation (keyPlaces: file:line:column, or the flag), to name them by. */
  places?: Readonly<Record<string, string>>;
  /** The config's values as written (readTrainConfig's writtenTexts), for its warnings. */
  written?: Readonly<Record<string, string>>;
}

export interface TrainResult {
  dir: string;
  steps: number;
  report: Record<string, unknown>;
  /** --resume found the run finished: nothing was done (its report is the one it wrote then). */
  alreadyComplete?: boolean;
}

/** What a checkpoint carries beyond the loop position, to finish the report after a resume. */
interface ReportState {
  evalRows: EvalRowJson[];
  samples: Sample[];
  /** The config the run was trained with up to the checkpoint (configRecord; absent in older checkpoints). */
  config?: Record<string, unknown>;
  /** What the data were (data-fingerprint.ts; absent in older checkpoints). */
  data?: DataFingerprints;
  /** A LoRA run's base weights (model-fingerprint.ts; absent in older checkpoints and for full fine-tuning). */
  model?: string;
  /** Where the steps before the checkpoint ran: the backend and the model's storage dtype (absent in older checkpoints). */
  ranOn?: string;
}

/** One optimizer step done, as trainSteps yields it (trainAsync's onStep). */
export interface StepDone {
  step: number;
  /** The steps the run takes in all (fewer where early stopping ends it). */
  totalSteps: number;
  /** The step's mean loss over its target tokens (null: the step had none). */
  loss: number | null;
  lr: number;
  gradNorm: number;
}

/** Trains with the run folder locked against a second process; `words`: how errors name the options (the CLI passes its flags'). */
export function train(config: TrainConfig, opts: TrainOptions = {}, words: OptionWords = libraryWords('train')): TrainResult {
  const steps = trainSteps(config, opts, words);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * train() as steps: the generator yields after each optimizer step (its metrics row and checkpoint written), where a
 * driver may let its event loop run (trainAsync) or stop the run by throwing into it (the lock is released and the
 * backend closed as on any error; the run folder is left as after a kill at that point, resumable). What it computes
 * does not depend on how it is driven.
 */
export function* trainSteps(config: TrainConfig, opts: TrainOptions = {}, words: OptionWords = libraryWords('train')): Generator<StepDone, TrainResult, void> {
  const fn = words.where ?? 'train';
  needArg(fn, 'config', config, 'object', { hint: 'loadTrainConfig(file) or validateTrainConfig(object)' });
  // a plain object (HF habits: {model, output_dir, learning_rate}) failed on a TypeError deep inside, its defaults unfilled
  const cfg = validatedConfig(config, fn);
  needArg(fn, 'options', opts, 'object');
  refuseMisspelledKeys(fn, 'options', opts, optionKeys<TrainOptions>()(['overwrite', 'resume', 'tokenizer', 'onRunDir', 'keep', 'places', 'written']));
  const exists = RunDir.checkFolder(cfg.output_dir);
  // before the lock makes the folder: a --resume of a path that is not there (a typo) starts nothing
  if (opts.resume && !exists) throw new UserError('cannot resume: the run folder does not exist', cfg.output_dir);
  let lock: RunLock;
  try {
    lock = acquireRunLock(cfg.output_dir, trainRunFolder(words));
  } catch (e) {
    // a finished run on a read-only mount: --resume writes nothing in it, so it is told complete without the lock it cannot
    // take, nor the repair of a swap an earlier run left (.old-NAME-PID) that it cannot make
    if (opts.resume && isUserError(e) && finishedReadOnly(cfg.output_dir)) return alreadyComplete(RunDir.openForResume(cfg, words, { readOnly: true }), cfg);
    throw e;
  }
  try {
    return yield* trainLocked(cfg, opts, lock, words);
  } finally {
    lock.release();
  }
}

function* trainLocked(cfg: TrainConfig, opts: TrainOptions, lock: RunLock, words: OptionWords): Generator<StepDone, TrainResult, void> {
  // the output folder is checked first and written only once the model and data have loaded, so a
  // failed setup leaves nothing behind that would block the corrected rerun
  const keep = [...RunDir.inputsOf(cfg), ...(opts.keep ?? [])];
  // a run stopped before its first write (killed while loading a 7B model) left at most its lock: --resume
  // starts it, so that a loop that always resumes after a preemption is not refused forever
  const resume = (opts.resume ?? false) && !RunDir.holdsNothing(cfg.output_dir);
  if (opts.resume && !resume) warn(`resume: ${cfg.output_dir} holds no run yet (it stopped before writing anything): starting from the beginning`);
  if (!resume) RunDir.check(cfg.output_dir, opts.overwrite ?? false, keep, words);
  const resumed = resume ? RunDir.openForResume(cfg, words) : null;
  // a run that finished is left as it is, whatever its checkpoints: resuming it again would evaluate and write its end again
  if (resumed?.finished()) return alreadyComplete(resumed, cfg);
  if (resumed) checkRunConfigPaths(cfg, opts.places, words); // a moved file the run's config.yaml names, with a resume's way on
  const run = setupRun(cfg, { resuming: resume, place: placeOf(opts.places), written: opts.written, words });
  let result: TrainResult | undefined;
  try {
    result = yield* trainOn(cfg, opts, run, resumed, keep, lock, words);
  } finally {
    // on an error, and on a consumer that stops iterating early (return()), which no catch sees
    if (result === undefined) closeAfterError(run.backend);
  }
  run.backend.close?.(); // the CUDA context and every device allocation, at the end of the run as on an error
  return result;
}

function* trainOn(cfg: TrainConfig, opts: TrainOptions, run: RunSetup, resumed: RunDir | null, keep: string[], lock: RunLock, words: OptionWords): Generator<StepDone, TrainResult, void> {
  // the weights of the model folder the run started from (random weights come from the seed): under a LoRA adapter,
  // what it was trained over; for full fine-tuning, whose checkpoint holds every weight itself, what tells a model
  // folder moved since from another model; the run folder's marker records it (a resume without a checkpoint checks it)
  let base: string | undefined;
  const baseNow = (): string | undefined => typeof cfg.model === 'string' ? (base ??= modelFingerprint(cfg.model)) : undefined;
  const dir = resumed ?? RunDir.create(cfg.output_dir, opts.overwrite ?? false, keep, words, baseNow());
  if (!resumed) dir.writeText(RUN_LAYOUT.config, configToYaml(cfg));
  const metrics = new MetricsLog(dir.file(RUN_LAYOUT.metrics));
  opts.onRunDir?.(dir.dir);
  const { model, backend } = run;
  describeRun(run);

  const tokenizer = opts.tokenizer !== undefined ? opts.tokenizer : cfg.task === 'generation' ? run.tokenizer : null;
  const prompts = cfg.task === 'generation' && tokenizer && cfg.eval.samples > 0
    ? samplePrompts(run.val ?? run.train, cfg.eval.samples, tokenizer) : [];
  const sampleEos = prompts.length > 0 && typeof cfg.model === 'string' ? generationEosIds(cfg.model) : undefined; // as generate stops
  const loader = run.loader;
  // what a checkpoint records of the run, made once: the config as config.yaml holds it, and (when first needed, by
  // a resume or a checkpoint) the data's fingerprints, which hash every token
  const configNow = configRecord(cfg);
  // a refused resume's way out: the CLI's --overwrite, a library caller's options.overwrite
  const trainAgain = `train again with ${words.say('overwrite')}`;
  // where a refusal of a config key points: its line in the config file given, else the run's config.yaml
  const placeOfKey = (key: string): string => opts.places?.[key] ?? dir.file(RUN_LAYOUT.config);
  // a stopped run's way on: the CLI's train RUN --resume, a library caller's options.resume
  const resumeHint = `${words.cli ? `mistral-tune train ${shellPath(dir.dir)} --resume` : `train with ${words.say('resume')}`} continues it (from its last checkpoint, or step 0 without one)`;
  let data: DataFingerprints | null = null;
  const dataNow = (): DataFingerprints => (data ??= dataFingerprints(run));
  // the val data's hash, on each val row of metrics.jsonl: a resume whose val data changed starts best/ and patience
  // afresh (restartBest), and the dashboard's lowest val loss compares only the rows of one val set too
  let valHash: string | undefined;
  const valNow = (rows: NonNullable<RunSetup['val']>): string => (valHash ??= data?.val?.hash ?? splitFingerprint(rows).hash);
  // device: auto and precision: auto choose by the machine, so the same config may resume elsewhere in another precision
  const ranOn = `${backend.name} in ${model.dtypes.storage === 'bf16' ? 'bf16' : 'fp32'}`;
  let loop: LoopState = { step: 0, best: null, bestMetric: null, sinceBest: 0, loader: loader.position };
  let evalRows: EvalRow[] = [];
  const inputsNow = { data: dataNow, model: baseNow };
  // the run's config.yaml as --resume found it (recordConfig writes it once the checkpoint is taken): `train CONFIG
  // --resume` may differ from it in the keys openForResume lets through, `train RUN --resume` reads it as the config
  const yaml = resumed && readYamlMapping(dir.file(RUN_LAYOUT.config));
  /** Throws when the run is not the one the checkpoint was made by: before its tensors are read, which another lora.r would not fit. */
  const refuseChanged = (state: CheckpointState): void => {
    const extra = state.extra as ReportState;
    const edited = otherConfigRefusal(state.loop.step, extra, { yaml: yaml || null, now: configNow, file: dir.file(RUN_LAYOUT.config), where: placeOfKey }, inputsNow, trainAgain);
    if (edited) throw edited;
    // a checkpoint of an older version whose packs or length-grouped order this one does not make (it would be skipped as misplaced)
    const older = olderOrderRefusal(loader, state.loop.step, state.loop.loader, dir.file(RUN_LAYOUT.config), trainAgain);
    if (older) throw older;
    // before the loader is put at the checkpoint's place, which in other data may not exist ("loader position 4 is past the 1 batches")
    const other = otherInputsRefusal(cfg, state.loop.step, extra, inputsNow, trainAgain);
    if (other) throw other;
  };
  // the base model's folder: null for random weights (no folder to load)
  const saveRunAdapter = (dir: string): void => saveAdapter(model, dir, { taskType: run.taskType, baseModel: modelFolder(cfg), labels: cfg.labels, untyped: run.untyped });
  const saveTo = (name: string): void => {
    dir.writeFolder(name, cfg.method, (tmp) => {
      if (cfg.method === 'lora') saveRunAdapter(tmp);
      else {
        const source = modelFolder(cfg);
        if (source !== null && run.sourceFiles) requireSourceFilesUnchanged(source, run.sourceFiles, resumeHint);
        saveModelFolder(model, tmp, { sourceDir: source, head: cfg.task === 'classification' ? 'classification' : 'causal', labels: cfg.labels });
      }
      // best/ says which evaluation its weights had: after a resume that lost it, not the lowest evaluated (the dashboard says which)
      if (name === RUN_LAYOUT.best && loop.best) writeFileAtomic(path.join(tmp, BEST_EVALUATION), JSON.stringify(loop.best) + '\n');
    });
  };
  /** Whether the checkpoint's place in the (unchanged) data exists: the loader is left there when it does, as it was when not. */
  const restored = resumed ? restoreLatestCheckpoint(dir.dir, cfg.method, run.params, run.optimizer, backend,
    { trainAgain, extraProblem: reportStateProblem, refuseChanged, placeProblem: (state) => placeProblem(loader, state.loop.loader) }) : null;
  // before anything of the run changes: a checkpoint's name the run will write taken by a file or link of the user's
  if (resumed) requireCheckpointPlaces(dir.dir, restored?.loop.step ?? 0, run.totalSteps, cfg.checkpoint.every_steps);
  // what a diverged run's error names as its last good checkpoint is taken from these
  const checkpoints = { ...cfg.checkpoint, resumedFrom: restored ? restored.loop.step : null, written: [] as number[] };
  if (restored) {
    loop = restored.loop;
    const extra = restored.extra as ReportState;
    evalRows = extra.evalRows.map(evalRowFromJson);
    const valChanged = extra.data ? changedData(extra.data, dataNow()).some((c) => c.split === 'val') : false;
    const older = settleOlderBest(loop, evalRows, cfg.early_stopping.min_delta); // before evaluatesAgain: patience may be counted again
    const more = evaluatesAgain(loop, run, evalRows);
    // best/ checked before anything of the run changes: a damaged one that cannot be rebuilt is refused. One gone (or
    // one of step 0's) starts again from the checkpoint's weights where its step's val evaluation (on the val data at
    // hand) measured them
    const stepLoss = valChanged ? null : evalRows.find((r) => r.split === 'val' && r.step === loop.step)?.loss ?? null;
    const best = older.stepZero ? stepZeroBestOnResume(dir.file(RUN_LAYOUT.best), cfg.method, loop.step, older.stepZero, { stepLoss, evaluatesAgain: more }, words)
      : loop.best && bestOnResume(dir.file(RUN_LAYOUT.best), cfg.method, loop.step, loop.best, { stepLoss, evaluatesAgain: more }, words);
    // against what refuseChanged compared: a checkpoint that recorded no config (an older one) against config.yaml
    const then = extra.config ?? yaml;
    const allowed = then ? resumeChanges(then, configNow, sameInputs(extra, inputsNow)).allowed : [];
    if (allowed.length) warn(`resume: ${allowed.join(', ')} changed since the checkpoint of step ${loop.step} was written: the new values hold from it on`);
    for (const { split, what } of extra.data ? changedData(extra.data, dataNow()) : []) {
      if (split === 'train') continue; // refused above (refuseChanged)
      warn(`resume: data.${split} changed since the checkpoint of step ${loop.step} was written (${what})${AS_TOKENIZED}: evaluations after it measure other data than those before`);
    }
    if (extra.ranOn !== undefined && extra.ranOn !== ranOn) {
      warn(`resume: the steps up to the checkpoint of step ${loop.step} ran on ${extra.ranOn}, the rest runs on ${ranOn} (device and precision ` +
        `as the config and this machine give them): the run will not be what an uninterrupted run on either gives`);
    }
    extra.samples.forEach((s, i) => { if (prompts[i]) prompts[i]!.sample = s; });
    run.optimizer.flat.syncModel(); // a lower-precision model's weights from the restored master copy
    // the checkpoint's adapter, which the resume did not read: a damaged one is written again from these weights
    const adapterSaid = cfg.method === 'lora' ? repairCheckpointAdapter(dir.dir, loop.step, () => adapterWeightsFile(model, run.taskType)) : null;
    if (adapterSaid !== null) warn(`resume: ${adapterSaid}`);
    if (best) {
      if (best.why) warn(`resume: ${dir.file(RUN_LAYOUT.best)}: ${best.why}`);
      loop.best = best.best;
      if (best.write) saveTo(RUN_LAYOUT.best);
    }
    if (valChanged && (loop.best || loop.bestMetric)) restartBest(loop, more, dir.file(RUN_LAYOUT.best));
    dropCheckpointsBefore(dir.dir, loop.step, cfg.checkpoint.keep, cfg.method); // the rotation a kill cut short
    const cut = metrics.truncate(restored.metricsBytes, `the checkpoint of step ${loop.step}`);
    if (cut) warn(`resume: ${metrics.file}: ${cut}`);
    info(`resume: from the checkpoint of step ${loop.step} (epoch ${loop.loader.epoch}, micro-batch ${loop.loader.index})`);
  } else {
    if (resumed) checkRestart(cfg, resumed, { then: yaml || configNow, now: configNow, model: baseNow(), trainAgain, where: placeOfKey });
    metrics.truncate(0);
    if (tokenizer) runSamples(model, prompts, tokenizer, cfg.eval.max_new_tokens, 'before', sampleEos);
  }
  // once the checkpoint is taken (a refused resume leaves config.yaml as it was): the config the run goes on with
  resumed?.recordConfig(cfg);

  /** Evaluates val once per step; returns true when early stopping says stop. */
  const validate = (step: number): boolean => {
    if (!run.val || evalRows.some((r) => r.step === step && r.split === 'val')) return false;
    const row = evaluateOrStop(dir.dir, metrics, run, run.val, step, 'val');
    // HF's Trainer draws from torch's generator for each evaluation, which its length-grouped order draws from too
    loader.noteEvaluation();
    evalRows.push(row);
    // step 0's is a baseline, as HF's eval_on_start: neither best/ (whose weights would be the model untrained) nor
    // early stopping (against which an early evaluation, above it, would use up patience) counts it.
    // As HF's Trainer: best/ takes any strictly lower val loss (load_best_model_at_end), while min_delta only
    // decides what counts as an improvement for early stopping's patience (EarlyStoppingCallback's
    // threshold), measured from the lowest val loss so far (best-state.ts).
    // best/ is written before the row: a reader (the dashboard) that sees a val row sees the best/ that holds it or a
    // later one, never a folder not yet written for a loss it already shows
    if (step > 0 && takeEvaluation(loop, step, row.loss, cfg.early_stopping.min_delta)) saveTo(RUN_LAYOUT.best);
    metrics.append({ ...metricsRow(row, false), data_fingerprint: valNow(run.val) });
    info(`\nval @ step ${step}: ${describeEval(row)}`);
    return step > 0 && cfg.early_stopping.patience !== null && loop.sinceBest >= cfg.early_stopping.patience;
  };
  const checkpoint = (): void => {
    lock.check();
    dir.keepConfig(cfg); // a checkpoint without it could not be resumed
    const extra: ReportState = { evalRows: evalRows.map(evalRowJson), samples: prompts.map((p) => p.sample), config: configNow, data: dataNow(), model: baseNow(), ranOn };
    // a LoRA checkpoint holds the adapter of its step too, as HF Trainer's do (evaluated, generated from or exported as adapter/ is)
    metrics.sync(); // the length the checkpoint records is on disk, as the checkpoint itself is
    saveCheckpoint(dir.dir, run.params, run.optimizer, backend, { loop, metricsBytes: metrics.bytes(), extra }, cfg.checkpoint.keep,
      cfg.method, cfg.method === 'lora' ? saveRunAdapter : undefined);
    checkpoints.written.push(loop.step);
  };

  const patience = cfg.early_stopping.patience;
  if (loop.step === 0) validate(0);
  // a run resumed from the checkpoint of the step where it stopped early stays stopped
  let stoppedEarly = patience !== null && loop.sinceBest >= patience;
  // MFU: the step's model FLOPs per second over the device's measured bf16 GEMM peak (where the backend measures one)
  const peak = backend.peakFlops?.() ?? null;
  const flopsOf = (batches: Array<{ B: number; T: number }>): number => batches.reduce((sum, b) =>
    sum + stepFlops(model.cfg, b.B, b.T, { weightGrads: cfg.method === 'full', headRows: model.score?.numLabels }), 0);
  // a resumed run's steps fill the bar but not its rate and ETA (they were not taken in this process)
  const progress = new Progress({ label: 'train', total: run.totalSteps, unit: 'steps', startAt: loop.step });
  progress.tick(0); // drawn at once (on a terminal), as before the first step
  let lastLoss: number | null = null;
  while (!stoppedEarly && loop.step < run.totalSteps) {
    // up to grad_accum micro-batches, not crossing the end of an epoch (a short last group still steps)
    const first = loader.next();
    const group = [first.batch];
    while (group.length < cfg.grad_accum && loader.position.index < first.epochBatches && loader.position.epoch === first.epoch) {
      group.push(loader.next().batch);
    }
    const epochDone = loader.position.index >= first.epochBatches;
    const step = loop.step + 1;
    const t0 = performance.now();
    const lr = lrAtStep(run.schedule, cfg.optimizer.lr, step);
    const st = optimizerStep(run, group, lr, deriveSeed(cfg.seed, step));
    const seconds = (performance.now() - t0) / 1000;
    if (st.nonfinite.length) stopNonFinite(dir.dir, metrics, progress, step, st, checkpoints);
    lastLoss = st.loss;
    loop.step = step;
    const mfu = peak === null ? null : flopsOf(group) / seconds / peak;
    lock.check(); // a heartbeat that stopped: no step is written without the lock
    metrics.append({ step, loss: st.loss, lr, grad_norm: st.gradNorm, tokens_per_s: st.tokens / seconds, mem_bytes: backend.bytesInUse(),
      ...(backend.peakBytesInUse ? { peak_mem_bytes: backend.peakBytesInUse() } : {}), ...(mfu === null ? {} : { mfu }) });
    progress.tick(1, { loss: st.loss === null ? '-' : st.loss.toFixed(4), lr: lr.toExponential(2), 'tok/s': (st.tokens / seconds).toFixed(0),
      ...(mfu === null ? {} : { MFU: `${(100 * mfu).toFixed(1)}%` }) });
    const evalNow = cfg.eval.every_steps !== null ? step % cfg.eval.every_steps === 0 : epochDone;
    if (evalNow) stoppedEarly = validate(step);
    // after the step's evaluation, which a length-grouped loader counts
    loop.loader = loader.position;
    if (cfg.checkpoint.every_steps !== null && step % cfg.checkpoint.every_steps === 0) checkpoint();
    yield { step, totalSteps: run.totalSteps, loss: st.loss, lr, gradNorm: st.gradNorm };
    if (cfg.max_steps === null && epochDone && first.epoch + 1 >= cfg.epochs) break;
  }
  progress.finish();
  if (!stoppedEarly) validate(loop.step);
  if (stoppedEarly) info(`early stopping: no val-loss improvement of more than ${cfg.early_stopping.min_delta} in ${cfg.early_stopping.patience} evaluations; best/ is step ${loop.best?.step}`);
  // the test split before the weights are saved: a loss there that is not finite stops the run with nothing of its last step saved
  let test: EvalRow | null = null;
  if (run.test) {
    test = evaluateOrStop(dir.dir, metrics, run, run.test, loop.step, 'test');
    metrics.append(metricsRow(test, true));
    info(`test: ${describeEval(test)}`);
  }
  lock.check();
  saveTo(RUN_LAYOUT[weightsEntry(cfg.method)]);
  if (tokenizer) runSamples(model, prompts, tokenizer, cfg.eval.max_new_tokens, 'after', sampleEos);
  dir.keepConfig(cfg);
  dir.recordFinishedConfig(cfg); // before report.json: a run with it finished, and --resume compares edits with this
  metrics.sync(); // every row on disk before report.json, written last, says the run finished
  const report = writeReport(dir, metrics, run, {
    steps: loop.step, stoppedEarly, lastLoss: lastLoss ?? lastStepLoss(metrics), best: loop.best, lowest: loop.bestMetric ?? null, evalRows, test, prompts,
  }, cfg.method === 'lora' ? baseNow() : undefined);
  model.releaseActivations();
  return { dir: dir.dir, steps: loop.step, report };
}

/**
 * The result of --resume on a run that finished (report.json is written), said in one line: nothing of it is loaded,
 * evaluated or written again; a config edited since it finished is refused (resumeFinished).
 */
function alreadyComplete(run: RunDir, cfg: TrainConfig): TrainResult {
  const { report, steps, where } = resumeFinished(run, cfg);
  info(`run ${run.dir} is already complete (${where}); nothing to do`);
  return { dir: run.dir, steps: steps ?? 0, report, alreadyComplete: true };
}

/**
 * A resume whose val data changed since the checkpoint (prepare run again): the best loss so far is of the old val set,
 * which a loss of the new one cannot be compared with — best/ would keep the old set's choice against any evaluation
 * that scores higher on a harder set, and early stopping would count those as no improvement. Where the run evaluates
 * again, best/ and patience start afresh there (best/ is replaced at the next evaluation, the safest reading of "the
 * best on the val data"); said either way, so that best/ is never taken for what it is not.
 */
function restartBest(loop: LoopState, evaluatesMore: boolean, bestDir: string): void {
  if (!loop.best) { // best/ is gone (said above): only the lowest loss of the old val set is left to forget
    if (evaluatesMore) forgetBests(loop);
    return;
  }
  const was = `${bestDir} holds the weights of the best val loss (${loop.best!.loss.toFixed(4)}, step ${loop.best!.step}) on the val data before it changed`;
  if (!evaluatesMore) {
    warn(`resume: ${was}, and the run evaluates no more: it stays so`);
    return;
  }
  warn(`resume: ${was}: the next evaluation starts best/ and early stopping again, on the new val data`);
  forgetBests(loop);
}

/**
 * Whether a run resumed at `loop` evaluates val data again: it has val data and did not stop early, and has steps left
 * or has not yet evaluated its last step (the evaluation after the loop, when its last step was checkpointed before it).
 */
function evaluatesAgain(loop: LoopState, run: RunSetup, evalRows: EvalRow[]): boolean {
  const patience = run.cfg.early_stopping.patience;
  if (!run.val || (patience !== null && loop.sinceBest >= patience)) return false;
  return loop.step < run.totalSteps || !evalRows.some((r) => r.split === 'val' && r.step === loop.step);
}

/**
 * A step whose loss or gradient norm is NaN or infinite ends the run: its metrics row says so, nothing
 * of this step is saved (the newest checkpoint and best/ stay the last good state), and the error names
 * the step and what to change.
 */
function stopNonFinite(dir: string, metrics: MetricsLog, progress: Progress, step: number, st: StepStats, checkpoints: CheckpointsWritten): never {
  // the non-finite values are left out (JSON has no NaN, and a null loss means "no target tokens")
  metrics.append(compact({
    step, loss: st.nonfinite.includes('loss') ? undefined : st.loss, lr: st.lr,
    grad_norm: st.nonfinite.includes('grad_norm') ? undefined : st.gradNorm, nonfinite: true,
  }));
  progress.finish();
  const what = st.nonfinite.map((k) => `${k === 'loss' ? 'loss' : 'gradient norm'} ${k === 'loss' ? st.loss : st.gradNorm}`).join(' and ');
  throw divergedError(dir, step, what, st.nonfinite.includes('loss') ? 'loss' : 'gradient norm', checkpoints);
}

/**
 * An evaluation of the weights after `step`, whose loss is not finite when that step's update made them diverge (its
 * own loss and gradient norm were finite): the run stops as at a non-finite step, its row in metrics.jsonl marked
 * `"nonfinite": true`, rather than with the evaluator's error that names neither the step nor the split.
 */
function evaluateOrStop(dir: string, metrics: MetricsLog, run: RunSetup, rows: NonNullable<RunSetup['val']>, step: number, split: 'val' | 'test'): EvalRow {
  try {
    return evaluateSplit(run.model, rows, run.cfg.task, run.cfg.eval.batch_size, step, split);
  } catch (e) {
    if (!(e instanceof NonFiniteLossError) || step === 0) throw e; // at step 0 no update has run: the model's own weights
    metrics.append({ step, split, nonfinite: true });
    throw divergedError(dir, step, `the ${split} loss after its update is ${e.lossSum} (rows ${e.rows} of data.${split})`, null, run.cfg.checkpoint);
  }
}

/** "1 step", "2 steps": n and the noun, plural unless n is 1. */
function describeRun(run: RunSetup): void {
  const { cfg, model, backend } = run;
  const trainable = run.params.reduce((s, p) => s + p.value.length, 0);
  const realBatch = realBatchNote(cfg, run.batchRows);
  info(`model: ${modelFolder(cfg) ?? 'random weights'}: ${describeModelConfig(model.cfg)}`);
  info(`train: ${cfg.task} with ${cfg.method === 'lora' ? `${cfg.lora.use_dora ? 'DoRA' : 'LoRA'} r=${cfg.lora.r}` : 'full fine-tuning'} on ${backend.describe()}; ` +
    `${trainable.toLocaleString('en')} trainable parameters; ${counted(run.train.length, 'training example')}` +
    // packed: the sequences the micro-batches hold are the packs, not the examples
    `${cfg.packing ? ` packed into ${counted(run.loader.sequences, 'sequence')} of ${cfg.max_seq_len.toLocaleString('en')} tokens` : ''}, ` +
    `${counted(run.microBatchesPerEpoch, 'micro-batch', 'micro-batches')} and ${counted(run.stepsPerEpoch, 'optimizer step')} per epoch, ${counted(run.totalSteps, 'step')} in all` +
    `${realBatch === null ? '' : `; ${realBatch}`}`);
  const shape = runBatchShape(cfg, run.train, [], run.batchRows); // packed rows are max_seq_len long, not the longest example
  const acts = model.activations(shape.B, shape.T, true, cfg.task === 'classification' ? 'classification' : 'lm');
  info(`memory: activations ${(acts.bytes / 2 ** 20).toFixed(1)} MiB planned for ${acts.capacity.B} × ${acts.capacity.T} tokens; ${(backend.bytesInUse() / 2 ** 20).toFixed(1)} MiB on the backend in all`);
}

function describeEval(row: EvalRow): string {
  return `loss ${row.loss.toFixed(4)}${row.perplexity !== undefined ? `, perplexity ${row.perplexity.toFixed(2)}` : ''}` +
    `${row.accuracy !== undefined ? `, accuracy ${row.accuracy.toFixed(3)}, macro-F1 ${row.macro_f1!.toFixed(3)}` : ''}`;
}

function lastStepLoss(metrics: MetricsLog): number | null {
  let last: Record<string, unknown> | undefined;
  for (const r of metrics.rows()) if (r.split === undefined) last = r;
  return typeof last?.loss === 'number' ? last.loss : null;
}

function compact(row: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined));
}

export type { SamplePrompt };
