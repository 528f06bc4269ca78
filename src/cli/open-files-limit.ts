// A process past its limit of open files (EMFILE; ENFILE: the whole system's) fails wherever it opens one, and first
// where Node loads the command's modules, which it opens many at a time (dozens: a library's locale files): that
// error reaches the command line outside every file operation that names its file in one line (util/atomic.ts
// ioError). It is said in one line too, with the limit and how to raise it, not as a stack trace.
import * as fs from 'node:fs';
import { UserError } from '../util/errors.ts';

const CODES: Record<string, string> = { EMFILE: 'too many open files', ENFILE: 'too many open files in the system' };

/** The one-line error of `e` when it is an open-files limit reached, else null. */
export function openFilesLimitError(e: unknown): UserError | null {
  const { code, path } = (e ?? {}) as { code?: unknown; path?: unknown };
  if (typeof code !== 'string' || !Object.hasOwn(CODES, code)) return null;
  const limit = code === 'EMFILE' ? ownLimit() : null;
  const raise = code === 'EMFILE' ? `raise the limit of open files (ulimit -n${limit === null ? '' : `, ${limit} here`})` : 'close other programs, or raise the system\'s limit (fs.file-max)';
  return new UserError(`cannot open: ${CODES[code]} (${code}): ${raise} and run it again`, typeof path === 'string' ? path : undefined);
}

/** This process's soft limit of open files (Linux: /proc/self/limits), or null where it cannot be read. */
function ownLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // not Linux, or no file can be opened now
  }
}
