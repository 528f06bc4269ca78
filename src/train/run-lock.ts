// An exclusive lock on a run folder, so two processes never train into one run directory at once.
// The lock is a file created with O_EXCL holding the owner's pid and host; a lock whose process no longer
// runs (killed, crashed) is stale and taken over. It is released when the run ends or the process exits.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../util/errors.ts';
import { withIo } from '../util/atomic.ts';
import { RUN_LAYOUT } from '../run/layout.ts';

export const LOCK_FILE = RUN_LAYOUT.lock;

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

export interface RunLock {
  readonly file: string;
  release(): void;
}

/**
 * Takes the lock of folder `dir` (created when absent; removed again on release if it is then empty), or
 * throws a UserError naming the process that holds it.
 */
export function acquireRunLock(dir: string): RunLock {
  const created = !fs.existsSync(dir);
  withIo(dir, 'create the folder', () => fs.mkdirSync(dir, { recursive: true }));
  const file = path.join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      withIo(file, 'create the lock', () => fs.writeFileSync(file, JSON.stringify(me) + '\n', { flag: 'wx' }));
      break;
    } catch (e) {
      if (!(e instanceof UserError) || !e.message.includes('(EEXIST)') || attempt > 3) throw e;
    }
    const text = readLock(file);
    if (text === null) continue; // released in the meantime
    const owner = parseOwner(text);
    if (owner && isRunning(owner)) {
      throw new UserError(`the run folder is in use by process ${owner.pid} on ${owner.host} (since ${owner.started}): ` +
        'wait for it to finish, or choose another output_dir', dir);
    }
    takeOverStale(file, text);
  }
  const release = (): void => {
    process.off('exit', release);
    if (readLock(file) === JSON.stringify(me) + '\n') fs.rmSync(file, { force: true });
    if (created) {
      try {
        fs.rmdirSync(dir); // only when empty: a failed setup leaves no folder behind
      } catch {
        // the folder has the run in it
      }
    }
  };
  process.on('exit', release);
  return { file, release };
}

function readLock(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? { pid: o.pid, host: o.host, started: String(o.started) } : null;
  } catch {
    return null; // torn by a crash while it was written
  }
}

/** Whether the lock's process still runs; a process on another host cannot be checked, so it counts as running. */
function isRunning(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return true;
  // train() is synchronous, so a lock of this very process is left over from an earlier, failed call
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock: moved aside first and checked, so that of two processes that both found it stale,
 * the second never deletes the fresh lock the first has just taken.
 */
function takeOverStale(file: string, staleText: string): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // someone else moved it first
  }
  if (readLock(aside) !== staleText) {
    // a fresh lock: put it back (unless yet another one was taken meanwhile)
    try {
      fs.linkSync(aside, file);
    } catch {
      // another lock is in place already
    }
  }
  fs.rmSync(aside, { force: true });
}
