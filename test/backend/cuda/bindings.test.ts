// The CUDA bindings without a GPU: loading fails cleanly (a UserError listing where it looked, or naming
// the broken file), probeCuda reports "no CUDA driver: …", check() names the call and the status, kernel
// arguments pack as C lays them out, and the row-major → cuBLASLt plan computes the row-major product.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveGemm } from '../../../src/backend/cpu/gemm.ts';
import { check, CudaError } from '../../../src/backend/cuda/check.ts';
import { CublasLt } from '../../../src/backend/cuda/cublaslt.ts';
import { CudaDriver } from '../../../src/backend/cuda/driver.ts';
import { ltPlan, runPlanOnHost } from '../../../src/backend/cuda/gemm-plan.ts';
import { f32, i32, i64, packKernelArgs, ptr, u32 } from '../../../src/backend/cuda/kernel-args.ts';
import { archFor, Nvrtc, preloadBuiltins } from '../../../src/backend/cuda/nvrtc.ts';
import { probeCuda } from '../../../src/backend/cuda/probe.ts';
import { rng } from '../util.ts';
import { tempDir } from '../../temp-dir.ts';

const empty = (): string => tempDir('mt-cuda-');

test('opening the driver, NVRTC or cuBLASLt where none exists: a UserError listing every place looked at', () => {
  const root = empty();
  const env = { LD_LIBRARY_PATH: path.join(root, 'ld'), CUDA_HOME: path.join(root, 'cuda') };
  for (const [open, what] of [[() => CudaDriver.open({ root, env, systemCache: false }), 'CUDA driver (libcuda.so.1)'],
    [() => Nvrtc.open({ root, env, systemCache: false }), 'NVRTC (libnvrtc.so.*, CUDA 12 or newer)'],
    [() => CublasLt.open({ root, env, systemCache: false }), 'cuBLASLt (libcublasLt.so.*, CUDA 12 or newer)']] as const) {
    assert.throws(open, (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.ok(e.message.startsWith(`${what} not found; looked in: ${path.join(root, 'ld')}, ${path.join(root, 'cuda/lib64')}`), e.message);
      assert.ok(e.message.includes(path.join(root, 'usr/local/cuda/lib64')));
      return true;
    });
  }
  // with the system cache allowed the driver's message says so too (when no driver is installed here)
  const probe = probeCuda({ root, env });
  if (probe.available) return; // a GPU machine: nothing more to check here
  assert.match(probe.reason, /^no CUDA driver: CUDA driver \(libcuda\.so\.1\) not found; looked in: .*the system loader cache \(ldconfig: libcuda\.so\.1\)/);
});

test('on a driver that runs CUDA 12 the system loader cache is asked for NVRTC and cuBLASLt of CUDA 12 alone, and the error says so', () => {
  const root = empty();
  for (const [open, soname] of [[() => Nvrtc.open({ root, env: {}, maxMajor: 12 }), 'libnvrtc.so.12'],
    [() => CublasLt.open({ root, env: {}, maxMajor: 12 }), 'libcublasLt.so.12']] as const) {
    let message: string;
    try {
      open();
      continue; // the system's loader cache has CUDA 12's library here: nothing to check
    } catch (e) {
      message = (e as Error).message;
    }
    // was: "(ldconfig: libnvrtc.so.13, libnvrtc.so.12)", though CUDA 13's soname was never asked for
    assert.ok(message.includes(`, the system loader cache (ldconfig: ${soname}); `), message);
  }
});

test('a library file that is there but broken: the error names the file and the loader\'s reason', () => {
  const root = empty();
  fs.mkdirSync(path.join(root, 'ld'));
  const fake = path.join(root, 'ld', 'libcuda.so.1');
  fs.writeFileSync(fake, 'not an ELF file');
  assert.throws(() => CudaDriver.open({ root, env: { LD_LIBRARY_PATH: path.join(root, 'ld') } }),
    (e: Error) => e.name === 'UserError' && e.message.startsWith(`CUDA driver found at ${fake} but it failed to load: `) && !e.message.includes('\n'));
  const probe = probeCuda({ root, env: { LD_LIBRARY_PATH: path.join(root, 'ld') } });
  assert.equal(probe.available, false);
  assert.match(probe.available ? '' : probe.reason, new RegExp(`^no CUDA driver: CUDA driver found at ${fake}`));
});

