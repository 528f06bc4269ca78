// Launch geometry and host-side constants of the CUDA kernels (pure arithmetic, no GPU), and the kernel
// sources as NVRTC gets them (local headers inlined, options per architecture and storage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { uniformHash } from '../../../src/backend/cpu/kernels/elementwise.ts';
import {
  adamwConstants, ATTENTION, attentionBackwardDkv, attentionBackwardDq, attentionForward, attentionRowStride, attentionWorkspaceBytes,
  COLUMN_DOTS, columnDots, columnScale, DORA_ROWS, dropoutThreshold, elementwise, flashAttentionBackward, flashAttentionForward, MAX_ELEMENTWISE_BLOCKS, RMSNORM_COLUMNS_PER_THREAD, rowwise,
} from '../../../src/backend/cuda/launch.ts';
import { compileRequest, expandIncludes, KERNEL_FILES, KERNELS_DIR, kernelSource, nvrtcOptions } from '../../../src/backend/cuda/kernel-source.ts';
import { tempDir } from '../../temp-dir.ts';

test('elementwise launches: 256 threads, enough blocks to cover n, capped (the loops stride), at least one block', () => {
  assert.deepEqual(elementwise(1000), { grid: { x: 4, y: 1, z: 1 }, block: { x: 256, y: 1, z: 1 }, sharedBytes: 0 });
  assert.equal(elementwise(0).grid.x, 1);
  assert.equal(elementwise(32000 * 4096 * 8).grid.x, MAX_ELEMENTWISE_BLOCKS);
  assert.throws(() => elementwise(1.5), /CUDA launch: element count 1.5/);
});

test('row kernels: one block per row, threads a multiple of 32 up to 1024', () => {
  assert.deepEqual(rowwise(8, 4096).block.x, 1024);
  assert.equal(rowwise(8, 100).block.x, 128);
  assert.equal(rowwise(8, 1).block.x, 32);
  assert.equal(rowwise(2048, 32000).grid.x, 2048);
  assert.throws(() => rowwise(4, 0), /row length 0/);
  // RMSNorm: 16 columns a thread (two 16-byte bf16 loads), 256 threads at Mistral 7B's hidden 4096
  assert.equal(rowwise(2048, 4096, RMSNORM_COLUMNS_PER_THREAD).block.x, 256);
  assert.equal(rowwise(2048, 5120, RMSNORM_COLUMNS_PER_THREAD).block.x, 320);
  assert.equal(rowwise(8, 64, RMSNORM_COLUMNS_PER_THREAD).block.x, 32);
  assert.equal(rowwise(8, 65536, RMSNORM_COLUMNS_PER_THREAD).block.x, 1024);
});

test('DoRA column kernels: scale_columns a thread per column and rows striding; column_dots a block per 32 columns; constants as dora.cu defines them', () => {
  // Mistral-7B's gate projection over 8192 tokens: 56 column blocks, 75 row blocks striding ~27 groups of 4 rows each
  assert.deepEqual(columnScale(8192, 14336), { grid: { x: 56, y: 75, z: 1 }, block: { x: 256, y: 1, z: 1 }, sharedBytes: 0 });
  assert.deepEqual(columnScale(37, 45), { grid: { x: 1, y: 10, z: 1 }, block: { x: 64, y: 1, z: 1 }, sharedBytes: 0 });
  assert.equal(columnScale(2 ** 30, 1).grid.y, MAX_ELEMENTWISE_BLOCKS);
  assert.equal(columnScale(0, 45).grid.y, 0, 'no rows: nothing to launch');
  assert.deepEqual(columnDots(8192, 14336), { grid: { x: 448, y: 1, z: 1 }, block: { x: 32, y: 32, z: 1 }, sharedBytes: 0 });
  assert.equal(columnDots(0, 45).grid.x, 2, 'no rows still adds 0 / den');
  assert.equal(columnDots(5, 0).grid.x, 0);
  assert.throws(() => columnScale(2 ** 31, 8), /rows out of range/);
  assert.throws(() => columnDots(8, -1), /row length -1 out of range/);
  const src = fs.readFileSync(path.join(KERNELS_DIR, 'dora.cu'), 'utf8');
  const define = (name: string): string | undefined => new RegExp(`^#define ${name} (\\w+)$`, 'm').exec(src)?.[1];
  assert.deepEqual([define('DORA_ROWS'), define('DOTS_COLUMNS'), define('DOTS_SLICES')], [String(DORA_ROWS), 'WARP', String(COLUMN_DOTS.slices)]);
  assert.equal(COLUMN_DOTS.columns, 32);
});

