// The works of command-thread.test.ts's test of the thread a process keeps for its next command: each run on a
// command's thread by runOnThread, as a command's work is.
import { threadId } from 'node:worker_threads';
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
