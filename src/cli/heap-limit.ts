// A command's thread (command-thread.ts) whose JavaScript heap fills up is stopped by Node (ERR_WORKER_OUT_OF_MEMORY)
// instead of ending the process: that is said in one line naming the limit and how to raise it, not with Node's stack.
import { getHeapStatistics } from 'node:v8';
import { UserError } from '../util/errors.ts';

/** Whether `e` is the error of a thread Node stopped because its heap was full. */
export function isHeapFull(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}

/** The one-line error of a command whose thread's heap was full. */
export function heapFullError(): UserError {
  // a thread's heap limit is the process's (--max-old-space-size, or Node's default for this machine's memory); V8's
  // whole limit is more than the old space that flag sets (24 gives 72 MiB), so the flag's own value is not known here
  const limit = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  return new UserError('out of memory: the JavaScript heap reached its limit (--max-old-space-size, or Node\'s default), so the work was stopped and ' +
    `what it was writing removed: raise the limit (NODE_OPTIONS=--max-old-space-size=${Math.max(4096, 2 * limit)}, in MiB) and run it again (train: with --resume)`);
}
