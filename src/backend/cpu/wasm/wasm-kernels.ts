// The WebAssembly SIMD kernels (kernels.c → kernels.wasm, built by scripts/build-wasm.sh) behind a
// typed-array interface: inputs are copied into the module's memory in chunks of rows, the kernel runs,
// results are copied back. Used for float32 only; the TypeScript kernels stay the reference.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IGNORE_INDEX } from '../kernels/cross-entropy.ts';

// The few WebAssembly JS-API types used here (the ES lib has no WebAssembly namespace; Node provides it).
declare global {
  namespace WebAssembly {
    class Module {
      constructor(bytes: Uint8Array);
    }
    class Instance {
      constructor(module: Module, imports: object);
      readonly exports: object;
    }
    interface Memory {
      readonly buffer: ArrayBuffer;
      grow(pages: number): number;
    }
    interface Global {
      value: unknown;
    }
  }
}

interface Exports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  cross_entropy(logits: number, targets: number, rows: number, V: number, stats: number, grad: number, gradScale: number): void;
}

/** Bytes of logits handed to the kernel per call. */
const CHUNK_BYTES = 4 << 20;

export class WasmKernels {
  private readonly base: number;

  private constructor(private readonly x: Exports) {
    this.base = (x.__heap_base.value as number + 15) & ~15;
  }

  static load(): WasmKernels | null {
    try {
      const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kernels.wasm');
      const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(file)), {});
      return new WasmKernels(instance.exports as unknown as Exports);
    } catch {
      return null;
    }
  }

  /** Makes the module's memory at least `bytes` past the heap base; returns its buffer. */
  private memory(bytes: number): ArrayBuffer {
    const need = this.base + bytes;
    const mem = this.x.memory;
    if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
    return mem.buffer;
  }

  /** Same contract as the TypeScript crossEntropy kernel, for float32 logits. */
  crossEntropy(losses: Float32Array, dlogits: Float32Array | null, logits: Float32Array, targets: Int32Array,
    N: number, V: number, gradScale: number): void {
    const rowsPerCall = Math.max(1, Math.floor(CHUNK_BYTES / (V * 4)));
    for (let r0 = 0; r0 < N; r0 += rowsPerCall) {
      const rows = Math.min(rowsPerCall, N - r0);
      const logitBytes = rows * V * 4;
      const buf = this.memory(logitBytes + rows * 4 + rows * 24 + 16);
      const pLogits = this.base, pTargets = pLogits + logitBytes, pStats = (pTargets + rows * 4 + 7) & ~7;
      const x = new Float32Array(buf, pLogits, rows * V);
      x.set(logits.subarray(r0 * V, (r0 + rows) * V));
      const y = new Int32Array(buf, pTargets, rows);
      y.set(targets.subarray(r0, r0 + rows));
      for (let t = 0; t < rows; t++) {
        const target = y[t]!;
        if (target !== IGNORE_INDEX && (target < 0 || target >= V)) {
          throw new Error(`crossEntropy: target ${target} at row ${r0 + t} is outside the vocabulary [0, ${V})`);
        }
      }
      this.x.cross_entropy(pLogits, pTargets, rows, V, pStats, dlogits ? 1 : 0, gradScale);
      const stats = new Float64Array(buf, pStats, rows * 3);
      for (let t = 0; t < rows; t++) {
        const z = stats[3 * t + 1]!;
        losses[r0 + t] = z === 0 ? 0 : stats[3 * t]! + Math.log(z) - stats[3 * t + 2]!;
      }
      if (dlogits) dlogits.set(x, r0 * V);
    }
  }
}
