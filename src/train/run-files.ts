// What `train` writes in a run folder, at every depth, as a FolderSpec (owned-tree.ts): the names of
// run/layout.ts at the top (and the lock's files), the checkpoint folders in checkpoints/, and the weights as the
// run's method makes them: a LoRA run the adapter's files in adapter/ and best/, a full fine-tuning run a model
// folder's in model/ and best/ (so a config.json of the user's in a LoRA run's best/, or a model/ folder beside
// its adapter/, is never train's). --overwrite, the replacement of adapter/ and best/, checkpoint rotation, the
// export of a run's weights and the quickstart delete, replace or copy only what this says train wrote.
import * as fs from 'node:fs';
import { ADAPTER_FILES } from '../model/peft-save.ts';
import { MODEL_FOLDER_SPEC } from '../model/folder-files.ts';
import { BEST_EVALUATION, RUN_LAYOUT, runPath, weightsEntry } from '../run/layout.ts';
import { isUserError } from '../util/errors.ts';
import { FILE, filesSpec, type FolderSpec } from '../util/owned-tree.ts';
import { checkpointsSpec } from './checkpoint.ts';
import { WRITTEN_RECORD } from '../util/written-record.ts';
import { readYamlMapping } from './config-yaml.ts';

export type RunMethod = 'lora' | 'full';

/** The files of a run's weights folders (adapter/ or model/, and best/), by its method. */
const WEIGHTS_SPEC: Readonly<Record<RunMethod, FolderSpec>> = {
  lora: filesSpec((name) => ADAPTER_FILES.includes(name) || name === WRITTEN_RECORD),
  full: (name) => (name === WRITTEN_RECORD ? FILE : MODEL_FOLDER_SPEC(name)),
};
/** best/: the weights, and the evaluation they had (BEST_EVALUATION). */
const BEST_SPEC: Readonly<Record<RunMethod, FolderSpec>> = {
  lora: (name) => (name === BEST_EVALUATION ? FILE : WEIGHTS_SPEC.lora(name)),
  full: (name) => (name === BEST_EVALUATION ? FILE : WEIGHTS_SPEC.full(name)),
};
const FILES: ReadonlySet<string> = new Set([RUN_LAYOUT.marker, RUN_LAYOUT.config, RUN_LAYOUT.metrics, RUN_LAYOUT.report, RUN_LAYOUT.lossCurve]);

/** Whether `entry` of a run folder is the lock of a running train or one of its temporary and guard files. */
export const isLockEntry = (entry: string): boolean => entry.startsWith(RUN_LAYOUT.lock);

/**
 * What train writes in a run folder of `method`; with null (the method is not known: no readable config.yaml),
 * no weights folder is train's, so nothing in one is ever deleted as train's.
 */
export function runSpec(method: RunMethod | null): FolderSpec {
  const weights = method === null ? null : RUN_LAYOUT[weightsEntry(method)];
  return (name) => {
    if (method !== null && name === weights) return WEIGHTS_SPEC[method];
    if (method !== null && name === RUN_LAYOUT.best) return BEST_SPEC[method];
    if (name === RUN_LAYOUT.checkpoints) return checkpointsSpec(method);
    return FILES.has(name) || isLockEntry(name) ? FILE : null;
  };
}

/** What train wrote in the run folder `dir`: runSpec of the method its config.yaml records (a run writes it first). */
export function runSpecOf(dir: string): FolderSpec {
  return runSpec(recordedMethod(dir));
}

/** The method of the run folder `dir`'s config.yaml, or null when it has none that says (absent, unreadable, edited). */
export function recordedMethod(dir: string): RunMethod | null {
  const file = runPath(dir, 'config');
  if (!fs.existsSync(file)) return null;
  let config: Record<string, unknown>;
  try {
    config = readYamlMapping(file);
  } catch (e) {
    if (isUserError(e)) return null;
    throw e;
  }
  return config.method === 'lora' || config.method === 'full' ? config.method : null;
}

/** What train writes in the sub-folder `name` (adapter/, best/, model/) of a run of `method`. */
export function runFolderSpec(name: string, method: RunMethod): FolderSpec {
  const spec = runSpec(method)(name);
  if (typeof spec !== 'function') throw new Error(`${name} is not a folder of a ${method} run`);
  return spec;
}
