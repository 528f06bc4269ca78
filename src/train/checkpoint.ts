// Resumable checkpoints: checkpoints/step-NNNNNNN/ holds state.safetensors (every trainable tensor and
// its AdamW moments, each in its buffer's dtype) and trainer_state.json (step, data-loader position, optimizer step count,
// metrics.jsonl length, best/'s val evaluation and the lowest val loss, samples, and the SHA-256 of state.safetensors);
// a LoRA run's also holds its adapter as of that step (peft-save.ts's ADAPTER_FILES, as HF Trainer's checkpoint-N folders
// do), which eval, generate, classify, export's GGUF and PEFT load as they load adapter/; resume reads only the state, and
// checks that adapter, writing a damaged one again from the restored weights (repairCheckpointAdapter). Last, the
// record of every file written there (util/written-record.ts), against which each is checked as it is read. A checkpoint is written
// in a temporary folder and renamed into place, so a crash or a full disk leaves either a complete one or
// none (a failed write is a one-line error naming the file); on resume one that fails its checks is
// skipped with a warning and the previous one is used. Only the newest `keep` up to the step saved are kept (a later,
// damaged one is replaced when the run gets there); dropping one deletes
// its own files, never a file of the user's put in its folder (folder-swap.ts and owned-tree.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../backend/backend.ts';
import type { LoaderPosition } from '../data/loader.ts';
import type { Param } from '../model/params.ts';
import { ADAPTER_FILES } from '../model/peft-save.ts';
import { hostFloats } from '../model/weights.ts';
import { boundedItemsText } from '../util/bounded-json.ts';
import { encodeSafetensors, SafetensorsFile, type TensorToWrite } from '../model/safetensors.ts';
import { bufferTensor } from '../model/buffer-tensor.ts';
import { RUN_LAYOUT } from '../run/layout.ts';
import { withIo, writeFileAtomic } from '../util/atomic.ts';
import { foldersPutBack, recoverFolderSwaps, replaceFolderAtomic, requireFolderPlace } from '../util/folder-swap.ts';
import { filesSpec, NOT_A_FOLDER, removeOwned, type FolderSpec } from '../util/owned-tree.ts';
import { UserError } from '../util/errors.ts';
import { warn, warnOnce } from '../util/log.ts';
import { entryKind, openRegularFile, readRegularFile } from '../util/regular-file.ts';
import type { AdamW } from './optimizer.ts';
import type { RunMethod } from './run-files.ts';
import { makeFolders } from '../util/made-folders.ts';
import { fileSha256, sha256Hex, writtenEntry, writtenFileChange, WRITTEN_RECORD } from '../util/written-record.ts';
import { recordWrittenFolder } from '../model/written-folder.ts';

export interface LoopState {
  step: number;
  /** The val evaluation whose weights best/ holds. */
  best: { step: number; loss: number } | null;
  /**
   * The lowest val loss evaluated and its step (HF's best_metric; best-state.ts): best's, unless best/ was lost and
   * started again from a later evaluation. Absent in checkpoints of older versions.
   */
  bestMetric?: { step: number; loss: number } | null;
  /** Evaluations since the last that improved on the lowest val loss by more than early_stopping.min_delta. */
  sinceBest: number;
  /** Where the data loader's next micro-batch comes from (epoch, index, and where grouped the generator's draws). */
  loader: LoaderPosition;
}

export interface CheckpointState<Extra = unknown> {
  version: 1;
  loop: LoopState;
  optimizerStep: number;
  /** Bytes of metrics.jsonl that belong to steps up to this one. */
  metricsBytes: number;
  /** Anything else the trainer needs to finish its report. */
  extra: Extra;
  stateSha256: string;
}

const NAME = /^step-(\d{7,})$/;
const STATE = 'state.safetensors', TRAINER_STATE = 'trainer_state.json';

/**
 * What a checkpoint folder of a run of `method` holds: the state, and in a LoRA run the adapter of its step; with null
 * (the method not known: no readable config.yaml) the state alone, so that a file of the user's named as an adapter's
 * (a README.md) is never taken for train's.
 */
