// npm test: the test files scripts/test-files.sh lists, two at a time, started in its order (the longest first).
// `node --test FILE...` sorts the files it is given by path before it starts them (Node 20), so the order
// would be lost and the longest files (test/train/resume, run-folder) would start last and run alone at the end;
// run() starts them in the order given. It runs their compiled copies in .test-build/ (scripts/build-tests.ts, which
// npm's pretest runs) with plain Node: run() gives each file's process this process's flags, so this script runs
// compiled too, and no test process loads tsx unless the test itself starts one with it.
// Usage: npm test [-- [--reporter spec|tap|dot|junit] [FILE...]] (FILE...: those test/**/*.ts files instead of the
// whole list). The reporter is node --test's default where none is named: spec on a terminal, tap otherwise.
// Exit status 1 when a test fails, 2 for a FILE that is not a test source.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from 'node:test';
import * as reporters from 'node:test/reporters';

const ROOT = path.resolve(import.meta.dirname, '..');
const CONCURRENCY = 2;

const args = process.argv.slice(2);
const at = args.indexOf('--reporter');
const name = at >= 0 ? args.splice(at, 2)[1] : process.stdout.isTTY ? 'spec' : 'tap';
const REPORTERS = {
  spec: () => new reporters.spec(), // a Transform stream; the others are async generator functions
  tap: () => reporters.tap, dot: () => reporters.dot, junit: () => reporters.junit,
};
const reporter = Object.hasOwn(REPORTERS, name ?? '') ? REPORTERS[name as keyof typeof REPORTERS]() : undefined;
if (!reporter) {
  process.stderr.write(`error: --reporter: "${name ?? ''}" is not one of spec, tap, dot, junit\n`);
  process.exit(2);
}
const sources = args.length > 0
  ? args.map((f) => path.resolve(f))
  : execFileSync('bash', [path.join(ROOT, 'scripts', 'test-files.sh')], { encoding: 'utf8' }).trim().split('\n').map((f) => path.resolve(ROOT, f));
const files = sources.map((f) => {
  const rel = path.relative(ROOT, f);
  if (!rel.startsWith(`test${path.sep}`) || !f.endsWith('.ts') || !fs.existsSync(f)) {
    process.stderr.write(`error: ${rel}: not a test source under test/ (give test/**/*.test.ts files)\n`);
    process.exit(2);
  }
  return path.join(ROOT, '.test-build', rel.replace(/\.ts$/, '.js'));
});

// OpenBLAS starts a thread a core in each process that calls it, and its idle threads spin (sched_yield) a while after
// each call: CONCURRENCY files at once would run CONCURRENCY times as many busy threads as there are cores. Each
// file's processes get their share of the cores instead, unless OPENBLAS_NUM_THREADS is set (measured on 2 cores:
// npm test 586 s, user 783 s, sys 268 s, against 633 s, 829 s and 307 s with two threads a file; docs/cpu-performance.md).
// The test that needs OpenBLAS's threads (command-thread's fork while inside OpenBLAS) sets them itself; the kernels'
// own pool (MISTRAL_TUNE_THREADS) keeps its default, the path every user's run takes.
process.env.OPENBLAS_NUM_THREADS ??= String(Math.max(1, Math.floor(os.availableParallelism() / Math.min(CONCURRENCY, files.length))));

// A test file whose process does not end (a server or browser left open after a test failed or timed out: seen when
// Chromium died under memory pressure) fails after this long, its process killed, instead of holding npm test until
// CI's limit; the longest test (the CUDA kernels emulated on the host) took 157 s in CI on 2 cores.
const FILE_TIMEOUT_MS = 10 * 60_000;
const stream = run({ files, concurrency: CONCURRENCY, timeout: FILE_TIMEOUT_MS });
// The failed tests again after the report, a line each: CI keeps only the end of what npm test prints, where a failure
// in the first of ~3,000 tests would otherwise go unnamed.
const failed: string[] = [];
stream.on('test:fail', (t) => {
  process.exitCode = 1;
  const error = t.details.error as { failureType?: string; cause?: unknown; message?: string };
  if (error.failureType === 'subtestsFailed') return; // a suite whose own tests are named
  // the source's name (the line numbers are the compiled copy's, not its)
  const where = t.file ? path.relative(path.join(ROOT, '.test-build'), t.file).replace(/\.js$/, '.ts') : '?';
  const why = String((error.cause as { message?: string } | undefined)?.message ?? error.cause ?? error.message ?? error).split('\n')[0]!.slice(0, 300);
  failed.push(`# failed: ${where} ${t.name}: ${why}`);
});
const report = stream.compose(reporter);
report.pipe(process.stdout);
report.on('end', () => {
  if (failed.length > 0) process.stdout.write(`# ${failed.length} failed test(s):\n${failed.join('\n')}\n`);
});
