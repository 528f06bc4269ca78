// Whether a run lock (or an export's hold) that another holds refuses the folder: a live process's of this host, one of
// another host or container whose heartbeat goes on, or one being written (refusal); why one was found stale, for the
// warning that it was taken over (staleReason); and its heartbeat's age by the file system's clock.
import * as os from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { pidRunning } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { staleAfterMs } from './lock-heartbeat.ts';
import { elsewhere, freshMtime, isRunning, mtimeOf, ownerName, ownerSince, parseOwner, UNREADABLE_GRACE_MS, type LockOwner } from './lock-owner.ts';
import type { LockedFolder } from './run-lock.ts';

/**
 * The error that refuses `folder` while the lock (or export hold) `file`, holding `held`, is a live process's: one of this
 * host whose process runs, of another host or container whose heartbeat goes on, or one being written; null when stale.
 */
export function refusal(file: string, held: string, folder: LockedFolder, fsNow: number): UserError | null {
  const owner = parseOwner(held);
  const beatAge = owner !== null ? heartbeatAge(file, fsNow) : 0;
  if (owner === null) {
    if (Date.now() - mtimeOf(file) < UNREADABLE_GRACE_MS) {
      return new UserError(`${folder.name} is locked (${file} is being written, or is not a lock): wait and retry, ` +
        `or delete ${file} if no mistral-tune is running in this folder`, path.dirname(file));
    }
  } else if (elsewhere(owner) !== null && !heartbeatStopped(owner, beatAge)) {
    // on a shared filesystem the process may be training there now: taken over only once its heartbeat has stopped; a
    // lock of an older version (no heartbeat) is left to its user to judge
    const host = owner.host !== os.hostname();
    const beat = owner.beat === undefined ? '' : ` (its heartbeat is ${Math.round(beatAge / 1000)} s old: it is taken over once that is over ${staleAfterMs(owner.beat) / 1000} s)`;
    return new UserError(`${folder.name} is locked by process ${owner.pid} on ${owner.host} (${ownerSince(owner)}${exporting(owner)}), ${elsewhere(owner)}, ` +
      `so whether it still runs cannot be checked from here${beat}: wait for it to finish, or ${folder.instead}; if no mistral-tune runs in this folder ` +
      `${host ? `on ${owner.host} (a container or machine that came back under another hostname)` : 'in that container (one stopped since)'}, delete ${file}`,
    path.dirname(file));
  } else if (elsewhere(owner) === null && isRunning(owner, beatAge)) {
    const here = owner.pid !== process.pid ? '' : owner.thread === threadId ? ', a call of this thread that has not returned' : ', another thread of this process';
    const who = `${here}${exporting(owner)}`;
    // a pid taken since by another program: never this process's own, whose lock is live and must stay
    const stale = owner.pid === process.pid ? '' : `; if process ${owner.pid} is not ${owner.call === undefined ? 'mistral-tune' : 'a program calling mistral-tune'}, delete ${file}`;
    return new UserError(`${folder.name} is in use by process ${owner.pid} on ${owner.host} (${ownerSince(owner)}${who}): ` +
      `wait for it to finish, or ${folder.instead}${stale}`, path.dirname(file));
  }
  return null;
}

/** ", exporting into OUT" for an export's hold (the output it writes), as the refusals name it; '' for a lock. */
function exporting(owner: LockOwner): string {
  return owner.out === undefined ? '' : `, exporting into ${owner.out}`;
}

/** Why the lock of `owner` (null: unreadable) on this host was found stale, for the line that says it was taken over. */
export function staleReason(owner: LockOwner | null, beatAge: number): string {
  if (owner === null) return `it could not be read as a lock and was over ${UNREADABLE_GRACE_MS / 1000} s old`;
  const who = ownerName(owner);
  if (elsewhere(owner) !== null) {
    return `the heartbeat of ${who}, ${elsewhere(owner)}, stopped ${Math.round(beatAge / 1000)} s ago (a container restarted, a machine gone; ` +
      'if that process was only paused, it must not go on: stop it)';
  }
  if (owner.pid === process.pid) {
    return owner.thread === undefined || owner.thread === threadId ? `${who} is this process, which left it in an earlier call` : `${who} is a thread of this process that ended`;
  }
  return pidRunning(owner.pid) ? `${who} no longer runs (its pid is now another process's)` : `${who} no longer runs`;
}

/**
 * How old the heartbeat (mtime) of the lock `file` is by its file system's clock: against `fsNow`, the mtime of a file this
 * process just wrote beside it, not this machine's clock (skewed against a shared file system's); 0 when gone.
 */
export function heartbeatAge(file: string, fsNow: number): number {
  const mtime = freshMtime(file);
  return Number.isNaN(mtime) ? 0 : Math.max(0, fsNow - mtime);
}

/** Whether the lock of `owner`, whose heartbeat is `age` ms old, has a heartbeat that stopped (a lock of an older version has none). */
export function heartbeatStopped(owner: LockOwner, age: number): boolean {
  return owner.beat !== undefined && age > staleAfterMs(owner.beat);
}
