// A linear projection y = x·Wᵀ (no bias, as in Mistral), with an optional LoRA branch and optional
// gradients to the base weight (full fine-tuning), forward and backward, on the backend's GEMM.
// LoRA dropout stores no mask: the mask is a hash of (seed, index), so the backward applies the same
// dropout again with the forward's seed — to x to rebuild drop(x), and to ∂L/∂drop(x) for ∂L/∂x.
// z = drop(x)·Aᵀ lives in the columns of its slot in a buffer shared by the projections of one input
// (model/lora.ts); the steps are methods so that model/shared-input.ts can run the A products of those
// projections as one GEMM each. A DoRA adapter's forward and backward are model/dora.ts's.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import { doraBackward, doraForward, type DoraBuffers } from './dora.ts';
import type { LoraPair, ZSlot } from './lora.ts';

export interface LinearLora {
  pair: LoraPair;
  r: number;
  scaling: number;
  dropout: number;
  /** Where z sits in the buffer the forward is given. */
  slot: ZSlot;
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

  /** y = x·Wᵀ + β·y (β·addend with an addend). */
  base(y: DeviceBuffer, x: DeviceBuffer, N: number, beta: number, addend?: DeviceBuffer): void {
    this.backend.gemm(y, x, this.weight, { m: N, n: this.outDim, k: this.inDim, transB: true, beta }, addend);
  }

  /** dx = dy·W + β·dx, and ∂W += dyᵀ·x in full fine-tuning. */
  baseBackward(dx: DeviceBuffer, dy: DeviceBuffer, x: DeviceBuffer, N: number, beta: number): void {
    const be = this.backend, { outDim: out, inDim: inn } = this;
    if (this.dWeight) be.gemm(this.dWeight, dy, x, { m: out, n: inn, k: N, transA: true, beta: 1 });
    be.gemm(dx, dy, this.weight, { m: N, n: inn, k: out, beta });
  }

  private adapter(what: string): LinearLora {
    if (!this.lora) throw new Error(`Linear.${what}: no LoRA adapter`);
    return this.lora;
  }

  /** The factor the products use: the bf16 working copy while training under bf16, else the factor. */
  get loraA(): DeviceBuffer {
    const { pair } = this.adapter('loraA');
    return pair.Acopy ?? pair.A;
  }

  get loraB(): DeviceBuffer {
    const { pair } = this.adapter('loraB');
    return pair.Bcopy ?? pair.B;
  }

  /** This projection's columns of a z-shaped buffer (rows `slot.width` apart), and those after them. */
  zView(z: DeviceBuffer): DeviceBuffer {
    const { col } = this.adapter('zView').slot;
    return this.backend.view(z, col, z.length - col);
  }

  /** z = drop(x)·Aᵀ into this projection's slot of `z` (dropout as in forward). */
  loraDown(z: DeviceBuffer, x: DeviceBuffer, N: number, dropScratch: DeviceBuffer | null, dropoutSeed: number): void {
    const be = this.backend, lora = this.adapter('loraDown');
    let u = x;
    if (dropScratch && lora.dropout > 0) {
      be.dropout(dropScratch, x, lora.dropout, dropoutSeed, N * this.inDim);
      u = dropScratch;
    }
    be.gemm(this.zView(z), u, this.loraA, { m: N, n: lora.r, k: this.inDim, transB: true, ldc: lora.slot.width });
  }

  /** y = s·z·Bᵀ + β·y (β·addend with an addend), z read from this projection's slot. */
  loraUp(y: DeviceBuffer, z: DeviceBuffer, N: number, beta: number, addend?: DeviceBuffer): void {
    const { r, scaling, slot } = this.adapter('loraUp');
    this.backend.gemm(y, this.zView(z), this.loraB, { m: N, n: this.outDim, k: r, transB: true, lda: slot.width, alpha: scaling, beta }, addend);
  }

  /** ∂B += s·dyᵀ·z, and dz (this projection's slot of a buffer as wide as z's) = s·dy·B. */
  loraBackUp(dz: DeviceBuffer, dy: DeviceBuffer, z: DeviceBuffer, N: number): void {
    const { r, scaling, slot, pair } = this.adapter('loraBackUp');
    this.backend.loraGradUp(this.zView(dz), pair.dB, dy, this.zView(z), this.loraB, { n: N, out: this.outDim, r, ld: slot.width, scaling });
  }

