// Who holds a run lock (run-lock.ts) and whether it still runs: the owner record a lock file holds (pid, host, process
// start, pid namespace, heartbeat period, thread), read back; which locks this thread holds (of this process, a lock is
// live while the thread that took it holds it: train() on a Worker and an export on the main thread refuse each other);
// where its process is (this host and pid namespace, where its pid can be checked, or elsewhere); and the read-only view
// of a lock the dashboard shows.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { threadId } from 'node:worker_threads';
import { pidRunning } from '../util/atomic.ts';
import { staleAfterMs } from './lock-heartbeat.ts';

/** A lock file that cannot be read as a lock (empty, torn) is a lock being written until it is this old. */
export const UNREADABLE_GRACE_MS = 5_000;

export interface LockOwner {
  pid: number;
  host: string;
  started: string;
  /** The process's start time in clock ticks after boot (/proc/PID/stat field 22), where there is one. */
  pstart?: number;
  /** Its pid namespace (/proc/self/ns/pid, "pid:[4026531836]"), where there is one: its pid means nothing in another. */
  pidns?: string;
  /** How often, in ms, its owner writes its heartbeat (the lock's mtime); absent in locks of older versions, which have none. */
  beat?: number;
  /** The worker_threads threadId of the thread that took it (0: the main thread); absent in locks of older versions. */
  thread?: number;
  /** That thread's OS thread id (/proc/thread-self), where there is one: whether the thread still runs is told by it. */
  tid?: number;
  /** Drawn when the lock is taken: the lock among those its thread holds (heldHere). */
  id?: string;
  /** An export's hold (run-lock.ts exportHoldName): the output it writes, relative to the run folder. */
  out?: string;
  /** The mistral-tune command that took it (train, prepare, quickstart, export); absent in locks of older versions. */
  command?: string;
  /** The library function whose call took it (train, trainAsync, prepare, exportRun), said instead of its command. */
  call?: string;
}

/** "process PID on HOST (mistral-tune COMMAND, since STARTED)", as the messages name a lock's owner. */
export function ownerName(owner: LockOwner): string {
  return `process ${owner.pid} on ${owner.host} (${ownerSince(owner)})`;
}

/**
 * "mistral-tune COMMAND, since STARTED" (the command where the lock names one; "FUNCTION() of mistral-tune's library" where
 * a library call took it), within the parentheses that follow an owner's host.
 */
export function ownerSince(owner: LockOwner): string {
  const taker = owner.call !== undefined ? `${owner.call}() of mistral-tune's library, ` : owner.command !== undefined ? `mistral-tune ${owner.command}, ` : '';
  return `${taker}since ${owner.started}`;
}

/** What a lock's command may be: a command's name, nothing else is said in a message. */
const COMMAND = /^[a-z][a-z-]{0,31}$/;
/** What a lock's library call may be: a function's name. */
const CALL = /^[a-z][A-Za-z]{0,63}$/;

/**
 * The text of the lock file `file` (its first 4 KiB: a longer one is no lock of ours, and reads as none of its owners),
 * or null when there is none, it cannot be read, or it is no regular file (a FIFO, whose read would block for good; a
 * symlink; a folder): judged on the descriptor read (readSmallLock).
 */
export function readLock(file: string): string | null {
  const text = readSmallLock(file, true);
  return text === 'absent' || text === 'other' ? null : text;
}

/** The file's mtime in ms, or now when it has gone (so it counts as fresh). */
export function mtimeOf(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

export function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    const pid = o.pid;
    // a pid of -1 or 0 is no process: kill() would signal a whole group, so such a lock looked alive for ever
    if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0 || typeof o.host !== 'string') return null;
    return {
      pid, host: o.host, started: String(o.started), pstart: typeof o.pstart === 'number' ? o.pstart : undefined,
      pidns: typeof o.pidns === 'string' ? o.pidns : undefined, beat: typeof o.beat === 'number' && o.beat > 0 ? o.beat : undefined,
      thread: Number.isSafeInteger(o.thread) ? o.thread : undefined, tid: Number.isSafeInteger(o.tid) ? o.tid : undefined,
      id: typeof o.id === 'string' ? o.id : undefined, out: typeof o.out === 'string' ? o.out : undefined,
      command: typeof o.command === 'string' && COMMAND.test(o.command) ? o.command : undefined,
      call: typeof o.call === 'string' && CALL.test(o.call) ? o.call : undefined,
    };
  } catch {
    return null; // empty, or torn
  }
}

