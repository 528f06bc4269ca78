// Preloaded (node --require, which worker threads run too) into an export: at the first file written under a path
// matching MT_SIGNAL_AT (a regular expression), the process sends itself MT_SIGNAL (INT or TERM) and the writing
// thread then stays in that write for up to 20 s, as a long write of a 7B model would: Ctrl-C in the middle of it.
'use strict';
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');

const pattern = new RegExp(process.env.MT_SIGNAL_AT || '(?!)');
let sent = false;
const before = (p) => {
  if (sent || !pattern.test(String(p))) return;
  sent = true;
  process.kill(process.pid, `SIG${process.env.MT_SIGNAL || 'INT'}`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20_000);
};
const writes = (flags) => flags !== undefined && flags !== 'r' && flags !== fs.constants.O_RDONLY && (typeof flags !== 'number' || (flags & 3) !== 0);
for (const [name, when] of [['openSync', (a) => writes(a[1])], ['copyFileSync', () => true]]) {
  const original = fs[name];
  fs[name] = (...a) => {
    if (when(a)) before(name === 'copyFileSync' ? a[1] : a[0]);
    return original(...a);
  };
}
syncBuiltinESMExports();
