// `mistral-tune doctor`: the guide's environment step. What this machine offers a run: Node.js, the CPU
// (cores, memory, the GEMM library and the WebAssembly kernel build), and CUDA — the GPU's name, memory and
// compute capability with the driver, NVRTC and cuBLASLt versions, or the one-line reason it cannot be used.
// Whether Mistral 7B's LoRA run fits here is doctor-fit.ts's plan of it; whether a given run fits is
// `mistral-tune train CONFIG --dry-run`, which this points to. Its usage and flags are
// doctor-flags.ts's, checked before this module (the backends' probes) loads.
import * as os from 'node:os';
import { availableHostMemory } from '../backend/capacity.ts';
import { CpuBackend } from '../backend/cpu/cpu-backend.ts';
import { loadOpenBlas } from '../backend/cpu/openblas.ts';
import { threadCount } from '../backend/cpu/wasm/pool.ts';
import { cudaVersionText, deviceText, probeCuda, type CudaProbe } from '../backend/cuda/probe.ts';
import type { DoctorFlags } from './doctor-flags.ts';
import { formatMistral7bFit, mistral7bFits, type Mistral7bFit } from './doctor-fit.ts';
import { gib } from '../util/byte-size.ts';
import { workOnThisThread } from '../util/stop-signals.ts';

export interface DoctorReport {
  node: string;
  platform: string;
  cpu: { model: string; cores: number; memoryBytes: number; kernelThreads: number; blas: string | null; blasUsed: boolean; gemmAskedBy: string | null; wasmKernels: 'relaxed' | 'baseline' | 'off'; gemm: string };
  cuda: CudaProbe;
  /** Mistral 7B's LoRA run (doctor-fit.ts) planned on the GPU, else on the CPU in fp32 and bf16. */
  mistral7b: Mistral7bFit[];
}

export function doctorReport(): DoctorReport {
  const blas = loadOpenBlas();
  const cpu = new CpuBackend();
  const cuda = probeCuda({ libraries: true, eachPiece: true });
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: {
      model: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), memoryBytes: os.totalmem(),
      kernelThreads: threadCount(), blas: blas?.description ?? null, blasUsed: cpu.gemmMode === 'blas', gemmAskedBy: cpu.gemmAskedBy, wasmKernels: cpu.wasmKernels ?? 'off', gemm: cpu.describe(),
    },
    cuda,
    mistral7b: mistral7bFits({ ramBytes: os.totalmem(), freeBytes: availableHostMemory(), gpu: cuda.available ? cuda.device : null }),
  };
}

const WASM_KERNELS = {
  relaxed: 'relaxed SIMD (kernels-relaxed.wasm: GEMM on FMA)', baseline: 'baseline SIMD (kernels.wasm)',
  off: 'off (MISTRAL_TUNE_SIMD=0: TypeScript loops)',
} as const;

/** The BLAS library found, and whether the GEMM runs on it: MISTRAL_TUNE_GEMM=simd or js passes it by. */
function blasLine(c: DoctorReport['cpu']): string {
  if (c.blas === null) return 'none loaded (Debian: apt-get install libopenblas0-pthread; the WebAssembly GEMM runs instead)';
  return c.blasUsed ? c.blas : `${c.blas}: present but not used, as ${c.gemmAskedBy ?? 'the GEMM choice'} asks`;
}

export function formatDoctor(r: DoctorReport): string {
  const lines = [
    `node: ${r.node} (${r.platform})`,
    `cpu: ${r.cpu.model}, ${r.cpu.cores} cores, ${gib(r.cpu.memoryBytes)} memory; kernels on ${r.cpu.kernelThreads} thread${r.cpu.kernelThreads === 1 ? '' : 's'} (MISTRAL_TUNE_THREADS)`,
    `cpu backend: available — ${r.cpu.gemm}`,
    `  BLAS: ${blasLine(r.cpu)}`,
    `  WebAssembly kernels: ${WASM_KERNELS[r.cpu.wasmKernels]}`,
  ];
  const c = r.cuda;
  if (c.available) {
    const d = c.device;
    lines.push(
      `cuda backend: available — ${deviceText(d)}`,
      `  driver: CUDA ${cudaVersionText(d.driverVersion)} (${c.driverFile})`,
      `  NVRTC: ${c.nvrtcVersion ?? '?'} (${c.nvrtcFile ?? '?'})`,
      `  CUDA headers: ${c.cudaInclude ?? '?'}`,
      `  cuBLASLt: ${c.cublasLtVersion ?? '?'} (${c.cublasLtFile ?? '?'})`,
    );
  } else if (!c.items) {
    lines.push(`cuda backend: not available — ${c.reason}`);
  } else {
    // one line a piece, each with what is wrong and what to do: a machine missing two pieces hears of both at once
    const bad = c.items.filter((i) => !i.ok).length;
    lines.push(`cuda backend: not available — ${bad} of the pieces below ${bad === 1 ? 'is' : 'are'} missing or broken`,
      ...c.items.map((i) => `  ${i.what}: ${i.ok ? i.text : `NOT USABLE — ${i.text}`}`));
  }
  lines.push(formatMistral7bFit(r.mistral7b));
  return lines.join('\n');
}

export async function run(flags: DoctorFlags): Promise<void> {
  await workOnThisThread(); // its probes run here (a CUDA driver's may hang): Ctrl-C stops them at once
  const report = doctorReport();
  process.stdout.write((flags.json ? JSON.stringify(report) : formatDoctor(report)) + '\n');
}
