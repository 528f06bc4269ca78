// The kernel interface every backend implements (CPU now, CUDA later). The model and the trainer call
// only this: opaque device buffers with a dtype, a GEMM, and named kernels. Conventions: outputs first,
// then inputs, sizes last; gradients are prefixed `d`; tensors are row-major with the shape given in a
// comment; N = number of tokens (B·T), C = channels.
import type { DType, HostData } from './dtype.ts';

// The target id that cross-entropy ignores (PyTorch's and HF's −100) is part of the batch contract.
export { IGNORE_INDEX } from '../data/batch.ts';

/** An opaque buffer living on a backend (host memory for CPU, device memory for CUDA). */
export interface DeviceBuffer {
  readonly dtype: DType;
  /** Number of elements. */
  readonly length: number;
}

/** C = alpha · op(A) · op(B) + beta · C, row-major, optionally batched with strides (in elements). */
export interface GemmSpec {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  /** Leading dimensions (row strides); default to the packed row length. */
  lda?: number;
  ldb?: number;
  ldc?: number;
  batch?: number;
  strideA?: number;
  strideB?: number;
  strideC?: number;
}

/** LoRA's up-projection backward (Backend.loraGradUp): dy (n, out); z and dz (n, r), rows `ld` apart (a slot of the z buffer); B and ∂B (out, r). */
export interface LoraGradUpSpec {
  n: number;
  out: number;
  r: number;
  ld: number;
  scaling: number;
}

/**
 * Shape of one attention call: q (B, T, Hq·D), k and v (B, kvLen, Hkv·D), out (B, T, Hq·D). Query i
 * of a row sits at key index qOffset + i (0 for training; the cache length when decoding with a KV cache).
 */
export interface AttentionShape {
  B: number;
  T: number;
  /** Keys per row (default T). */
  kvLen?: number;
  /** Key index of the first query (default 0). */
  qOffset?: number;
  Hq: number;
  Hkv: number;
  D: number;
  /** Multiplies q·k (HF: head_dim^-0.5). */
  scale: number;
  /** Key j visible from query i only when i − j < window (token index within the row); null = no window. */
  window: number | null;
}

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step number for bias correction. */
  step: number;
}

/**
 * The activation of the MLP's gate: silu (Mistral's SwiGLU), gelu (erf), gelu_tanh (its tanh approximation: transformers'
 * gelu_new and gelu_pytorch_tanh) or relu. Both backends compute them all.
 */
export type GateActivation = 'silu' | 'gelu' | 'gelu_tanh' | 'relu';

export interface Backend {
  readonly name: 'cpu' | 'cuda';
  /** One line for logs, e.g. "cpu (OpenBLAS sgemm, 2 threads)". */
  describe(): string;

  // ---- memory ----
  alloc(dtype: DType, length: number): DeviceBuffer;
  /** A buffer that aliases `length` elements of `buf` starting at element `offset`. */
  view(buf: DeviceBuffer, offset: number, length: number): DeviceBuffer;
  /**
   * A view of `a` then `b` when b begins where a ends in memory, with the same dtype (null otherwise): one
   * operand for one call over two live buffers laid out together, e.g. LoRA factors in the optimizer's flat buffers.
   */
  join(a: DeviceBuffer, b: DeviceBuffer): DeviceBuffer | null;
  free(buf: DeviceBuffer): void;
  upload(dst: DeviceBuffer, src: HostData, dstOffset?: number): void;
  /** A host copy; floats come back as f32 (f64 for f64 buffers), integers as i32. */
  download(src: DeviceBuffer): Float32Array | Float64Array | Int32Array;
  fill(buf: DeviceBuffer, value: number): void;
  /** dst[0, n) = src[0, n), converted to dst's dtype (rounded to nearest even when narrowing, e.g. f32 → bf16). */
  copy(dst: DeviceBuffer, src: DeviceBuffer, n: number): void;
  /** Bytes currently allocated by this backend. */
  bytesInUse(): number;
  /** The most bytes allocated at once since the backend started (backends that track it: CUDA). */
  peakBytesInUse?(): number;
  /** Gives back what the backend holds (device memory, streams, context) once a run is done with it (CUDA). */
  close?(): void;
  /** Whether close() has run (backends that close: CUDA): library functions refuse such a backend, and a model on it (open-backend.ts). */
  readonly isClosed?: boolean;
  /**
   * The FLOP/s of a large bf16 GEMM (8192³) on this device, measured on the first call (its buffers given
   * back after): the denominator of the MFU that training reports (backends that measure it: CUDA).
   */
  peakFlops?(): number;

