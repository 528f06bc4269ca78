// Smoke test of the CUDA bindings on a GPU machine: driver (device, memory, context, stream, events),
// NVRTC (compile one kernel through the disk cache, launch it, compare with the CPU backend's kernel; then
// compile and load every module in every storage variant and find each kernel by name) and
// cuBLASLt (bf16 GEMMs with f32 compute against a CPU f32 GEMM: transposes, 2-byte aligned operands, an addend
// out of place; then GFLOP/s of a large one).
//   node --import tsx scripts/cuda-smoke.ts        (exit 0 = all good, 1 = a mismatch, 2 = no CUDA)
import { gemm as cpuGemm, resolveGemm } from '../src/backend/cpu/gemm.ts';
import { swigluForward } from '../src/backend/cpu/kernels/swiglu.ts';
import { CublasLt } from '../src/backend/cuda/cublaslt.ts';
import { CudaDriver } from '../src/backend/cuda/driver.ts';
import { driverSearch, requireCudaInclude } from '../src/backend/cuda/find-libs.ts';
import { i32, i64, ptr } from '../src/backend/cuda/kernel-args.ts';
import { KernelCache } from '../src/backend/cuda/kernel-cache.ts';
import { compileRequest, KERNEL_FILES, nvrtcOptions, type Storage } from '../src/backend/cuda/kernel-source.ts';
import { GATE_ACTIVATION_CODE, KERNELS } from '../src/backend/cuda/kernel-table.ts';
import {
  attentionBackwardDkv, attentionBackwardDq, attentionForward, DEFAULT_SHARED_LIMIT, elementwise, flashAttentionBackward, flashAttentionForward, gemmSmallK, loraGradUp,
  type Launch,
} from '../src/backend/cuda/launch.ts';
import { archFor, Nvrtc } from '../src/backend/cuda/nvrtc.ts';
import { probeCuda } from '../src/backend/cuda/probe.ts';
import { bf16ToF32, f32ToBf16 } from '../src/backend/dtype.ts';
import { Rng } from '../src/util/rng.ts';

