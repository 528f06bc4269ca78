// A worker_threads Worker for run-lock-thread.test.ts: takes the run lock of workerData.dir, but waits, its lock's
// temporary written and not yet linked into place, until workerData.signal[0] is set (saying "at-link" first), so
// that another thread of this process takes the lock meanwhile; then says "held" (and releases it) or the error.
import * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { acquireRunLock } from '../../src/train/run-lock.ts';

const { dir, signal } = workerData as { dir: string; signal: Int32Array };
const cjs = createRequire(import.meta.url)('node:fs') as typeof fs;
const link = cjs.linkSync;
cjs.linkSync = (from, to) => {
  parentPort!.postMessage('at-link');
  Atomics.wait(signal, 0, 0);
  cjs.linkSync = link;
  syncBuiltinESMExports();
  link(from, to);
};
syncBuiltinESMExports(); // run-lock.ts's `import * as fs` sees it
try {
  acquireRunLock(dir).release();
  parentPort!.postMessage('held');
} catch (e) {
  parentPort!.postMessage({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
}