test('flash attention launches: grids (head, 64-row tile, row), the tile index the slowest of a row so every head\'s longest blocks start first', () => {
  const s = { B: 2, T: 2049, Hq: 32, Hkv: 8, D: 128 };
  assert.deepEqual(flashAttentionForward(s).grid, { x: 32, y: 33, z: 2 });
  assert.deepEqual(flashAttentionBackward(s).grid, { x: 32, y: 33, z: 2 });
  assert.equal(flashAttentionForward({ ...s, T: 0 }).grid.y, 1);
  assert.throws(() => flashAttentionForward({ ...s, T: 64 * 65536 }), /exceeds the grid limits/);
  assert.throws(() => flashAttentionBackward({ ...s, Hkv: 5 }), /not a multiple/);
});

test('the flash backward in blocks of 64 keys (4 warps, two blocks an SM within sm_90\'s 228 KiB) or 128 (8 warps, one block): grid, threads and shared memory as the kernel lays it out', () => {
  const s = { B: 2, T: 2049, Hq: 32, Hkv: 8, D: 128 };
  assert.deepEqual(flashAttentionBackward(s, 64), flashAttentionBackward(s), '64 keys by default');
  assert.deepEqual(flashAttentionBackward(s, 64), { grid: { x: 32, y: 33, z: 2 }, block: { x: 128, y: 1, z: 1 }, sharedBytes: 115_456 });
  // K, V: 128 × 136 bf16 each; Q, dO two stages of 64 × 136; P/dS 64 × 136; lse, rowdot, query segments two stages of 64; key segments 128
  const bytes128 = 2 * (2 * 128 * 136 + 4 * 64 * 136 + 64 * 136) + 4 * (3 * 2 * 64 + 128);
  assert.deepEqual(flashAttentionBackward(s, 128), { grid: { x: 32, y: 17, z: 2 }, block: { x: 256, y: 1, z: 1 }, sharedBytes: bytes128 });
  assert.equal(bytes128, 158_720);
  assert.ok(2 * (115_456 + 1024) <= 228 * 1024 && 158_720 + 1024 <= 228 * 1024 && 2 * (158_720 + 1024) > 228 * 1024);
  assert.equal(flashAttentionBackward({ ...s, T: 0 }, 128).grid.y, 1);
  assert.equal(flashAttentionBackward({ ...s, D: 64 }, 128).sharedBytes, 2 * (2 * 128 * 72 + 4 * 64 * 72 + 64 * 136) + 4 * (3 * 2 * 64 + 128));
});

