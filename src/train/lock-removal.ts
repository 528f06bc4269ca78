// The removals of what a run folder's lock leaves (run-lock.ts): the lock, its temporary, the folders it made. They run
// on the way out of the lock's work (a finally, a catch, at exit), where a folder made read-only meanwhile (chmod, a
// remount) made them throw EACCES/EROFS: a stack trace that hid the one-line error of the work, or of the lock's refusal.
// What cannot be removed is left with a warning naming it: its process ends, so a later lock takes it over or removes it.
import * as fs from 'node:fs';
import { ioError } from '../util/atomic.ts';
import { isUserError } from '../util/errors.ts';
import { warn } from '../util/log.ts';

/** Removes this process's lock `file` of the folder `name` ("the run folder"), or says that it is left. */
export function removeOwnLock(file: string, name: string): void {
  removeOrSay(file, `${name}'s lock is left; the next run takes it over, as its process will have ended`);
}

/** Removes this process's lock temporary `tmp` (linked into place, or not taken), or says that it is left. */
export function removeTemp(tmp: string): void {
  removeOrSay(tmp, 'the lock\'s temporary file is left; a later run removes it once this process has ended');
}

/** Removes `file`, the temporary of a process that ended while it took a lock (a leftover), or says that it is left. */
export function removeDeadTemp(file: string): void {
  removeOrSay(file, 'the lock temporary of a process that has ended is left; a later run removes it');
}

/** Removes this process's takeover guard `guard` (held while a stale lock is removed), or says that it is left. */
export function removeOwnGuard(guard: string): void {
  removeOrSay(guard, 'this process\'s takeover guard is left; a later run removes it once this process has ended');
}

/**
 * Says that the guard `guard` of a takeover whose process has ended could not be removed (`e`: why, by its own file or
 * the guard that removal takes), so a lock just taken is kept: it is housekeeping. Throws `e` when it is no I/O error.
 */
export function sayGuardLeft(guard: string, e: unknown): void {
  const why = ioError(e, guard, 'remove');
  if (!isUserError(why)) throw e;
  const named = why.message.startsWith(`${guard}: `) ? '' : ` (${guard})`; // not when the guard it takes to remove it failed
  warn(`${why.message}: the guard of a takeover whose process has ended${named} is left; a later run removes it`);
}

/** Removes `file`, or warns in one line why it could not be and what `left` then says. */
function removeOrSay(file: string, left: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch (e) {
    const why = ioError(e, file, 'remove');
    warn(`${isUserError(why) ? why.message : String(why)}: ${left}`);
  }
}

/** Removes the folders the lock created, deepest first, as long as they are empty (a run's files stay). */
export function removeCreated(created: readonly string[]): void {
  for (const d of created) {
    try {
      fs.rmdirSync(d);
    } catch {
      return; // not empty: the run is in it
    }
  }
}
