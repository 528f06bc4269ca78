// Preloaded into a CLI process: the first removal (fs.rmSync, fs.unlinkSync, fs.rmdirSync) of a path matching MT_KILL_AT_REMOVE
// (a regular expression) kills the process with SIGKILL instead, as a kill or a power cut in the middle of
// emptying a folder would stop it there.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const pattern = new RegExp(process.env.MT_KILL_AT_REMOVE ?? '(?!)');
const rm = fs.rmSync;
const unlink = fs.unlinkSync;
const rmdir = fs.rmdirSync;
const killAt = (p: fs.PathLike): void => {
  if (pattern.test(String(p))) process.kill(process.pid, 'SIGKILL');
};
fs.rmSync = ((p: fs.PathLike, ...rest: unknown[]): void => {
  killAt(p);
  (rm as (...a: unknown[]) => void)(p, ...rest);
}) as typeof fs.rmSync;
fs.unlinkSync = ((p: fs.PathLike): void => {
  killAt(p);
  unlink(p);
}) as typeof fs.unlinkSync;
fs.rmdirSync = ((p: fs.PathLike, ...rest: unknown[]): void => {
  killAt(p);
  (rmdir as (...a: unknown[]) => void)(p, ...rest);
}) as typeof fs.rmdirSync;
syncBuiltinESMExports();
