// The heartbeat of the locks this thread holds (run-lock.ts): every BEAT_MS each lock file is written again over itself with
// the same bytes, so its mtime, set by the clock of the file system that holds it, says the owner still runs. A lock of
// another host or pid namespace, whose pid cannot be checked from there, is stale once its heartbeat stops (a container
// restarted, a machine gone): taken over after staleAfterMs. The beat runs on a small thread of its own, whose event loop
// nothing else uses: training is synchronous (on the command's thread, or on a library caller's main thread), and a long
// native step (an sgemm, a CUDA sync) or Atomics.wait blocks that thread's timers, not this one's. A stopped process
// (SIGSTOP, a frozen container) beats no more: on this host and pid namespace its lock is judged by its pid and kept; one
// of another host or container paused past staleAfterMs loses its lock, as a lease does (said by the run that takes it over,
// and by the paused one when it releases its lock). The holder reads each lock's pulse (the time of its last beat, in
// shared memory) between its steps: a lock no longer its own (taken over, removed) stops the run at once; a heartbeat
// that stopped while the lock is still its own (its thread crashed, or hangs on a stalled network file system) is started
// again on a new thread, and stops the run only once it has been silent staleAfterMs, when another host or container may
// take the lock over, so the run never writes in a folder another process may have taken.
import { Worker } from 'node:worker_threads';

/** How often a held lock's heartbeat is written. */
export const BEAT_MS = 15_000;
/** Beats missed before a lock of another host or container counts as stale: room for a loaded machine, a slow file system. */
const STALE_BEATS = 8;

/** How old (by its file system's clock) the heartbeat of a lock that beats every `beatMs` may be before it counts as stale. */
export function staleAfterMs(beatMs: number): number {
  return STALE_BEATS * Math.max(beatMs, BEAT_MS);
}

// plain CommonJS, without the tsx hooks (execArgv: []): it starts in milliseconds and imports nothing of ours
const SOURCE = `
const fs = require('node:fs');
const { parentPort } = require('node:worker_threads');
const held = new Map();
// the same bytes, written only when the file still holds them: through the descriptor opened before the check, so a lock
// another process put in place after a takeover is never written, and a lock removed meanwhile only its orphan is;
// true when it was written
const beat = (file, text) => {
  let fd;
  try { fd = fs.openSync(file, 'r+'); } catch { return false; }
  try {
    const want = Buffer.from(text);
    const got = Buffer.alloc(want.length + 1);
    if (fs.readSync(fd, got, 0, got.length, 0) !== want.length || !want.equals(got.subarray(0, want.length))) return false;
    fs.writeSync(fd, want, 0, want.length, 0);
    return true;
  } catch { return false; } finally { fs.closeSync(fd); }
};
// each lock's pulse, which the thread holding the lock reads without its event loop: the time of its last beat, and how
// many it has had (two beats within a millisecond are two)
const beatAll = () => {
  for (const [file, { text, pulse }] of held) {
    if (!beat(file, text)) continue;
    Atomics.store(pulse, 0, BigInt(Date.now()));
    Atomics.add(pulse, 1, 1n);
    Atomics.notify(pulse, 1);
  }
};
parentPort.on('message', (m) => {
  if (m.now) beatAll();
  else if (m.text === null) held.delete(m.file);
  else held.set(m.file, { text: m.text, pulse: new BigInt64Array(m.pulse) });
});
setInterval(beatAll, ${BEAT_MS});
`;

let worker: Worker | null = null;
/** The locks this thread holds, each with its pulse: a thread started anew is given every one (not only the lock that found it silent). */
const held = new Map<string, { text: string; pulse: SharedArrayBuffer }>();

/** The heartbeat's thread, started at the first lock: before the lock is placed, so that a thread that cannot start leaves no lock. */
export function heartbeatThread(): Worker {
  if (worker === null) {
    const w = new Worker(SOURCE, { eval: true, execArgv: [], stdout: true, stderr: true });
    for (const [file, { text, pulse }] of held) w.postMessage({ file, text, pulse });
    w.unref(); // the process ends when its work does
    // a thread that failed or ended beats no more: the next lock starts another; the locks it beat see their pulse stop
    const gone = (): void => {
      if (worker === w) worker = null;
    };
    w.on('error', gone);
    w.on('exit', gone);
    worker = w;
  }
  return worker;
}

/** A pulse older than this sends the holder to ask for a beat: two beats missed (a paused process, a dead thread). */
const QUIET_MS = 2 * BEAT_MS;
/** How long the holder waits for the beat it asked for: a heartbeat thread that is alive answers in milliseconds. */
const ANSWER_MS = 5_000;

/** A lock being beaten (beatLock): whether its heartbeat still goes, and the stop of it. */
export interface Beating {
  /**
   * How many ms ago the lock last beat, when its heartbeat has stopped (its thread crashed or ended, or the lock file
   * no longer holds this lock: taken over or removed); null while it beats. Read without the event loop (a shared
   * pulse), so a thread that trains synchronously can ask between steps; where two beats were missed it asks for one
   * and waits up to `at.waitMs` for it. `at`: this machine's clock and that wait (tests inject a later clock).
   */
  stoppedFor(at?: { now: number; waitMs: number }): number | null;
  /** Beats the lock on a new thread from now on (the one beating it ended, or hangs), with a beat at once. */
  restart(): void;
  stop(): void;
}

/** Beats the lock `file`, which holds `text`, until stopped. */
export function beatLock(file: string, text: string): Beating {
  const pulse = new BigInt64Array(new SharedArrayBuffer(16)); // [time of the last beat, beats]
  pulse[0] = BigInt(Date.now()); // written just now: a beat
  heartbeatThread().postMessage({ file, text, pulse: pulse.buffer });
  held.set(file, { text, pulse: pulse.buffer });
  return {
    stoppedFor: (at = { now: Date.now(), waitMs: ANSWER_MS }) => {
      const last = Number(Atomics.load(pulse, 0)), beats = Atomics.load(pulse, 1);
      if (at.now - last <= QUIET_MS) return null;
      // two beats missed: a process paused (a laptop asleep) has a live thread that beats when asked; a dead one does
      // not. The thread beating the held locks now is asked (another lock's check may have started it anew), none
      // started here: past a long silence the holder decides (run-lock.ts check)
      worker?.postMessage({ now: true });
      Atomics.wait(pulse, 1, beats, at.waitMs);
      return Atomics.load(pulse, 1) !== beats ? null : Math.max(0, at.now - last);
    },
    restart: () => {
      // its end may not be told yet (this thread's event loop is held by the run): every held lock goes to the new one
      const old = worker;
      worker = null;
      void old?.terminate();
      heartbeatThread().postMessage({ now: true });
    },
    stop: () => {
      held.delete(file);
      worker?.postMessage({ file, text: null });
    },
  };
}

/** Has the held locks beat at once (tests; a caller that knows it will block its own thread for long need not). */
export function beatHeldLocksNow(): void {
  worker?.postMessage({ now: true });
}
