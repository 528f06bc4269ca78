// Preloaded into a CLI process by heap-full.test.ts: on the command's thread, the first write to a file whose path
// matches MT_HEAP_FULL_AT (a regular expression) fills the JavaScript heap, as a run holding too much would, so that
// Node stops the thread there (run the process with a small --max-old-space-size, or this takes the default limit).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (!isMainThread) {
  const pattern = new RegExp(process.env.MT_HEAP_FULL_AT ?? '(?!)');
  const open = fs.openSync;
  fs.openSync = ((file: fs.PathLike, ...rest: unknown[]): number => {
    if (pattern.test(String(file))) {
      const held: number[][] = [];
      for (;;) held.push(new Array(1 << 16).fill(0.5));
    }
    return (open as (...a: unknown[]) => number)(file, ...rest);
  }) as typeof fs.openSync;
  syncBuiltinESMExports();
}
