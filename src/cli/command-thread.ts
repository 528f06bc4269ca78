// A command whose work is synchronous (train, prepare, quickstart, export, eval, generate, classify) runs that work on
// a thread of its own (command-thread-entry.ts), so that this thread stays free to hear Ctrl-C (SIGINT) or SIGTERM: on one, the work's
// thread is stopped, the command's `onStop` removes what it was writing (its temporaries, its lock), and the process
// ends by that signal (130 / 143 in a shell); a second one, while the first waits for the thread, ends it at once, only
// the command's locks removed and its last line said (onSecondStop). A user error comes back as its message and is
// thrown here as every command's is; a thread that Node stopped because the JavaScript heap was full is cleaned up as a
// stopped one and said in one line (heap-limit.ts); anything else (a bug) is thrown with its stack.
// The thread ends with its work, and the command once the thread has (what it wrote has all come through then), which
// frees what the work held (a CPU backend's WebAssembly memory never shrinks). A caller that runs several commands in
// one process (the tests, in process) may keep it instead (keepCommandThread): a thread whose work ended waits, not
// holding the process open, for the next command, which finds the work's modules loaded (≈ 0.4 s a start) — only
// while the process's environment is as it was (a thread's process.env is a copy); each command's once-only notes are
// said again (log.ts beginCommand).
import { Worker } from 'node:worker_threads';
import { UserError } from '../util/errors.ts';
import { warn } from '../util/log.ts';
import { claimForStop } from '../util/native-section.ts';
import { exitBySignal, onStopSignal, type StopSignal } from '../util/stop-signals.ts';
import { threadModule, workerBoot } from '../util/worker-boot.ts';
import { heapFullError, isHeapFull } from './heap-limit.ts';
import { endByOutputError, holdOutputErrors } from './output-errors.ts';
import { processPreloads } from './process-preloads.ts';

/** The work's thread; an error it does not catch (a bug, a failed start) reaches the 'error' event with its stack. */
const BOOT = workerBoot(threadModule('command-thread-entry', import.meta.url), 'throw e;');

/** How long after a stop signal the thread may take to stop before a line says what is waited for. */
const STOP_NOTICE_MS = 1000;

/** What the work's thread is started with, for every command it runs: how stderr is, the shared words, the preloads. */
export interface ThreadSetup {
  /** Whether this process's stderr is a terminal (the thread's is a pipe to it): progress bars redraw one line there. */
  stderrTty: boolean;
  /** One Int32: that terminal's width in columns (0: unknown), kept up to date by this thread as the terminal is resized. */
  stderrColumns: SharedArrayBuffer;
  /**
   * One Int32, set to 1 by this thread once onNote has run. The work waits for it: train's onNote starts the dashboard's
   * process, and a fork while the work is inside OpenBLAS leaves that call waiting forever for OpenBLAS's threads,
   * which its fork handler stops.
   */
  noteDone: SharedArrayBuffer;
  /** One Int32: the native calls in progress on the work's thread, which a stop waits for (util/native-section.ts). */
  nativeSections: SharedArrayBuffer;
  /** The process's --import preloads as URLs, which the thread runs before its first work (process-preloads.ts). */
  preloads: string[];
}

/** A command's work, posted to the thread: the module and function to run and its argument. */
export interface ThreadJob {
  /** The module's URL (the calling command's import.meta.url). */
  module: string;
  /**
   * The exported function: (data, note) => result, synchronous; `note` sends a value to onNote on this thread and
   * waits until onNote has run (ThreadSetup.noteDone).
   */
  name: string;
  data: unknown;
  /** Whether the thread waits for the next work once this one ended (keepCommandThread), or ends with it. */
  keep: boolean;
}

/** What the thread posts: what it writes to stdout (fd 1) or stderr (fd 2), a note on the way, then the result or a user error's message. */
export type ThreadMessage = { output: { fd: 1 | 2; chunk: string | Uint8Array } } | { note: unknown } | { result: unknown } | { userError: string };

export interface ThreadHooks {
  /** A note the work sent (train: its run folder, for the dashboard). */
  onNote?: (note: unknown) => void;
  /**
   * Removes what the stopped work was writing; runs once the thread has stopped, before the process ends by the signal
   * (or, for a thread stopped by a full heap — `signal` null —, before the error).
   */
  onStop: (signal: StopSignal | null) => void;
  /**
   * On a second stop signal: removes this process's locks and says what the command says on a stop (train's last line).
   * The process then ends at once, the work's thread still in the call the first stop waited for, and what it was
   * writing is left for the next run to remove (README) — its lock, which a later run would only take over as stale
   * with a warning, is ours and quick to remove (only where still ours).
   */
  onSecondStop?: (signal: StopSignal) => void;
  /**
   * The work's output is stdout and it writes no file (generate; classify without --out): a failed write to stdout (its
   * reader gone: `| head`) stops it at once, and the process ends as by that write (output-errors.ts), not once it has
   * generated the rest.
   */
  stdoutIsOutput?: boolean;
}