  /**
   * y (N, out) = (residual +) x·Wᵀ + scaling·(drop(x)·Aᵀ)·Bᵀ, saving z = drop(x)·Aᵀ (N, r) in its slot of `z`;
   * the residual (N, out) is read, not written (a GEMM out of place: no copy of it into y). `dropScratch`
   * (N, in) holds the dropped input in a training forward; null means inference, where dropout is off (PEFT's eval()).
   * A DoRA adapter needs `dora`, its buffers.
   */
  forward(y: DeviceBuffer, x: DeviceBuffer, N: number, residual: DeviceBuffer | null, z: DeviceBuffer | undefined,
    dropScratch: DeviceBuffer | null, dropoutSeed: number, dora?: DoraBuffers): void {
    const lora = this.lora;
    const beta = residual ? 1 : 0, addend = residual ?? undefined;
    if (!lora) return this.base(y, x, N, beta, addend);
    if (!z) throw new Error('Linear.forward: LoRA needs its activation buffers');
    if (lora.pair.dora) {
      if (!dora) throw new Error('Linear.forward: DoRA needs its buffers');
      return doraForward(this.backend, this, y, x, N, residual, z, dropScratch, dropoutSeed, dora);
    }
    this.loraDown(z, x, N, dropScratch, dropoutSeed);
    // the memory-bound rank-r product writes y (from the residual), then the compute-bound base product adds
    // itself to y in its epilogue (β = 1): one pass over y, not one for each
    this.loraUp(y, z, N, beta, addend);
    this.base(y, x, N, 1);
  }

  /**
   * Given dy (N, out): dx (N, in) = dy·W (+ dx when `accumulate`) plus the LoRA path; accumulates the
   * gradients of A, B and (when set) W, from the forward's saved z. `dz` (N, z's width) and `scratch` (N, in)
   * are work buffers; `scratch` null means the forward had no dropout (else it had, with `dropoutSeed`). A DoRA
   * adapter needs `dora`, the forward's buffers with a ∂y0 scratch.
   */
  backward(dx: DeviceBuffer, dy: DeviceBuffer, x: DeviceBuffer, N: number, accumulate: boolean,
    z: DeviceBuffer | undefined, dz: DeviceBuffer, scratch: DeviceBuffer | null, dropoutSeed: number, dora?: DoraBuffers): void {
    const lora = this.lora;
    if (!lora) return this.baseBackward(dx, dy, x, N, accumulate ? 1 : 0);
    if (!z) throw new Error('Linear.backward: LoRA needs its saved activations');
    if (!lora.pair.dora) return this.loraBackward(dx, dy, x, N, accumulate, z, dz, scratch, dropoutSeed);
    if (!dora) throw new Error('Linear.backward: DoRA needs its buffers');
    doraBackward(this.backend, this, dx, dy, x, N, accumulate, z, dz, scratch, dropoutSeed, dora);
  }

  /** Plain LoRA's backward (Linear.backward's, and DoRA's on ∂y0 without dropout). */
  loraBackward(dx: DeviceBuffer, dy: DeviceBuffer, x: DeviceBuffer, N: number, accumulate: boolean,
    z: DeviceBuffer, dz: DeviceBuffer, scratch: DeviceBuffer | null, dropoutSeed: number): void {
    const be = this.backend;
    const inn = this.inDim;
    const lora = this.adapter('loraBackward');
    const { dA } = lora.pair;
    const A = this.loraA, ld = lora.slot.width;
    this.loraBackUp(dz, dy, z, N);
    const dzOwn = this.zView(dz);
    const dropped = scratch !== null && lora.dropout > 0;
    let u = x;
    if (dropped) {
      be.dropout(scratch, x, lora.dropout, dropoutSeed, N * inn); // drop(x) again: the same mask
      u = scratch;
    }
    if (dA) be.gemm(dA, dzOwn, u, { m: lora.r, n: inn, k: N, transA: true, lda: ld, beta: 1 });
    if (dropped) {
      this.baseBackward(dx, dy, x, N, accumulate ? 1 : 0);
      be.gemm(scratch, dzOwn, A, { m: N, n: inn, k: lora.r, lda: ld });
      be.dropout(scratch, scratch, lora.dropout, dropoutSeed, N * inn); // ∂/∂x of x · mask
      be.axpy(dx, scratch, 1, N * inn);
    } else if (accumulate) {
      this.baseBackward(dx, dy, x, N, 1);
      be.gemm(dx, dzOwn, A, { m: N, n: inn, k: lora.r, lda: ld, beta: 1 });
    } else {
      be.gemm(dx, dzOwn, A, { m: N, n: inn, k: lora.r, lda: ld }); // as in forward: the rank-r term first, the base adds it
      this.baseBackward(dx, dy, x, N, 1);
    }
  }
}
