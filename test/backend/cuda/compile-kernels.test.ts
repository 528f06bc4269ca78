// Every CUDA kernel compiles standalone with nvcc (sm_90a, bf16 storage, warnings are errors), and a kernel with a
// warning fails the script. The f32 and f64 storage variants are compiled, warnings checked, by NVRTC in
// nvrtc-compile.test.ts (what the backend compiles with): nvcc's 51 compiles of all three took ~70 CPU-s of the suite's
// time, NVRTC's ~12; `npm run compile:kernels` compiles all three with nvcc. Skipped, visibly, where nvcc is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../temp-dir.ts';

const cudaHome = process.env.CUDA_HOME ?? '/usr/local/cuda';
const nvcc = [process.env.NVCC, ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'nvcc')), path.join(cudaHome, 'bin/nvcc')]
  .find((p) => !!p && fs.existsSync(p));
const skip = nvcc ? false : `no nvcc (looked on PATH and in ${cudaHome}/bin): the kernels were not compiled`;
const script = path.resolve('scripts/compile-kernels.sh');
const kernels = path.resolve('src/backend/cuda/kernels');

test('every kernel compiles with nvcc --ptx -arch=sm_90a, bf16 storage, without a warning; the script compiles the variants VARIANTS names', { skip, timeout: 300_000 }, () => {
  const r = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, NVCC: nvcc, VARIANTS: 'bf16' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const cu = fs.readdirSync(kernels).filter((f) => f.endsWith('.cu'));
  for (const name of ['attention', 'convert', 'cross_entropy', 'elementwise', 'optim', 'rmsnorm', 'rope', 'rows', 'swiglu']) assert.ok(cu.includes(`${name}.cu`));
  for (const f of cu) assert.ok(r.stdout.includes(`ok   ${path.join('src/backend/cuda/kernels', f)} (bf16)`), f);
  assert.doesNotMatch(r.stdout, /STORE_F/, 'only the variant VARIANTS names');
});

test('a kernel with a warning fails the compile script, with nvcc\'s message', { skip, timeout: 120_000 }, () => {
  const dir = tempDir('mt-kernels-');
  fs.copyFileSync(path.join(kernels, 'common.cuh'), path.join(dir, 'common.cuh'));
  fs.writeFileSync(path.join(dir, 'bad.cu'), '#include "common.cuh"\nextern "C" __global__ void k(float *x) { int unused = 3; x[0] = 1.0f; }\n');
  const r = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, NVCC: nvcc, KERNELS_DIR: dir, JOBS: '2', VARIANTS: 'bf16 STORE_F32' } });
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /FAIL .*bad\.cu \(bf16\)/);
  assert.match(r.stdout, /FAIL .*bad\.cu \(STORE_F32\)/);
  assert.match(r.stdout, /"unused" was declared but never referenced/);
});

test('a VARIANTS that names no storage variant (a typo, or blank) is refused in one line, not compiled as bf16 or as nothing', () => {
  // before: STORE_F23 compiled bf16 under -DSTORE_F23 and printed "ok … (STORE_F23)"; a blank VARIANTS compiled nothing, exit 0
  for (const variants of ['bf16 STORE_F23', ' ']) {
    const r = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, NVCC: '/nonexistent/nvcc', VARIANTS: variants } });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^compile-kernels: VARIANTS must name one or more of bf16, STORE_F32, STORE_F64; got "[^"\n]*"\n$/);
  }
});
