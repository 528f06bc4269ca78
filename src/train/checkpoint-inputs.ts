// What a resume refuses of its run's record in the checkpoint it resumes: a config other than the one recorded (the
// run's config.yaml edited since), data.train whose tokens differ (data-fingerprint.ts: the run's place in it, epoch and
// micro-batch, would point into other data), and under a LoRA adapter other base weights in the model folder
// (model-fingerprint.ts). The trainer refuses them before it restores the checkpoint; `train --resume --dry-run`
// foretells them from the newest whole checkpoint's record (or without one, the run's start: restartRefusal), in the same words.
import * as fs from 'node:fs';
import { RUN_LAYOUT } from '../run/layout.ts';
import { isUserError, UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import type { DataLoader, LoaderPosition } from '../data/loader.ts';
import { SafetensorsFile } from '../model/safetensors.ts';
import { checkpointsAfterRepair, checkpointStateFile, otherTensorsRefusal, readWholeCheckpoint, requireCheckpointPlaces, stepOf, type TensorShape } from './checkpoint.ts';
import { modelFolder, type TrainConfig } from './config.ts';
import { readYamlMapping } from './config-yaml.ts';
import { changedData, isDataFingerprints, type DataFingerprints } from './data-fingerprint.ts';
import { restartRefusal } from './restart-check.ts';
import { configRecord, resumeChanges, type RunDir } from './run-dir.ts';

/**
 * A checkpoint records each split's tokens (data-fingerprint.ts), not its file's bytes: an unchanged file tokenized by an
 * edited tokenizer.json, tokenizer_config.json or chat template of the model folder differs as much, and the error that
 * said only "data.train changed … put the data back" sent one to a file that had not changed.
 */
export const AS_TOKENIZED = ' (its tokens: the file changed, or the model folder\'s tokenizer or chat template that tokenizes it)';

/** What a checkpoint recorded of its run (its trainer_state.json's extra; each absent in older checkpoints). */
export interface RecordedInputs {
  /** The config the run was trained with up to the checkpoint (configRecord). */
  config?: Record<string, unknown>;
  data?: DataFingerprints;
  model?: string;
}

/** The run's config.yaml as --resume found it, and the config the resume goes on with, to compare with a checkpoint's. */
export interface ConfigCheck {
  /** config.yaml (null: none read). */
  yaml: Record<string, unknown> | null;
  /** configRecord of the config now. */
  now: Record<string, unknown>;
  /** config.yaml's path. */
  file: string;
  /** Where a refusal of `key` points: its line in the config file given, else config.yaml. */
  where: (key: string) => string;
}

/** The inputs of the run now, each worked out only when needed (the data's fingerprints hash every token). */
export interface InputsNow {
  data: () => DataFingerprints;
  /** The model folder's weights' fingerprint; undefined for random weights. */
  model: () => string | undefined;
}

/**
 * Whether the model at model: now holds the weights the checkpoint recorded (a model folder moved since may go on;
 * undefined when it recorded none: random weights, or an older checkpoint), and whether the file of a data key (data.val)
 * holds the tokens it recorded of it, wherever it now is: what resumeChanges lets a path change by.
 */
export function sameInputs(recorded: RecordedInputs, now: InputsNow): { sameWeights: boolean | undefined; sameData: (key: string) => boolean } {
  const model = recorded.model === undefined ? undefined : now.model();
  return {
    sameWeights: model === undefined ? undefined : recorded.model === model,
    sameData: (key) => recorded.data !== undefined && !changedData(recorded.data, now.data()).some((c) => `data.${c.split}` === key),
  };
}

/**
 * The refusal of a resume from the checkpoint of `step` with a config other than the one it recorded (or, for an older
 * checkpoint that recorded none, than config.yaml, as openForResume compared it): `train RUN --resume` takes the run's
 * own config.yaml, which no comparison with itself catches edited. Null when the config may go on.
 */
export function otherConfigRefusal(step: number, recorded: RecordedInputs, c: ConfigCheck, now: InputsNow, trainAgain: string): UserError | null {
  const then = recorded.config ?? c.yaml;
  const edited = then ? resumeChanges(then, c.now, sameInputs(recorded, now)).refused : [];
  if (edited.length === 0) return null;
  // `train RUN --resume`: config.yaml is the config; `train CONFIG --resume`: only model: and the data paths can differ
  // here, named at the first one's line
  const fromYaml = c.yaml !== null && resumeChanges(c.yaml, c.now).refused.length === 0;
  const first = edited[0]!.slice(0, edited[0]!.indexOf(' ('));
  return new UserError(`cannot resume: ${edited.join(', ')} changed since the checkpoint of step ${step} was written` +
    `${fromYaml ? ` (${RUN_LAYOUT.config} was edited, or the checkpoint was copied in from another run)` : ''}: put the values back, or ${trainAgain}`,
    fromYaml ? c.file : c.where(first));
}

/**
 * The refusal of a resume from the checkpoint of `step` that recorded `recorded`, when the inputs now are others: its
 * data.train, or (LoRA: a full fine-tuning checkpoint holds every weight itself) the model's weights; null when they
 * are the same, or not recorded. `trainAgain` ends it: the way to start the run over, in its caller's words.
 */
export function otherInputsRefusal(cfg: TrainConfig, step: number, recorded: RecordedInputs, now: InputsNow, trainAgain: string): UserError | null {
  const train = recorded.data ? changedData(recorded.data, now.data()).find((c) => c.split === 'train') : undefined;
  if (train) {
    return new UserError(`cannot resume: data.train changed since the checkpoint of step ${step} was written (${train.what})${AS_TOKENIZED}: ` +
      `the run's place in it (epoch, micro-batch) would point into other data; put the data and the tokenizer back, or ${trainAgain}`, cfg.data.train);
  }
  if (cfg.method === 'lora' && sameInputs(recorded, now).sameWeights === false) {
    return new UserError(`cannot resume: the model's weights changed since the checkpoint of step ${step} was written (same folder, other tensors): ` +
      `the adapter so far was trained over other base weights; put that model back, or ${trainAgain}`, modelFolder(cfg) ?? undefined);
  }
  return null;
}

/** What is wrong with a checkpoint's extra (the trainer's ReportState: a damaged trainer_state.json), or null: the resume skips such a checkpoint. */
export function reportStateProblem(extra: Record<string, unknown>): string | null {
  if (!Array.isArray(extra.evalRows) || !Array.isArray(extra.samples)) return 'extra is not {evalRows, samples}';
  // read back as evaluations and samples (evalRowFromJson, the prompts'): a null one stopped the resume with a TypeError
  const row = extra.evalRows.findIndex((r: unknown) => !(isRecord(r) && Number.isSafeInteger(r.step) && (r.step as number) >= 0 &&
    (r.split === 'val' || r.split === 'test') && typeof r.loss === 'number'));
  if (row >= 0) return `extra.evalRows[${row}] is not {step, split, loss}`;
  const sample = extra.samples.findIndex((x: unknown) => !isRecord(x));
  if (sample >= 0) return `extra.samples[${sample}] is not an object`;
  if (extra.data !== undefined && !isDataFingerprints(extra.data)) return 'extra.data is not the data fingerprints';
  if (extra.model !== undefined && typeof extra.model !== 'string') return 'extra.model is not a model fingerprint';
  if (extra.ranOn !== undefined && typeof extra.ranOn !== 'string') return 'extra.ranOn is not a string';
  return extra.config === undefined || (typeof extra.config === 'object' && extra.config !== null) ? null : 'extra.config is not an object';
}

/** What the resume's checks of a checkpoint's place in the data and of its tensors take of the run now. */
export interface RunNow {
  /** The run's data loader (restored to a checkpoint's place as the resume restores it). */
  loader: DataLoader;
  /** The run's trainable tensors' names and shapes, in the resume's order (plannedTrainableShapes). */
  params: () => Iterable<TensorShape>;
  /** The steps the run trains in all: the checkpoints after the one resumed from that it writes, up to it (requireCheckpointPlaces). */
  totalSteps: number;
}

/**
 * What a resume of `run` with `cfg` would refuse, judged as the resume judges it (restoreLatestCheckpoint, the trainer's
 * refuseChanged and placeProblem) before it loads a tensor: from its newest checkpoint that passes its checks (a config
 * other than the one it recorded, an older version's data order, other data or base weights: otherConfigRefusal,
 * otherInputsRefusal; a place in the data that does not exist skips it; its tensors not of the run's shapes; a file or link of the
 * user's named as a checkpoint it would write, thrown: requireCheckpointPlaces), once a
 * checkpoint a crash left moved aside is counted as put back (checkpointsAfterRepair); else from what the run recorded
 * when it started (restartRefusal: it would start again from step 0); null when it would go on. Reads only: nothing in
 * the run is repaired or changed; of each checkpoint looked at, its trainer_state.json and state.safetensors's header.
 * `where`: the place a refusal of a config key names (its line in the config file given).
 */
export function foretoldResumeRefusal(cfg: TrainConfig, run: RunDir, now: InputsNow & RunNow, trainAgain: string, where: (key: string) => string): UserError | null {
  const configNow = configRecord(cfg);
  const file = run.file(RUN_LAYOUT.config);
  const yaml = fs.existsSync(file) ? readYamlMapping(file) : null;
  for (const { dir, at } of checkpointsAfterRepair(run.dir, cfg.method).reverse()) {
    const step = stepOf(dir);
    let recorded: RecordedInputs, place: LoaderPosition;
    try {
      // as reportStateProblem checked it; its state.safetensors by size, not hashed (readWholeCheckpoint)
      const state = readWholeCheckpoint(at, reportStateProblem, { hashed: false, step });
      recorded = state.extra as RecordedInputs;
      place = state.loop.loader;
    } catch {
      continue; // the resume skips it for the one before it (with its warning)
    }
    const refusal = otherConfigRefusal(step, recorded, { yaml, now: configNow, file, where }, now, trainAgain) ?? olderOrderRefusal(now.loader, step, place, file, trainAgain) ??
      otherInputsRefusal(cfg, step, recorded, now, trainAgain);
    if (refusal) return refusal;
    if (placeProblem(now.loader, place) !== null) continue; // skipped as damaged (with its warning)
    const st = SafetensorsFile.open(checkpointStateFile(at));
    try {
      const refusal = otherTensorsRefusal(st, checkpointStateFile(dir), step, now.params(), trainAgain);
      if (refusal === null) requireCheckpointPlaces(run.dir, step, now.totalSteps, cfg.checkpoint.every_steps); // thrown, as the resume throws it
      return refusal;
    } finally {
      st.close();
    }
  }
  requireCheckpointPlaces(run.dir, 0, now.totalSteps, cfg.checkpoint.every_steps); // before the restart's checks, as the resume
  return restartRefusal(run, { then: yaml ?? configNow, now: configNow, model: now.model(), trainAgain, where });
}

/**
 * The refusal of the checkpoint of `step` at `place` in the data, written by an older mistral-tune whose packs or
 * length-grouped order `loader` does not make (its place would point into other batches); null when it makes them.
 * `file`: the run's config.yaml, which the refusal names.
 */
export function olderOrderRefusal(loader: DataLoader, step: number, place: LoaderPosition, file: string, trainAgain: string): UserError | null {
  const older = loader.olderOrder(place);
  return older === null ? null : new UserError(`cannot resume: the checkpoint of step ${step} was written by an older mistral-tune, whose ${older} differs: ` +
    `its place in the data would point into other batches; ${trainAgain}`, file);
}

/**
 * Whether the checkpoint's place in the (unchanged) data exists: `loader` is left there when it does, as it was when not
 * (then what is wrong with it, for the warning that skips the checkpoint as damaged).
 */
export function placeProblem(loader: DataLoader, place: LoaderPosition): string | null {
  const here = loader.position;
  try {
    loader.restore(place);
    return null;
  } catch (e) {
    if (!isUserError(e)) throw e;
    loader.restore(here);
    return `loop.loader: ${e.message}`;
  }
}
