// Preloaded (node --require, or NODE_OPTIONS, which worker threads run too) into a CLI process: /proc reads as absent on
// every thread, as on macOS or in a sandbox without it (no pid namespace, no process start time, no OS thread ids).
'use strict';
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');

const inProc = (p) => /^\/proc(\/|$)/.test(String(p));
const absent = (p) => Object.assign(new Error(`ENOENT: no such file or directory, '${p}'`), { code: 'ENOENT', errno: -2, path: String(p) });
for (const name of ['readlinkSync', 'readFileSync', 'statSync', 'lstatSync', 'readdirSync', 'openSync', 'existsSync']) {
  const original = fs[name];
  fs[name] = (...a) => {
    if (!inProc(a[0])) return original(...a);
    if (name === 'existsSync') return false;
    if ((name === 'statSync' || name === 'lstatSync') && a[1]?.throwIfNoEntry === false) return undefined;
    throw absent(a[0]);
  };
}
syncBuiltinESMExports();
