// A run's weights folder replaced while a command reads it, as a run still training swaps in a newer best/: fs patched
// for the library's modules too, the folder swapped at the first call on a file in it. For the tests of export, eval,
// generate and classify, which read one checkpoint whole or refuse.
import fsMod from 'node:fs';
import * as fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';

type FsOp = 'linkSync' | 'unlinkSync' | 'renameSync' | 'readdirSync' | 'copyFileSync' | 'openSync';

/** Runs `f` with fs.`op` replaced by `patched` (which gets the real one), for the library's modules too. */
export function withPatched<T>(op: FsOp, patched: (real: (...a: never[]) => unknown) => (...a: never[]) => unknown, f: () => T): T {
  const real = fsMod[op] as (...a: never[]) => unknown;
  (fsMod as unknown as Record<string, unknown>)[op] = patched(real.bind(fsMod));
  syncBuiltinESMExports();
  try {
    return f();
  } finally {
    (fsMod as unknown as Record<string, unknown>)[op] = real;
    syncBuiltinESMExports();
  }
}

/**
 * fs.`op` that, at its first call on a file in the folder `dir` (the file `at` only, if given), first replaces the folder
 * as train's replaceFolderAtomic does (with `without`, by one lacking that file).
 */
export const swapAtFirst = (dir: string, o: { without?: string; at?: string } = {}) => {
  let swapped = false;
  return (real: (...a: never[]) => unknown) => (...a: never[]): unknown => {
    if (!swapped && path.dirname(String(a[0])) === dir && (o.at === undefined || path.basename(String(a[0])) === o.at)) { // the old moved aside, the new renamed in
      swapped = true;
      fs.cpSync(dir, `${dir}.new`, { recursive: true });
      if (o.without) fs.rmSync(path.join(`${dir}.new`, o.without));
      fs.renameSync(dir, `${dir}.old`);
      fs.renameSync(`${dir}.new`, dir);
      fs.rmSync(`${dir}.old`, { recursive: true });
    }
    return real(...a);
  };
};
