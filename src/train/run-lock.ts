// An exclusive lock on a run folder, so two processes never train into one run directory at once.
// The lock file holds the owner's pid, host and process start time; it is written whole to a temporary
// file and hard-linked into place (link fails with EEXIST when the lock is held, so a reader never sees
// a half-written lock; where there are no hard links, it is created exclusively). A lock whose process no
// longer runs (killed, crashed, its pid since reused) is stale and taken over (said in a warning) under a
// short guard file, so of several processes that find it stale only one removes it and none removes a fresh
// lock; the guard holds its writer as the lock does, so one left by a process killed in the takeover is stale
// in turn and taken over the same way (one of another host or container once older than the bound its lock would
// be). A lock written on another host, or in another pid namespace (a container
// sharing the host's name, or this one restarted), cannot have its process checked from here: it is taken over only
// once its heartbeat (lock-heartbeat.ts) has stopped for staleAfterMs by the file system's own clock; one of an older
// version, which has none, never is (the error names it). It is released when the run ends or the process exits.
// An export writing into a finished run's folder places a hold there instead (acquireExportHold: one file per output,
// taken and judged as a lock is): exports into different places of one run go on together (not one inside another's output), and the folder's lock and
// its holds refuse each other, each placed before it looks for the other.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { isUserError, UserError } from '../util/errors.ts';
import { ioError, withIo } from '../util/atomic.ts';
import { RUN_LAYOUT } from '../run/layout.ts';
import { makeFolders } from '../util/made-folders.ts';
import { pause } from '../util/pause.ts';
import { warn } from '../util/log.ts';
import { removeCreated, removeDeadTemp, removeOwnGuard, removeOwnLock, removeTemp, sayGuardLeft } from './lock-removal.ts';
import { BEAT_MS, beatLock, heartbeatThread, staleAfterMs } from './lock-heartbeat.ts';
import { heartbeatAge, refusal, staleReason } from './lock-verdict.ts';
import { lockCommand, lockTaker } from './lock-command.ts';
import type { OptionWords } from '../util/option-words.ts';
import {
  elsewhere, holdHere, isRunning, isThisProcess, mtimeOf, ownerName, ownThreadTid, parseOwner, PID_NAMESPACE, PROCESS_TAG, processStart, readLock, UNREADABLE_GRACE_MS,
  type LockOwner,
} from './lock-owner.ts';

export const LOCK_FILE = RUN_LAYOUT.lock;

/**
 * The hold an export writing `out` (its path relative to the run folder) places in a run folder beside the lock:
 * LOCK.export-HASH, one name per output, so two exports of one finished run into different folders of it both go on,
 * two into the same one refuse each other, and a train (or any exclusive lock) refuses the folder while one is held.
 */
export function exportHoldName(out: string): string {
  return `${LOCK_FILE}.export-${createHash('sha256').update(out).digest('hex').slice(0, 16)}`;
}
const HOLD = new RegExp(`^${LOCK_FILE.replace(/\./g, '\\.')}\\.export-[0-9a-f]{16}$`);
/** The lock's file names in a folder: the lock, or an export's hold (then the temporary's or guard's suffix). */
const LOCK_NAME = `${LOCK_FILE.replace(/\./g, '\\.')}(?:\\.export-[0-9a-f]{16})?`;
/** A lock's temporary: LOCK.PID-TAG-THREAD.tmp (LOCK.PID-TAG.tmp, LOCK.PID.tmp of older versions), the pid first. */
const TEMP = new RegExp(`^${LOCK_NAME}\\.(\\d+)(?:-[0-9a-f]+(?:-\\d+)?)?\\.tmp$`);
/** A takeover's guard: LOCK.takeover, LOCK.takeover.takeover, … */
const GUARD = new RegExp(`^${LOCK_NAME}(?:\\.takeover)+$`);