interface CommandThread {
  worker: Worker;
  setup: ThreadSetup;
  /** The process's environment when the thread's last work ended (its own setenv calls included: OpenBLAS's core). */
  env: string;
}

/** Whether a thread whose work ended waits for the process's next command (keepCommandThread). */
let keeping = false;

/** The thread whose last work ended, waiting for the next command of this process; null while none does. */
let waiting: CommandThread | null = null;

/**
 * Keeps a command's thread, once its work ended, for the next command of this process (its modules loaded): for a
 * caller that runs several commands in one process, as the tests do. The thread holds what its work left (memory a
 * CPU backend took) until it runs another, or the process ends.
 */
export function keepCommandThread(): void {
  keeping = true;
}

/** The waiting thread where it still runs, the environment is the one it copied and stderr is a terminal as it was, else a new one. */
function takeThread(): CommandThread {
  const thread = waiting;
  waiting = null;
  // threadId is -1 once the thread stopped, which may be before its 'exit' event (a timer its last work left threw)
  if (thread !== null && thread.worker.threadId !== -1 && thread.env === JSON.stringify(process.env) &&
    thread.setup.stderrTty === Boolean(process.stderr.isTTY)) {
    thread.worker.ref();
    return thread;
  }
  if (thread !== null) void thread.worker.terminate();
  const setup: ThreadSetup = { stderrTty: Boolean(process.stderr.isTTY), stderrColumns: new SharedArrayBuffer(4), noteDone: new SharedArrayBuffer(4),
    nativeSections: new SharedArrayBuffer(4), preloads: processPreloads() };
  const started: CommandThread = { worker: new Worker(BOOT, { eval: true, workerData: setup }), setup, env: '' };
  // while it waits (a command's work has listeners of its own): an error then is a bug of what a work left running
  // (a timer), said, and a thread that ended is not run again; what it writes then goes through as a work's does
  started.worker.on('error', (e) => {
    if (waiting !== started) return;
    waiting = null;
    warn(`the command thread failed after its work had ended (a bug): ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  });
  started.worker.on('exit', () => {
    if (waiting === started) waiting = null;
  });
  started.worker.on('message', (m: ThreadMessage) => {
    if (waiting === started && 'output' in m) writeOutput(m.output);
  });
  return started;
}

/** Writes what the thread wrote to this process's stdout or stderr. */
function writeOutput(output: { fd: 1 | 2; chunk: string | Uint8Array }): void {
  (output.fd === 1 ? process.stdout : process.stderr).write(output.chunk);
}

/** Keeps `thread`, whose work ended, for the next command (a thread kept before it, by a command run beside it, ends). */
function park(thread: CommandThread): void {
  if (waiting !== null) void waiting.worker.terminate();
  thread.env = JSON.stringify(process.env);
  thread.worker.unref();
  waiting = thread;
}

/** Runs the function `name` of the module `module` on the command thread with `data`; resolves to what it returns. */
export function runOnThread<R>(module: string, name: string, data: unknown, hooks: ThreadHooks): Promise<R> {
  const thread = takeThread();
  const { worker, setup } = thread;
  const columns = new Int32Array(setup.stderrColumns);
  const resized = (): void => { Atomics.store(columns, 0, process.stderr.columns ?? 0); };
  resized();
  process.stderr.on('resize', resized);
  let ended: { result: { value: R } } | { userError: string } | null = null;
  let crash: unknown = null;
  let stoppedBy: StopSignal | null = null;
  let outputGone = false;
  // not while the thread opens a native library, which a termination turns into an abort of the process
  const terminate = (): void => void claimForStop(setup.nativeSections).then(() => worker.terminate());
  const output = holdOutputErrors((e) => {
    if (!hooks.stdoutIsOutput || e.stream !== process.stdout || stoppedBy !== null) return;
    outputGone = true;
    terminate();
  });
  let slowStop: NodeJS.Timeout | undefined;
  let offAgain = (): void => {};
  const off = onStopSignal((signal) => {
    stoppedBy = signal;
    terminate();
    offAgain = onStopSignal((again) => stopAtOnce(again, hooks));
    // the thread stops at its next instruction, but not inside a system call (a long write, an fsync) or a native one
    // (an OpenBLAS product): say what is waited for, and how not to wait
    slowStop = setTimeout(() => process.stderr.write(`stopping (${signal}): waiting for the call in progress (a long write or computation) to end, then removing what was being ` +
      `written; ${signal === 'SIGINT' ? 'Ctrl-C' : signal} again stops at once, leaving that for the next run to remove\n`), STOP_NOTICE_MS);
  });
  return new Promise((resolve, reject) => {
    const onMessage = (m: ThreadMessage): void => {
      if ('output' in m) writeOutput(m.output);
      else if ('note' in m) {
        try {
          hooks.onNote?.(m.note);
        } finally {
          const done = new Int32Array(setup.noteDone);
          Atomics.store(done, 0, 1);
          Atomics.notify(done, 0);
        }
      } else {
        // the work's end (what it wrote came before, in order): a kept thread waits for the next command, another ends
        ended = 'userError' in m ? { userError: m.userError } : { result: { value: m.result as R } };
        if (keeping && stoppedBy === null && !outputGone) finish(true);
      }
    };
    const onError = (e: unknown): void => { crash = e; };
    const onExit = (): void => finish(false);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.once('exit', onExit);
    worker.postMessage({ module, name, data, keep: keeping } satisfies ThreadJob);

    /** The work ended with the thread kept (`kept`: it waits for the next command), or the thread ended. */
    function finish(kept: boolean): void {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      clearTimeout(slowStop);
      process.stderr.off('resize', resized);
      // Node stopped the thread where it was (no finally ran): what it was writing is removed as after Ctrl-C, its lock
      // too, with a listener kept as a stop's is (stop), placed before the first stop's goes: none between
      const heapFull = stoppedBy === null && !outputGone && isHeapFull(crash);
      if (heapFull) offAgain = onStopSignal((again) => stopAtOnce(again, hooks));
      off();
      if (stoppedBy === null && !heapFull) offAgain(); // a stop's is removed once what the work was writing is (stop)
      if (kept) park(thread);
      const failedWrite = output.release();
      if (stoppedBy !== null) return stop(stoppedBy, hooks, offAgain);
      if (outputGone) endByOutputError(failedWrite!); // the thread stopped for it (stdoutIsOutput): nothing to remove
      if (heapFull) {
        cleanUp(hooks, null, offAgain);
        crash = heapFullError();
      }
      // raised once the command has done what it does after the work (a summary, --json's line), as when the work ran
      // on this thread, where the stream's error came up only then: it ends the process as output-errors.ts says
      if (failedWrite !== null) setImmediate(() => failedWrite.stream.emit('error', failedWrite.error));
      const end = ended as { result: { value: R } } | { userError: string } | null;
      if (crash !== null) reject(crash);
      else if (end === null) reject(new Error(`the thread of ${name} ended without a result`));
      else if ('userError' in end) reject(new UserError(end.userError));
      else resolve(end.result.value);
    }
  });
}

/** Removes what the stopped work was writing, then ends the process by `signal`. */
function stop(signal: StopSignal, hooks: ThreadHooks, offAgain: () => void): void {
  cleanUp(hooks, signal, offAgain); // the process ends by the first signal next (exitBySignal): no handler of it may be left
  exitBySignal(signal);
}

/** A second stop signal: the process ends by it at once, without waiting for the work's thread; its locks are removed first. */
function stopAtOnce(signal: StopSignal, hooks: ThreadHooks): void {
  try {
    hooks.onSecondStop?.(signal);
  } catch (e) {
    warn(`stopped by ${signal} again: the lock could not be removed (the next run takes it over): ${e instanceof Error ? e.message : String(e)}`);
  }
  exitBySignal(signal);
}

/**
 * Removes what the work's thread, stopped midway by `signal` (null: by a full heap), was writing, then the stop listener
 * (`offAgain` removes it) kept until then: a signal with none ends the process by its default action, and a Ctrl-C in
 * the middle of that removal (a large temporary checkpoint's) left the lock and the rest of it, with no last line. Heard
 * only once the removal (synchronous) is over, such a signal no longer stops anything sooner; it is dropped with the
 * listener, and the process ends as it would have (by the first signal; by the heap's error).
 */
function cleanUp(hooks: ThreadHooks, signal: StopSignal | null, offAgain: () => void): void {
  const how = signal === null ? 'stopped by a full JavaScript heap' : `stopped by ${signal}`;
  try {
    hooks.onStop(signal);
  } catch (e) {
    warn(`${how}, and what was being written could not all be removed (the next run removes it): ${e instanceof Error ? e.message : String(e)}`);
  }
  offAgain();
}
