// Preloaded (node --require, which worker threads run too) into an export: at the first file written under a path
// matching MT_SIGNAL_AT (a regular expression), the process sends itself MT_SIGNAL (INT or TERM) and the writing
// thread then stays in that write for up to MT_SIGNAL_HOLD_MS (default 20 s), as a long write of a 7B model would: Ctrl-C
// in the middle of it (with MT_BLOCK_FIFO, in a system call until the test opens that FIFO for writing). A signal
// that stops the command ends the hold; one it ignores (a hangup under nohup) waits it out. With MT_SIGNAL_AGAIN_AT
// (a regular expression), the main thread, removing a path that matches it (on the way out, the stop's removal
// of what was being written), sends the same signal again: a second Ctrl-C in the middle of that removal.
'use strict';
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const { syncBuiltinESMExports } = require('node:module');

const pattern = new RegExp(process.env.MT_SIGNAL_AT || '(?!)');
let sent = false;
const before = (p) => {
  if (sent || !pattern.test(String(p))) return;
  sent = true;
  const signal = `SIG${process.env.MT_SIGNAL || 'INT'}`;
  if (process.env.MT_BLOCK_FIFO) {
    // a system call that stopping the thread cannot cut short, opening a FIFO until its writer comes; the signal is
    // sent from outside a moment later, when the thread is in it (sent now, it could stop the thread before)
    spawn('sh', ['-c', `sleep 0.3; kill -${signal.slice(3)} ${process.pid}`], { detached: true, stdio: 'ignore' }).unref();
    fs.closeSync(fs.openSync(process.env.MT_BLOCK_FIFO, 'r'));
    return;
  }
  process.kill(process.pid, signal);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.env.MT_SIGNAL_HOLD_MS || 20_000));
};
/** MT_SIGNAL_AFTER=1: the signal is sent once the file is opened, or written whole by writeFileSync (so there), not before. */
const after = process.env.MT_SIGNAL_AFTER === '1';
const writes = (flags) => flags !== undefined && flags !== 'r' && flags !== fs.constants.O_RDONLY && (typeof flags !== 'number' || (flags & 3) !== 0);
for (const [name, when] of [['openSync', (a) => writes(a[1])], ['copyFileSync', () => true], ...(after ? [['writeFileSync', (a) => typeof a[0] !== 'number']] : [])]) {
  const original = fs[name];
  fs[name] = (...a) => {
    if (!when(a)) return original(...a);
    if (!after) before(name === 'copyFileSync' ? a[1] : a[0]);
    const result = original(...a);
    if (after) before(name === 'copyFileSync' ? a[1] : a[0]);
    return result;
  };
}
const again = process.env.MT_SIGNAL_AGAIN_AT ? new RegExp(process.env.MT_SIGNAL_AGAIN_AT) : null;
if (again !== null && require('node:worker_threads').isMainThread) {
  let resent = false;
  for (const name of ['rmSync', 'unlinkSync', 'rmdirSync']) {
    const original = fs[name];
    fs[name] = (...a) => {
      if (!resent && again.test(String(a[0]))) {
        resent = true;
        process.kill(process.pid, `SIG${process.env.MT_SIGNAL || 'INT'}`);
      }
      return original(...a);
    };
  }
}
syncBuiltinESMExports();