/** Attempts before giving up when other processes keep taking and releasing the lock (or one holds a takeover's guard). */
const ATTEMPTS = 50;
/** The longest pause between two attempts: 1, 2, 4 … ms, then this, ≈ 2.3 s in all. */
const MAX_PAUSE_MS = 50;
/**
 * A lock temporary this old is left by a dead process, wherever it ran: one lives while its writer takes the lock (seconds). One of a paused
 * process removed early only makes that process's take fail, never two hold the lock.
 */
const TEMP_STALE_MS = 10 * 60_000;
/**
 * The longest silence of a held lock's heartbeat (its lock still its own) after which its run goes on, the heartbeat
 * started again: half the bound after which another host or container takes the lock over, the rest room for the
 * steps before the next check.
 */
const SILENT_MAX_MS = staleAfterMs(BEAT_MS) / 2;

export interface RunLock {
  readonly file: string;
  /**
   * Throws a UserError when the lock is no longer held (taken over or removed, or its heartbeat silent so long that
   * another host may take it over): the writer stops before it writes without the lock. A heartbeat silent for less
   * (its thread crashed or hangs) is started again on a new thread. Cheap (a shared-memory read) while the heartbeat goes; called
   * between steps. `at`: a later clock and a shorter wait, for tests (lock-heartbeat.ts Beating.stoppedFor).
   */
  check(at?: { now: number; waitMs: number }): void;
  release(): void;
}

/** How the errors name the locked folder, and what to do instead of waiting. */
export interface LockedFolder {
  /** "the run folder", "the --out folder" */
  name: string;
  /** "choose another output_dir" */
  instead: string;
  /** The command that takes the lock, which its file says for others' refusals to name ("train"); none for a refusal's words alone. */
  command?: string;
  /** The library function whose call takes it, where one does ("trainAsync": lock-command.ts lockTaker). */
  call?: string;
}

const RUN_FOLDER: LockedFolder = { name: 'the run folder', instead: 'choose another output_dir', command: 'train' };

/** A train's run folder, its lock naming the CLI's train or the library function called (train, trainAsync). */
export function trainRunFolder(words: OptionWords): LockedFolder {
  return { ...RUN_FOLDER, ...lockTaker(words, 'train') };
}

/**
 * Takes the lock of folder `dir` (created when absent; the folders it created are removed again on
 * release if they are then empty), or throws a UserError naming the process that holds it.
 */
export function acquireRunLock(dir: string, folder: LockedFolder = RUN_FOLDER): RunLock {
  return acquireLock(dir, LOCK_FILE, folder, undefined, (me, fsNow) => refuseLiveHolds(dir, folder, me, fsNow));
}

/**
 * Places the hold of an export writing `out` (relative to the run folder `dir`, which exists) in that folder, while no
 * live process holds the folder's lock (a train writing it: refused as `run` names it); throws naming the export that
 * holds it for the same output (`hold` names that). A train started meanwhile refuses the folder in turn.
 */
export function acquireExportHold(dir: string, out: string, run: LockedFolder, hold: LockedFolder): RunLock {
  return acquireLock(dir, exportHoldName(out), { command: 'export', ...hold }, out, (_me, fsNow) => {
    const file = path.join(dir, LOCK_FILE), held = readLock(file);
    const busy = held === null ? null : refusal(file, held, run, fsNow);
    if (busy !== null) throw busy;
    refuseNestedHolds(dir, out, hold, fsNow);
  });
}

/**
 * Refuses the export writing `out` in run folder `dir` while a live export writes a folder inside it or around it (a
 * and a/b): their holds have different names, so both went on, and the later one's rename of its finished output
 * failed at its end, after all its work. Each hold is placed before this looks, so of two starting at once at least one sees the other.
 */
