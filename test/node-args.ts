// How a test starts a TypeScript file (a test file, a script, a preload) in a child Node process, as the test itself
// runs: from source (`node --import tsx --test test/x.test.ts`), through tsx; in the test build (`npm test`, which runs
// the compiled copies in .test-build/: scripts/build-tests.ts), the file's compiled copy with plain Node, without
// tsx's start-up (0.5-1.5 s of CPU a process).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const BUILD = path.join(ROOT, '.test-build');
// import.meta.url/filename/dirname are the .ts source's in the test build too (build-tests.ts sets them so), but
// import.meta.resolve resolves from the module's real place: .test-build/test/ when this is the compiled copy.
const COMPILED = fileURLToPath(import.meta.resolve('./')).startsWith(BUILD + path.sep);

/** What a child `node` needs before it loads a TypeScript file: tsx's loader (by its resolved place, so any cwd finds it) from source; nothing compiled. */
export const TS_LOADER: readonly string[] = COMPILED ? [] : ['--import', import.meta.resolve('tsx')];

/**
 * The file a child `node` loads for the TypeScript file `tsFile` (absolute, or relative to the repository root), as an
 * absolute path (a script to run, a preload or module to import): the file itself from source; its compiled copy in
 * .test-build/ (src/ files: dist/'s, through the link) in the test build.
 */
export function runnable(tsFile: string): string {
  const file = path.resolve(ROOT, tsFile);
  if (!COMPILED) return file;
  const rel = path.relative(ROOT, file);
  const js = path.join(BUILD, rel.replace(/\.ts$/, '.js'));
  if (rel.startsWith('..') || !file.endsWith('.ts') || !fs.existsSync(js)) {
    throw new Error(`runnable: ${tsFile} has no compiled copy in .test-build/ (a .ts file the test build compiles: tsconfig.test.json's include, or imported from there)`);
  }
  return js;
}

/** The arguments of a child `node` that runs the TypeScript file `tsFile` (see runnable), after any of node's own. */
export function nodeArgsFor(tsFile: string): string[] {
  return [...TS_LOADER, runnable(tsFile)];
}
