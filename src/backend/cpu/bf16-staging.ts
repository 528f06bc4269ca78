// bf16 at kernel boundaries on the CPU: every kernel of the CPU backend computes on f32 (or f64)
// arrays, so a kernel call with bf16 buffers reads each of them into an f32 copy (exact), runs the f32
// kernel (math in f32, as a GPU kernel does in registers) and stores the outputs back rounding to
// nearest even — one rounding per store, the GPU's contract. Buffers that cover the same memory share
// one copy, so aliasing (out = x) behaves as in f32. A call without bf16 buffers runs the kernel as is:
// the f32 path is untouched. Speed is secondary here: the CPU is the oracle of the GPU's bf16 path. The inputs of
// KERNEL_BF16_INPUTS are the exception: those kernels read bf16 themselves (a GEMM's operands, gemm-bf16.ts).
import type { Backend } from '../backend.ts';
import { bf16ToF32, f32ToBf16 } from '../dtype.ts';
import { CpuBuffer } from './buffer.ts';

/** Kernel → positions of the arguments it writes (outputs first, as the backend contract orders them). */
export const KERNEL_OUTPUTS = {
  gemm: [0], add: [0], axpy: [0], scale: [0], sumSquares: [0], sum: [0], dropout: [0],
  rmsnormForward: [0, 1], rmsnormBackward: [0, 1], rope: [0], attentionForward: [0, 1], attentionBackward: [0, 1, 2],
  swigluForward: [0], swigluBackward: [0, 1], crossEntropy: [0, 1], scatterAddRows: [0], adamw: [0, 2, 3],
  accumulateSum: [0], scaleByScalar: [0], clipCoefficient: [0], randomNormal: [0], rowNorms: [0], scaleColumns: [0], columnDots: [0],
} satisfies Partial<Record<keyof Backend, number[]>>;

/**
 * Kernel → positions of bf16 inputs it reads itself (not staged): a GEMM's A and B, widened block by block
 * (gemm-bf16.ts), and the vector of a sum of squares (the load's finiteness check of every weight). Such an argument
 * is staged all the same where it shares memory with an output.
 */
export const KERNEL_BF16_INPUTS: Partial<Record<keyof typeof KERNEL_OUTPUTS, readonly number[]>> = { gemm: [1, 2], sumSquares: [1] };

type Kernel = (...args: unknown[]) => void;

function isBf16(x: unknown): x is CpuBuffer {
  return x instanceof CpuBuffer && x.dtype === 'bf16';
}

function sameMemory(a: CpuBuffer, b: CpuBuffer): boolean {
  return a.data.buffer === b.data.buffer && a.data.byteOffset === b.data.byteOffset && a.data.length === b.data.length;
}

/**
 * Each backend's arena: the f32 copies of one call's bf16 arguments, laid out one after another, in memory kept from
 * call to call. Fresh copies cost more than converting into them (zeroed memory is faulted in page by page, at every
 * call: a 7B model's weights at each step). The arena is as large as the most one call has staged: the memory that
 * call's fresh copies took while it ran, now kept between calls.
 */
const arenas = new WeakMap<object, Float32Array>();

/** Whether a staged call is running: a kernel that calls another with bf16 buffers stages those in fresh memory. */
let staging = false;

/**
 * Calls `kernel` with bf16 arguments staged in f32 and its outputs (`outputs`) rounded back; the bf16 inputs at
 * `reads` (KERNEL_BF16_INPUTS) are passed as they are, unless they share memory with an output.
 */
export function callStaged(kernel: Kernel, self: unknown, args: unknown[], outputs: readonly number[], reads: readonly number[] = []): void {
  const staged = (a: unknown, i: number): a is CpuBuffer =>
    isBf16(a) && (!reads.includes(i) || outputs.some((o) => isBf16(args[o]) && sameMemory(args[o] as CpuBuffer, a)));
  if (!args.some(staged)) {
    kernel.apply(self, args);
    return;
  }
  const distinct: CpuBuffer[] = [];
  args.forEach((a, i) => {
    if (staged(a, i) && !distinct.some((d) => sameMemory(d, a))) distinct.push(a);
  });
  const total = distinct.reduce((n, d) => n + d.data.length, 0);
  const owner = !staging && typeof self === 'object' && self !== null ? self : null;
  let arena = owner === null ? undefined : arenas.get(owner);
  if (arena === undefined || arena.length < total) {
    arena = new Float32Array(total);
    if (owner !== null) arenas.set(owner, arena);
  }
  let at = 0;
  const copies = distinct.map((d) => {
    const copy = new CpuBuffer('f32', bf16ToF32(d.data as Uint16Array, arena.subarray(at, at + d.data.length)), true);
    at += d.data.length;
    return copy;
  });
  const f32Args = args.map((a, i) => (staged(a, i) ? copies[distinct.findIndex((d) => sameMemory(d, a))]! : a));
  const outermost = !staging;
  staging = true;
  try {
    kernel.apply(self, f32Args);
  } finally {
    if (outermost) staging = false;
  }
  for (const i of outputs) {
    const orig = args[i];
    if (staged(orig, i)) f32ToBf16((f32Args[i] as CpuBuffer).data as Float32Array, orig.data as Uint16Array);
  }
}

/** Wraps the kernels of KERNEL_OUTPUTS on a backend class's prototype with `callStaged`. */
export function stageBf16Kernels(proto: object): void {
  for (const [name, outputs] of Object.entries(KERNEL_OUTPUTS)) {
    const kernel = (proto as Record<string, unknown>)[name];
    if (typeof kernel !== 'function') throw new Error(`bf16 staging: the backend has no kernel ${name}`);
    const reads = KERNEL_BF16_INPUTS[name as keyof typeof KERNEL_OUTPUTS] ?? [];
    Object.defineProperty(proto, name, {
      value: function staged(this: unknown, ...args: unknown[]): void {
        callStaged(kernel as Kernel, this, args, outputs, reads);
      },
      writable: true, configurable: true,
    });
  }
}
