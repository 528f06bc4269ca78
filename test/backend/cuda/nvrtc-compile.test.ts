// NVRTC, through our koffi binding, compiles every kernel module to an sm_90a cubin in each storage
// variant the backend loads, without a warning, and each cubin defines every kernel the kernel table
// expects of its module (cuModuleGetFunction looks them up by these names), in no more registers than its blocks can
// hold (cubin-registers.ts). NVRTC needs no GPU: this runs
// wherever libnvrtc.so.* and the CUDA headers are installed (the CUDA toolkit, or pip nvidia-cuda-nvrtc
// with CUDA_HOME at its folder, or the CUDA 13 wheels on disk: cuda-wheels.ts), and is skipped, with the reason, elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCudaInclude, findLibrary, LIBNVRTC } from '../../../src/backend/cuda/find-libs.ts';
import { KERNELS } from '../../../src/backend/cuda/kernel-table.ts';
import { compileRequest, KERNEL_FILES, nvrtcOptions, type Storage } from '../../../src/backend/cuda/kernel-source.ts';
import { Nvrtc } from '../../../src/backend/cuda/nvrtc.ts';
import { ATTENTION, FLASH, flashAttentionBackward, LORA_GRAD_UP, SMALL_K } from '../../../src/backend/cuda/launch.ts';
import { blockFitsRegisters, kernelRegisters, kernelSharedBytes, sm90BlocksPerSm } from './cubin-registers.ts';
import { useCudaWheelsWhereMissing } from './cuda-wheels.ts';

const WHEELS = useCudaWheelsWhereMissing(); // before the searches below

const lib = findLibrary(LIBNVRTC).file;
const include = findCudaInclude().file;
const skip = !lib ? `libnvrtc.so.* is not installed here (the CUDA toolkit, or pip nvidia-cuda-nvrtc, brings it); ${WHEELS}`
  : !include ? `cuda_bf16.h is not installed here (set CUDA_HOME); ${WHEELS}` : false;

/**
 * The most threads a block of `kernel` is launched with (launch.ts): the attention and flash kernels' fixed blocks, the
 * hardware's 1024 for every other (rowwise takes up to 1024, elementwise 256): a kernel whose registers do not fit
 * its block fails every launch with CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, which no emulator shows.
 */
function maxThreads(kernel: string): number {
  if (kernel.startsWith('flash_attention_backward_k128_')) return flashAttentionBackward({ B: 1, T: 1, Hq: 1, Hkv: 1, D: 128 }, 128).block.x;
  if (kernel.startsWith('flash_attention_')) return FLASH.threads;
  if (kernel === 'gemm_small_k') return SMALL_K.threads;
  if (kernel.startsWith('lora_grad_up_r')) return LORA_GRAD_UP.threads;
  if (KERNELS[kernel as keyof typeof KERNELS]?.file === 'attention') return ATTENTION.threads;
  return 1024;
}

/** The NUL-terminated strings of an ELF file's bytes (its symbol names among them). */
function strings(bytes: Uint8Array): Set<string> {
  return new Set(Buffer.from(bytes).toString('latin1').split('\0'));
}

test('NVRTC compiles every kernel module to an sm_90a cubin (bf16, f32, f64 storage) with each kernel the table names, without a warning, in registers its blocks can hold', { skip, timeout: 300_000 }, () => {
  const nvrtc = Nvrtc.open();
  assert.match(nvrtc.version(), /^\d+\.\d+$/);
  for (const file of KERNEL_FILES) {
    const expected = Object.entries(KERNELS).filter(([, spec]) => spec.file === file).map(([name]) => name);
    for (const storage of ['bf16', 'f32', 'f64'] as Storage[]) {
      const req = compileRequest(file, 'sm_90a', include!, storage);
      const { cubin, log } = nvrtc.compile(req.source, req.name, nvrtcOptions(req));
      assert.deepEqual([...cubin.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${file}.cu (${storage}): an ELF cubin`);
      assert.equal(log.trim(), '', `${file}.cu (${storage}): NVRTC's log is empty (no warning)`);
      const names = strings(cubin);
      for (const k of expected) assert.ok(names.has(k), `${file}.cu (${storage}) defines ${k}`);
      const registers = kernelRegisters(cubin);
      for (const k of expected) {
        const regs = registers.get(k);
        assert.ok(regs !== undefined && regs > 0, `${file}.cu (${storage}): ${k}'s register count is in the cubin`);
        assert.ok(blockFitsRegisters(regs, maxThreads(k)), `${file}.cu (${storage}): ${k} uses ${regs} registers a thread, too many for its blocks of ${maxThreads(k)} threads`);
      }
    }
  }
});

// LORA_GRAD_UP.blocksPerSm is the grid's fallback where the driver cannot say how many blocks of lora_grad_up an SM holds
// (no occupancy query): it said 6 of the rank-16 kernel, from 80 registers, after ptxas had come to give it 72, which
// 7 blocks fit (so the fallback grid ran 7 spans of 320 rows where 8 of 256 fit at once: 1×2048 on 132 SMs). Registers vary
// with the NVRTC version, so the test holds the table to what matters where it is used: never more blocks than an SM holds
// (a grid past one wave: spans run one after another), and says so when it is fewer (one wave, smaller than it could be:
// bring it in line with the counts printed) — a device check with another NVRTC must not fail on a fallback's speed.
test('LORA_GRAD_UP.blocksPerSm is no more than an sm_90 SM holds of each lora_grad_up kernel NVRTC compiles (its registers and shared memory)', { skip, timeout: 120_000 }, () => {
  const nvrtc = Nvrtc.open();
  const req = compileRequest('lora_grad_up', 'sm_90a', include!, 'bf16');
  const { cubin } = nvrtc.compile(req.source, req.name, nvrtcOptions(req));
  const registers = kernelRegisters(cubin), shared = kernelSharedBytes(cubin);
  const found = LORA_GRAD_UP.ranks.map((r) => ({ r, registers: registers.get(`lora_grad_up_r${r}`)!, shared: shared.get(`lora_grad_up_r${r}`)! }));
  const blocks = found.map((k) => sm90BlocksPerSm(k.registers, LORA_GRAD_UP.threads, k.shared));
  const counts = `NVRTC ${nvrtc.version()}: ${JSON.stringify(found)}, an SM holds ${JSON.stringify(blocks)} blocks, the table says ${JSON.stringify(LORA_GRAD_UP.blocksPerSm)}`;
  LORA_GRAD_UP.blocksPerSm.forEach((table, i) => assert.ok(table <= blocks[i]!, `more blocks than fit: ${counts}`));
  if (!LORA_GRAD_UP.blocksPerSm.every((table, i) => table === blocks[i])) console.log(`# lora_grad_up's fallback table is under what fits: ${counts}`);
});

test('a compile error comes back as an error carrying NVRTC\'s log, with the file name and line', { skip, timeout: 60_000 }, () => {
  const nvrtc = Nvrtc.open();
  assert.throws(() => nvrtc.compile('extern "C" __global__ void k(float *x) { x[0] = y; }\n', 'broken.cu', ['--gpu-architecture=sm_90a']),
    (e: Error) => /nvrtcCompileProgram\(broken\.cu\) failed with 6 NVRTC_ERROR_COMPILATION/.test(e.message) && /broken\.cu\(1\).*"y" is undefined/.test(e.message));
});
