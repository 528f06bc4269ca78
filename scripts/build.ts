// The package build (`npm run build`; npm's prepare runs it on npm ci, pack and publish): compiles src/
// into dist/ as JavaScript with .d.ts types (relative `.ts` imports rewritten to `.js`, see
// tsconfig.build.json), copies the other files src/ reads at run time (the WebAssembly kernels, the
// dashboard's assets) to the same places under dist/, and writes dist/.built, the stamp that the bin
// compares with src/ to refuse a stale build.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');

/** Every file under `dir`, as paths relative to it. */
function walk(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    return e.isDirectory() ? walk(dir, r) : [r];
  });
}

fs.rmSync(DIST, { recursive: true, force: true });
const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) {
  process.stderr.write(`build: tsc -p tsconfig.build.json failed (exit ${compiled.status ?? compiled.signal})\n`);
  process.exit(1);
}
// a .d.ts beside a browser module (dashboard/assets/val-sets.d.ts) types it for dist's .d.ts files that import it
const assets = walk(SRC).filter((f) => !f.endsWith('.ts') || f.endsWith('.d.ts'));
for (const f of assets) {
  fs.mkdirSync(path.dirname(path.join(DIST, f)), { recursive: true });
  fs.copyFileSync(path.join(SRC, f), path.join(DIST, f));
}
fs.writeFileSync(path.join(DIST, '.built'), 'dist/ was built from src/ by scripts/build.ts\n');
process.stderr.write(`build: dist/ compiled from src/, ${assets.length} other files copied\n`);
