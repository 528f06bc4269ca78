// The run folder's layout, in one place: every name `train` writes into a run directory (the marker, the
// lock, config.yaml, metrics.jsonl, report.json, loss_curve.svg, adapter/ or model/, best/, checkpoints/)
// and the quickstart folder's (its marker, model/, data/, run/). Train, eval, export, the quickstart and
// the dashboard all take the names and paths from here; this file imports nothing of the toolkit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shellPath } from '../util/shell-quote.ts';

export const RUN_LAYOUT = {
  /** Written when `train` creates the folder: only a folder with it is ever emptied by --overwrite. */
  marker: '.mistral-tune-run',
  /** The exclusive lock of a running train (or quickstart) in the folder; an export writing in it holds LOCK.export-HASH (train/run-lock.ts). */
  lock: '.mistral-tune.lock',
  /** The resolved config the run was trained with. */
  config: 'config.yaml',
  /** One JSON row per optimizer step and per evaluation. */
  metrics: 'metrics.jsonl',
  report: 'report.json',
  lossCurve: 'loss_curve.svg',
  /** The last step's weights: adapter/ (LoRA) or model/ (full fine-tuning). */
  adapter: 'adapter',
  model: 'model',
  /** The weights of the best validation loss. */
  best: 'best',
  /** checkpoints/step-NNNNNNN, for --resume. */
  checkpoints: 'checkpoints',
} as const;

/**
 * In best/, beside its weights: the val evaluation they had ({step, loss}), written with them, so that what reads the run
 * (the dashboard) says the loss best/ holds, which after a resume that lost best/ is not the lowest evaluated.
 */
export const BEST_EVALUATION = 'evaluation.json';

export type RunEntry = keyof typeof RUN_LAYOUT;

/** The path of one entry of the run folder `dir`. */
export function runPath(dir: string, entry: RunEntry): string {
  return path.join(dir, RUN_LAYOUT[entry]);
}

/** The entry a run's trained weights are in: best/, or adapter/ (LoRA) or model/ (full) of the last step. */
export function weightsEntry(method: 'lora' | 'full', best = false): 'best' | 'adapter' | 'model' {
  return best ? 'best' : method === 'lora' ? 'adapter' : 'model';
}

/** The folder of a run's trained weights (see weightsEntry). */
export function runWeightsDir(dir: string, method: 'lora' | 'full', best: boolean): string {
  return runPath(dir, weightsEntry(method, best));
}

/** The run folder whose checkpoint the absolute path `abs` is (RUN/checkpoints/step-NNNNNNN); null for another folder. */
export function runOfCheckpoint(abs: string): string | null {
  return /^step-\d{7,}$/.test(path.basename(abs)) && path.basename(path.dirname(abs)) === RUN_LAYOUT.checkpoints ? path.dirname(path.dirname(abs)) : null;
}

/** The run folder whose checkpoint `dir` is, spelled as `dir` was (relative to the working folder where it is); null for another folder. */
export function runOfCheckpointAsGiven(dir: string): string | null {
  const runAbs = runOfCheckpoint(path.resolve(dir));
  if (runAbs === null) return null;
  return path.isAbsolute(dir) ? runAbs : path.relative(process.cwd(), runAbs) || '.';
}

/**
 * For a folder given where weights are read (--adapter, --model, lora.init_from) that is one of a run's checkpoints
 * holding no weights (RUN/checkpoints/step-NNNNNNN: the state --resume continues from; a full run's, or a LoRA run's of
 * an earlier version, before they held the adapter of their step): what it is and
 * the run's weights to give instead, those that are there (a run stopped midway has none yet); '' for any other path.
 * By its place alone: the caller has found no weights in it.
 */
export function checkpointFolderHint(dir: string): string {
  const run = runOfCheckpointAsGiven(dir);
  if (run === null) return '';
  // a LoRA run's checkpoints hold the adapter of their step (checkpoint.ts): one without is an earlier version's, or a full run's
  const what = `: ${dir} is a checkpoint of the training run ${run} (the state --resume continues from) that holds no weights a command reads ` +
    '(a LoRA run\'s checkpoints hold the adapter of their step, but for those an earlier version wrote; a full fine-tuning run\'s hold the state alone)';
  // the run's own kind by the weights it wrote (a LoRA run's checkpoint given as --model names its adapter)
  const last = (['model', 'adapter'] as const).find((e) => fs.existsSync(runPath(run, e)));
  const best = fs.existsSync(runPath(run, 'best')) ? `${runPath(run, 'best')} (the lowest val loss)` : null;
  if (last === undefined && best === null) {
    return `${what}; the run has written no weights yet: mistral-tune train ${shellPath(run)} --resume continues it, and its end writes them`;
  }
  const named = [last === undefined ? null : `${runPath(run, last)} (the last step)`, best].filter((x) => x !== null).join(' and ');
  return `${what}; the run's ${last === 'model' ? 'model is' : last === 'adapter' ? 'adapter is' : 'weights are'} ${named}`;
}

/** Entries that make a folder a run for the dashboard's discovery (a data folder's report.json is not enough). */
export const RUN_EVIDENCE: readonly string[] = [RUN_LAYOUT.marker, RUN_LAYOUT.metrics];

/** The quickstart folder: its marker (whether it finished), the tiny model, the prepared data and the run. */
export const QUICKSTART_LAYOUT = {
  marker: '.mistral-tune-quickstart',
  model: 'model',
  data: 'data',
  run: 'run',
} as const;