function checkpointSpec(method: RunMethod | null): FolderSpec {
  return filesSpec((name) => name === STATE || name === TRAINER_STATE || name === WRITTEN_RECORD || (method === 'lora' && ADAPTER_FILES.includes(name)));
}

/** What checkpoints/ holds in a run of `method` (checkpointSpec): its checkpoint folders. */
export function checkpointsSpec(method: RunMethod | null): FolderSpec {
  const one = checkpointSpec(method);
  return (name) => (NAME.test(name) ? one : null);
}

export function checkpointName(step: number): string {
  return `step-${String(step).padStart(7, '0')}`;
}

/**
 * Writes a checkpoint of `params` and the optimizer of a run of `method`, in a LoRA run with what `adapter` writes into
 * its folder (the adapter of the step: files of ADAPTER_FILES); keeps the newest `keep`.
 */
export function saveCheckpoint(runDir: string, params: readonly Param[], optimizer: AdamW, backend: Backend,
  state: Omit<CheckpointState, 'version' | 'stateSha256' | 'optimizerStep'>, keep: number, method: RunMethod, adapter?: (dir: string) => void): string {
  if (adapter && method !== 'lora') throw new Error('saveCheckpoint: an adapter is written in a LoRA run\'s checkpoints only');
  const root = path.join(runDir, RUN_LAYOUT.checkpoints);
  withIo(root, 'create the folder', () => makeFolders(root));
  const tensors: Record<string, TensorToWrite> = {};
  params.forEach((p, i) => {
    tensors[`param.${p.name}`] = bufferTensor(backend, p.value, p.shape);
    tensors[`exp_avg.${p.name}`] = bufferTensor(backend, optimizer.m[i]!, p.shape);
    tensors[`exp_avg_sq.${p.name}`] = bufferTensor(backend, optimizer.v[i]!, p.shape);
  });
  const chunks = encodeSafetensors(tensors, { format: 'mistral-tune-checkpoint' });
  // a tensor may hold 2 GiB or more, more than Node's hash takes at once: sha256Hex hashes it in pieces
  const full: CheckpointState = { version: 1, ...state, optimizerStep: optimizer.step, stateSha256: sha256Hex(chunks) };
  const final = path.join(root, checkpointName(state.loop.step));
  // built beside its final place and renamed into it: a failed write (a full disk) leaves the earlier
  // checkpoints as they were and no partial one (one that cannot be removed is said: --resume removes it, restoreLatestCheckpoint)
  replaceFolderAtomic(final, (tmp) => {
    fs.mkdirSync(tmp);
    writeFileAtomic(path.join(tmp, STATE), ...chunks);
    writeFileAtomic(path.join(tmp, TRAINER_STATE), JSON.stringify(full, null, 2) + '\n');
    adapter?.(tmp);
    recordWrittenFolder(tmp); // what resume, eval, generate and export read of it is checked against this
  }, checkpointSpec(method), 'train --resume');
  // checkpoints of later steps are ones a resume went back before, each having failed its checks (the run goes on from
  // its newest valid one): they are replaced as the run reaches their steps, and counted they made the rotation drop
  // the checkpoint just written (a run restarted below them had none to resume from)
  const all = listCheckpoints(runDir).filter((d) => stepOf(d) <= state.loop.step);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) dropCheckpoint(old, method);
  return final;
}

/** The step a checkpoint folder (listCheckpoints) is named after. */
export function stepOf(dir: string): number {
  return Number(NAME.exec(path.basename(dir))![1]);
}

/**
 * Drops the checkpoints before the one of `step` that the rotation after it drops: all but the newest `keep - 1`. A
 * resume from `step` calls it, so a run killed between writing a checkpoint and rotating (or midway through deleting
 * one) does not keep the extra one for good when the resumed run writes no further checkpoint.
 */