  // ---- dense math ----
  /**
   * With `addend` (C's dtype and layout: ldc, strideC) the product is added to β·addend instead of β·c, and c is
   * only written (out of place: a residual add without a copy). c and addend must not overlap unless equal.
   */
  gemm(c: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, spec: GemmSpec, addend?: DeviceBuffer): void;
  /**
   * LoRA's backward through its up-projection y += s·z·Bᵀ: dz = s·dy·B, and ∂B += s·dyᵀ·z where dB is given — dy
   * (n, out), z and dz (n, r) with rows `ld` apart, B and dB (out, r) — as the GEMMs above would (lora-grad-up.ts).
   */
  loraGradUp(dz: DeviceBuffer, dB: DeviceBuffer | null, dy: DeviceBuffer, z: DeviceBuffer, B: DeviceBuffer, spec: LoraGradUpSpec): void;
  /** out = a + b, elementwise over n. out may alias a or b. */
  add(out: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, n: number): void;
  /** y = y + alpha · x over n. */
  axpy(y: DeviceBuffer, x: DeviceBuffer, alpha: number, n: number): void;
  /** out = alpha · x over n. out may alias x. */
  scale(out: DeviceBuffer, x: DeviceBuffer, alpha: number, n: number): void;
  /** out[0] (f32/f64) = Σ x[i]² over n, accumulated in double precision. */
  sumSquares(out: DeviceBuffer, x: DeviceBuffer, n: number): void;
  /** out[0] = Σ x[i] over n, accumulated in double precision. */
  sum(out: DeviceBuffer, x: DeviceBuffer, n: number): void;
  /** out[0] += Σ x[i] over n, in double precision; out may be a wider float than x (an f64 step scalar). */
  accumulateSum(out: DeviceBuffer, x: DeviceBuffer, n: number): void;
  /** out = alpha[0] · x over n, the factor read on the device (no host round trip). out may alias x. */
  scaleByScalar(out: DeviceBuffer, x: DeviceBuffer, alpha: DeviceBuffer, n: number): void;

  // ---- DoRA (weight-decomposed LoRA): a weight's row norms and a per-column scale ----
  /** out[r] = √(Σ_c x[r, c]²) for R rows of C, summed in double precision; out (R) in the exact dtype. */
  rowNorms(out: DeviceBuffer, x: DeviceBuffer, R: number, C: number): void;
  /**
   * out[r, c] = addend[r, c] + x[r, c] · num[c] / den[c] (no addend: 0 +) over R rows of C; num and den (C) in the
   * exact dtype. out may alias x or addend.
   */
  scaleColumns(out: DeviceBuffer, x: DeviceBuffer, num: DeviceBuffer, den: DeviceBuffer, R: number, C: number, addend: DeviceBuffer | null): void;
  /** out[c] += Σ_r a[r, c] · b[r, c] / den[c] over R rows of C, summed in double precision in a fixed order; out and den (C) exact. */
  columnDots(out: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, den: DeviceBuffer, R: number, C: number): void;