function refuseNestedHolds(dir: string, out: string, hold: LockedFolder, fsNow: number): void {
  for (const entry of withIo(dir, 'read the folder', () => fs.readdirSync(dir))) {
    if (!HOLD.test(entry) || entry === exportHoldName(out)) continue;
    const file = path.join(dir, entry), held = readLock(file);
    const other = held === null ? undefined : parseOwner(held)?.out; // a hold of an older version names no output
    const where = other === undefined ? null : inside(out, other) ? 'inside' : inside(other, out) ? 'around' : null;
    if (where === null) continue;
    const busy = refusal(file, held!, { name: `${hold.name}, ${where} the output of another export,`, instead: hold.instead }, fsNow);
    if (busy !== null) throw busy;
  }
}

/** Whether the path `a` (relative to the run folder) lies inside the folder `b`. */
function inside(a: string, b: string): boolean {
  return a.startsWith(b + path.sep);
}

/** What the lock file says of its taker: the command (the one asCommand runs, where it runs another's work), and a library call's function. */
function takerOf(folder: LockedFolder): Pick<LockOwner, 'command' | 'call'> {
  return { command: lockCommand(folder.command), call: folder.call };
}

/**
 * Takes the lock `name` of folder `dir`; `out`: an export hold's output, written in it; `taken` runs once it is in
 * place (a refusal there removes it again): the placing of a lock or hold before looking for the other kind means of
 * a train and an export starting at once, at least one sees the other.
 */
function acquireLock(dir: string, name: string, folder: LockedFolder, out: string | undefined, taken: (me: string, fsNow: number) => void): RunLock {
  const stat = withIo(dir, 'use as the run folder', () => fs.statSync(dir, { throwIfNoEntry: false })); // ENOTDIR: a file on the path
  if (stat?.isDirectory() === false) throw new UserError(`exists and is not a folder: ${folder.instead}`, dir);
  heartbeatThread(); // before the lock is placed: a lock that says it beats and does not would be taken over while it runs
  const file = path.join(dir, name);
  const me: LockOwner = {
    pid: process.pid, host: os.hostname(), started: new Date().toISOString(), pstart: processStart(process.pid) ?? undefined, pidns: PID_NAMESPACE ?? undefined, beat: BEAT_MS,
    thread: threadId, tid: ownThreadTid() ?? undefined, id: randomBytes(6).toString('hex'), out, ...takerOf(folder),
  };
  const text = JSON.stringify(me) + '\n';
  const tmp = tempOf(file);
  const created = writeBeside(dir, tmp, text);
  const fsNow = mtimeOf(tmp); // "now" by the clock of the folder's file system, which may be another machine's
  holdHere(me.id!, true); // before it is placed: a lock of this thread not held here is left by an earlier call
  let placed = false;
  try {
    take(file, tmp, folder, text, fsNow);
    placed = true;
    taken(text, fsNow);
    // housekeeping of others' dead leftovers, which warns of what it cannot remove; in here, so a throw still removes the lock
    removeDeadTemps(dir, fsNow);
    removeStaleGuards(dir, text, fsNow);
  } catch (e) {
    holdHere(me.id!, false);
    // a failed removal (the folder made read-only) is said beside the refusal or error, which stays the one thrown
    if (placed && readLock(file) === text) removeOwnLock(file, folder.name);
    removeCreated(created);
    throw e;
  } finally {
    removeTemp(tmp);
  }
  const beating = beatLock(file, text);
  // the lock file placed: one removed, or another in its place (a takeover links a new file), is told at the next check
  // by a stat, not two beats later, when a second writer could already have taken the folder
  let inode = inodeOf(file);
  let toldTakenOver = false; // by check(): release need not say it again
  const check = (at?: { now: number; waitMs: number }): void => {
    const here = inodeOf(file);
    const replaced = inode !== undefined && here !== undefined && here !== inode;
    const stopped = here === null || replaced ? 0 : beating.stoppedFor(at);
    if (stopped === null) return;
    const now = readLock(file), other = now === null || now === text ? null : parseOwner(now);
    if (now === text && stopped < SILENT_MAX_MS) { // still its own, and fresh to anyone who looks: beat it anew
      if (replaced) inode = here; // put back as it was (a copy of it): the heartbeat writes the file now there
      else beating.restart();
      return;
    }
    const why = now === text ? `its heartbeat (the thread that refreshes ${LOCK_FILE} every ${BEAT_MS / 1000} s) stopped ${Math.round(stopped / 1000)} s ago ` +
      `(another host or container may take it over once silent ${staleAfterMs(BEAT_MS) / 1000} s)`
      : now === null ? `${LOCK_FILE} was removed` : `it was taken over by ${other === null ? 'another process' : ownerName(other)}`;
    toldTakenOver = other !== null;
    // the folder itself moved or deleted (rm -r, mv while it trains): its lock went with it, but no other process is the danger
    if (now === null && !fs.existsSync(dir)) {
      throw new UserError(`${folder.name} is gone (moved or deleted while this process wrote in it, its lock with it): stopped here; ` +
        'a moved run folder keeps what was written up to its last checkpoint, and --resume continues it where it is', dir);
    }
    throw new UserError(`${folder.name}'s lock is no longer held: ${why}, so another process may take the folder while this one writes in it; ` +
      'stopped here (what was written up to the last checkpoint is kept: --resume it once no other process uses the folder)', dir);
  };
  const release = (): void => {
    process.off('exit', release);
    beating.stop();
    holdHere(me.id!, false);
    const now = readLock(file);
    if (now === text) removeOwnLock(file, folder.name);
    // another's lock in its place: this one was taken over as stale (paused past its heartbeat's bound), so two ran in the folder
    const other = now === null || now === text ? null : parseOwner(now);
    if (other !== null && !toldTakenOver) warn(`${dir}: ${folder.name}'s lock was taken over by another process while this one held it: ${ownerName(other)}; check the folder's files`);
    removeCreated(created);
  };
  process.on('exit', release);
  return { file, check, release };
}

