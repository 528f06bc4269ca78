// DoRA (weight-decomposed LoRA) as PEFT 0.21 computes it, for one projection: each forward takes the row norms
// n = ‖W + s·B·A‖ (per output, detached: no gradient flows through them) and with g = m / n,
//   y = W·x + (g − 1)·(W·u) + g·s·B·A·u,   u = drop(x) in a training pass with dropout, else x,
// which without dropout is y = g·(W·x + s·B·A·x). What the backward reads is y0 = W·u + s·B·A·u (saved, (N, out)):
//   ∂m += Σ_rows ∂y·y0 / n,   ∂y0 = g·∂y, through which A and B get their gradients as in plain LoRA,
//   ∂x = ∂y·W + drop′((g − 1)·∂y·W + s·(∂y0·B)·A)   (with dropout; without it, ∂x = ∂y0·W + s·(∂y0·B)·A).
// The norms are recomputed in every forward of a trained adapter, as PEFT does (its cache is off by default), from the
// factors the products use (bf16 working copies while training under bf16), into `weight`, a (out, in) scratch of the
// plan; a frozen adapter's (eval, generate, classify: no gradients, so its factors never change) are taken once, at its
// first forward — PEFT would take them again at every decoding step, each about r times the projection's own product.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import type { DoraPart } from './lora.ts';
import type { Linear } from './linear.ts';

/** The buffers of a DoRA projection's forward and backward (model/activations.ts). */
export interface DoraBuffers {
  /** (N, out) y0, saved by the forward for the backward. */
  y0: DeviceBuffer;
  /** (out·in at least) scratch for W + s·B·A. */
  weight: DeviceBuffer;
  /** (N, out at least) scratch for ∂y0; the backward's only. */
  dy0?: DeviceBuffer;
}

function doraOf(lin: Linear): DoraPart {
  const d = lin.lora?.pair.dora;
  if (!d) throw new Error('DoRA: the projection has no DoRA adapter');
  return d;
}

/** norm (out) = the row norms of W + s·B·A, computed in `weight` (kept from the first forward for a frozen adapter). */
export function refreshNorm(be: Backend, lin: Linear, weight: DeviceBuffer): void {
  const d = doraOf(lin);
  if (d.normKept) return;
  const lora = lin.lora!, T = be.view(weight, 0, lin.outDim * lin.inDim);
  be.gemm(T, lin.loraB, lin.loraA, { m: lin.outDim, n: lin.inDim, k: lora.r, alpha: lora.scaling, beta: 1 }, lin.weight);
  be.rowNorms(d.norm, T, lin.outDim, lin.inDim);
  d.normKept = d.dMagnitude === null;
}

/**
 * The norms, z (its slot) and y0 = W·u + s·B·A·u; u = drop(x), left in `dropScratch`, when dropping (a training pass
 * with dropout), else x. Returns whether it dropped.
 */
export function doraInner(be: Backend, lin: Linear, z: DeviceBuffer, x: DeviceBuffer, N: number, dropScratch: DeviceBuffer | null,
  seed: number, bufs: DoraBuffers): boolean {
  refreshNorm(be, lin, bufs.weight);
  const dropping = dropScratch !== null && lin.lora!.dropout > 0;
  lin.loraDown(z, x, N, dropping ? dropScratch : null, seed);
  lin.loraUp(bufs.y0, z, N, 0); // the rank-r term first, the base adds it
  lin.base(bufs.y0, dropping ? dropScratch! : x, N, 1);
  return dropping;
}

/** y (N, out) = (residual +) the DoRA projection of x; saves z and y0. */
export function doraForward(be: Backend, lin: Linear, y: DeviceBuffer, x: DeviceBuffer, N: number, residual: DeviceBuffer | null,
  z: DeviceBuffer, dropScratch: DeviceBuffer | null, seed: number, bufs: DoraBuffers): void {
  const { magnitude, norm } = doraOf(lin), out = lin.outDim;
  if (!doraInner(be, lin, z, x, N, dropScratch, seed, bufs)) {
    be.scaleColumns(y, bufs.y0, magnitude, norm, N, out, residual); // y = residual + g·y0
    return;
  }
  // y = residual + W·x − W·u + g·y0
  lin.base(y, x, N, residual ? 1 : 0, residual ?? undefined);
  be.gemm(y, dropScratch!, lin.weight, { m: N, n: out, k: lin.inDim, transB: true, alpha: -1, beta: 1 });
  be.scaleColumns(y, bufs.y0, magnitude, norm, N, out, y);
}

/**
 * Given ∂y (N, out): dx (N, in) = ∂L/∂x (+ dx when `accumulate`); accumulates ∂A, ∂B and ∂m from the forward's z and
 * y0 (the norms of its forward, still in place). `dz` and `scratch` as Linear.backward takes them.
 */
export function doraBackward(be: Backend, lin: Linear, dx: DeviceBuffer, dy: DeviceBuffer, x: DeviceBuffer, N: number,
  accumulate: boolean, z: DeviceBuffer, dz: DeviceBuffer, scratch: DeviceBuffer | null, seed: number, bufs: DoraBuffers): void {
  const { magnitude, dMagnitude, norm } = doraOf(lin), lora = lin.lora!, out = lin.outDim, inn = lin.inDim;
  if (!bufs.dy0) throw new Error('DoRA backward: no scratch for ∂y0');
  const dy0 = be.view(bufs.dy0, 0, N * out);
  if (dMagnitude) be.columnDots(dMagnitude, dy, bufs.y0, norm, N, out);
  be.scaleColumns(dy0, dy, magnitude, norm, N, out, null);
  if (scratch === null || lora.dropout === 0) {
    lin.loraBackward(dx, dy0, x, N, accumulate, z, dz, null, seed);
    return;
  }
  const { dA } = lora.pair;
  lin.loraBackUp(dz, dy0, z, N);
  const dzOwn = lin.zView(dz);
  be.dropout(scratch, x, lora.dropout, seed, N * inn); // u = drop(x) again: the same mask
  if (dA) be.gemm(dA, dzOwn, scratch, { m: lora.r, n: inn, k: N, transA: true, lda: lora.slot.width, beta: 1 });
  be.axpy(dy0, dy, -1, N * out); // (g − 1)·∂y
  be.gemm(scratch, dy0, lin.weight, { m: N, n: inn, k: out });
  be.gemm(scratch, dzOwn, lin.loraA, { m: N, n: inn, k: lora.r, lda: lora.slot.width, beta: 1 });
  be.dropout(scratch, scratch, lora.dropout, seed, N * inn); // ∂/∂x of x · mask
  lin.baseBackward(dx, dy, x, N, accumulate ? 1 : 0);
  be.axpy(dx, scratch, 1, N * inn);
}