export function dropCheckpointsBefore(runDir: string, step: number, keep: number, method: RunMethod): void {
  const before = listCheckpoints(runDir).filter((d) => stepOf(d) < step);
  for (const old of before.slice(0, Math.max(0, before.length - (keep - 1)))) dropCheckpoint(old, method);
}

/**
 * Deletes the checkpoint folder `dir` of a run of `method` that rotation drops: its own files only. One that holds files of the user's
 * (notes beside the state) keeps them and its folder, with a warning; it is still the oldest, so the next
 * rotation drops the one after it and `keep` whole checkpoints remain.
 */
function dropCheckpoint(dir: string, method: RunMethod): void {
  const hadState = fs.existsSync(path.join(dir, TRAINER_STATE));
  const kept = withIo(dir, 'delete the old checkpoint', () => removeOwned(dir, checkpointSpec(method)));
  if (kept.includes(NOT_A_FOLDER)) {
    // it stays the oldest, so every later rotation comes to it again: said once, as kept files are (hadState)
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    const what = st === undefined || st.isSymbolicLink() ? 'a symbolic link, which mistral-tune did not make: nothing in it was deleted'
      : `${entryKind(st)}, which mistral-tune did not make: it was not deleted`;
    warnOnce(`the old checkpoint ${dir} is ${what}`);
  } else if (kept.length > 0 && hadState) {
    warn(`kept ${boundedItemsText(kept, { shown: 5, keepEnd: true })} in the old checkpoint ${dir}: mistral-tune did not write ` +
      `${kept.length === 1 ? 'it' : 'them'}, so only the checkpoint's own files were deleted`);
  }
}

/**
 * Throws (the error of the write: requireFolderPlace) when a file or symbolic link of the user's is named as a checkpoint
 * that a run going on from `fromStep` to `toStep` writes (every `every` steps): a resume took it for a corrupt checkpoint
 * and trained on, to be refused at that step's write with the steps since trained for nothing. One of a step not written
 * again (the one resumed from, one before it) is left: read through, or kept by the rotation.
 */
export function requireCheckpointPlaces(runDir: string, fromStep: number, toStep: number, every: number | null): void {
  if (every === null) return;
  for (const dir of listCheckpoints(runDir)) {
    const step = stepOf(dir);
    // step-00000002 is read as step 2's, but the run writes step-0000002 (checkpointName): no place of the run's
    if (step > fromStep && step <= toStep && step % every === 0 && path.basename(dir) === checkpointName(step)) requireFolderPlace(dir);
  }
}

/** Checkpoint folders, oldest first. */
export function listCheckpoints(runDir: string): string[] {
  const root = path.join(runDir, RUN_LAYOUT.checkpoints);
  const stat = fs.statSync(root, { throwIfNoEntry: false });
  if (stat === undefined) return [];
  if (!stat.isDirectory()) throw new UserError(`is not a folder, where train keeps its checkpoints: move it away (mistral-tune did not make it)`, root);
  return fs.readdirSync(root).filter((n) => NAME.test(n)).sort().map((n) => path.join(root, n));
}

/**
 * The checkpoint folders a resume finds once it has repaired what a crash left (recoverFolderSwaps: one moved aside
 * between the two renames of its replacement is put back), oldest first, each with where it is now (`at`: its
 * moved-aside copy for one put back); read without repairing anything, for `train --resume --dry-run`.
 */
