// The CUDA kernels themselves, run here without a GPU: the stand-in libraries with the kernel emulator
// (emulator/build.ts: the .cu modules compiled for the host, each CUDA thread a fiber) under the backend suite's
// attention, optimizer and kernel tests, on CUDA (MISTRAL_TUNE_TEST_DEVICE=cuda): fp32 and bf16 storage, each attention
// path (the attention kernels, cuBLASLt, the flash kernels — with a LoRA step at their head dims), DoRA and the MLP
// activations (gelu, gelu_tanh, relu) against PEFT, a LoRA and a full fine-tuning step at odd shapes against the CPU
// (test/model/odd-shapes.test.ts), the GEMM tests on the fallback GEMM kernel (a cuBLASLt without
// algorithms), LoRA's skinny products with their k in slices and those of the rank's k on gemm_small_k
// (gemm-skinny.test.ts), and more than one thread schedule (a race between
// threads gives schedule-dependent results: emulator/runtime.cpp). The emulator is built once per content of its
// sources (cachedKernelEmulator, under the temp folder). The whole suite runs the same way with
// `npm run test:gpu-emulated` (minutes), under any path and schedule (MISTRAL_TUNE_CUDA_ATTENTION, MT_EMULATOR_SCHEDULE:
// the attention kernels under serial, say, which npm test leaves out) — the model-level files that pin other shapes
// among them (hf-shapes, variant-parity, hf-variant-parity, classification-parity, flash-head-dims, dora-cases,
// embedding-pad-grad, odd-shapes: 10–100 s each here), e.g. `MISTRAL_TUNE_CUDA_ATTENTION=flash npm run test:gpu-emulated
// bf16`. Skipped, visibly, without cc and g++.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildStandIn, cachedKernelEmulator } from './emulator/build.ts';
import { tempDir } from '../../temp-dir.ts';
import { nodeArgsFor, runnable, TS_LOADER } from '../../node-args.ts';

