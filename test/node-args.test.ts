// test/node-args.ts: a child started by a test runs as the test does (its compiled copy in the test build, through
// tsx from source), and no test starts a child through tsx by hand, which in `npm test` cost 0.5-1.5 s of CPU a child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeArgsFor, runnable, TS_LOADER } from './node-args.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
/** The files that may start a child through tsx themselves, and why. */
const OWN_TSX: Record<string, string> = {
  'test/node-args.ts': 'the one place that does',
  'test/node-args.test.ts': 'this check names it',
  'test/backend/wasm-build.test.ts': 'its probe runs a copy of src/ (one WebAssembly build removed), which has no compiled copy',
};

test('a child runs the file as this test runs: its compiled copy with plain Node in the test build, the source through tsx otherwise', () => {
  const compiled = process.argv[1]!.endsWith('.js'); // this file's process runs .test-build/test/node-args.test.js, or the .ts
  const args = nodeArgsFor('test/node-args.ts');
  if (compiled) assert.deepEqual(args, [path.join(ROOT, '.test-build', 'test', 'node-args.js')]);
  else assert.deepEqual(args, ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'test', 'node-args.ts')]);
  assert.deepEqual(args.slice(0, -1), TS_LOADER);
  assert.ok(fs.existsSync(runnable(path.join(ROOT, 'src', 'index.ts'))), 'a src/ file: dist/\'s copy in the test build');
});

test('no test starts a child process through tsx by hand (test/node-args.ts gives the arguments)', () => {
  const files = fs.readdirSync(path.join(ROOT, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.startsWith(`fixtures${path.sep}`)).map((f) => path.join('test', f));
  const offenders = files.filter((f) => !(f in OWN_TSX) &&
    /'--import', 'tsx'|import\.meta\.resolve\('tsx'\)|--import tsx --input-type/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
  assert.deepEqual(offenders, []);
});
