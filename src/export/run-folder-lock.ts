// An export written inside a run folder (runs/x/exported; never inside its adapter/ or model/ (the method's), best/ or checkpoints/,
// which train writes whole: refused) holds that run while it writes: a train running there (or a prepare, or another
// command that locks its folder) refuses the export naming its process, and a train started meanwhile is refused in turn. Unguarded, the export's folder was replaced by
// the train's adapter/ at its end, or mixed with its best/: a run folder has one writer, or exports of its finished
// run. The hold is the export's own (run-lock.ts acquireExportHold, one per output folder or file): two exports of a
// finished run into different places in it both go on (merged/ and model.gguf at once), two into the same one, or one
// inside the other's (a and a/b), refuse.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_LAYOUT, runPath, runWeightsDir } from '../run/layout.ts';
import { recordedMethod } from '../train/run-files.ts';
import { inspectLock, parseOwner, readLock } from '../train/lock-owner.ts';
import { acquireExportHold, exportHoldName, LOCK_FILE, releaseOwnLock, type RunLock } from '../train/run-lock.ts';
import { lockTaker } from '../train/lock-command.ts';
import { UserError } from '../util/errors.ts';
import { canWriteIn } from '../util/folder-writable.ts';
import { outputInside, outputPath, outputPlace, refuseOutputIn } from './out-path.ts';
import type { OptionWords } from '../util/option-words.ts';

/** The folders above `out` (outputPath) that a run owns (train's marker) or a command holds (a lock), the nearest first. */
function lockedFoldersAbove(out: string): string[] {
  const found: string[] = [];
  for (let dir = path.dirname(out); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, RUN_LAYOUT.marker)) || fs.existsSync(path.join(dir, RUN_LAYOUT.lock))) found.push(dir);
    if (path.dirname(dir) === dir) return found;
  }
}

/** Runs `write` holding every run folder above the export's `out` for that output (acquireExportHold), released after it. */
export function withRunFolderLocks<T>(out: string, words: OptionWords, write: () => T): T {
  const held: RunLock[] = [];
  try {
    const flag = words.say('out'), target = outputPath(out, words);
    for (const dir of lockedFoldersAbove(target)) {
      // a folder with only a lock (a prepare or quickstart running there, or its stale lock) is no run: train writes no
      // weights there, and its refusal names it as a folder (its lock file says the command that holds it), not a run
      // folder; a train's lock (taken before its marker is written) or an older version's, which names none, as a run's
      const run = fs.existsSync(runPath(dir, 'marker'));
      if (run) refuseInsideTrainedFolder(dir, target, out, flag);
      const holder = parseOwner(readLock(path.join(dir, LOCK_FILE)) ?? '')?.command;
      const folder = run || holder === undefined || holder === 'train' ? 'the run folder' : 'the folder';
      const name = `${folder} that holds ${flag}`, instead = `give ${flag} a path outside it`;
      const rel = path.relative(dir, target);
      const hold = { name: `${flag} ${rel} in ${folder}`, instead: `give ${flag} another path`, ...lockTaker(words, 'export') };
      if (canWriteIn(dir)) held.push(acquireExportHold(dir, rel, { name, instead }, hold));
      else refuseHeld(dir, name, instead);
    }
    return write();
  } finally {
    for (const lock of held.reverse()) lock.release();
  }
}

/** The names train gives in a run folder (never suggested as an export's). */
const RUN_NAMES: ReadonlySet<string> = new Set(Object.values(RUN_LAYOUT));

/**
 * The folders of the run folder `dir` that train writes whole: replaced at each save (its method's adapter/ or model/,
 * best/) or removed (old checkpoints). A LoRA run's model/ (or a full run's adapter/) is never train's (run-files.ts): a
 * merged model written there is the user's; a run whose config.yaml does not say its method counts both.
 */
function trainFolders(dir: string): string[] {
  const method = recordedMethod(dir);
  const weights = method === null ? [runPath(dir, 'adapter'), runPath(dir, 'model')] : [runWeightsDir(dir, method, false)];
  return [...weights, runPath(dir, 'best'), path.join(dir, RUN_LAYOUT.checkpoints)];
}

/**
 * Refuses an output `target` (`out` as given) inside one of the folders train writes whole in the run folder `dir`: the
 * export there would be read back as part of the weights (a run's own adapter/, a checkpoint), carried into or lost
 * with the next one train writes, and read from while it is written (`flag`: how the option is named).
 */
function refuseInsideTrainedFolder(dir: string, target: string, out: string, flag: string): void {
  const folder = trainFolders(dir).find((f) => outputInside(target, f));
  if (folder === undefined) return;
  // the output's own name beside the folder (RUN/adapter.gguf, a GGUF file's), where that is no name of train's
  const name = path.basename(target), beside = outputPlace(target, folder) === 'is' || RUN_NAMES.has(name) ? 'exported' : name;
  refuseOutputIn(target, folder, {
    out, what: `the run's ${path.basename(folder)}/ folder`, why: 'which train replaces or prunes as it saves and exports read', flag, instead: path.join(dir, beside),
  });
}

/**
 * A run folder this process cannot write in (a read-only mount, a finished run chmod a-w, another user's) holding a
 * writable folder the export writes in: its lock cannot be taken (that refused the export, "cannot write its lock file"),
 * and no train of this process's user can write there either. Refused only while its lock is held.
 */
function refuseHeld(dir: string, name: string, instead: string): void {
  const view = inspectLock(path.join(dir, LOCK_FILE));
  if (view.state === 'free') return;
  const who = view.state === 'elsewhere' ? ` by ${view.owner}, ${view.where}` : '';
  throw new UserError(`${name} is locked${who} (its ${LOCK_FILE}), and this process cannot write there to wait its turn: ` +
    `wait for it to finish, or ${instead}`, dir);
}

/** Removes this process's holds of the run folders above `out`, left by an export whose thread was stopped (Ctrl-C, SIGTERM). */
export function releaseStoppedRunFolderLocks(out: string): void {
  const target = outputPath(out);
  for (const dir of lockedFoldersAbove(target)) releaseOwnLock(dir, exportHoldName(path.relative(dir, target)));
}
