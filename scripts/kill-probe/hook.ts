// Preloaded into a CLI process by scripts/kill-probe.ts (node --import tsx --import this): counts the process's
// synchronous file-system mutations (open for writing, write, fsync, rename, link, unlink, rm, mkdir, cp) and,
// with MT_PROBE_KILL_AT=N, kills the process with SIGKILL just before the Nth, after appending "N op path" to
// MT_PROBE_LOG: a kill at every moment a file changes, reproducible by its number (MT_PROBE_TRACE=FILE lists them
// all, numbered, to pick one). With MT_PROBE_SIGNAL=INT or TERM the process is sent that signal there instead, and the
// thread that mutates waits (busy, so a stop can interrupt it) until it is stopped: the graceful stop's clean-up then
// runs with the process stopped just before that mutation. With MT_PROBE_COUNT=FILE the
// number of mutations is written there at exit (the walk's length).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const killAt = Number(process.env.MT_PROBE_KILL_AT ?? '0');
const signal = `SIG${process.env.MT_PROBE_SIGNAL ?? 'KILL'}` as NodeJS.Signals;
const log = process.env.MT_PROBE_LOG;
const countFile = process.env.MT_PROBE_COUNT;
const trace = process.env.MT_PROBE_TRACE;
const original = { ...fs };
let n = 0;
let inside = false; // the probe's own writes (fs calls its patched self) are not counted

function note(file: string, line: string): void {
  inside = true;
  try {
    original.appendFileSync(file, line);
  } finally {
    inside = false;
  }
}

function before(op: string, p: unknown): void {
  if (inside) return;
  n++;
  if (trace) note(trace, `${n} ${op} ${String(p)}\n`);
  // the main thread's own mutations (a stop's clean-up) are not the work's numbered ones: only a SIGKILL is sent from there
  if (n !== killAt || (signal !== 'SIGKILL' && isMainThread)) return;
  if (log) note(log, `${n} ${op} ${String(p)}\n`);
  process.kill(process.pid, signal);
  // a stop signal is heard by the main thread, which stops this one at its next instruction: wait here for it
  const until = Date.now() + 10_000;
  while (signal !== 'SIGKILL' && Date.now() < until);
}

const writes = (flags: unknown): boolean => flags !== undefined && flags !== 'r' && flags !== fs.constants.O_RDONLY;
type Fn = (...a: unknown[]) => unknown;
const wrap = (name: string, when: (a: unknown[]) => boolean = () => true): void => {
  const f = (original as unknown as Record<string, Fn>)[name]!;
  (fs as unknown as Record<string, Fn>)[name] = (...a: unknown[]) => {
    if (when(a)) before(name, a[0]);
    return f(...a);
  };
};
wrap('openSync', (a) => writes(a[1]));
wrap('writeSync', (a) => a[0] !== 1 && a[0] !== 2); // not the terminal's
for (const name of ['writeFileSync', 'appendFileSync', 'fsyncSync', 'renameSync', 'linkSync', 'unlinkSync', 'rmSync', 'rmdirSync', 'mkdirSync', 'copyFileSync', 'cpSync', 'symlinkSync', 'truncateSync', 'ftruncateSync']) wrap(name);
syncBuiltinESMExports();
// the thread that has counted (a command's work thread: the main thread writes nothing meanwhile) leaves the number, not the other's 0
if (countFile) process.on('exit', () => {
  if (n === 0 && fs.existsSync(countFile)) return;
  inside = true;
  original.writeFileSync(countFile, String(n));
});

// A command's work runs on a thread of its own (src/cli/command-thread.ts), which imports the process's --import
// modules, this one among them, before the work's code: its mutations are numbered and killed at there too.
