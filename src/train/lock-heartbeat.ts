// The heartbeat of the locks this thread holds (run-lock.ts): every BEAT_MS each lock file is written again over itself with
// the same bytes, so its mtime, set by the clock of the file system that holds it, says the owner still runs. A lock of
// another host or pid namespace, whose pid cannot be checked from there, is stale once its heartbeat stops (a container
// restarted, a machine gone): taken over after staleAfterMs. The beat runs on a small thread of its own, whose event loop
// nothing else uses: training is synchronous (on the command's thread, or on a library caller's main thread), and a long
// native step (an sgemm, a CUDA sync) or Atomics.wait blocks that thread's timers, not this one's. A stopped process
// (SIGSTOP, a frozen container) beats no more: on this host and pid namespace its lock is judged by its pid and kept; one
// of another host or container paused past staleAfterMs loses its lock, as a lease does (said by the run that takes it over,
// and by the paused one when it releases its lock).
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
// another process put in place after a takeover is never written, and a lock removed meanwhile only its orphan is
const beat = (file, text) => {
  let fd;
  try { fd = fs.openSync(file, 'r+'); } catch { return; }
  try {
    const want = Buffer.from(text);
    const got = Buffer.alloc(want.length + 1);
    if (fs.readSync(fd, got, 0, got.length, 0) === want.length && want.equals(got.subarray(0, want.length))) fs.writeSync(fd, want, 0, want.length, 0);
  } catch {} finally { fs.closeSync(fd); }
};
const beatAll = () => { for (const [file, text] of held) beat(file, text); };
parentPort.on('message', (m) => {
  if (m.now) beatAll();
  else if (m.text === null) held.delete(m.file);
  else held.set(m.file, m.text);
});
setInterval(beatAll, ${BEAT_MS});
`;

let worker: Worker | null = null;

/** The heartbeat's thread, started at the first lock: before the lock is placed, so that a thread that cannot start leaves no lock. */
export function heartbeatThread(): Worker {
  if (worker === null) {
    worker = new Worker(SOURCE, { eval: true, execArgv: [], stdout: true, stderr: true });
    worker.unref(); // the process ends when its work does
    worker.on('error', () => { worker = null; }); // a beat that cannot run makes the lock look stale elsewhere, never held twice here
  }
  return worker;
}

/** Beats the lock `file`, which holds `text`, until the returned function is called. */
export function beatLock(file: string, text: string): () => void {
  const w = heartbeatThread();
  w.postMessage({ file, text });
  return () => { w.postMessage({ file, text: null }); };
}

/** Has the held locks beat at once (tests; a caller that knows it will block its own thread for long need not). */
export function beatHeldLocksNow(): void {
  worker?.postMessage({ now: true });
}
