// What `train` writes in a run folder, at every depth, as a FolderSpec (owned-tree.ts): the names of
// run/layout.ts at the top (and the lock's files), the adapter's files in adapter/, a model folder's in model/,
// either in best/, and the checkpoint folders in checkpoints/. --overwrite, the replacement of adapter/ and
// best/, checkpoint rotation and the quickstart delete only what this says train wrote.
import { ADAPTER_FILES } from '../model/peft.ts';
import { writesModelFile } from '../model/save.ts';
import { RUN_LAYOUT } from '../run/layout.ts';
import { FILE, filesSpec, type FolderSpec } from '../util/owned-tree.ts';
import { CHECKPOINTS_SPEC } from './checkpoint.ts';

const isAdapterFile = (name: string): boolean => ADAPTER_FILES.includes(name);
const ADAPTER_SPEC = filesSpec(isAdapterFile);
const MODEL_SPEC = filesSpec(writesModelFile);
/** best/: the adapter or the model, as the run's method makes it. */
const WEIGHTS_SPEC = filesSpec((name) => isAdapterFile(name) || writesModelFile(name));

const FOLDERS: ReadonlyMap<string, FolderSpec> = new Map([
  [RUN_LAYOUT.adapter, ADAPTER_SPEC], [RUN_LAYOUT.model, MODEL_SPEC], [RUN_LAYOUT.best, WEIGHTS_SPEC], [RUN_LAYOUT.checkpoints, CHECKPOINTS_SPEC],
]);
const FILES: ReadonlySet<string> = new Set([RUN_LAYOUT.marker, RUN_LAYOUT.config, RUN_LAYOUT.metrics, RUN_LAYOUT.report, RUN_LAYOUT.lossCurve]);

/** Whether `entry` of a run folder is the lock of a running train or one of its temporary and guard files. */
export const isLockEntry = (entry: string): boolean => entry.startsWith(RUN_LAYOUT.lock);

/** What train writes in a run folder. */
export const RUN_SPEC: FolderSpec = (name) => FOLDERS.get(name) ?? (FILES.has(name) || isLockEntry(name) ? FILE : null);

/** What train writes in the run folder's sub-folder `name` (adapter/, best/, model/). */
export function runFolderSpec(name: string): FolderSpec {
  const spec = RUN_SPEC(name);
  if (typeof spec !== 'function') throw new Error(`${name} is not a folder of a run`);
  return spec;
}
