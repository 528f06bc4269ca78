// A linear projection y = x·Wᵀ (no bias, as in Mistral), with an optional LoRA branch and optional
// gradients to the base weight (full fine-tuning), forward and backward, on the backend's GEMM.
// LoRA dropout stores no mask: the mask is a hash of (seed, index), so the backward applies the same
// dropout again with the forward's seed — to x to rebuild drop(x), and to ∂L/∂drop(x) for ∂L/∂x.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import type { LoraPair } from './lora.ts';

export interface LinearLora {
  pair: LoraPair;
  r: number;
  scaling: number;
  dropout: number;
}

export class Linear {
  /** Gradient of W (out, in) for full fine-tuning; null when the base weight is frozen. */
  dWeight: DeviceBuffer | null = null;
  lora: LinearLora | null = null;

  constructor(
    private readonly backend: Backend,
    /** Rebound by the optimizer in full fine-tuning (its flat buffer's view). */
    public weight: DeviceBuffer, // (out, in)
    readonly outDim: number,
    readonly inDim: number,
  ) {}

  /**
   * y (N, out) = x·Wᵀ (+ y when `accumulate`) + scaling·(drop(x)·Aᵀ)·Bᵀ, saving z = drop(x)·Aᵀ (N, r).
   * `dropScratch` (N, in) holds the dropped input in a training forward; null means inference, where
   * dropout is off (PEFT's eval()).
   */
  forward(y: DeviceBuffer, x: DeviceBuffer, N: number, accumulate: boolean, z: DeviceBuffer | undefined,
    dropScratch: DeviceBuffer | null, dropoutSeed: number): void {
    const be = this.backend;
    const base = (beta: number): void => be.gemm(y, x, this.weight, { m: N, n: this.outDim, k: this.inDim, transB: true, beta });
    const lora = this.lora;
    if (!lora) return base(accumulate ? 1 : 0);
    if (!z) throw new Error('Linear.forward: LoRA needs its activation buffers');
    let u = x;
    if (dropScratch && lora.dropout > 0) {
      be.dropout(dropScratch, x, lora.dropout, dropoutSeed, N * this.inDim);
      u = dropScratch;
    }
    const { Acopy, Bcopy } = lora.pair; // bf16 working copies while training under bf16 (else the factors)
    be.gemm(z, u, Acopy ?? lora.pair.A, { m: N, n: lora.r, k: this.inDim, transB: true });
    const loraTerm = (beta: number): void => be.gemm(y, z, Bcopy ?? lora.pair.B, { m: N, n: this.outDim, k: lora.r, transB: true, alpha: lora.scaling, beta });
    if (accumulate) {
      base(1);
      loraTerm(1);
    } else {
      // the rank-r term written first, then added by the base product as it writes y (β = 1): the memory-bound
      // rank-r GEMM writes y instead of reading and rewriting it
      loraTerm(0);
      base(1);
    }
  }

  /**
   * Given dy (N, out): dx (N, in) = dy·W (+ dx when `accumulate`) plus the LoRA path; accumulates the
   * gradients of A, B and (when set) W, from the forward's saved z. `dz` (N, r) and `scratch` (N, in)
   * are work buffers; `scratch` null means the forward had no dropout (else it had, with `dropoutSeed`).
   */
  backward(dx: DeviceBuffer, dy: DeviceBuffer, x: DeviceBuffer, N: number, accumulate: boolean,
    z: DeviceBuffer | undefined, dz: DeviceBuffer, scratch: DeviceBuffer | null, dropoutSeed: number): void {
    const be = this.backend;
    const { outDim: out, inDim: inn } = this;
    if (this.dWeight) be.gemm(this.dWeight, dy, x, { m: out, n: inn, k: N, transA: true, beta: 1 });
    const base = (beta: number): void => be.gemm(dx, dy, this.weight, { m: N, n: inn, k: out, beta });
    const lora = this.lora;
    if (!lora) return base(accumulate ? 1 : 0);
    if (!z) throw new Error('Linear.backward: LoRA needs its saved activations');
    const { dA, dB } = lora.pair;
    const A = lora.pair.Acopy ?? lora.pair.A, B = lora.pair.Bcopy ?? lora.pair.B; // the products' operands, as in forward
    const s = lora.scaling;
    if (dB) be.gemm(dB, dy, z, { m: out, n: lora.r, k: N, transA: true, alpha: s, beta: 1 });
    be.gemm(dz, dy, B, { m: N, n: lora.r, k: out, alpha: s });
    const dropped = scratch !== null && lora.dropout > 0;
    let u = x;
    if (dropped) {
      be.dropout(scratch, x, lora.dropout, dropoutSeed, N * inn); // drop(x) again: the same mask
      u = scratch;
    }
    if (dA) be.gemm(dA, dz, u, { m: lora.r, n: inn, k: N, transA: true, beta: 1 });
    if (dropped) {
      base(accumulate ? 1 : 0);
      be.gemm(scratch, dz, A, { m: N, n: inn, k: lora.r });
      be.dropout(scratch, scratch, lora.dropout, dropoutSeed, N * inn); // ∂/∂x of x · mask
      be.axpy(dx, scratch, 1, N * inn);
    } else if (accumulate) {
      base(1);
      be.gemm(dx, dz, A, { m: N, n: inn, k: lora.r, beta: 1 });
    } else {
      be.gemm(dx, dz, A, { m: N, n: inn, k: lora.r }); // as in forward: the rank-r term first, the base adds it
      base(1);
    }
  }
}
