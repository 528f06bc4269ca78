// The test build (npm's pretest runs it after `npm run build`): compiles the tests into .test-build/ (see
// tsconfig.test.json) so that scripts/run-tests.ts starts them with plain Node. Through tsx each test process spent
// 0.5-1.2 s on start-up alone (its loader hooks run off the main thread, ~2 ms per module imported), about 270
// CPU-seconds over the suite. Two fix-ups make a compiled file behave as its source does under tsx:
// - .test-build/src is a link to dist/ (the package build, compiled from the same src/ by the same compiler), so
//   the library modules sit at dist/'s depth and find package.json, assets/, bin/ and their own asset files;
// - every other compiled file is told, on its first line, that import.meta.url/filename/dirname are its .ts
//   source's, so the paths a test computes from them (the repository root, fixtures beside the test, a source
//   read as text, a .ts file a child process runs, which test/node-args.ts maps to its compiled copy) are the
//   repository's. Relative imports (and import.meta.resolve) are resolved by the compiled file's real place all the same.
// `node --import tsx --test test/x.test.ts` (one file, no build) is unchanged.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, '.test-build');

/** The .js files under `dir`, as paths relative to it. */
function compiled(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
}

if (!fs.existsSync(path.join(ROOT, 'dist', '.built'))) {
  process.stderr.write('build-tests: dist/ is not built: run `npm run build` first (npm test does)\n');
  process.exit(2);
}
fs.rmSync(OUT, { recursive: true, force: true });
const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.test.json')], { stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write(`build-tests: tsc -p tsconfig.test.json failed (exit ${result.status ?? result.signal})\n`);
  process.exit(1);
}
fs.rmSync(path.join(OUT, 'src'), { recursive: true, force: true });
fs.symlinkSync(path.join('..', 'dist'), path.join(OUT, 'src'), 'dir');
const files = compiled(OUT).filter((f) => !f.startsWith(`src${path.sep}`));
for (const f of files) {
  const source = path.join(ROOT, f.replace(/\.js$/, '.ts'));
  if (!fs.existsSync(source)) throw new Error(`build-tests: ${f} has no source ${path.relative(ROOT, source)}`);
  const meta = `import.meta.url = ${JSON.stringify(pathToFileURL(source).href)}; import.meta.filename = ${JSON.stringify(source)}; `
    + `import.meta.dirname = ${JSON.stringify(path.dirname(source))};`;
  const file = path.join(OUT, f);
  // on the first line, so that the compiled file's line numbers (in a stack trace) stay tsc's
  fs.writeFileSync(file, `${meta} ${fs.readFileSync(file, 'utf8')}`);
}
process.stderr.write(`build-tests: ${files.length} files compiled into .test-build/, src/ linked to dist/\n`);
