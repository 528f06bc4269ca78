// The works of command-thread.test.ts's test of the thread a process keeps for its next command: each run on a
// command's thread by runOnThread, as a command's work is.
import { threadId } from 'node:worker_threads';
import { loadOpenBlas } from '../../src/backend/cpu/openblas.ts';
import { UserError } from '../../src/util/errors.ts';
import { warnOnce } from '../../src/util/log.ts';

/** A once-only warning, asked for twice; the thread it ran on. */
export function warnOnceTwice(): number {
  warnOnce('a once-only warning');
  warnOnce('a once-only warning');
  return threadId;
}

/** A user error, as a command's refusal. */
export function refuse(message: string): never {
  throw new UserError(message);
}

/** A bug: an error that is not a user error. */
export function crash(): never {
  throw new Error('a planted bug');
}

/** A bug of what a work leaves running: a timer that throws once the work has ended. */
export function failLater(): number {
  setTimeout(() => {
    throw new Error('a planted late bug');
  }, 20);
  return threadId;
}

/** A warning Node prints on its next turn (process.emitWarning), once the work has returned; the thread. */
export function nodeWarning(): number {
  process.emitWarning('a planted Node warning');
  return threadId;
}

/** OpenBLAS opened (where it is), which sets OPENBLAS_CORETYPE in the process's own environment where it is not set; the thread. */
export function openBlas(): number {
  loadOpenBlas();
  return threadId;
}
