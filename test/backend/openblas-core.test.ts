// OpenBLAS's kernels chosen by the CPU's features (src/backend/cpu/openblas-core.ts): a DYNAMIC_ARCH build that does
// not know the CPU's model (a VM's generic "Intel Xeon Processor") would run Prescott's SSE3 kernels, ~3× slower.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chooseOpenBlasCore, cpuFlags, openBlasCoreFor } from '../../src/backend/cpu/openblas-core.ts';
import { tempDir } from '../temp-dir.ts';
import { runnable, TS_LOADER } from '../node-args.ts';

test('the core type follows the CPU features: AVX-512 (F, CD, BW, DQ, VL) → SkylakeX, AVX2 + FMA → Haswell, else the library decides', () => {
  const flags = (s: string) => new Set(s.split(' '));
  assert.equal(openBlasCoreFor(flags('sse4_2 avx avx2 fma avx512f avx512cd avx512bw avx512dq avx512vl')), 'SkylakeX');
  assert.equal(openBlasCoreFor(flags('sse4_2 avx avx2 fma avx512f')), 'Haswell', 'AVX-512 F alone (Knights Landing) is not SkylakeX');
  assert.equal(openBlasCoreFor(flags('sse4_2 avx avx2 fma')), 'Haswell');
  assert.equal(openBlasCoreFor(flags('sse4_2 avx')), null);
  assert.equal(openBlasCoreFor(new Set()), null);
});

test('/proc/cpuinfo flags are read from the first CPU; a missing file gives none', () => {
  const dir = tempDir('mt-cpuinfo-');
  const file = path.join(dir, 'cpuinfo');
  fs.writeFileSync(file, 'processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse2 avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu\n');
  assert.deepEqual([...cpuFlags(file)], ['fpu', 'sse2', 'avx2', 'fma']);
  assert.deepEqual([...cpuFlags(path.join(dir, 'absent'))], []);
});

test('an OPENBLAS_CORETYPE the user set is kept; otherwise one is set on Linux x86-64 by the CPU features', () => {
  const env: NodeJS.ProcessEnv = { OPENBLAS_CORETYPE: 'Zen' };
  chooseOpenBlasCore(env);
  assert.equal(env.OPENBLAS_CORETYPE, 'Zen');
  const fresh: NodeJS.ProcessEnv = {};
  chooseOpenBlasCore(fresh);
  const expected = process.platform === 'linux' && process.arch === 'x64' ? openBlasCoreFor(cpuFlags()) ?? undefined : undefined;
  assert.equal(fresh.OPENBLAS_CORETYPE, expected);
});

// the library itself, where it is installed: the kernels it reports are the ones chosen
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const probe = `import { loadOpenBlas } from ${JSON.stringify(runnable('src/backend/cpu/openblas.ts'))}; console.log(loadOpenBlas()?.description ?? 'none');`;
const described = spawnSync(process.execPath, [...TS_LOADER, '--input-type=module', '-e', probe], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OPENBLAS_CORETYPE: '' } });
const loaded = described.status === 0 && described.stdout.startsWith('OpenBLAS') ? described.stdout.trim() : null;
const core = process.platform === 'linux' && process.arch === 'x64' ? openBlasCoreFor(cpuFlags()) : null;
test('OpenBLAS, loaded, runs the kernels of the CPU\'s features and says which', {
  skip: !loaded ? `OpenBLAS is not installed here (${described.stdout.trim() || described.stderr.trim().split('\n').at(-1)})` : !core ? 'this CPU has neither AVX-512 nor AVX2 + FMA: the library chooses' : false,
}, () => {
  assert.match(loaded!, new RegExp(`^OpenBLAS, ${core} kernels, \\d+ threads?$`));
});

// `export` does its work on a worker thread, whose process.env is a copy that the library's getenv never reads: the
// core type chosen there must reach the process's environment (a library user's worker thread is the same case)
test('export, on its own thread, runs the same OpenBLAS kernels as the other commands', {
  skip: !loaded ? 'OpenBLAS is not installed here' : !core ? 'this CPU has neither AVX-512 nor AVX2 + FMA: the library chooses' : false,
}, () => {
  const out = path.join(tempDir('mt-export-core-'), 'm.gguf');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'mistral-tune.js'), 'export', '--model', path.join(ROOT, 'models', 'mistral-tune-tiny'),
    '--format', 'gguf', '--out', out, '--device', 'cpu'], { encoding: 'utf8', env: { ...process.env, OPENBLAS_CORETYPE: '' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^cpu backend: GEMM by OpenBLAS, ${core} kernels`, 'm'));
});
