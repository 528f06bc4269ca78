// The thread a command's synchronous work runs on (command-thread.ts): what it writes to stdout and stderr the main
// thread's streams write, at once, and it runs the process's --import preloads here too, NODE_OPTIONS' with them (Node
// runs them on the main thread only; --require ones run here by themselves), so that a preload that watches or patches
// the file system — a profiler, the tests' fault hooks — sees the work as it did on the main thread (the main thread
// resolved them from the folder the process started in: process-preloads.ts); then it imports the module of the work
// posted to it and posts what its function returns, or a user error's message, and ends — or, kept by the command
// (command-thread.ts keepCommandThread), waits for the next work.
import { parentPort, workerData } from 'node:worker_threads';
import { isUserError } from '../util/errors.ts';
import { beginCommand } from '../util/log.ts';
import { shareNativeSections } from '../util/native-section.ts';
import type { ThreadJob, ThreadMessage, ThreadSetup } from './command-thread.ts';

type Work = (data: unknown, note: (value: unknown) => void) => unknown;
const TSX = /[\\/]node_modules[\\/]tsx[\\/]/;
const post = (m: ThreadMessage): void => parentPort!.postMessage(m);
const setup = workerData as ThreadSetup;
shareNativeSections(setup.nativeSections);

writeByMain(process.stdout, 1);
writeByMain(process.stderr, 2);
// the process's stderr is a terminal: the progress bar redraws one line, as on the main thread, as wide as the
// terminal is now (the main thread keeps the width up to date: this thread's work reads no message while it runs)
if (setup.stderrTty) {
  const columns = new Int32Array(setup.stderrColumns);
  Object.defineProperty(process.stderr, 'isTTY', { value: true });
  Object.defineProperty(process.stderr, 'columns', { get: () => Atomics.load(columns, 0) || undefined });
}
for (const spec of setup.preloads) {
  if (!TSX.test(spec)) await import(spec);
  // tsx (which runs .ts modules): its loader imported on a thread does not take effect there, its API does; a .ts
  // entry is running through it already (worker-boot.ts)
  else if (!import.meta.url.endsWith('.ts')) ((await import(import.meta.resolve('tsx/esm/api'))) as { register: () => void }).register();
}
// a work's module is imported after the preloads, so that a patched fs is the one the work's modules see
parentPort!.on('message', async (job: ThreadJob) => {
  const work = ((await import(job.module)) as Record<string, unknown>)[job.name] as Work;
  beginCommand();
  let end: ThreadMessage;
  try {
    end = { result: work(job.data, noteAndWait) };
  } catch (e) {
    if (!isUserError(e)) throw e;
    end = { userError: e.message };
  }
  // what the work had Node write on its next turn (a warning of process.emitWarning) comes before its end
  await new Promise((resolve) => setImmediate(resolve));
  post(end);
  // a thread that is not kept ends once what its work left running (a timer) is done, as the command waits for it
  if (!job.keep) parentPort!.unref();
});

/** Sends `note` to the main thread's onNote and waits until that has run (ThreadSetup.noteDone says why). */
function noteAndWait(note: unknown): void {
  const done = new Int32Array(setup.noteDone);
  post({ note });
  Atomics.wait(done, 0, 0);
  Atomics.store(done, 0, 0);
}

/**
 * Makes `stream` (the thread's stdout or stderr) write through the main thread's stream for `fd`, at once: Node's own
 * pipe from a thread passes on what a thread busy with synchronous work writes only once it is done (a training run's
 * progress showed up only at its end), while a message posted reaches the main thread, free, at once. The main
 * thread's stream does what it did when the work ran there: it holds what a pipe's reader has not taken yet (a paused
 * `| less`) without holding up the work, and a write that fails (EPIPE: the reader of `| head -1` gone) comes up once
 * the work is done (command-thread.ts).
 */
function writeByMain(stream: NodeJS.WriteStream, fd: 1 | 2): void {
  stream.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((e?: Error | null) => void), done?: (e?: Error | null) => void): boolean => {
    const enc = typeof encoding === 'string' ? encoding : 'utf8';
    post({ output: { fd, chunk: typeof chunk === 'string' && enc !== 'utf8' ? Buffer.from(chunk, enc) : chunk } });
    (typeof encoding === 'function' ? encoding : done)?.();
    return true;
  }) as NodeJS.WriteStream['write'];
}