test('the flash forward in blocks of 64 queries (16 a warp) or 128 (32 a warp, the Q tile in shared memory): grid and shared memory as the kernel lays it out, two blocks an SM either way', () => {
  const s = { B: 2, T: 2049, Hq: 32, Hkv: 8, D: 128 };
  assert.deepEqual(flashAttentionForward(s, 64), flashAttentionForward(s), '64 queries by default');
  // two stages of K and V (64 × 136 bf16 each) and their key segments (64 ints); with 128 queries the Q tile (128 × 136) first
  assert.deepEqual(flashAttentionForward(s, 64), { grid: { x: 32, y: 33, z: 2 }, block: { x: 128, y: 1, z: 1 }, sharedBytes: 70_144 });
  assert.deepEqual(flashAttentionForward(s, 128), { grid: { x: 32, y: 17, z: 2 }, block: { x: 128, y: 1, z: 1 }, sharedBytes: 2 * 128 * 136 + 70_144 });
  assert.ok(2 * (104_960 + 1024) <= 228 * 1024);
  assert.equal(flashAttentionForward({ ...s, D: 64 }, 128).sharedBytes, 2 * 128 * 72 + 2 * (2 * 2 * 64 * 72 + 4 * 64));
  assert.equal(flashAttentionForward({ ...s, T: 0 }, 128).grid.y, 1);
});

test('attention launches: grids per (query|key, head, row); the largest tile of staged rows that fits 48 KiB; limits as UserErrors', () => {
  const s = { B: 2, T: 2048, Hq: 32, Hkv: 8, D: 128 };
  const f = attentionForward(s, 'bf16');
  assert.deepEqual(f.grid, { x: 2048, y: 32, z: 2 });
  assert.equal(f.block.x, ATTENTION.threads);
  // bf16 rows of D + 2 elements (one word of padding); q, the scores and the reduction scratch in f32
  assert.equal(f.tile, 128);
  assert.equal(f.sharedBytes, (128 + 128 + 32) * 4 + 128 * 130 * 2);
  const dq = attentionBackwardDq(s, 'bf16');
  assert.deepEqual([dq.grid, dq.tile, dq.sharedBytes], [f.grid, 128, (2 * 128 + 128 + 32) * 4 + 128 * 130 * 2]);
  const kv = attentionBackwardDkv(s, 'bf16');
  assert.deepEqual(kv.grid, { x: 2048, y: 8, z: 2 });
  assert.equal(kv.tile, 64); // two arrays of rows (Q and dO): 128 would take 67,584 bytes
  assert.equal(kv.sharedBytes, (2 * 128 + 2 * 64) * 4 + 2 * 64 * 130 * 2);
  // f32 rows of D + 1, f64 rows of D + 1 doubles: smaller tiles
  assert.deepEqual([attentionForward(s, 'f32').tile, attentionBackwardDkv(s, 'f32').tile], [64, 32]);
  assert.deepEqual([attentionForward(s, 'f64').tile, attentionBackwardDkv(s, 'f64').tile], [32, 16]);
  assert.equal(attentionForward(s, 'f64').sharedBytes, (128 + 32 + 32) * 8 + 32 * 129 * 8);
  assert.equal(attentionRowStride(128, 2), 130);
  assert.equal(attentionRowStride(128, 4), 129);
  assert.equal(attentionRowStride(128, 8), 129);
  for (const D of [1, 8, 64, 80, 96, 100, 128, 256, 500, 512]) {
    for (const variant of ['bf16', 'f32', 'f64'] as const) {
      for (const l of [attentionForward({ ...s, D }, variant), attentionBackwardDq({ ...s, D }, variant), attentionBackwardDkv({ ...s, D }, variant)]) {
        assert.ok(l.sharedBytes <= 48 * 1024, `D=${D} ${variant}: ${l.sharedBytes} bytes fit the default 48 KiB without opting in`);
        assert.ok(l.tile >= 1 && l.tile <= ATTENTION.threads && Number.isInteger(Math.log2(l.tile)), `D=${D} ${variant}: tile ${l.tile}`);
      }
    }
  }
  assert.equal(attentionWorkspaceBytes(s), 2 * 32 * 2048 * 4);
  assert.throws(() => attentionForward({ ...s, D: 513 }), (e: Error) => e.name === 'UserError' && /head dimension 513/.test(e.message));
  assert.throws(() => attentionForward({ ...s, Hkv: 6 }), /32 query heads are not a multiple of 6 KV heads/);
  assert.throws(() => attentionBackwardDkv({ ...s, B: 70000 }), /exceeds the grid limits/);
});

