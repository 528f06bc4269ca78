// Preloaded (node --require, which worker threads run too) into a command that takes a folder's lock: right before the
// link(2) that puts its lock file (.mistral-tune.lock) in place, the process writes "at the lock barrier" to stderr and
// opens the FIFO MT_LOCK_BARRIER for reading, which waits until the test opens it for writing: several processes
// started on one folder then place their locks at the same instant (lock-race.test.ts).
'use strict';
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');

const barrier = process.env.MT_LOCK_BARRIER;
let waited = false;
const original = fs.linkSync;
fs.linkSync = (from, to) => {
  if (barrier && !waited && /\.mistral-tune\.lock$/.test(String(to))) {
    waited = true;
    fs.writeSync(2, 'at the lock barrier\n');
    fs.closeSync(fs.openSync(barrier, 'r'));
  }
  return original(from, to);
};
syncBuiltinESMExports();
