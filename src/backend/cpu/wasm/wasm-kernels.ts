// The WebAssembly SIMD kernels (kernels.c → kernels.wasm, built by scripts/build-wasm.sh) behind a
// typed-array interface: inputs are copied into the module's memory in chunks, the kernel runs, results
// are copied back; attention's score matrices live in that memory for the whole call, so OpenBLAS writes
// them there and nothing is copied. Float32 only; the TypeScript kernels stay the reference.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FloatArray } from '../../dtype.ts';
import type { ResolvedGemm } from '../gemm.ts';
import type { AttentionOps, GemmFn } from '../kernels/attention.ts';
import { IGNORE_INDEX } from '../../backend.ts';
import { UserError } from '../../../util/errors.ts';

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
  swiglu_forward(out: number, gate: number, up: number, n: number): void;
  swiglu_backward(dgate: number, dup: number, dout: number, gate: number, up: number, n: number): void;
  masked_softmax(S: number, stats: number, seg: number, T: number, K: number, off: number, window: number): void;
  probs_from_lse(S: number, lse: number, seg: number, T: number, window: number): void;
  attn_dscores(dS: number, P: number, rowDot: number, T: number): void;
  sgemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number, A: number, lda: number, B: number, ldb: number,
    beta: number, C: number, ldc: number, pa: number, pb: number): void;
}

/** Packing buffers of the GEMM (must match MC·KC and KC·NC in kernels.c). */
const GEMM_PA = 64 * 256;
const GEMM_PB = 256 * 2048;

type Kind = 'f32' | 'i32' | 'f64';
const BYTES: Record<Kind, number> = { f32: 4, i32: 4, f64: 8 };
type ViewOf<K extends Kind> = K extends 'f64' ? Float64Array : K extends 'i32' ? Int32Array : Float32Array;

/** Elements of SwiGLU handled per call (five arrays of this many floats in wasm memory). */
const SWIGLU_CHUNK = 1 << 18;

/** Bytes of logits handed to the kernel per call. */
const CHUNK_BYTES = 4 << 20;

/** The most a wasm32 memory can grow to: 65,536 pages of 64 KiB. */
export const WASM_MEMORY_LIMIT = 2 ** 32;

/**
 * Bytes of module memory one attention call needs (its workspace plus the reserve for its GEMMs), for
 * T queries over K keys with q and k arrays of `qLen` and `kLen` floats: what a plan checks in advance.
 */
