// Preloaded into a CLI process by the disk-full test where no small tmpfs can be mounted: every write to
// a file whose path matches MT_FAIL_WRITES (a regular expression) fails with ENOSPC, as on a full disk.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const pattern = new RegExp(process.env.MT_FAIL_WRITES ?? '(?!)');
const failing = new Set<number>();
const open = fs.openSync;
const close = fs.closeSync;
const write = fs.writeSync;
fs.openSync = ((file: fs.PathLike, ...rest: unknown[]): number => {
  const fd = (open as (...a: unknown[]) => number)(file, ...rest);
  if (pattern.test(String(file))) failing.add(fd);
  else failing.delete(fd); // a number a matching file had, given again to another file
  return fd;
}) as typeof fs.openSync;
fs.closeSync = ((fd: number): void => {
  failing.delete(fd);
  close(fd);
}) as typeof fs.closeSync;
fs.writeSync = ((fd: number, ...rest: unknown[]): number => {
  if (failing.has(fd)) throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  return (write as (...a: unknown[]) => number)(fd, ...rest);
}) as typeof fs.writeSync;
syncBuiltinESMExports();
