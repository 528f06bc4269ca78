// The backend-parametrised suite: every file that imports test/backend/device.ts takes its backend and its
// `test` from there (so MISTRAL_TUNE_TEST_DEVICE reaches it and an unavailable device skips it, visibly),
// and no test names the CPU backend's classes except the files about the CPU backend's own internals.
// These files are what `MISTRAL_TUNE_TEST_DEVICE=cuda node --import tsx --test …` runs on a GPU.
import { test } from 'node:test';
import { CUDA_GPU_HERE } from '../cuda-here.ts';
import { nodeArgsFor } from '../node-args.ts';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Files allowed to name CpuBackend/CpuBuffer, and why. */
const CPU_INTERNALS: Record<string, string> = {
  'test/backend/device.ts': 'the factory: the one place that builds the CPU backend',
  'test/backend/backend-suite.test.ts': 'this check names them',
  'test/backend/gemm.test.ts': 'one test compares the CPU backend\'s own GEMM paths (OpenBLAS vs TypeScript loops)',
  'test/backend/cpu-gemm-choice.test.ts': 'which GEMM the CPU backend runs (MISTRAL_TUNE_GEMM, its gemm option) and how it names it',
  'test/backend/gemm-bf16.test.ts': 'the CPU backend\'s GEMM of bf16 operands, widened block by block instead of staged whole',
  'test/backend/wasm.test.ts': 'the CPU backend\'s WebAssembly SIMD kernels against its TypeScript loops',
  'test/backend/threads.test.ts': 'the CPU backend\'s kernels on worker threads against the same on one thread',
  'test/backend/wasm-build-child.ts': 'the CPU backend\'s two WebAssembly kernel builds (baseline and relaxed SIMD), one per process',
  'test/backend/cuda/kernel-table.test.ts': 'lists the kernel methods of the contract from the CPU backend\'s prototype (an interface has none at run time)',
  'test/backend/cuda/train-closes-backend.test.ts': 'gives the CPU backend\'s prototype a counting close() to see train() call it (the CPU has nothing to close)',
  'test/train/mfu.test.ts': 'gives the CPU backend\'s prototype a stand-in peakFlops() to check MFU end to end (the CPU measures no peak)',
  'test/model/dora-merge.test.ts': 'the CPU backend\'s DoRA merge against PEFT\'s formula in float64 (f32 to 1e-6, bf16 rounded once): the oracle, which the device suite compares with',
  'test/model/flash-head-dims.test.ts': 'the CPU backend in f32 is the reference for head dims 64 and 128, which no HF fixture has',
  'test/train/flat-params-peak.test.ts': 'one test checks where the CPU backend places the optimizer\'s flat buffers in its kernels\' memory (over the weights and gradients they replace)',
};

function testFiles(dir = path.join(ROOT, 'test')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : testFiles(p);
    return e.name.endsWith('.ts') ? [path.relative(ROOT, p)] : [];
  });
}

/** The files of the backend-parametrised suite (the list for a GPU run). */
function backendSuite(): string[] {
  return testFiles().filter((f) => f.endsWith('.test.ts') && /from '[./]*\/?(backend\/)?device\.ts'/.test(fs.readFileSync(path.join(ROOT, f), 'utf8'))).sort();
}

test('no test names CpuBackend or CpuBuffer outside the CPU backend\'s own tests', () => {
  const offenders = testFiles().filter((f) => !(f in CPU_INTERNALS) && /\bCpu(Backend|Buffer)\b/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
  assert.deepEqual(offenders, []);
});

test('the backend-parametrised files take `test` from device.ts, not node:test', () => {
  const suite = backendSuite();
  assert.ok(suite.length >= 12, `suite: ${suite.join(' ')}`);
  for (const f of suite) {
    const src = fs.readFileSync(path.join(ROOT, f), 'utf8');
    assert.doesNotMatch(src, /import \{[^}]*\btest\b[^}]*\} from 'node:test'/, `${f} imports test from node:test`);
  }
});

test('MISTRAL_TUNE_TEST_DEVICE=cuda without a CUDA backend: the tests are skipped with the reason, none pass', { skip: CUDA_GPU_HERE }, () => {
  const file = path.join('test', 'model', 'batch.test.ts');
  const env: NodeJS.ProcessEnv = { ...process.env, MISTRAL_TUNE_TEST_DEVICE: 'cuda' };
  delete env.NODE_TEST_CONTEXT; // a run of its own, reporting in TAP (not to this runner)
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...nodeArgsFor(file)], { cwd: ROOT, encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /# SKIP MISTRAL_TUNE_TEST_DEVICE=cuda, but its backend is unavailable: /);
  assert.match(r.stdout, /^# pass 0$/m);
  assert.match(r.stdout, /^# skipped [1-9]/m);
});
