// A process past its limit of open files (EMFILE; ENFILE: the whole system's) fails wherever it opens one, and first
// where Node loads the command's modules, which it opens many at a time (dozens: a library's locale files): that
// error reaches the command line outside every file operation that names its file in one line (util/atomic.ts
// ioError). It is said in one line too, with the limit and how to raise it, not as a stack trace.
// Node's loader may also meet the limit on a package's package.json, which it then takes as absent: the package is
// "not found" (ERR_MODULE_NOT_FOUND) though it is there. Under a low limit (below LOW_LIMIT) that is said as the limit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../util/errors.ts';

/** A limit of open files below which a module that is there but "not found" is taken as the limit met (the CLI needs ~130). */
const LOW_LIMIT = 1024;

const CODES: Record<string, string> = { EMFILE: 'too many open files', ENFILE: 'too many open files in the system' };

/** The one-line error of `e` when it is an open-files limit reached, else null. */
export function openFilesLimitError(e: unknown): UserError | null {
  const { code, path } = (e ?? {}) as { code?: unknown; path?: unknown };
  if (code === 'ERR_MODULE_NOT_FOUND') return notFoundButThere(e);
  if (typeof code !== 'string' || !Object.hasOwn(CODES, code)) return null;
  const limit = code === 'EMFILE' ? ownLimit() : null;
  const raise = code === 'EMFILE' ? `raise the limit of open files (ulimit -n${limit === null ? '' : `, ${limit} here`})` : 'close other programs, or raise the system\'s limit (fs.file-max)';
  return new UserError(`cannot open: ${CODES[code]} (${code}): ${raise} and run it again`, typeof path === 'string' ? path : undefined);
}

/** An ERR_MODULE_NOT_FOUND whose module (or package) is there, under a low limit of open files: that limit, in one line; else null. */
function notFoundButThere(e: unknown): UserError | null {
  const m = /Cannot find (package|module) '([^']+)'/.exec(e instanceof Error ? e.message : '');
  if (m === null) return null;
  const named = m[2]!.startsWith('file:') ? fileURLToPath(m[2]!) : m[2]!;
  const there = m[1] === 'module' ? named : packageJsonOf(named);
  if (there === null || !fs.existsSync(there)) return null;
  const limit = ownLimit();
  if (limit !== null && limit >= LOW_LIMIT) return null; // a damaged install, not the limit
  return new UserError(`is there, but Node could not load it (ERR_MODULE_NOT_FOUND) with ${limit ?? 'a low limit of'} open files allowed: ` +
    'raise the limit of open files (ulimit -n) and run it again', there);
}

/** The package.json of the package a "Cannot find package" names (a path into node_modules), or null. */
function packageJsonOf(named: string): string | null {
  const at = named.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (at < 0) return null;
  const root = named.slice(0, at + '/node_modules/'.length);
  const parts = named.slice(root.length).split(path.sep);
  const name = parts[0]?.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1);
  return path.join(root, ...name, 'package.json');
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
