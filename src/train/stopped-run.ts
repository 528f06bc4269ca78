// What a train stopped by Ctrl-C (SIGINT) or SIGTERM removes before the process ends (its thread stopped midway,
// command-thread.ts): the temporaries it was writing — a file's (.config.yaml.PID.N.tmp), adapter/'s, best/'s or a
// checkpoint's temporary folder, a folder it had moved aside (put back: the previous one stays whole) — and its lock.
// Everything else stays as a kill leaves it, for --resume: the marker, config.yaml, metrics.jsonl, the checkpoints
// written whole (an interrupted one is no checkpoint: the last complete one is intact), adapter/ and best/.
import * as path from 'node:path';
import { RUN_LAYOUT } from '../run/layout.ts';
import { removeOwnTemps, stopOwnWrites } from '../util/atomic.ts';
import { recoverFolderSwaps } from '../util/folder-swap.ts';
import { CHECKPOINTS_SPEC } from './checkpoint.ts';
import { runSpecOf } from './run-files.ts';
import { releaseOwnLock } from './run-lock.ts';

/** Removes what this process's stopped train left in the run folder `dir` (the lock last: the folder is ours until then). */
export function removeStoppedRun(dir: string): void {
  stopOwnWrites();
  // only this process's: a dead one's are the next train's to repair, under the lock
  recoverFolderSwaps(dir, runSpecOf(dir), process.pid);
  recoverFolderSwaps(path.join(dir, RUN_LAYOUT.checkpoints), CHECKPOINTS_SPEC, process.pid);
  removeOwnTemps(dir);
  releaseOwnLock(dir);
}