test('check(): success passes; a failure throws naming the library, the call, the status and its name, plus any log', () => {
  const source = { library: 'NVRTC', statusString: (s: number) => (s === 6 ? 'NVRTC_ERROR_COMPILATION' : 'NVRTC_ERROR_X') };
  check(source, 'nvrtcVersion', 0);
  assert.throws(() => check(source, 'nvrtcCompileProgram(add.cu)', 6, () => 'add.cu(3): error: identifier "x" is undefined\n'), (e: Error) => {
    assert.ok(e instanceof CudaError);
    assert.equal(e.call, 'nvrtcCompileProgram(add.cu)');
    assert.equal(e.status, 6);
    assert.equal(e.message, 'NVRTC: nvrtcCompileProgram(add.cu) failed with 6 NVRTC_ERROR_COMPILATION\nadd.cu(3): error: identifier "x" is undefined');
    return true;
  });
  const broken = { library: 'CUDA driver', statusString: (): string => { throw new Error('no string'); } };
  assert.throws(() => check(broken, 'cuMemAlloc_v2', 2), /CUDA driver: cuMemAlloc_v2 failed with 2 unknown status/);
});

test('kernel arguments pack as C lays them out (8-byte pointers and i64, 4-byte i32/u32/f32), range-checked', () => {
  const bufs = packKernelArgs([ptr(0x7f0012345678n), i32(-3), u32(4000000000), f32(1.5), i64(2 ** 40)]);
  assert.deepEqual(bufs.map((b) => b.length), [8, 4, 4, 4, 8]);
  assert.equal(bufs[0]!.readBigUInt64LE(), 0x7f0012345678n);
  assert.equal(bufs[1]!.readInt32LE(), -3);
  assert.equal(bufs[2]!.readUInt32LE(), 4000000000);
  assert.equal(bufs[3]!.readFloatLE(), 1.5);
  assert.equal(bufs[4]!.readBigInt64LE(), 2n ** 40n);
  assert.throws(() => packKernelArgs([i32(2 ** 31)]), RangeError);
  assert.throws(() => packKernelArgs([u32(-1)]), RangeError);
});

test('NVRTC architecture: sm_90a on Hopper, sm_XY elsewhere', () => {
  assert.equal(archFor({ major: 9, minor: 0 }), 'sm_90a');
  assert.equal(archFor({ major: 8, minor: 0 }), 'sm_80');
  assert.equal(archFor({ major: 8, minor: 9 }), 'sm_89');
});

test('NVRTC\'s builtins library, which libnvrtc opens by bare soname, is loaded first from beside libnvrtc (a pip wheel\'s lib folder is on no loader path)', () => {
  const dir = empty();
  for (const n of ['libnvrtc.so.13', 'libnvrtc-builtins.so.13.0', 'libnvrtc-builtins.alt.so.13.0', 'libnvrtc-builtins.so.13.0.txt']) fs.writeFileSync(path.join(dir, n), '');
  const loads: string[] = [];
  const koffi = { load: (file: string | null) => { loads.push(String(file)); return {} as never; } };
  assert.deepEqual(preloadBuiltins(koffi, path.join(dir, 'libnvrtc.so.13')), ['libnvrtc-builtins.so.13.0']);
  assert.deepEqual(loads, [path.join(dir, 'libnvrtc-builtins.so.13.0')]);
  assert.deepEqual(preloadBuiltins(koffi, 'libnvrtc.so.13'), [], 'a bare soname: the system loader found libnvrtc, and finds its builtins too');
  const failing = { load: (): never => { throw new Error('bad ELF'); } };
  assert.deepEqual(preloadBuiltins(failing, path.join(dir, 'libnvrtc.so.13')), [], 'a broken one is left to NVRTC to report');
});

test('the cuBLASLt plan of a row-major GEMM computes it, for every transpose, padded lds, alpha/beta and strided batches', () => {
  const rand = rng(7);
  for (const transA of [false, true]) for (const transB of [false, true]) {
    const m = 3, n = 5, k = 4, batch = 2;
    const lda = (transA ? m : k) + 1, ldb = (transB ? k : n) + 2, ldc = n + 1;
    const strideA = (transA ? k : m) * lda, strideB = 0, strideC = m * ldc; // B broadcast over the batch
    const spec = { m, n, k, transA, transB, lda, ldb, ldc, batch, strideA, strideB, strideC, alpha: 0.5, beta: 2 };
    const A = Array.from({ length: batch * strideA }, () => rand() - 0.5);
    const B = Array.from({ length: (transB ? n : k) * ldb }, () => rand() - 0.5);
    const C0 = Array.from({ length: batch * strideC }, () => rand() - 0.5);
    const g = resolveGemm(spec, A.length, B.length, C0.length);
    const want = C0.slice();
    for (let b = 0; b < batch; b++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) {
        acc += (transA ? A[b * strideA + p * lda + i]! : A[b * strideA + i * lda + p]!) * (transB ? B[j * ldb + p]! : B[p * ldb + j]!);
      }
      want[b * strideC + i * ldc + j] = 0.5 * acc + 2 * C0[b * strideC + i * ldc + j]!;
    }
    const got = Float64Array.from(C0);
    runPlanOnHost(ltPlan(g), B, A, got);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-12, `transA=${transA} transB=${transB} at ${i}: ${got[i]} vs ${want[i]}`);
  }
});