const has = (c: string): boolean => {
  try {
    execFileSync(c, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const skip = has('cc') && has('g++') ? false : 'cc or g++ is not installed here: the kernel emulator cannot be built';
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

const ATTENTION = 'test/backend/attention.test.ts';
/** The optimizer kernels do not depend on the attention path: they run at each storage and under each schedule, not in every run. */
const SUITE = [ATTENTION, 'test/backend/optimizer-kernels.test.ts'];
/** The GEMM tests with a cuBLASLt stand-in that has no algorithm for any product: every GEMM on kernels/gemm_fallback.cu. */
const FALLBACK = { files: ['test/backend/gemm.test.ts', 'test/backend/bf16.test.ts'], env: { MT_FAKE_CUBLASLT_MIN_ALIGNMENT: '512' } };

const RUNS: Array<{ precision: string; attention: string; schedule: string; files?: string[]; env?: Record<string, string> }> = [
  // the attention kernels' path once in full (attention.test.ts takes its dtypes from its tests, not from the precision);
  // they run under reverse too, in the model path of the last run. Under serial as well:
  // MISTRAL_TUNE_CUDA_ATTENTION=kernel MT_EMULATOR_SCHEDULE=serial npm run test:gpu-emulated bf16
  { precision: 'fp32', attention: 'kernel', schedule: 'forward' },
  // with lora_grad_up (a variant, on here: only lora-grad-up.test.ts's calls take it), whose tile barriers only this
  // schedule tests: under reverse and forward every warp's copies land at its wait in the same round, before any reads
  { precision: 'bf16', attention: 'flash', schedule: 'serial', files: [...SUITE, 'test/model/flash-head-dims.test.ts', 'test/backend/lora-grad-up.test.ts'],
    env: { MISTRAL_TUNE_CUDA_LORA_GRAD_UP: '1' } },
  { precision: 'bf16', attention: 'flash', schedule: 'reverse' },
  // the flash kernels' variants: the backward in blocks of 128 keys (8 warps, MISTRAL_TUNE_CUDA_FLASH_BWD128: its dQ from
  // dS in shared memory) and the forward in blocks of 128 queries (32 a warp, MISTRAL_TUNE_CUDA_FLASH_FWD128)
  { precision: 'bf16', attention: 'flash', schedule: 'reverse', env: { MISTRAL_TUNE_CUDA_FLASH_BWD128: '1', MISTRAL_TUNE_CUDA_FLASH_FWD128: '1' }, files: [ATTENTION] },
  { precision: 'fp32', attention: 'gemm', schedule: 'reverse', files: [ATTENTION] },
  { precision: 'fp32', attention: 'kernel', schedule: 'reverse', ...FALLBACK },
  { precision: 'bf16', attention: 'kernel', schedule: 'forward', ...FALLBACK },
  // the row and elementwise kernels (DoRA's and each MLP activation's among them), LoRA's skinny products split in k
  // (splitk_reduce) and its products of the rank's k on gemm_small_k (a variant, on here: every LoRA up-projection and
  // ∂x += dz·A of these files), DoRA and the MLP activations against PEFT through the CUDA backend's model path, and a
  // LoRA and a full fine-tuning step at shapes off every vector width and tile, Mistral Nemo's hidden < heads × head dim
  // among them (odd-shapes: ~6 CPU-s)
  { precision: 'bf16', attention: 'kernel', schedule: 'reverse', env: { MISTRAL_TUNE_CUDA_GEMM_SMALL_K: '1', MISTRAL_TUNE_CUDA_LORA_GRAD_UP: '1' },
    files: ['test/backend/kernels.test.ts', 'test/backend/gemm-skinny.test.ts', 'test/backend/lora-grad-up.test.ts', 'test/model/dora-parity.test.ts', 'test/model/hf-activations.test.ts', 'test/model/odd-shapes.test.ts'] },
];

test('the CUDA kernels, emulated on the host, pass the backend suite\'s attention, optimizer, kernel and GEMM tests and DoRA\'s parity on the CUDA backend (fp32, bf16; each attention path; the fallback GEMM; three thread schedules)', { skip, timeout: 300_000 }, () => {
  const work = tempDir('mt-emulated-');
  try {
    const lib = buildStandIn(work);
    const kernels = cachedKernelEmulator();
    for (const { precision, attention, schedule, files, env } of RUNS) {
      const run = `${precision}, MISTRAL_TUNE_CUDA_ATTENTION=${attention}, MT_EMULATOR_SCHEDULE=${schedule}${env ? `, ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}`;
      const r = spawnSync(process.execPath, [...TS_LOADER, '--test', ...(files ?? SUITE).map(runnable)], {
        cwd: ROOT, encoding: 'utf8',
        env: { ...process.env, NODE_TEST_CONTEXT: undefined, LD_LIBRARY_PATH: lib, CUDA_HOME: work, MISTRAL_TUNE_CACHE: path.join(work, 'cache'), MT_FAKE_CUDA_KERNELS: kernels,
          MISTRAL_TUNE_TEST_DEVICE: 'cuda', MISTRAL_TUNE_TEST_PRECISION: precision, MISTRAL_TUNE_CUDA_ATTENTION: attention, MT_EMULATOR_SCHEDULE: schedule,
          MISTRAL_TUNE_TEST_REQUIRE_DEVICE: '1', ...env }, // a CUDA backend that does not start fails the files, not skips them
      });
      const count = (what: string): number => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(r.stdout)?.[1] ?? -1);
      assert.equal(r.status, 0, `${run}: ${r.stdout.split('\n').filter((l) => /^not ok|error:/.test(l)).join('\n')}\n${r.stderr.slice(-2000)}`);
      // skips for this machine's sake (OpenBLAS absent: the CPU-only comparison of gemm.test.ts) are not the device's
      // attention.test.ts alone: its 8 tests, none skipped on the device; more files: 10 tests or more, one of them maybe skipped
      const [tests, passed] = files?.length === 1 ? [8, 8] : [10, 9];
      assert.ok(count('pass') + count('skipped') >= tests && count('pass') >= passed, `${run}: ${count('pass')} passed, ${count('skipped')} skipped (the CUDA backend must have run)`);
      if (env?.MT_FAKE_CUBLASLT_MIN_ALIGNMENT) assert.match(r.stdout + r.stderr, /such products run on the fallback GEMM kernel/, `${run}: the GEMMs ran on the fallback kernel`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

// scripts/cuda-smoke.ts is the device check's first step: on the H200 (run 1) it died of a segmentation fault
// because it launched swiglu_forward with one argument fewer than the kernel takes (the driver read past the
// array). On the stand-in with the emulated kernels the same launch reads past it too, so this runs it to its end.
test('scripts/cuda-smoke.ts runs to its end on the stand-in CUDA with the emulated kernels (every launch with its kernel\'s arguments)', { skip, timeout: 120_000 }, () => {
  const work = tempDir('mt-smoke-');
  try {
    const lib = buildStandIn(work);
    const r = spawnSync(process.execPath, nodeArgsFor('scripts/cuda-smoke.ts'), {
      cwd: ROOT, encoding: 'utf8',
      env: { ...process.env, LD_LIBRARY_PATH: lib, CUDA_HOME: work, MISTRAL_TUNE_CACHE: path.join(work, 'cache'), MT_FAKE_CUDA_KERNELS: cachedKernelEmulator() },
    });
    assert.equal(r.status, 0, `exit ${r.status} (signal ${r.signal}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    assert.match(r.stdout, /^ok {3}swiglu_forward vs CPU/m);
    assert.doesNotMatch(r.stdout, /^FAIL/m);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

// the smoke test opened NVRTC and cuBLASLt itself without the backend's cap at the driver's CUDA (commit a0186e61): on a
// CUDA 12 driver with a CUDA 13 toolkit first on the library path it took CUDA 13's, which the backend passes over
test('scripts/cuda-smoke.ts opens NVRTC and cuBLASLt as the backend does: on a driver that runs CUDA 12, not the CUDA 13 ones before them on LD_LIBRARY_PATH', { skip, timeout: 120_000 }, () => {
  const work = tempDir('mt-smoke12-');
  try {
    const lib = buildStandIn(work), lib12 = path.join(work, 'lib12');
    fs.mkdirSync(lib12);
    for (const name of ['libnvrtc.so.12', 'libcublasLt.so.12']) fs.symlinkSync(path.join(lib, 'libfake.so'), path.join(lib12, name));
    // CUDA 13's libraries: loading one ends the process (exit 13), as a real one fails on a CUDA 12 driver
    const trap = path.join(work, 'trap.c');
    fs.writeFileSync(trap, 'void _exit(int); long write(int, const void *, unsigned long);\n'
      + '__attribute__((constructor)) static void loaded(void) { write(2, "a CUDA 13 library was loaded\\n", 29); _exit(13); }\n');
    for (const name of ['libnvrtc.so.13', 'libcublasLt.so.13']) {
      fs.rmSync(path.join(lib, name));
      execFileSync('cc', ['-shared', '-fPIC', '-o', path.join(lib, name), trap]);
    }
    const r = spawnSync(process.execPath, nodeArgsFor('scripts/cuda-smoke.ts'), {
      cwd: ROOT, encoding: 'utf8',
      env: {
        ...process.env, LD_LIBRARY_PATH: `${lib}:${lib12}`, CUDA_HOME: work, MT_FAKE_DRIVER_VERSION: '12080',
        MISTRAL_TUNE_CACHE: path.join(work, 'cache'), MT_FAKE_CUDA_KERNELS: cachedKernelEmulator(),
      },
    });
    assert.equal(r.status, 0, `exit ${r.status} (signal ${r.signal}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    assert.match(r.stdout, new RegExp(`nvrtc ${path.join(lib12, 'libnvrtc.so.12').replace(/[.+]/g, '\\$&')}, cublasLt ${path.join(lib12, 'libcublasLt.so.12').replace(/[.+]/g, '\\$&')}`));
    assert.doesNotMatch(r.stdout, /^FAIL/m);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