/**
 * The lock file's device, inode and size (`dev:ino:size`: an inode freed by a removal may be reused at once by the lock
 * put in its place, whose owner's line is of another length but rarely), null when it is gone, undefined when it cannot
 * be told (the heartbeat judges, as it does a replacement of the same inode and length).
 */
function inodeOf(file: string): string | null | undefined {
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false, bigint: true });
    return st === undefined ? null : `${st.dev}:${st.ino}:${st.size}`;
  } catch {
    return undefined;
  }
}

/**
 * The temporary this thread writes its lock in before linking it into place: LOCK.PID-TAG-THREAD.tmp. The tag
 * (PROCESS_TAG) since a process of another pid namespace (a container sharing this host's name) may have this pid, the
 * threadId since another thread of this process may take the lock at once: with one name for both, each wrote over the
 * other's temporary, and one linked the other's lock as its own (or removed it before the other linked it).
 */
function tempOf(file: string): string {
  return `${file}.${process.pid}-${PROCESS_TAG}-${threadId}.tmp`;
}

/**
 * This process's temporaries of the lock `name` in `dir`, whichever thread wrote them (a stop's clean-up runs on the
 * main thread, the work on another): named by PROCESS_TAG, or, where there is no /proc and so each thread's tag is its
 * own, holding an owner record of this process (`mine`).
 */
function ownTemps(dir: string, name: string, mine: (file: string) => boolean): string[] {
  const ours = `${name}.${process.pid}-`;
  return entriesOf(dir).filter((e) => e.startsWith(ours) && TEMP.test(e) && (e.startsWith(`${ours}${PROCESS_TAG}-`) || mine(path.join(dir, e))));
}