  // ---- layers ----
  /** out (N, C) = x / rms(x) · w, rstd (N) saved for backward. */
  rmsnormForward(out: DeviceBuffer, rstd: DeviceBuffer, x: DeviceBuffer, w: DeviceBuffer, N: number, C: number, eps: number): void;
  /** dx (N, C) += ∂/∂x; dw (C) += ∂/∂w unless null. */
  rmsnormBackward(
    dx: DeviceBuffer, dw: DeviceBuffer | null, dout: DeviceBuffer, x: DeviceBuffer, w: DeviceBuffer, rstd: DeviceBuffer,
    N: number, C: number,
  ): void;
  /**
   * Rotary embedding in HF's rotate_half layout, in place on x (N, H·D), by positions (N) i32, with
   * invFreq (D/2) f32. `inverse` rotates by −angle: the backward of the forward rotation.
   */
  rope(x: DeviceBuffer, positions: DeviceBuffer, invFreq: DeviceBuffer, N: number, H: number, D: number, inverse: boolean): void;
  /**
   * Masked softmax attention. segments (B, kvLen) i32: key j is visible from query i (at key index
   * a = qOffset + i) of the same row when segments[j] = segments[a] ≥ 0, j ≤ a and a − j < window;
   * −1 marks padding (never a key). lse (B, Hq, T) = log Σ exp(scores) per query, saved for backward.
   */
  attentionForward(
    out: DeviceBuffer, lse: DeviceBuffer, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, segments: DeviceBuffer,
    s: AttentionShape,
  ): void;
  /** dq, dk, dv (overwritten) from dout, using the forward's out and lse (training shapes: kvLen = T, qOffset = 0). */
  attentionBackward(
    dq: DeviceBuffer, dk: DeviceBuffer, dv: DeviceBuffer, dout: DeviceBuffer, out: DeviceBuffer, lse: DeviceBuffer,
    q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, segments: DeviceBuffer, s: AttentionShape,
  ): void;
  /** out (n) = act(gate) · up; act is silu (SwiGLU) unless given. */
  swigluForward(out: DeviceBuffer, gate: DeviceBuffer, up: DeviceBuffer, n: number, act?: GateActivation): void;
  /** dgate, dup (n), overwritten, from dout (n). dgate may be gate and dup may be up (written over the activations). */
  swigluBackward(dgate: DeviceBuffer, dup: DeviceBuffer, dout: DeviceBuffer, gate: DeviceBuffer, up: DeviceBuffer, n: number, act?: GateActivation): void;
  /**
   * Cross-entropy of logits (N, V) against targets (N) i32 (−100 = ignored, loss 0): losses (N) f32.
   * If dlogits is given (it may alias logits), it receives gradScale · (softmax − onehot) per counted row
   * and zeros for ignored rows. A target outside [0, V) counts as ignored: targets are validated on the
   * host when the batch is built (data/batch.ts), and a kernel never throws or reads out of bounds.
   */
  crossEntropy(
    losses: DeviceBuffer, dlogits: DeviceBuffer | null, logits: DeviceBuffer, targets: DeviceBuffer,
    N: number, V: number, gradScale: number,
  ): void;
  /**
   * out (R, C) = x[rows[r]] for rows (R) i32 indexing x (·, C): embedding lookup, last-token pick. A row
   * index outside x (validated on the host, data/batch.ts) gives a zero row; scatterAddRows skips it.
   */
  gatherRows(out: DeviceBuffer, x: DeviceBuffer, rows: DeviceBuffer, R: number, C: number): void;
  /** dx[rows[r]] += dout[r] for dout (R, C): the backward of gatherRows. */
  scatterAddRows(dx: DeviceBuffer, dout: DeviceBuffer, rows: DeviceBuffer, R: number, C: number): void;
  /**
   * out = x · keep / (1 − p) with keep ~ Bernoulli(1 − p) a hash of (seed, index): the same seed gives
   * the same mask, so the model regenerates it in the backward instead of storing it. out may alias x.
   */
  dropout(out: DeviceBuffer, x: DeviceBuffer, p: number, seed: number, n: number): void;
  /**
   * out[i] = std · N(0, 1) drawn at counter offset + i of seed (integers < 2^53), for i < n: Philox4x32-10
   * and Box–Muller in f64 (cpu/kernels/random-normal.ts), the same values on every backend, bit for bit
   * in each storage dtype. Random weights are drawn where they live, with no host copy.
   */
  randomNormal(out: DeviceBuffer, seed: number, offset: number, std: number, n: number): void;

  // ---- optimizer (multi-tensor: one call over the flat buffers of every trainable parameter) ----
  /**
   * torch's clip_grad_norm_ coefficient from the global Σ g² on the device:
   * coef[0] = min(1, maxNorm / (√sumSquares[0] + 1e-6)). Multiply the gradients by it with scaleByScalar.
   */
  clipCoefficient(coef: DeviceBuffer, sumSquares: DeviceBuffer, maxNorm: number): void;
  /**
   * One torch.optim.AdamW step on param (n) with grad, state m, v (all the same float dtype). Weight
   * decay h.weightDecay applies inside the spans of decaySpans (S, 2) i32 = [start, end), sorted and
   * disjoint, and nowhere else (norm weights); null means every element decays.
   */
  adamw(param: DeviceBuffer, grad: DeviceBuffer, m: DeviceBuffer, v: DeviceBuffer, decaySpans: DeviceBuffer | null, S: number,
    n: number, h: AdamWHyper): void;
}
