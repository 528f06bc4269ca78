// `mistral-tune doctor` on this machine (no GPU): Node.js, the CPU backend and why CUDA is not available, as
// lines and as one JSON object; exit 0. The GPU lines are checked against the stand-in CUDA libraries in
// test/backend/cuda/fake-libs.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CUDA_GPU_HERE } from '../cuda-here.ts';
import { withEnv } from '../helpers.ts';

const doctor = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, ['bin/mistral-tune.js', 'doctor', ...args], { encoding: 'utf8', timeout: 60_000 });

test('doctor without a GPU: Node, the CPU backend, and the reason CUDA is not available', { skip: CUDA_GPU_HERE }, () => {
  const r = doctor();
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], `node: ${process.version} (${process.platform}-${process.arch})`);
  assert.match(r.stdout, /^cpu backend: available — cpu \(/m);
  assert.match(r.stdout, /^ {2}WebAssembly kernels: (relaxed|baseline) SIMD/m);
  assert.match(r.stdout, /^cuda backend: not available — [123] of the pieces below (is|are) missing or broken$/m);
  assert.match(r.stdout, /^ {2}driver: NOT USABLE — no CUDA driver: .*looked in: .*; install the NVIDIA driver/m);
  assert.match(r.stdout, /^ {2}NVRTC: /m);
  assert.match(r.stdout, /^ {2}cuBLASLt: /m);
  const j = JSON.parse(doctor('--json').stdout) as { node: string; cpu: { cores: number }; cuda: { available: boolean; reason: string } };
  assert.equal(j.node, process.version);
  assert.ok(j.cpu.cores >= 1);
  assert.equal(j.cuda.available, false);
  assert.match(j.cuda.reason, /no CUDA driver/);
});

test('doctor with an unknown flag: one line, exit 2', () => {
  const r = doctor('--gpu');
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim(), /^error: .*--gpu.*\(see mistral-tune doctor --help\)$/);
});

test('doctor with MISTRAL_TUNE_SIMD=0: the WebAssembly kernels are reported off', () => {
  const r = spawnSync(process.execPath, ['bin/mistral-tune.js', 'doctor', '--json'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, MISTRAL_TUNE_SIMD: '0' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { cpu: { wasmKernels: string } }).cpu.wasmKernels, 'off');
});

test('doctor with MISTRAL_TUNE_GEMM=simd where a BLAS library loads: BLAS is said to be present but not used, and why, with no nested parentheses', async () => {
  const { doctorReport, formatDoctor } = await import('../../src/cli/doctor.ts');
  const { loadOpenBlas } = await import('../../src/backend/cpu/openblas.ts');
  const text = withEnv('MISTRAL_TUNE_GEMM', 'simd', () => formatDoctor(doctorReport()));
  assert.match(text, /^cpu backend: available — cpu \(GEMM by WebAssembly SIMD[^()]*, asked for by MISTRAL_TUNE_GEMM=simd[^()]*\)$/m);
  const blas = loadOpenBlas();
  if (blas) assert.match(text, new RegExp(`^ {2}BLAS: ${blas.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: present but not used, as MISTRAL_TUNE_GEMM=simd asks$`, 'm'));
  else assert.match(text, /^ {2}BLAS: none loaded/m);
});
