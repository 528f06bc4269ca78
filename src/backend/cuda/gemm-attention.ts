// Attention through cuBLASLt (MISTRAL_TUNE_CUDA_ATTENTION=gemm): the products on tensor cores, the masked
// softmax and score gradients in the row kernels of kernels/attention_gemm.cu. Q (and dO, dQ) go to
// head-major packed form (B, Hq, T, D), so that the G = Hq/Hkv query heads of a KV group are G·T consecutive
// rows and each product of a group is one plain GEMM against that group's K or V (row stride Hkv·D):
//   forward   S = scale·Q_g·K_gᵀ (G·T × K, exact_t) → softmax (P, lse) → O_g = P·V_g
//   backward  S again → P from lse; dV_g = Pᵀ·dO_g; dP = dO_g·V_gᵀ; dS = P∘(dP − rowdot);
//             dQ_g = scale·dS·K_g; dK_g = scale·dSᵀ·Q_g   (the sums over the group's heads are the GEMMs' own)
// The group loop reuses one workspace of 2 exact (G·T·K) and 1 store (G·T·K) matrices plus the packed copies
// (gemmAttentionWorkspaceBytes); the caching allocator hands the same blocks back call after call.
import type { AttentionShape, DeviceBuffer, GemmSpec } from '../backend.ts';
import type { DType } from '../dtype.ts';
import type { CudaBuffer } from './cuda-buffer.ts';
import type { KernelRuntime } from './kernel-runtime.ts';
import * as L from './launch.ts';

/** What the GEMM path needs of the backend. */
export interface GemmAttentionHost {
  kernels: Pick<KernelRuntime, 'launch'>;
  alloc(dtype: DType, length: number): DeviceBuffer;
  view(buf: DeviceBuffer, offset: number, length: number): DeviceBuffer;
  free(buf: DeviceBuffer): void;
  gemm(c: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, spec: GemmSpec): void;
}

/**
 * Device bytes one call of the GEMM path takes beyond its operands (training shapes, K = T): the backward's
 * packed Q, dO and dQ (B·T·Hq·D store each), rowdot (B·Hq·T exact), and one group's two exact and one store
 * G·T·K matrices.
 */
export function gemmAttentionWorkspaceBytes(s: Pick<AttentionShape, 'B' | 'T' | 'Hq' | 'Hkv' | 'D'>, storeBytes: number, exactBytes: number): number {
  const G = s.Hq / s.Hkv;
  return 3 * s.B * s.T * s.Hq * s.D * storeBytes + s.B * s.Hq * s.T * exactBytes + G * s.T * s.T * (2 * exactBytes + storeBytes);
}

/** The kernel arguments are the backend's buffers (CudaBuffer on CUDA; the tests' emulation passes its own). */
function cuda(b: DeviceBuffer): CudaBuffer {
  return b as CudaBuffer;
}

/**
 * rowdot (B, Hq, T) = Σ_d dO·O of every query and head, one warp a row (attention_gemm.cu's attn_rowdot), marked
 * alone_rowdot() where the query sees its own key alone (its score gradients are then exactly 0, as torch's): both
 * backward paths use it.
 */
export function launchRowdot(kernels: Pick<KernelRuntime, 'launch'>, rowdot: DeviceBuffer, dout: DeviceBuffer, out: DeviceBuffer,
  segments: DeviceBuffer, s: AttentionShape): void {
  const rows = s.B * s.Hq * s.T;
  kernels.launch('attn_rowdot', L.elementwise(rows * 32), [cuda(rowdot), cuda(dout), cuda(out), cuda(segments), s.T, s.Hq, s.D, s.window ?? 0, BigInt(rows)]);
}

export class GemmAttention {
  constructor(private readonly h: GemmAttentionHost) {}

  forward(out: DeviceBuffer, lse: DeviceBuffer, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, segments: DeviceBuffer, s: AttentionShape): void {
    const K = s.kvLen ?? s.T, G = s.Hq / s.Hkv, rows = G * s.T, D = s.D;
    const store = q.dtype, exact = lse.dtype;
    const qp = this.pack(q, s), op = this.h.alloc(store, s.B * s.Hq * s.T * D);
    const S = this.h.alloc(exact, rows * K), P = this.h.alloc(store, rows * K);
    for (let b = 0; b < s.B; b++) {
      for (let g = 0; g < s.Hkv; g++) {
        const hq0 = g * G;
        const qg = this.view(qp, ((b * s.Hq + hq0) * s.T) * D, rows * D);
        const kg = this.view(k, b * K * s.Hkv * D + g * D, (K - 1) * s.Hkv * D + D);
        const vg = this.view(v, b * K * s.Hkv * D + g * D, (K - 1) * s.Hkv * D + D);
        this.h.gemm(S, qg, kg, { m: rows, n: K, k: D, transB: true, ldb: s.Hkv * D, alpha: s.scale });
        this.h.kernels.launch('attn_softmax', L.rowwise(rows, K),
          [cuda(S), cuda(P), cuda(lse), cuda(segments), s.T, K, s.qOffset ?? 0, s.Hq, hq0, b, s.window ?? 0]);
        this.h.gemm(this.view(op, ((b * s.Hq + hq0) * s.T) * D, rows * D), P, vg, { m: rows, n: D, k: K, ldb: s.Hkv * D });
      }
    }
    this.unpack(out, op, s);
    for (const x of [qp, op, S, P]) this.h.free(x);
  }