/** The start time of process `pid` (clock ticks after boot, /proc/PID/stat field 22); null where there is no /proc. */
export function processStart(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[22 - 3]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** This process's pid namespace (null where there is no /proc): a container's own, or the host's. */
export const PID_NAMESPACE: string | null = (() => {
  try {
    return fs.readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
})();

/**
 * This process's tag in the names of its lock temporaries (LOCK.PID-TAG-THREAD.tmp: two processes of one pid in different
 * pid namespaces, containers sharing a folder, both often pid 1, write theirs apart), the same on each of its threads: the
 * stop's clean-up on the main thread removes the temporary the work's thread was writing, which a tag drawn per thread
 * (per module instance) named otherwise, so a Ctrl-C as prepare or train took its lock left it. Of the process's pid
 * namespace and start time, which tell such processes apart; drawn at random where there is no /proc (nor pid
 * namespaces), per thread then: the clean-up knows that thread's temporary by the owner record in it (run-lock.ts ownTemps).
 */
export const PROCESS_TAG: string = (() => {
  const start = processStart(process.pid);
  if (PID_NAMESPACE === null || start === null) return randomBytes(4).toString('hex');
  return createHash('sha256').update(`${os.hostname()}\n${PID_NAMESPACE}\n${process.pid}\n${start}`).digest('hex').slice(0, 8);
})();

/**
 * Where the lock's process is when its pid cannot be checked from here, or null: another host, or another pid namespace
 * of this one (a container sharing the host's name, as with host networking), where a pid is another process's here.
 */
export function elsewhere(owner: LockOwner): string | null {
  if (owner.host !== os.hostname()) return `another host than this one (${os.hostname()})`;
  if (owner.pidns !== undefined && PID_NAMESPACE !== null && owner.pidns !== PID_NAMESPACE) {
    return `in another pid namespace than this process (another container on this host, sharing its hostname)`;
  }
  return null;
}

/** This thread's OS thread id (null where there is no /proc/thread-self). */
export function ownThreadTid(): number | null {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(tid) ? tid : null;
  } catch {
    return null;
  }
}

/** The ids of the locks this thread holds now (module state is per thread): one of this thread missing here was left by an earlier call. */
const heldHere = new Set<string>();

/** Marks the lock `id` as held by this thread (true) or no longer (false). */
export function holdHere(id: string, held: boolean): void {
  if (held) heldHere.add(id);
  else heldHere.delete(id);
}

/**
 * Whether a lock of this very process is held: one of this thread while this thread holds it (a call of this thread
 * that failed without releasing it left the rest); one of another thread (train() on a worker_threads Worker, while
 * the main thread exports into the same run) while that thread runs (a Worker terminated mid-run runs no finally, and
 * leaves its lock), as its OS thread id tells where there is /proc. Without it (macOS, a sandbox without /proc) its
 * heartbeat tells (`beatAge`, ms): it beats on a thread that the owner's thread started (lock-heartbeat.ts), ended with
 * it, and is taken over as another host's is, once silent staleAfterMs (a live owner whose heartbeat is silent half
 * that stops itself, run-lock.ts check); such a lock counted as held until the process ended. Unknown age: held.
 * A lock of an older version names no thread.
 */
function heldByThisProcess(owner: LockOwner, beatAge: number | undefined): boolean {
  if (owner.thread === undefined) return false;
  if (owner.thread === threadId) return owner.id !== undefined && heldHere.has(owner.id);
  if (!threadJudgedByHeartbeat(owner)) return fs.existsSync(`/proc/self/task/${owner.tid}`);
  return beatAge === undefined || owner.beat === undefined || beatAge <= staleAfterMs(owner.beat);
}

/**
 * Whether the lock of `owner`, this process's (isThisProcess), is another thread's that only its heartbeat tells alive:
 * where there is no /proc/self/task to find its OS thread id in (macOS, a sandbox), or it names none.
 */
function threadJudgedByHeartbeat(owner: LockOwner): boolean {
  return owner.thread !== undefined && owner.thread !== threadId && !(owner.tid !== undefined && fs.existsSync('/proc/self/task'));
}

/** Whether the lock is this very process's (its pid, here). */
export function isThisProcess(owner: LockOwner): boolean {
  return owner.pid === process.pid && elsewhere(owner) === null;
}

/**
 * Whether the lock's process still runs; a process on another host or in another pid namespace cannot be checked, so it
 * counts as running. `beatAge`: how old the lock's heartbeat is (lock-verdict.ts heartbeatAge), which tells whether
 * another thread of this process still holds it where there is no /proc (heldByThisProcess).
 */
export function isRunning(owner: LockOwner, beatAge?: number): boolean {
  if (elsewhere(owner) !== null) return true;
  if (owner.pid === process.pid) return heldByThisProcess(owner, beatAge);
  if (!pidRunning(owner.pid)) return false;
  // a pid that runs but started at another time than the owner is a reused pid
  const start = owner.pstart === undefined ? null : processStart(owner.pid);
  return start === null || start === owner.pstart;
}

/** What the dashboard sees of a run's lock: none (or a stale one of this host), held, or held by a process it cannot check. */
export type LockView =
  | { state: 'free' | 'held' }
  /** Of another host or pid namespace: `stamp` changes with every heartbeat (`beat` ms apart; null: a version without one). */
  | { state: 'elsewhere'; owner: string; where: string; beat: number | null; stamp: string };

/**
 * The lock file `file` as the dashboard shows it, as a train judges it (isRunning): held by a process that still runs
 * (a train of this one included, as under startDashboard beside train() in one process; train --dashboard serves from
 * a child process, which checks its parent's pid), or one being written; free for no lock, and for the lock of a
 * process of this host that was killed, or of a thread of this one that ended (a stale lock, which the next train takes
 * over: shown "in progress" until the dashboard ended); elsewhere when its process cannot be checked from here, or its
 * thread only by its heartbeat (no /proc), with what tells whether its heartbeat goes on (the caller watches `stamp`
 * change, by its own clock: never compared with this one).
 */
export function inspectLock(file: string): LockView {
  // anything but a small regular file (a FIFO would block the read) is no lock of ours, yet holds the place: held
  const held = readSmallLock(file);
  if (held === 'absent') return { state: 'free' };
  if (held === 'other') return { state: 'held' };
  if (held === null) return { state: 'free' };
  const owner = parseOwner(held);
  if (owner === null) return { state: Date.now() - mtimeOf(file) < UNREADABLE_GRACE_MS ? 'held' : 'free' };
  const where = elsewhere(owner) ?? (isThisProcess(owner) && threadJudgedByHeartbeat(owner) ? THREAD_UNCHECKED : null);
  if (where !== null) {
    // the mtime through a descriptor opened for it: NFS's close-to-open check refreshes what a plain stat may give cached
    return { state: 'elsewhere', owner: ownerName(owner), where, beat: owner.beat ?? null, stamp: `${held}:${freshMtime(file)}` };
  }
  return { state: isRunning(owner) ? 'held' : 'free' };
}

/** Where a thread of this process is that only its heartbeat tells alive (threadJudgedByHeartbeat), as the dashboard says it. */
const THREAD_UNCHECKED = 'another thread of this process, which cannot be checked without /proc';

/**
 * The text of the lock file `file`: 'absent' when there is none, 'other' when it is no regular file (a symlink, a FIFO, a
 * folder) or, unless `longToo` (then its first 4 KiB), one of more than 4 KiB; null when it cannot be read. Judged on
 * the descriptor read, opened without blocking or following a symlink: a lstat before a readFileSync let a FIFO renamed
 * over the lock in between be opened, and the dashboard's event loop (or a train) waited on it for good (a FIFO renamed
 * over in its turn has no writer left to come).
 */
function readSmallLock(file: string, longToo = false): string | 'absent' | 'other' | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'absent';
    // a symlink (O_NOFOLLOW), a socket
    if (code === 'ELOOP' || code === 'EMLINK' || code === 'ENXIO') return 'other';
    return fs.lstatSync(file, { throwIfNoEntry: false }) === undefined ? 'absent' : null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || (st.size > 4096 && !longToo)) return 'other';
    const bytes = Buffer.alloc(4097);
    let n = 0;
    for (let got = 1; n < bytes.length && got > 0; n += got) got = fs.readSync(fd, bytes, n, bytes.length - n, n);
    return n <= 4096 ? bytes.subarray(0, n).toString('utf8') : longToo ? bytes.subarray(0, 4096).toString('utf8') : 'other';
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** The mtime of `file` as its file system has it now (opened, so that NFS revalidates it); NaN when it cannot be opened. */
export function freshMtime(file: string): number {
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    try {
      return fs.fstatSync(fd).mtimeMs;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return NaN;
  }
}