export function checkpointsAfterRepair(runDir: string, method: RunMethod): Array<{ dir: string; at: string }> {
  const root = path.join(runDir, RUN_LAYOUT.checkpoints);
  const back = foldersPutBack(root, checkpointsSpec(method));
  const found = listCheckpoints(runDir).map((dir) => ({ dir, at: dir }));
  const all = [...found, ...[...back].map(([name, at]) => ({ dir: path.join(root, name), at }))];
  return all.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

/**
 * The newest checkpoint that passes its checks (state file hash, trainer_state.json's fields — `extraProblem` judges its
 * caller's `extra`), restored into `params` and the optimizer; null when there is none. A damaged checkpoint is skipped
 * for the one before it, but not one whose run has changed since: `refuseChanged` throws for a checkpoint of another
 * config or base model, and a whole checkpoint whose tensors do not fit `params` is refused too, since every earlier
 * checkpoint is of the same run (skipping them all would restart the run over its checkpoints). `placeProblem` judges,
 * once the run is known to be the same, whether the checkpoint's place in the data exists (a damaged trainer_state.json's
 * may not): one whose does not is skipped as damaged. `trainAgain` ends a refusal: the way to start the run over, in its
 * caller's words (the CLI's --overwrite, a library call's options.overwrite).
 */
export function restoreLatestCheckpoint(runDir: string, method: RunMethod, params: readonly Param[], optimizer: AdamW, backend: Backend, checks: {
  trainAgain: string;
  extraProblem?: (extra: Record<string, unknown>) => string | null;
  refuseChanged?: (state: CheckpointState) => void;
  placeProblem?: (state: CheckpointState) => string | null;
}): CheckpointState | null {
  const { trainAgain, extraProblem = () => null, refuseChanged = () => {}, placeProblem = () => null } = checks;
  // half-written checkpoints of a process that was killed while saving (files of the user's in them are kept)
  recoverFolderSwaps(path.join(runDir, RUN_LAYOUT.checkpoints), checkpointsSpec(method));
  for (const dir of listCheckpoints(runDir).reverse()) {
    let state: CheckpointState;
    try {
      state = readWholeCheckpoint(dir, extraProblem);
    } catch (e) {
      warn(`checkpoint ${dir} is incomplete or corrupt (${(e as Error).message}); trying the previous one`);
      continue;
    }
    refuseChanged(state);
    const misplaced = placeProblem(state);
    if (misplaced !== null) {
      warn(`checkpoint ${dir} is incomplete or corrupt (trainer_state.json: ${misplaced}); trying the previous one`);
      continue;
    }
    restoreTensors(dir, state, params, optimizer, backend, trainAgain);
    return state;
  }
  return null;
}

/** A LoRA checkpoint's adapter weights (peft-save.ts's ADAPTER_FILES), which --resume does not read but checks (repairCheckpointAdapter). */
const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

/**
 * Checks the adapter weights of the checkpoint of `step` that a LoRA run resumed from against the checkpoint's record:
 * resume reads only the state, so one damaged since (a flipped byte, cut short, deleted) stayed until an eval or export
 * of the checkpoint refused it. `weights` are the adapter_model.safetensors bytes of the restored weights
 * (peft-save.ts's adapterWeightsFile), the very ones the checkpoint was written with: when they are the bytes recorded,
 * the damaged file is written again from them. Returns what was found and done, for a warning; null when the file is
 * whole, or not recorded (a checkpoint of an older version holds the state alone). Anything other than a plain file in
 * its place is not the checkpoint's own and is left there (said).
 */
export function repairCheckpointAdapter(runDir: string, step: number, weights: () => Uint8Array[]): string | null {
  const file = path.join(runDir, RUN_LAYOUT.checkpoints, checkpointName(step), ADAPTER_WEIGHTS);
  const entry = writtenEntry(file);
  if (entry === null) return null;
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (st !== undefined && !st.isFile()) return `${file}: is not a plain file, where the checkpoint's adapter weights were written: it is left as it is, and an eval or export of the checkpoint refuses it`;
  let what = 'it is not there';
  if (st !== undefined) {
    const fd = openRegularFile(file);
    try {
      const change = writtenFileChange(fd, entry);
      if (change === null) return null;
      what = `changed since mistral-tune wrote it (${change})`;
    } finally {
      fs.closeSync(fd);
    }
  }
  const problem = `${file}: ${what}`;
  const chunks = weights();
  const bytes = chunks.reduce((n, c) => n + c.byteLength, 0);
  if (bytes !== entry.bytes || sha256Hex(chunks) !== entry.sha256) {
    return `${problem}; the restored weights of step ${step} do not give the bytes recorded, so it is left as it is: an eval or export of the checkpoint refuses it (the run's next checkpoints, adapter/ and best/ are written from its weights)`;
  }
  writeFileAtomic(file, ...chunks);
  return `${problem}: written again from the checkpoint's restored weights of step ${step}, exactly as recorded`;
}

/**
 * What is wrong with the fields of a trainer_state.json (hand-edited or damaged: only state.safetensors is hashed), or
 * null; `step` is the one its folder is named after.
 */
function stateProblem(state: CheckpointState, step: number): string | null {
  const count = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  const object = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  const loop: unknown = state.loop;
  if (!object(loop)) return 'loop is not an object';
  if (loop.step !== step) return `loop.step is ${JSON.stringify(loop.step)}, not the folder's step ${step}`;
  const best = loop.best;
  if (best !== null && !(object(best) && count(best.step) && typeof best.loss === 'number' && Number.isFinite(best.loss))) return 'loop.best is not null or {step, loss}';
  // an evaluation after the checkpoint cannot be its best: report.json would name a step the run never reached
  if (best !== null && (best.step as number) > step) return `loop.best.step ${best.step as number} is past the checkpoint's step ${step}`;
  const lowest = loop.bestMetric;
  if (lowest !== undefined) {
    if (lowest !== null && !(object(lowest) && count(lowest.step) && typeof lowest.loss === 'number' && Number.isFinite(lowest.loss))) return 'loop.bestMetric is not null or {step, loss}';
    if (lowest !== null && (lowest.step as number) > step) return `loop.bestMetric.step ${lowest.step as number} is past the checkpoint's step ${step}`;
    // best/'s evaluation is one of those the lowest was taken over (but step 0's, which an older version's run kept)
    if (best !== null && (best.step as number) > 0 && (lowest === null || (lowest.loss as number) > (best.loss as number))) return 'loop.bestMetric is not the lowest val loss (loop.best is lower)';
  }
  if (!count(loop.sinceBest)) return 'loop.sinceBest is not a count';
  const loader = loop.loader;
  if (!object(loader) || !count(loader.epoch) || !count(loader.index)) return 'loop.loader is not {epoch, index}';
  // an epoch no step count reaches would be taken as the run's last, ending it at that epoch's end
  if ((loader.epoch as number) > step) return `loop.loader.epoch ${loader.epoch as number} is past the step ${step} (every epoch takes an optimizer step)`;
  const draws = loader.torchDraws;
  if (draws !== undefined && !(object(draws) && count(draws.epoch) && count(draws.now) && (draws.now as number) >= (draws.epoch as number))) {
    return 'loop.loader.torchDraws is not {epoch, now}, counts with now ≥ epoch';
  }
  if (!count(state.metricsBytes)) return 'metricsBytes is not a count';
  if (!count(state.optimizerStep)) return 'optimizerStep is not a count';
  // AdamW's bias correction counts its updates, one a step: another count would go on from other weights than the run's
  if (state.optimizerStep !== step) return `optimizerStep ${state.optimizerStep} is not the step ${step} (AdamW updates once a step)`;
  if (!object(state.extra)) return 'extra is not an object';
  return null;
}

/**
 * The trainer_state.json of checkpoint `dir`, once its fields and the SHA-256 of its state.safetensors are checked; throws
 * what is wrong. `hashed: false` (`train --resume --dry-run`): state.safetensors is checked by its header and its size
 * against the one recorded (SafetensorsFile.open: a checkpoint cut short), not read through, which a 7B full fine-tuning's
 * 87 GB (weights, AdamW m and v in f32) would take minutes for; a byte changed in place is found by the resume's hash alone.
 * `step`: the one its folder is named after (a checkpoint read from its moved-aside copy: checkpointsAfterRepair).
 */
export function readWholeCheckpoint(dir: string, extraProblem: (extra: Record<string, unknown>) => string | null, { hashed = true, step = stepOf(dir) } = {}): CheckpointState {
  // read only as regular files: a FIFO in a checkpoint blocked --resume forever, a corrupt checkpoint it is skipped as
  const state = JSON.parse(readRegularFile(path.join(dir, TRAINER_STATE)).toString('utf8')) as CheckpointState;
  if (state?.version !== 1 || typeof state.stateSha256 !== 'string') throw new Error('unknown trainer_state.json format');
  const wrong = stateProblem(state, step) ?? extraProblem(state.extra as Record<string, unknown>);
  if (wrong) throw new Error(`trainer_state.json: ${wrong}`);
  if (!hashed) {
    SafetensorsFile.open(path.join(dir, STATE)).close();
    return state;
  }
  // hashed as it is read through: a full fine-tuning's state (weights and both moments) is past 2 GiB from 180M
  // parameters, more than a file read whole can be
  const fd = openRegularFile(path.join(dir, STATE));
  let digest: string;
  try {
    digest = fileSha256(fd).sha256;
  } finally {
    fs.closeSync(fd);
  }
  if (digest !== state.stateSha256) throw new Error('state.safetensors does not match its recorded SHA-256');
  return state;
}

/**
 * Loads the state.safetensors of the whole checkpoint `dir` into `params` and the optimizer. Its bytes are the ones
 * written, so a tensor missing or of another shape means that the run's model or config changed since: a UserError.
 */
function restoreTensors(dir: string, state: CheckpointState, params: readonly Param[], optimizer: AdamW, backend: Backend, trainAgain: string): void {
  const file = path.join(dir, STATE);
  const st = SafetensorsFile.open(file);
  try {
    // checked whole first, so a refused checkpoint changes nothing
    const refusal = otherTensorsRefusal(st, file, state.loop.step, params, trainAgain);
    if (refusal) throw refusal;
    const values = params.map((p) => [st.readF32(`param.${p.name}`), st.readF32(`exp_avg.${p.name}`), st.readF32(`exp_avg_sq.${p.name}`)] as const);
    params.forEach((p, i) => {
      const [value, m, v] = values[i]!;
      backend.upload(p.value, hostFloats(value, p.value.dtype));
      backend.upload(optimizer.m[i]!, hostFloats(m, optimizer.m[i]!.dtype));
      backend.upload(optimizer.v[i]!, hostFloats(v, optimizer.v[i]!.dtype));
    });
  } finally {
    st.close();
  }
  optimizer.step = state.optimizerStep;
}

/** A trainable tensor's name and shape (Param's, or plannedTrainableShapes' without a model). */
export interface TensorShape {
  name: string;
  shape: readonly number[];
}

/**
 * The refusal of the checkpoint of `step` whose state.safetensors (`st`, at `file`) lacks a tensor of `params` or holds
 * it in another shape, checked in the order the resume reads them (each parameter, its AdamW m, its v): its bytes are the
 * ones written, so the run's model or config changed since. Null when every one fits.
 */
export function otherTensorsRefusal(st: Pick<SafetensorsFile, 'has' | 'info'>, file: string, step: number, params: Iterable<TensorShape>, trainAgain: string): UserError | null {
  for (const p of params) {
    for (const name of [`param.${p.name}`, `exp_avg.${p.name}`, `exp_avg_sq.${p.name}`]) {
      if (st.has(name) && st.info(name).shape.join() === p.shape.join()) continue;
      const stored = st.has(name) ? `has shape [${st.info(name).shape.join(', ')}]` : 'is not in it';
      return new UserError(`cannot resume: the checkpoint of step ${step} was written by another model or config: its tensor "${name}" ${stored}, ` +
        `where this run's is [${p.shape.join(', ')}]; train with the model and config the run was made with, or ${trainAgain}`, file);
    }
  }
  return null;
}

/** The path of the state file in checkpoint folder `dir`. */
export function checkpointStateFile(dir: string): string {
  return path.join(dir, STATE);
}
