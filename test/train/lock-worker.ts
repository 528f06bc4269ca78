// A process for run-lock.test.ts: waits for the go file, then takes and releases the run lock of DIR ITERATIONS times
// (or, given OUT, the hold of an export writing DIR/OUT); while it holds it, it creates DIR/held (an export: DIR/held-OUT)
// with O_EXCL and looks for the other kind's (a train's held, an export's held-*), so two holders at once that may not
// be show as EEXIST or as the other's file there (printed as "overlap", exit 1). Prints "ready", then "done TAKEN BUSY".
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireExportHold, acquireRunLock } from '../../src/train/run-lock.ts';
import { isUserError } from '../../src/util/errors.ts';

const [dir, go, iterations, out] = process.argv.slice(2) as [string, string, string, string | undefined];
const sleep = new Int32Array(new SharedArrayBuffer(4));
const mine = out === undefined ? 'held' : `held-${out}`;
const others = (e: string): boolean => (out === undefined ? e.startsWith('held-') : e === 'held');
const folder = { name: 'the run folder', instead: 'wait' };
process.stdout.write('ready\n');
while (!fs.existsSync(go)) Atomics.wait(sleep, 0, 0, 1);
let taken = 0, busy = 0;
for (let i = 0; i < Number(iterations); i++) {
  let lock;
  try {
    lock = out === undefined ? acquireRunLock(dir) : acquireExportHold(dir, out, folder, folder);
  } catch (e) {
    if (isUserError(e) && /in use by process|keep taking/.test(e.message)) { busy++; continue; }
    throw e;
  }
  try {
    fs.writeFileSync(path.join(dir, mine), `${process.pid}\n`, { flag: 'wx' });
  } catch {
    process.stdout.write('overlap\n');
    process.exit(1);
  }
  if (fs.readdirSync(dir).some(others)) {
    process.stdout.write('overlap\n');
    process.exit(1);
  }
  taken++;
  fs.rmSync(path.join(dir, mine));
  lock.release();
}
process.stdout.write(`done ${taken} ${busy}\n`);