export function attentionWorkspaceBytes(T: number, K: number, qLen: number, kLen: number): { workspace: number; reserve: number } {
  const workspace = 4 * (2 * T * K + 2 * T + K) + 8 * 2 * T + 6 * 16;
  const reserve = 4 * (2 * qLen + kLen + 2 * T * K + GEMM_PA + GEMM_PB) + 5 * 16;
  return { workspace, reserve };
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

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

  /** Bytes past the heap base held by the attention workspace of the call in progress (0 when none). */
  private held = 0;

  /** Makes the module's memory at least `bytes` past the heap base; returns its buffer. */
  private memory(bytes: number): ArrayBuffer {
    const need = this.base + bytes;
    const mem = this.x.memory;
    if (mem.buffer.byteLength < need) {
      try {
        if (need > WASM_MEMORY_LIMIT) throw new RangeError('beyond the wasm32 limit');
        mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        throw new UserError(`the CPU kernels need ${mib(need)} of WebAssembly memory, but it cannot grow beyond ` +
          `${mib(mem.buffer.byteLength)} here (at most ${mib(WASM_MEMORY_LIMIT)}): lower max_seq_len or batch_size (or eval.batch_size)`);
      }
    }
    return mem.buffer;
  }

  /**
   * Views of consecutive arrays (16-byte aligned) above what the attention workspace holds. `keep` makes
   * them the new workspace (held until releaseWorkspace); `reserve` bytes above them are made available at
   * once, so that kernels run while the workspace is held never grow the memory (which would detach it).
   */
  private frame<const L extends readonly (readonly [Kind, number])[]>(layout: L, keep = false, reserve = 0): { [I in keyof L]: ViewOf<L[I][0]> } {
    const start = keep ? 0 : this.held;
    const offsets: number[] = [];
    let bytes = start;
    for (const [kind, n] of layout) {
      offsets.push(bytes);
      bytes += (n * BYTES[kind] + 15) & ~15;
    }
    if (!keep && this.held > 0 && this.base + bytes > this.x.memory.buffer.byteLength) {
      // growing now would detach the attention workspace in use
      throw new Error(`wasm kernels: ${bytes} bytes needed while the attention workspace is held, beyond its reserve`);
    }
    const buf = this.memory(bytes + reserve);
    if (keep) this.held = bytes;
    return layout.map(([kind, n], i) => {
      const at = this.base + offsets[i]!;
      return kind === 'f64' ? new Float64Array(buf, at, n) : kind === 'i32' ? new Int32Array(buf, at, n) : new Float32Array(buf, at, n);
    }) as unknown as { [I in keyof L]: ViewOf<L[I][0]> };
  }

  swigluForward(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
    const chunk = Math.min(n, SWIGLU_CHUNK);
    const [o, g, u] = this.frame([['f32', chunk], ['f32', chunk], ['f32', chunk]] as const);
    for (let i = 0; i < n; i += chunk) {
      const m = Math.min(chunk, n - i);
      g.set(gate.subarray(i, i + m));
      u.set(up.subarray(i, i + m));
      this.x.swiglu_forward(o.byteOffset, g.byteOffset, u.byteOffset, m);
      out.set(o.subarray(0, m), i);
    }
  }

  swigluBackward(dgate: Float32Array, dup: Float32Array, dout: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
    const chunk = Math.min(n, SWIGLU_CHUNK);
    const [dg, du, d, g, u] = this.frame([['f32', chunk], ['f32', chunk], ['f32', chunk], ['f32', chunk], ['f32', chunk]] as const);
    for (let i = 0; i < n; i += chunk) {
      const m = Math.min(chunk, n - i);
      d.set(dout.subarray(i, i + m));
      g.set(gate.subarray(i, i + m));
      u.set(up.subarray(i, i + m));
      this.x.swiglu_backward(dg.byteOffset, du.byteOffset, d.byteOffset, g.byteOffset, u.byteOffset, m);
      dgate.set(dg.subarray(0, m), i);
      dup.set(du.subarray(0, m), i);
    }
  }

  /** One GEMM of float32 arrays (one batch entry of `g`), with the operands copied into the module. */
  sgemm(g: ResolvedGemm, A: Float32Array, B: Float32Array, C: Float32Array): void {
    const span = (rows: number, cols: number, ld: number): number => (rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols);
    const nA = span(g.transA ? g.k : g.m, g.transA ? g.m : g.k, g.lda);
    const nB = span(g.transB ? g.n : g.k, g.transB ? g.k : g.n, g.ldb);
    const nC = span(g.m, g.n, g.ldc);
    if (nC === 0) return;
    const [a, b, c, pa, pb] = this.frame([['f32', nA], ['f32', nB], ['f32', nC], ['f32', GEMM_PA], ['f32', GEMM_PB]] as const);
    a.set(A.subarray(0, nA));
    b.set(B.subarray(0, nB));
    c.set(C.subarray(0, nC));
    this.x.sgemm(g.transA ? 1 : 0, g.transB ? 1 : 0, g.m, g.n, g.k, g.alpha, a.byteOffset, g.lda, b.byteOffset, g.ldb, g.beta,
      c.byteOffset, g.ldc, pa.byteOffset, pb.byteOffset);
    C.set(c);
  }

  /** Attention's row kernels in SIMD, with the score matrices in the module's memory. */
  attentionOps(gemm: GemmFn): AttentionOps {
    let seg: Int32Array = new Int32Array(0), stats: Float64Array = new Float64Array(0), lseRow: Float32Array = new Float32Array(0);
    const win = (w: number | null): number => (w === null ? -1 : w);
    const inWasm = (a: FloatArray): boolean => a.buffer === this.x.memory.buffer;
    return {
      gemm,
      workspace: (T, K, q, k) => {
        // room above the workspace for the call's GEMMs: each has operands among q or out (≤ q), k or v
        // (≤ k), and the scores (T·K), plus the packing buffers
        const { reserve } = attentionWorkspaceBytes(T, K, q.length, k.length);
        const [S, dS, rowDot, segBuf, statsBuf, lseBuf] = this.frame([['f32', T * K], ['f32', T * K], ['f32', T], ['i32', K], ['f64', 2 * T], ['f32', T]] as const, true, reserve);
        seg = segBuf;
        stats = statsBuf;
        lseRow = lseBuf;
        return { S, dS, rowDot };
      },
      maskedSoftmax: (S, lse, rowSeg, T, K, off, window) => {
        if (!inWasm(S)) throw new Error('attention: scores must come from the SIMD workspace');
        seg.set(rowSeg.subarray(0, K));
        this.x.masked_softmax(S.byteOffset, stats.byteOffset, seg.byteOffset, T, K, off, win(window));
        for (let i = 0; i < T; i++) {
          const z = stats[2 * i + 1]!;
          lse[i] = z === 0 ? -Infinity : stats[2 * i]! + Math.log(z);
        }
      },
      probsFromLse: (S, lse, rowSeg, T, window) => {
        if (!inWasm(S)) throw new Error('attention: scores must come from the SIMD workspace');
        seg.set(rowSeg.subarray(0, T));
        lseRow.set(lse.subarray(0, T));
        this.x.probs_from_lse(S.byteOffset, lseRow.byteOffset, seg.byteOffset, T, win(window));
      },
      dScores: (dS, P, rowDot, T) => {
        if (!inWasm(dS) || !inWasm(P) || !inWasm(rowDot)) throw new Error('attention: buffers must come from the SIMD workspace');
        this.x.attn_dscores(dS.byteOffset, P.byteOffset, rowDot.byteOffset, T);
      },
      release: () => {
        this.held = 0;
      },
    };
  }

  /** Same contract as the TypeScript crossEntropy kernel, for float32 logits. */
  crossEntropy(losses: Float32Array, dlogits: Float32Array | null, logits: Float32Array, targets: Int32Array,
    N: number, V: number, gradScale: number): void {
    const rowsPerCall = Math.max(1, Math.min(N, Math.floor(CHUNK_BYTES / (V * 4))));
    const [x, y, stats] = this.frame([['f32', rowsPerCall * V], ['i32', rowsPerCall], ['f64', rowsPerCall * 3]] as const);
    for (let r0 = 0; r0 < N; r0 += rowsPerCall) {
      const rows = Math.min(rowsPerCall, N - r0);
      x.set(logits.subarray(r0 * V, (r0 + rows) * V));
      y.set(targets.subarray(r0, r0 + rows));
      // a target outside [0, V) is ignored, as in the TypeScript kernel (validated on the host, never thrown here)
      for (let t = 0; t < rows; t++) if (y[t]! < 0 || y[t]! >= V) y[t] = IGNORE_INDEX;
      this.x.cross_entropy(x.byteOffset, y.byteOffset, rows, V, stats.byteOffset, dlogits ? 1 : 0, gradScale);
      for (let t = 0; t < rows; t++) {
        const z = stats[3 * t + 1]!;
        losses[r0 + t] = z === 0 ? 0 : stats[3 * t]! + Math.log(z) - stats[3 * t + 2]!;
      }
      if (dlogits) dlogits.set(x.subarray(0, rows * V), r0 * V);
    }
  }
}
