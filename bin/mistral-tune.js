#!/usr/bin/env node
// The mistral-tune command: runs the compiled CLI in dist/ with plain Node (npm's prepare lifecycle builds
// it on npm ci, pack and publish). In a source checkout, a dist/ missing or older than src/ is refused with
// one line saying to run `npm run build`, so that nobody runs yesterday's code without knowing it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'cli', 'main.js');
const src = path.join(root, 'src');

/**
 * The newest entry under `dir` (path and mtime); folders count, so a deleted file shows. A file wins over a folder up
 * to TOUCH_MS newer: creating a file touches its folder a moment after the file itself (the test of this once saw the
 * folder named for a file just written).
 */
const TOUCH_MS = 50;
function newest(dir, best = { file: dir, mtime: fs.statSync(dir).mtimeMs, isFile: false }) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    const mtime = mtimeOf(p);
    if (mtime === null) continue;
    if (mtime > best.mtime || (e.isFile() && (!best.isFile ? mtime >= best.mtime - TOUCH_MS : mtime === best.mtime))) {
      best = { file: p, mtime: Math.max(mtime, best.mtime), isFile: e.isFile() };
    }
    if (e.isDirectory()) best = newest(p, best);
  }
  return best;
}

/**
 * The mtime of `p`, of the link itself where it is a symbolic link to nothing (Emacs keeps its lock of a file being
 * edited, `.#config.ts`, as one), or null where it is gone since it was listed (an editor's temporary file): neither
 * is a reason to stop the command with fs.statSync's ENOENT and its stack trace.
 */
function mtimeOf(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return fs.lstatSync(p, { throwIfNoEntry: false })?.mtimeMs ?? null;
  }
}

function refuse(why) {
  process.stderr.write(`mistral-tune: ${why}: run \`npm run build\` in ${root}\n`);
  process.exit(2);
}

/** Past the limit of open files (EMFILE, ENFILE): one line naming `file`, status 2; anything else is thrown. */
function exitIfFilesLimit(e, file) {
  if (e?.code !== 'EMFILE' && e?.code !== 'ENFILE') throw e;
  process.stderr.write(`error: ${e.path ?? file}: cannot open: too many open files (${e.code}): raise the limit of open files (ulimit -n) and run it again\n`);
  process.exit(2);
}

if (!fs.existsSync(entry)) refuse('dist/ is not built');
if (fs.existsSync(src)) {
  const stamp = path.join(root, 'dist', '.built');
  const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  let changed;
  try {
    changed = newest(src); // a folder listed past the limit of open files (it depends on the files the process inherited)
  } catch (e) {
    exitIfFilesLimit(e, src);
  }
  if (changed.mtime > built) refuse(`dist/ is older than ${path.relative(root, changed.file)}`);
}
let main;
try {
  ({ main } = await import(pathToFileURL(entry).href));
} catch (e) {
  // past the limit of open files Node fails while it loads the CLI's own modules (it opens dozens at once), before main
  // can say so (src/cli/open-files-limit.ts, which says it for the command's modules): one line here too
  if (e?.code === 'ERR_MODULE_NOT_FOUND') {
    // a package Node could not open the package.json of is "not found" though it is there: open-files-limit.ts tells
    // (its module opens no file to load: by now the loader's files are closed)
    const limit = await import(pathToFileURL(path.join(root, 'dist', 'cli', 'open-files-limit.js')).href).then((m) => m.openFilesLimitError(e), () => null);
    if (limit === null) throw e;
    process.stderr.write(`error: ${limit.message}\n`);
    process.exit(2);
  }
  exitIfFilesLimit(e, entry);
}
process.exitCode = await main(process.argv.slice(2));