/**
 * Removes the lock temporaries (LOCK.PID-TAG-THREAD.tmp, older versions' names too: TEMP) that processes killed while taking the lock left in `dir`: never
 * removed by their owner, they stayed for good, and the quickstart refused its own folder for holding one. Only one provably dead is removed:
 * its writer (the owner it holds) of this host and pid namespace and no longer running, or one older than TEMP_STALE_MS by the folder's file
 * system's clock (`fsNow`: the mtime of this process's own temporary, just written). One of another host or container (whose pid means nothing
 * here), or one unreadable (being written), cannot be judged otherwise: removed once its pid ran no process here, a live container's
 * temporary went, and that container's lock failed with "cannot create the lock".
 */
function removeDeadTemps(dir: string, fsNow: number): void {
  for (const entry of withIo(dir, 'read the folder', () => fs.readdirSync(dir))) {
    const pid = Number(TEMP.exec(entry)?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0) continue;
    const file = path.join(dir, entry);
    if (fs.lstatSync(file, { throwIfNoEntry: false })?.isFile() !== true) continue; // none of ours: a FIFO, a link, a folder
    const owner = parseOwner(readLock(file) ?? '');
    const dead = owner !== null && owner.pid === pid && elsewhere(owner) === null && owner.pid !== process.pid && !isRunning(owner);
    if (dead || fsNow - mtimeOf(file) > TEMP_STALE_MS) removeDeadTemp(file);
  }
}

/**
 * Creates folder `dir` (returning the folders it made) and writes `text` to `tmp` in it; again when a
 * process that released its lock has just removed the folder it had created. A write that fails (a full disk
 * creates the file, then fails to fill it) leaves neither the file nor the folders it made.
 */
function writeBeside(dir: string, tmp: string, text: string): string[] {
  for (let attempt = 0; ; attempt++) {
    const created = missingFolders(dir);
    try {
      withIo(dir, 'create the folder', () => makeFolders(dir));
      // named by the folder (a read-only one is the usual cause), not by the temporary file's name
      withIo(dir, `write its lock file (${LOCK_FILE}) in it`, () => fs.writeFileSync(tmp, text));
      return created;
    } catch (e) {
      if (fs.lstatSync(tmp, { throwIfNoEntry: false })?.isFile()) removeTemp(tmp);
      removeCreated(created);
      if (!(e instanceof UserError) || !e.message.endsWith('(ENOENT)') || attempt >= 10) throw e;
    }
  }
}

/** Puts the lock written in `tmp` in place at `file`, taking over a stale lock; throws when a live process holds it. */
function take(file: string, tmp: string, folder: LockedFolder, me: string, fsNow: number): void {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      placeLock(tmp, file, me);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(e, file, 'create the lock');
    }
    // a folder (or anything but a file) where the lock goes is no lock any process holds: named, never removed here
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (stat !== undefined && !stat.isFile()) {
      throw new UserError(`${file} is a ${stat.isDirectory() ? 'folder' : 'link or special file'}, where ${folder.name}'s lock file goes: ` +
        'move it away (mistral-tune did not make it)', path.dirname(file));
    }
    const held = readLock(file);
    if (held === null) continue; // released in the meantime
    const busy = refusal(file, held, folder, fsNow);
    if (busy !== null) throw busy;
    const owner = parseOwner(held);
    const beatAge = owner !== null && elsewhere(owner) !== null ? heartbeatAge(file, fsNow) : 0;
    // said once taken over, so a user who did not know a run had died (or that its folder was in use) learns it
    if (removeStale(file, held, me, fsNow)) warn(`${path.dirname(file)}: took over ${folder.name}'s stale lock (${path.basename(file)}): ${staleReason(owner, beatAge)}`);
    pause(Math.min(MAX_PAUSE_MS, 2 ** attempt)); // another process taking over the stale lock needs a moment to finish
  }
  throw new UserError(`could not take the lock ${file}: other processes keep taking and releasing it; retry when they are done`, path.dirname(file));
}

/**
 * Refuses the folder `dir`, whose lock this process has just placed, while an export holds it (its hold files, which
 * exportHoldName names); removes the holds of exports that no longer run.
 */
