// The process's --import preloads (NODE_OPTIONS' first, then the command line's), as URLs that a command's thread
// imports again (command-thread-entry.ts: Node runs them on the main thread only). Node resolved them at start from the
// folder the process started in, so they are resolved from that folder, caught when this module loads (main.ts loads
// it first): a command or a caller that changes folder before a thread starts (process.chdir) still finds them, where
// resolving from the folder of the moment found a relative path's file or a package (tsx) there, or failed.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { importConditions, resolveBarePackage } from './esm-resolve.ts';

const START_FOLDER = process.cwd();

/** The process's preloads as URLs; resolved on the first call, from the folder the process started in. */
export function processPreloads(): string[] {
  return (resolved ??= preloads([...nodeOptions(process.env.NODE_OPTIONS ?? ''), ...process.execArgv], START_FOLDER));
}
let resolved: string[] | undefined;

/**
 * The options in NODE_OPTIONS as Node splits them (which come before the command line's): at spaces, except inside
 * double quotes, where a backslash escapes the next character.
 */
function nodeOptions(text: string): string[] {
  const options: string[] = [];
  let current: string | null = null;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (!quoted && c === ' ') {
      if (current !== null) options.push(current);
      current = null;
    } else if (c === '"') {
      quoted = !quoted;
      current ??= '';
    } else {
      current = (current ?? '') + (quoted && c === '\\' && i + 1 < text.length ? text[++i]! : c);
    }
  }
  if (current !== null) options.push(current);
  return options;
}

/**
 * The modules of `--import X` and `--import=X` in `argv`, as URLs: a path from `folder`, a bare name as Node resolves an
 * --import from there (ESM resolution, "import" conditions: esm-resolve.ts; require.resolve for what that leaves).
 */
function preloads(argv: readonly string[], folder: string): string[] {
  const specs = argv.flatMap((a, i) => (a === '--import' && argv[i + 1] !== undefined ? [argv[i + 1]!] : a.startsWith('--import=') ? [a.slice(9)] : []));
  const conditions = importConditions(argv);
  return specs.map((s) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(s)) return s; // file:, data:, node:
    if (s.startsWith('.') || path.isAbsolute(s)) return pathToFileURL(path.resolve(folder, s)).href;
    return resolveBarePackage(s, folder, conditions) ?? pathToFileURL(createRequire(path.join(folder, 'noop.js')).resolve(s)).href;
  });
}