const probe = probeCuda({ libraries: true });
if (!probe.available) {
  console.log(`cuda-smoke: ${probe.reason}`);
  process.exit(2);
}
let failed = false;
const report = (what: string, err: number, tol: number): void => {
  const ok = err <= tol;
  failed ||= !ok;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: max rel err ${err.toExponential(2)} (tolerance ${tol})`);
};
const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1));
  return w;
};

const cu = CudaDriver.open();
const dev = cu.device(0);
const cc = cu.computeCapability(dev);
console.log(`driver ${probe.driverFile} (CUDA ${cu.version() / 1000}), nvrtc ${probe.nvrtcFile}, cublasLt ${probe.cublasLtFile}`);
console.log(`device 0: ${cu.deviceName(dev)}, ${(cu.totalMem(dev) / 2 ** 30).toFixed(1)} GiB, compute capability ${cc.major}.${cc.minor}, ${cu.attribute(dev, 16)} SMs`);
cu.usePrimaryContext(dev);
const stream = cu.streamCreate();
console.log(`memory: ${JSON.stringify(cu.memInfo())}`);

// ---- NVRTC: swiglu_forward (f32 storage) against the CPU kernel ----
// NVRTC, its headers and cuBLASLt as the backend selects them (openCuda): of a CUDA this driver runs
const libs = driverSearch(cu.version());
const nvrtc = Nvrtc.open(libs);
const include = requireCudaInclude(nvrtc.file);
const cache = new KernelCache((req) => nvrtc.compile(req.source, req.name, nvrtcOptions(req)).cubin, nvrtc.build());
let t0 = performance.now();
const cubin = cache.get(compileRequest('swiglu', archFor(cc), include, 'f32'));
console.log(`nvrtc ${nvrtc.version()}: swiglu.cu for ${archFor(cc)} in ${(performance.now() - t0).toFixed(0)} ms (${JSON.stringify(cache.stats)}, ${cache.dir})`);
const mod = cu.moduleLoad(cubin);
const fn = cu.getFunction(mod, 'swiglu_forward');
const rng = new Rng(1);
const n = 1 << 20;
const gate = Float32Array.from({ length: n }, () => rng.next() * 8 - 4), up = Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
const [dOut, dGate, dUp] = [cu.memAlloc(n * 4), cu.memAlloc(n * 4), cu.memAlloc(n * 4)];
cu.memcpyHtoD(dGate, gate, stream);
cu.memcpyHtoD(dUp, up, stream);
const l = elementwise(n);
const [e0, e1] = [cu.eventCreate(), cu.eventCreate()];
cu.eventRecord(e0, stream);
const swigluArgs = [ptr(dOut), ptr(dGate), ptr(dUp), i64(n), i32(GATE_ACTIVATION_CODE.silu)];
// the driver reads as many argument pointers as the kernel has parameters: one short, and it reads past the array
// (run 1 on the H200: a segmentation fault, when swiglu_forward had gained its activation code and this call had not)
if (swigluArgs.length !== KERNELS.swiglu_forward.params.length) throw new Error(`swiglu_forward takes ${KERNELS.swiglu_forward.params.length} arguments, the smoke test passes ${swigluArgs.length}`);
cu.launch(fn, l.grid, l.block, l.sharedBytes, stream, swigluArgs);
cu.eventRecord(e1, stream);
const got = new Float32Array(n);
cu.memcpyDtoH(got, dOut, stream);
cu.streamSynchronize(stream);
console.log(`launch swiglu_forward over ${n}: ${(cu.eventElapsed(e0, e1) * 1000).toFixed(1)} µs`);
const want = new Float32Array(n);
swigluForward(want, gate, up, n);
report('swiglu_forward vs CPU (f32)', maxRel(got, want), 1e-5);

// ---- every module in every storage variant: NVRTC compiles it (warming the disk cache the test files share),
// the driver loads it and finds each kernel of the table by its extern "C" name ----
const variants: Storage[] = ['bf16', 'f32', 'f64'];
const resources: string[] = []; // what ptxas gave each bf16 kernel: a spill (local bytes) costs speed, not correctness
const occupancy: string[] = [];
/**
 * The bf16 launch of an attention kernel at the Mistral-7B shape (1×2048, 32 heads over 8, head dim 128 or the flash
 * kernel's), or of LoRA's kernels at gate's (2048 tokens, 14336 columns, r = 16; 132 SMs), or null for another kernel.
 */
const shapeLaunch = (name: string): Launch | null => {
  if (name === 'gemm_small_k') return gemmSmallK({ m: 2048, n: 14336 });
  if (name.startsWith('lora_grad_up_r')) return loraGradUp(2048, 14336, Number(name.slice('lora_grad_up_r'.length)), 132);
  const s = { B: 1, T: 2048, Hq: 32, Hkv: 8, D: 128 };
  if (name === 'attention_forward') return attentionForward(s, 'bf16');
  if (name === 'attention_backward_dq') return attentionBackwardDq(s, 'bf16');
  if (name === 'attention_backward_dkv') return attentionBackwardDkv(s, 'bf16');
  const m = /^flash_attention_(forward|backward)_(k128_|q128_)?d(\d+)$/.exec(name);
  if (!m) return null;
  const f = { ...s, D: Number(m[3]) };
  return m[1] === 'forward' ? flashAttentionForward(f, m[2] ? 128 : 64) : flashAttentionBackward(f, m[2] ? 128 : 64);
};
t0 = performance.now();
for (const file of KERNEL_FILES) {
  for (const variant of variants) {
    try {
      const m = cu.moduleLoad(cache.get(compileRequest(file, archFor(cc), include, variant)));
      const names = Object.entries(KERNELS).filter(([, k]) => k.file === file).map(([name]) => name);
      for (const name of names) {
        const f = cu.getFunction(m, name);
        if (variant !== 'bf16') continue;
        const { registers, localBytes } = cu.functionResources(f);
        resources.push(`${name} ${registers}${localBytes ? ` (${localBytes} B spilled)` : ''}`);
        const launch = shapeLaunch(name);
        if (launch) { // the flash kernels' speed rests on two blocks an SM (their shared memory and registers allow it), LoRA's kernels' on several
          if (launch.sharedBytes > DEFAULT_SHARED_LIMIT) cu.setMaxDynamicShared(f, launch.sharedBytes);
          occupancy.push(`${name} ${cu.blocksPerSM(f, launch.block.x, launch.sharedBytes)} (${launch.sharedBytes} B shared)`);
        }
      }
      cu.moduleUnload(m);
    } catch (e) {
      failed = true;
      console.log(`FAIL ${file}.cu (${variant}): ${(e as Error).message}`);
    }
  }
}
console.log(`modules: ${KERNEL_FILES.length} × ${variants.length} variants compiled/loaded in ${(performance.now() - t0).toFixed(0)} ms (${JSON.stringify(cache.stats)})`);
console.log(`bf16 kernels, registers a thread: ${resources.join(', ')}`);
console.log(`attention and LoRA kernels at the Mistral-7B shape (bf16), blocks an SM: ${occupancy.join(', ')}`);

// ---- cuBLASLt: bf16 GEMM with f32 compute vs CPU f32 over the same (rounded) inputs ----
const lt = CublasLt.open(libs);
const wsBytes = 32 << 20;
const ws = cu.memAlloc(wsBytes);
/**
 * One GEMM against the CPU; `off` elements into each allocation (off = 1: 2-byte aligned operands, as a view can be);
 * with `addend`, out of place: c = a·b + addend (cuBLASLt's C the addend, its D the output, as the residual path runs).
 */
const gemmCheck = (m: number, nn: number, k: number, transA: boolean, transB: boolean, off = 0, addend = false): void => {
  const a = f32ToBf16(Float32Array.from({ length: m * k }, () => rng.next() - 0.5));
  const b = f32ToBf16(Float32Array.from({ length: k * nn }, () => rng.next() - 0.5));
  const r = f32ToBf16(Float32Array.from({ length: m * nn }, () => rng.next() - 0.5));
  const o = 2 * off;
  const [bA, bB, bC, bR] = [cu.memAlloc(a.byteLength + o), cu.memAlloc(b.byteLength + o), cu.memAlloc(m * nn * 2 + o), cu.memAlloc(r.byteLength + o)];
  const [dA, dB, dC, dR] = [bA + BigInt(o), bB + BigInt(o), bC + BigInt(o), bR + BigInt(o)];
  cu.memcpyHtoD(dA, a, stream);
  cu.memcpyHtoD(dB, b, stream);
  cu.memcpyHtoD(dR, r, stream);
  const g = resolveGemm({ m, n: nn, k, transA, transB, beta: addend ? 1 : 0 }, a.length, b.length, m * nn);
  const what = `cuBLASLt bf16 GEMM ${m}x${nn}x${k} transA=${transA} transB=${transB}${off ? `, operands ${o}-byte aligned` : ''}${addend ? ', + an addend, out of place' : ''}`;
  if (!lt.matmul(g, { a: 'bf16', b: 'bf16', c: 'bf16' }, dC, dA, dB, ws, wsBytes, stream, addend ? dR : dC)) {
    // not a failure: the backend runs such a product on its fallback kernel (gemm_fallback.cu; test:gpu's gemm tests)
    console.log(`NOTE ${what}: cuBLASLt has no algorithm for it; the backend would run it on gemm_fallback.cu`);
    for (const p of [bA, bB, bC, bR]) cu.memFree(p);
    return;
  }
  const c = new Uint16Array(m * nn);
  cu.memcpyDtoH(c, dC, stream);
  cu.streamSynchronize(stream);
  const ref = addend ? bf16ToF32(r) : new Float32Array(m * nn);
  cpuGemm(ref, bf16ToF32(a), bf16ToF32(b), g, null);
  report(`${what} vs CPU f32`, maxRel(bf16ToF32(c), ref), 1e-2);
  for (const p of [bA, bB, bC, bR]) cu.memFree(p);
};
const gemmSafely = (...args: Parameters<typeof gemmCheck>): void => {
  try {
    gemmCheck(...args);
  } catch (e) {
    failed = true;
    console.log(`FAIL cuBLASLt GEMM ${JSON.stringify(args)}: ${(e as Error).message}`);
  }
};
gemmSafely(192, 256, 320, false, false);
gemmSafely(192, 256, 320, true, true);
gemmSafely(128, 96, 64, false, true);
gemmSafely(63, 47, 41, false, true, 1);
gemmSafely(128, 96, 64, false, true, 0, true);
gemmSafely(63, 47, 41, false, true, 1, true);

const S = 8192;
const [A, B, C] = [cu.memAlloc(S * S * 2), cu.memAlloc(S * S * 2), cu.memAlloc(S * S * 2)];
cu.memsetD8(A, 0x3c, S * S * 2, stream);
cu.memsetD8(B, 0x3c, S * S * 2, stream);
const g = resolveGemm({ m: S, n: S, k: S }, S * S, S * S, S * S);
if (!lt.matmul(g, { a: 'bf16', b: 'bf16', c: 'bf16' }, C, A, B, ws, wsBytes, stream)) throw new Error(`cuBLASLt has no algorithm for a bf16 GEMM of ${S}³`); // warm-up
const reps = 10;
cu.eventRecord(e0, stream);
for (let r = 0; r < reps; r++) lt.matmul(g, { a: 'bf16', b: 'bf16', c: 'bf16' }, C, A, B, ws, wsBytes, stream);
cu.eventRecord(e1, stream);
cu.eventSynchronize(e1);
const ms = cu.eventElapsed(e0, e1) / reps;
console.log(`cuBLASLt bf16 GEMM ${S}³: ${ms.toFixed(2)} ms, ${((2 * S ** 3) / (ms * 1e-3) / 1e9).toFixed(0)} GFLOP/s`);
for (const p of [A, B, C, ws, dOut, dGate, dUp]) cu.memFree(p);
cu.moduleUnload(mod);
lt.destroy();
cu.streamDestroy(stream);
cu.releasePrimaryContext(dev);
process.exit(failed ? 1 : 0);