function refuseLiveHolds(dir: string, folder: LockedFolder, me: string, fsNow: number): void {
  for (const entry of withIo(dir, 'read the folder', () => fs.readdirSync(dir))) {
    if (!HOLD.test(entry)) continue;
    const file = path.join(dir, entry), held = readLock(file);
    if (held === null) continue; // released in the meantime
    const busy = refusal(file, held, folder, fsNow);
    if (busy !== null) throw busy;
    removeStale(file, held, me, fsNow);
  }
}

/**
 * The refusal a train would meet taking the lock of folder `dir` now, read only (`train --dry-run`, which takes no
 * lock): the lock or an export's hold of a live process (refusal); null when there is none, or only stale ones, which a
 * train takes over. "Now" by this machine's clock: the file system's is read from a file written there.
 */
export function liveHoldRefusal(dir: string, folder: LockedFolder = RUN_FOLDER): UserError | null {
  const holds = withIo(dir, 'read the folder', () => fs.readdirSync(dir)).filter((entry) => HOLD.test(entry));
  for (const entry of [LOCK_FILE, ...holds]) {
    const file = path.join(dir, entry), held = readLock(file);
    const busy = held === null ? null : refusal(file, held, folder, Date.now());
    if (busy !== null) return busy;
  }
  return null;
}

/**
 * Puts the lock written in `tmp` (holding `text`) at `file`, failing with EEXIST when one is there: by a hard link, so the
 * lock appears whole; on a file system without hard links (a CIFS share, some FUSE mounts: EPERM, ENOTSUP) by an
 * exclusive create, whose content a reader may find empty for a moment (an unreadable lock is taken for one being written).
 */
function placeLock(tmp: string, file: string, text: string): void {
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw e;
    const fd = fs.openSync(file, 'wx'); // EEXIST when held
    try {
      fs.writeFileSync(fd, text);
    } catch (w) {
      fs.rmSync(file, { force: true }); // made here, and not whole: no lock
      throw w;
    } finally {
      fs.closeSync(fd);
    }
  }
}

/**
 * Removes the stale lock (or guard) `file` whose content is `staleText`, holding the guard `<file>.takeover` (created
 * with O_EXCL, holding its writer as a lock does) while it checks the content again and unlinks: only a lock found
 * stale is removed, never one that another process has put in place meanwhile, and only one process removes it. A
 * guard whose writer is gone (killed while it held it) is stale in turn, and taken over the same way, under its own
 * guard (`<file>.takeover.takeover`), so an interrupted takeover blocks no later run.
 */