test('dropout threshold: hash ≥ threshold keeps exactly what the CPU keeps (hash / 2³² ≥ p)', () => {
  for (const p of [0, 0.1, 0.5, 1 / 3, 0.9999]) {
    const threshold = dropoutThreshold(p);
    for (let i = 0; i < 5000; i++) {
      const u = uniformHash(42, i);
      assert.equal(BigInt(u * 2 ** 32) >= threshold, u >= p, `p=${p} i=${i}`);
    }
  }
  assert.throws(() => dropoutThreshold(1), /dropout probability 1/);
});

test('AdamW constants follow torch: decay 1 − lr·wd, step size lr / (1 − β1^t), sqrt(1 − β2^t)', () => {
  const c = adamwConstants({ lr: 1e-3, beta1: 0.9, beta2: 0.999, weightDecay: 0.01, step: 3 });
  assert.equal(c.decay, 1 - 1e-5);
  assert.ok(Math.abs(c.stepSize - 1e-3 / (1 - 0.729)) < 1e-15);
  assert.ok(Math.abs(c.bc2Sqrt - Math.sqrt(1 - 0.999 ** 3)) < 1e-15);
  assert.throws(() => adamwConstants({ lr: 1, beta1: 0.9, beta2: 0.9, weightDecay: 0, step: 0 }), /step 0/);
});

test('kernel sources: the local header is inlined once, every module has one, options carry arch, std, include and storage', () => {
  for (const name of KERNEL_FILES) {
    const src = kernelSource(name);
    assert.ok(!/#include\s+"/.test(src), `${name}: no local include left`);
    if (name !== 'convert') assert.match(src, /typedef __nv_bfloat16 store_t;/); // convert.cu is dtype-generic
    assert.match(src, /extern "C" __global__/);
  }
  const dir = tempDir('mt-src-');
  fs.writeFileSync(path.join(dir, 'a.cuh'), '#pragma once\n#include "b.cuh"\nint a;\n');
  fs.writeFileSync(path.join(dir, 'b.cuh'), '#pragma once\nint b;\n');
  const out = expandIncludes('#include "a.cuh"\n#include "b.cuh"\n#include <cuda_bf16.h>\n', dir);
  assert.equal(out.match(/int b;/g)?.length, 1);
  assert.match(out, /#include <cuda_bf16.h>/);
  assert.ok(!out.includes('#pragma once'));
  const req = compileRequest('rmsnorm', 'sm_90a', '/usr/local/cuda/include', 'f32');
  assert.deepEqual(nvrtcOptions(req), ['--gpu-architecture=sm_90a', '-std=c++17', '-I/usr/local/cuda/include', '-DSTORE_F32']);
  assert.deepEqual(compileRequest('rmsnorm', 'sm_90a', '/inc', 'bf16').flags, ['-std=c++17', '-I/inc']);
  assert.deepEqual(compileRequest('rmsnorm', 'sm_90a', '/inc', 'f64').flags, ['-std=c++17', '-I/inc', '-DSTORE_F64']);
});

const nvcc = ['/usr/local/cuda/bin/nvcc', ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'nvcc'))].find((p) => fs.existsSync(p));
test('the inlined source (what NVRTC compiles) builds alone, without the kernels folder on the include path', { skip: !nvcc && 'no nvcc' }, () => {
  const dir = tempDir('mt-src-');
  fs.writeFileSync(path.join(dir, 'rmsnorm.cu'), kernelSource('rmsnorm'));
  const r = spawnSync(nvcc!, ['-std=c++17', '--ptx', '-arch=sm_90a', '-I/usr/local/cuda/include', '-Werror', 'all-warnings', '-o', path.join(dir, 'x.ptx'), path.join(dir, 'rmsnorm.cu')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(KERNELS_DIR, 'common.cuh')));
});
