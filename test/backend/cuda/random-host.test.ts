// random.cu transcribes the CPU reference step for step, checked without a GPU: the kernel's source is
// compiled for the host by the system C++ compiler (a shim maps the CUDA intrinsics __d*_rn, __umulhi and
// the grid loop to their IEEE host equivalents, with FMA contraction off, as the intrinsics guarantee on
// the GPU) and its f32 and f64 outputs must equal the CPU backend's bit for bit. Skipped without g++.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalAt } from '../../../src/backend/cpu/kernels/random-normal.ts';
import { KERNELS_DIR } from '../../../src/backend/cuda/kernel-source.ts';
import { tempDir } from '../../temp-dir.ts';

const CXX = process.env.CXX ?? 'g++';
const haveCxx = spawnSync(CXX, ['--version']).status === 0;

const SHIM = `#include <cstdio>
#include <cstdlib>
#include <cmath>
#define __device__
#define __global__
#define __forceinline__ inline
static inline double __dmul_rn(double a, double b) { return a * b; }
static inline double __dadd_rn(double a, double b) { return a + b; }
static inline double __dsub_rn(double a, double b) { return a - b; }
static inline double __ddiv_rn(double a, double b) { return a / b; }
static inline double __dsqrt_rn(double a) { return std::sqrt(a); }
static inline unsigned int __umulhi(unsigned int a, unsigned int b) { return (unsigned int)(((unsigned long long)a * b) >> 32); }
#define FOR_EACH(i, n) for (long long i = 0; i < (n); i++)
#ifdef STORE_F64
typedef double store_t;
#else
typedef float store_t;
static inline void st(store_t *p, long long i, float v) { p[i] = v; }
#endif
`;

const MAIN = `
int main(int argc, char **argv) {
  const unsigned long long seed = strtoull(argv[1], 0, 10), offset = strtoull(argv[2], 0, 10);
  const double std_dev = atof(argv[3]);
  const long long n = atoll(argv[4]);
  store_t *out = (store_t *)malloc(sizeof(store_t) * n);
  random_normal(out, seed, offset, std_dev, n);
  for (long long i = 0; i < n; i++) printf("%.17g\\n", (double)out[i]);
  return 0;
}
`;

function runKernelOnHost(variant: 'f32' | 'f64', seed: number, offset: number, std: number, n: number): number[] {
  const dir = tempDir('random-cu-');
  try {
    const body = fs.readFileSync(path.join(KERNELS_DIR, 'random.cu'), 'utf8').replace(/^#include "common.cuh"$/m, '').replace('extern "C" ', '');
    const src = path.join(dir, 'random_host.cpp'), exe = path.join(dir, 'random_host');
    fs.writeFileSync(src, SHIM + body + MAIN);
    const flags = ['-std=c++17', '-O2', '-ffp-contract=off', '-fno-fast-math', ...(variant === 'f64' ? ['-DSTORE_F64'] : []), '-o', exe, src, '-lm'];
    const cc = spawnSync(CXX, flags, { encoding: 'utf8' });
    assert.equal(cc.status, 0, `${CXX} failed:\n${cc.stderr}`);
    const run = spawnSync(exe, [String(seed), String(offset), String(std), String(n)], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout.trim().split('\n').map(Number);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('random.cu compiled for the host equals the CPU reference bit for bit (f32 and f64 storage)', { skip: !haveCxx && `no ${CXX}` }, () => {
  const seed = 2 ** 33 + 17, offset = 2 ** 32 - 50, std = 0.02, n = 2000;
  for (const variant of ['f32', 'f64'] as const) {
    const got = runKernelOnHost(variant, seed, offset, std, n);
    const round = variant === 'f32' ? Math.fround : (x: number): number => x;
    const bad = got.map((g, i) => [i, g, round(normalAt(seed, offset + i, std))] as const).filter(([, g, w]) => !Object.is(g, w));
    assert.equal(bad.length, 0, `${variant}: ${bad.length} of ${n} differ, first at ${bad[0]?.[0]}: ${bad[0]?.[1]} vs ${bad[0]?.[2]}`);
  }
});