function removeStale(file: string, staleText: string, me: string, fsNow: number): boolean {
  const guard = `${file}.takeover`;
  try {
    fs.writeFileSync(guard, me, { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(e, guard, 'create the lock');
    removeIfStale(guard, me, fsNow);
    return false; // another process is taking it over, or its guard was stale: try again
  }
  try {
    if (readLock(file) !== staleText) return false;
    withIo(file, 'remove', () => fs.rmSync(file, { force: true }));
    return true;
  } finally {
    removeOwnGuard(guard);
  }
}

/**
 * Removes the guard `guard` when its writer is gone (on this host, or an unreadable guard past the grace time); a live
 * writer's is left to it. One of a process on another host or container, whose pid cannot be checked from here, is
 * judged by its age on the file system's clock (`fsNow`): a guard lives for the moment a stale lock is removed, so one
 * older than staleAfterMs (the bound past which that host's lock, its heartbeat stopped, is taken over) was left by a
 * process killed in its takeover, or paused as long as one whose lock is taken over: it is taken over the same way,
 * with a warning. A younger one is named, with what to delete once no mistral-tune runs there.
 */
function removeIfStale(guard: string, me: string, fsNow: number, refuse = true): void {
  const text = readLock(guard);
  if (text === null) return; // released in the meantime
  const owner = parseOwner(text);
  const old = Date.now() - mtimeOf(guard) > UNREADABLE_GRACE_MS;
  if (owner === null ? !old : isRunning(owner, heartbeatAge(guard, fsNow))) {
    if (owner === null || elsewhere(owner) === null || !old) return;
    const age = heartbeatAge(guard, fsNow), bound = staleAfterMs(owner.beat ?? BEAT_MS);
    const there = owner.host !== os.hostname() ? `on ${owner.host}` : `in the container of process ${owner.pid}`;
    if (age <= bound) {
      if (!refuse) return; // left, as the next takeover will name it
      throw new UserError(`a takeover of a stale lock by process ${owner.pid} on ${owner.host} was interrupted (its guard ${path.basename(guard)}, ` +
        `held only while a stale lock is removed, is ${Math.round(age / 1000)} s old; it is taken over once that is over ${bound / 1000} s): ` +
        `wait, or delete ${guard} if no mistral-tune is running in this folder ${there}`, path.dirname(guard));
    }
    if (!removeStale(guard, text, me, fsNow)) return;
    warn(`${path.dirname(guard)}: removed ${path.basename(guard)}, the guard of a takeover by ${ownerName(owner)}, ${elsewhere(owner)}, ` +
      `interrupted ${Math.round(age / 1000)} s ago (a guard is held for a moment: its process was killed, or paused, and must not go on)`);
    return;
  }
  removeStale(guard, text, me, fsNow);
}

/**
 * Removes the guards of takeovers interrupted in `dir` (their writers gone) that no later takeover came to: leftovers; one
 * that cannot be removed (the folder made read-only) is warned of, the lock just taken kept.
 */
function removeStaleGuards(dir: string, me: string, fsNow: number): void {
  // the deepest first: a guard's own stale guard goes before it
  for (const g of guardsIn(dir)) {
    try {
      removeIfStale(path.join(dir, g), me, fsNow, false);
    } catch (e) {
      sayGuardLeft(path.join(dir, g), e);
    }
  }
}

/**
 * Removes what this process's locks of `dir` left when the thread holding them was stopped (Ctrl-C; the process ends
 * next): the lock if it is this process's, its temporaries (any thread's), a takeover guard it was holding. Another's is kept; what
 * cannot be removed (the folder made read-only) is left with a warning.
 * True when the lock was this process's (the folder was its run's).
 */
export function releaseOwnLock(dir: string, name: string = LOCK_FILE): boolean {
  const file = path.join(dir, name);
  const mine = (f: string): boolean => {
    const owner = parseOwner(readLock(f) ?? '');
    return owner !== null && isThisProcess(owner);
  };
  // quietly: a folder made read-only meanwhile threw EACCES here, on the way out after Ctrl-C; what is left is warned of
  for (const temp of ownTemps(dir, name, mine)) removeTemp(path.join(dir, temp));
  for (const guard of guardsIn(dir, name)) if (mine(path.join(dir, guard))) removeOwnGuard(path.join(dir, guard));
  if (!mine(file)) return false;
  removeOwnLock(file, 'the folder');
  return true;
}

/** The takeover guards in `dir` (LOCK.takeover, LOCK.takeover.takeover, …; of the lock `name` only, if given), the deepest first; none when it cannot be read. */
function guardsIn(dir: string, name?: string): string[] {
  const mine = name === undefined ? (e: string) => GUARD.test(e) : (e: string) => e.startsWith(name) && /^(\.takeover)+$/.test(e.slice(name.length));
  return entriesOf(dir).filter(mine).sort((a, b) => b.length - a.length);
}

/** The entries of folder `dir`; none when it cannot be read. */
function entriesOf(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The folders that creating `dir` makes, deepest first. */
function missingFolders(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    out.push(d);
    if (path.dirname(d) === d) break;
  }
  return out;
}
