// What a resumed run will write in its run folder, checked before anything loads or trains: a symbolic link (or a
// file or folder of the wrong kind) of the user's where train writes adapter/ (model/), best/, checkpoints/,
// metrics.jsonl, report.json or loss_curve.svg was refused only when the run came to write it, hours into a 7B run.
// The errors are those of the writes themselves (folder-swap.ts, metrics-log.ts), said first.
import * as path from 'node:path';
import { RUN_LAYOUT, runPath, weightsEntry, type RunEntry } from '../run/layout.ts';
import { requireFolderPlace } from '../util/folder-swap.ts';
import { requireOwnFile } from './metrics-log.ts';
import type { RunMethod } from './run-files.ts';

/** The run folder's files that train writes again on a resume (config.yaml and the marker, read first, are checked before: requireRunConfigAndMarker). */
const FILES: readonly RunEntry[] = ['metrics', 'report', 'lossCurve'];

/** Throws, as the write would, when any place of the run folder `dir` of `method` that train writes holds what train cannot write there. */
export function checkRunOutputs(dir: string, method: RunMethod): void {
  for (const folder of [runPath(dir, weightsEntry(method)), runPath(dir, 'best'), path.join(dir, RUN_LAYOUT.checkpoints)]) requireFolderPlace(folder);
  for (const entry of FILES) requireOwnFile(runPath(dir, entry));
}

/**
 * Throws, as checkRunOutputs does, when the run folder `dir`'s config.yaml or marker is not a plain file (a symbolic
 * link of the user's): a resume reads config.yaml as the run's config, before anything else is loaded, and writes it
 * again (recordConfig); it reads the marker's model fingerprint and writes it again (recordModel, a restart from step
 * 0). Each read the link's target and replaced the link.
 */
export function requireRunConfigAndMarker(dir: string): void {
  requireOwnFile(runPath(dir, 'config'));
  requireOwnFile(runPath(dir, 'marker'));
}
