// The thread `mistral-tune export` does its work on (export.ts, exportOnThread): a user error goes back to the
// main thread as its message, to be printed there as every command's is; anything else is thrown, with its stack.
import { parentPort, workerData } from 'node:worker_threads';
import { isUserError } from '../util/errors.ts';
import { exportCommand, type Flags } from './export.ts';

try {
  exportCommand((workerData as { flags: Flags }).flags);
} catch (e) {
  if (!isUserError(e)) throw e;
  parentPort!.postMessage({ userError: e.message });
}
