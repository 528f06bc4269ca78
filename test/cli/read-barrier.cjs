// Preloaded (node --require) into a command: at its first read of a file whose path matches MT_READ_AT (a regular
// expression), the process writes "at the read barrier" to stderr and opens the FIFO MT_READ_BARRIER for reading, which
// waits until the test opens it for writing: a stop signal sent then is heard at the command's next turn of its event
// loop, at a moment the test chose (stop-signal.test.ts: a Ctrl-C while train reads its config, before its thread starts).
'use strict';
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');

const pattern = new RegExp(process.env.MT_READ_AT || '(?!)');
let waited = false;
const before = (p) => {
  if (waited || !process.env.MT_READ_BARRIER || !pattern.test(String(p))) return;
  waited = true;
  fs.writeSync(2, 'at the read barrier\n');
  fs.closeSync(fs.openSync(process.env.MT_READ_BARRIER, 'r'));
};
const reads = (flags) => flags === undefined || flags === 'r' || (typeof flags === 'number' && (flags & 3) === 0);
for (const [name, when] of [['openSync', (a) => reads(a[1])], ['readFileSync', () => true]]) {
  const original = fs[name];
  fs[name] = (...a) => {
    if (when(a)) before(a[0]);
    return original(...a);
  };
}
syncBuiltinESMExports();
