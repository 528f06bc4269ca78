// What a train stopped by Ctrl-C (SIGINT) or SIGTERM removes before the process ends (its thread stopped midway,
// command-thread.ts): the temporaries it was writing — a file's (.config.yaml.PID.N.tmp), adapter/'s, best/'s or a
// checkpoint's temporary folder, a folder it had moved aside (put back: the previous one stays whole) — and its lock.
// Everything else stays as a kill leaves it, for --resume: the marker, config.yaml, metrics.jsonl, the checkpoints
// written whole (an interrupted one is no checkpoint: the last complete one is intact), adapter/ and best/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_LAYOUT } from '../run/layout.ts';
import { removeOwnTemps } from '../util/atomic.ts';
import { recoverFolderSwaps } from '../util/folder-swap.ts';
import { shellPath } from '../util/shell-quote.ts';
import type { StopSignal } from '../util/stop-signals.ts';
import { checkpointsSpec, listCheckpoints, stepOf } from './checkpoint.ts';
import { recordedMethod, runSpec } from './run-files.ts';
import { releaseOwnLock } from './run-lock.ts';

/**
 * Removes what this process's stopped train left in the run folder `dir` (the lock last: the folder is ours until then).
 * True when it held the folder's lock (the run had started there).
 */
export function removeStoppedRun(dir: string): boolean {
  // only this process's: a dead one's are the next train's to repair, under the lock
  const method = recordedMethod(dir);
  recoverFolderSwaps(dir, runSpec(method), process.pid);
  recoverFolderSwaps(path.join(dir, RUN_LAYOUT.checkpoints), checkpointsSpec(method), process.pid);
  removeOwnTemps(dir);
  return releaseOwnLock(dir);
}

/**
 * What a stopped train leaves to go on with, in one line, whatever it was doing (the process ends by the signal next, so
 * nothing else would say it): for the run in folder `dir`, the resume that continues from its last checkpoint, or, with
 * none written yet, that a resume starts again from step 0 — a run stopped at the default `checkpoint.every_steps: null`
 * has lost every step, which nothing else would say; stopped while it set up (loading the model, tokenizing the data,
 * before it wrote its config.yaml), that the same command starts it again; a finished run (report.json), that it is complete.
 */
export function stoppedRunNote(dir: string, signal: StopSignal, everySteps: number | null): string {
  const by = signal === 'SIGINT' ? 'Ctrl-C' : signal;
  if (fs.existsSync(path.join(dir, RUN_LAYOUT.report))) return `train stopped by ${by} after the run had finished: ${shellPath(dir)} is complete`;
  if (!fs.existsSync(path.join(dir, RUN_LAYOUT.config))) {
    return `train stopped by ${by} before the run began (while it set up: the model, the data, the device; nothing of it written in ${shellPath(dir)}): ` +
      'run the same command again to start it';
  }
  const resume = `mistral-tune train ${shellPath(dir)} --resume`;
  let last: string | undefined;
  try {
    last = listCheckpoints(dir).at(-1);
  } catch {
    return `train stopped by ${by}: ${resume} continues it (its checkpoints/ could not be read here: the resume names what is wrong)`;
  }
  if (last !== undefined) return `train stopped by ${by}: ${resume} continues from its last checkpoint, step ${stepOf(last)} (${path.relative(dir, last)})`;
  const why = everySteps === null ? "checkpoint.every_steps is null, the default: set it to keep the steps of a run stopped midway" : `the first is due at step ${everySteps}`;
  return `train stopped by ${by} before any checkpoint (${why}): ${resume} starts it again from step 0`;
}