  backward(dq: DeviceBuffer, dk: DeviceBuffer, dv: DeviceBuffer, dout: DeviceBuffer, out: DeviceBuffer, lse: DeviceBuffer,
    q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, segments: DeviceBuffer, s: AttentionShape): void {
    const T = s.T, G = s.Hq / s.Hkv, rows = G * T, D = s.D, ldkv = s.Hkv * D;
    const store = q.dtype, exact = lse.dtype;
    const qp = this.pack(q, s), dop = this.pack(dout, s), dqp = this.h.alloc(store, s.B * s.Hq * T * D);
    const rowdot = this.h.alloc(exact, s.B * s.Hq * T);
    launchRowdot(this.h.kernels, rowdot, dout, out, segments, s);
    const S = this.h.alloc(exact, rows * T), dP = this.h.alloc(exact, rows * T), P = this.h.alloc(store, rows * T);
    const n = BigInt(rows * T);
    for (let b = 0; b < s.B; b++) {
      for (let g = 0; g < s.Hkv; g++) {
        const hq0 = g * G, packed = ((b * s.Hq + hq0) * T) * D, kv = b * T * ldkv + g * D, kvLen = (T - 1) * ldkv + D;
        const qg = this.view(qp, packed, rows * D), dog = this.view(dop, packed, rows * D), dqg = this.view(dqp, packed, rows * D);
        const kg = this.view(k, kv, kvLen), vg = this.view(v, kv, kvLen), dkg = this.view(dk, kv, kvLen), dvg = this.view(dv, kv, kvLen);
        this.h.gemm(S, qg, kg, { m: rows, n: T, k: D, transB: true, ldb: ldkv, alpha: s.scale });
        this.h.kernels.launch('attn_probs', L.elementwise(rows * T), [cuda(S), cuda(P), cuda(lse), cuda(segments), T, T, s.Hq, hq0, b, s.window ?? 0, n]);
        this.h.gemm(dvg, P, dog, { m: T, n: D, k: rows, transA: true, ldc: ldkv });
        this.h.gemm(dP, dog, vg, { m: rows, n: T, k: D, transB: true, ldb: ldkv });
        this.h.kernels.launch('attn_dscores', L.elementwise(rows * T), [cuda(P), cuda(S), cuda(dP), cuda(rowdot), T, T, s.Hq, hq0, b, n]);
        this.h.gemm(dqg, P, kg, { m: rows, n: D, k: T, ldb: ldkv, alpha: s.scale });
        this.h.gemm(dkg, P, qg, { m: T, n: D, k: rows, transA: true, ldc: ldkv, alpha: s.scale });
      }
    }
    this.unpack(dq, dqp, s);
    for (const x of [qp, dop, dqp, rowdot, S, dP, P]) this.h.free(x);
  }

  /** x (B, T, Hq·D) in packed head-major form (B, Hq, T, D), in a new buffer. */
  private pack(x: DeviceBuffer, s: AttentionShape): DeviceBuffer {
    const n = s.B * s.T * s.Hq * s.D;
    const p = this.h.alloc(x.dtype, n);
    this.h.kernels.launch('attn_pack', L.elementwise(n), [cuda(p), cuda(x), s.T, s.Hq, s.D, 1, BigInt(n)]);
    return p;
  }

  /** dst (B, T, Hq·D) from packed (B, Hq, T, D). */
  private unpack(dst: DeviceBuffer, packed: DeviceBuffer, s: AttentionShape): void {
    const n = s.B * s.T * s.Hq * s.D;
    this.h.kernels.launch('attn_pack', L.elementwise(n), [cuda(dst), cuda(packed), s.T, s.Hq, s.D, 0, BigInt(n)]);
  }

  private view(buf: DeviceBuffer, offset: number, length: number): DeviceBuffer {
    return this.h.view(buf, offset, length);
  }
}
