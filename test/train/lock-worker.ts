// A process for run-lock.test.ts: waits for the go file, then takes and releases the run lock of DIR
// ITERATIONS times; while it holds the lock it creates DIR/held with O_EXCL, so two holders at once show
// as EEXIST there (printed as "overlap", exit 1). Prints "ready", then "done TAKEN BUSY".
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireRunLock } from '../../src/train/run-lock.ts';
import { isUserError } from '../../src/util/errors.ts';

const [dir, go, iterations] = process.argv.slice(2) as [string, string, string];
const sleep = new Int32Array(new SharedArrayBuffer(4));
process.stdout.write('ready\n');
while (!fs.existsSync(go)) Atomics.wait(sleep, 0, 0, 1);
let taken = 0, busy = 0;
for (let i = 0; i < Number(iterations); i++) {
  let lock;
  try {
    lock = acquireRunLock(dir);
  } catch (e) {
    if (isUserError(e) && /in use by process|keep taking/.test(e.message)) { busy++; continue; }
    throw e;
  }
  try {
    fs.writeFileSync(path.join(dir, 'held'), `${process.pid}\n`, { flag: 'wx' });
  } catch {
    process.stdout.write('overlap\n');
    process.exit(1);
  }
  taken++;
  fs.rmSync(path.join(dir, 'held'));
  lock.release();
}
process.stdout.write(`done ${taken} ${busy}\n`);
