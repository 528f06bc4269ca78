// A preload (node --import) for output-errors.test.ts: on a command's thread (command-thread-entry.ts runs the
// process's preloads there too), each write to stdout is counted, a byte a write appended to the file
// MT_COUNT_WRITES names, so that a test sees how far a work got when its output was cut off.
import * as fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env.MT_COUNT_WRITES;
if (!isMainThread && file) {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((...args: Parameters<typeof write>) => {
    fs.appendFileSync(file, '.');
    return write(...args);
  }) as typeof process.stdout.write;
}
