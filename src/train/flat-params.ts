// The trainable state in one allocation each, as llm.c keeps it: every trainable parameter, its
// gradient and its two AdamW moments are sub-ranges (views) of four flat buffers, always f32 (f64 for
// double-precision CPU checks), so the global grad norm, clipping and the AdamW update are each one
// kernel over one range, with no host round trip. A model in the flat dtype computes with views into
// the flat values; a lower-precision model (bf16) keeps its own weight buffers, written back from this
// master copy after every update (copy), as are the working copies some parameters ask for (Param.workingCopy:
// LoRA factors under bf16; one allocation per dtype in flat order, so a run of them is refreshed by one copy).
// Weight-decay groups are resolved here, once, into the i32 spans of each AdamW call (pieces of at most ADAMW_PIECE
// elements: a flat buffer past 2^31 elements, full fine-tuning of a model of more than 2.1B parameters, is updated in
// pieces, each with its spans counted from its start). Also holds the step's device scalars (Σ loss and Σ g² in f64,
// read back once per step; the clip coefficient in the flat dtype, so that scaling the gradients runs in their
// own precision with no widened copy).
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import { zeros } from '../backend/buffers.ts';
import { decays, type Param } from '../model/params.ts';
import type { DType } from '../backend/dtype.ts';

/** Where the step's scalars sit in `FlatParams.scalars` (f64). */
export const SCALAR = { lossSum: 0, gradSumSquares: 1 } as const;

/**
 * The most elements one AdamW call updates: Backend.adamw's decay spans are i32 offsets from the call's start, so one
 * call over 2^31 elements or more (Mistral Nemo's 12.2B, a 7B's 7.2B) would wrap them. A power of two keeps every
 * piece's start as aligned as the buffer's.
 */
export const ADAMW_PIECE = 2 ** 30;

/** One AdamW call: the flat range [offset, offset + length) and its decay spans (spanCount, 2) i32 counted from offset. */
export interface UpdatePiece {
  offset: number;
  length: number;
  spans: DeviceBuffer;
  spanCount: number;
}

interface Mirror {
  model: DeviceBuffer;
  master: DeviceBuffer;
}

export class FlatParams {
  readonly dtype: 'f32' | 'f64';
  /** Elements of all trainable parameters together. */
  readonly length: number;
  readonly values: DeviceBuffer; // (n) the master copy
  readonly grads: DeviceBuffer; // (n)
  readonly m: DeviceBuffer; // (n) AdamW exp_avg
  readonly v: DeviceBuffer; // (n) AdamW exp_avg_sq
  /** Parameter i lives at [offsets[i], offsets[i] + its length). */
  readonly offsets: readonly number[];
  /** The AdamW calls of an update, in flat order, with the ranges in each that get weight decay. */
  readonly pieces: readonly UpdatePiece[];
  /** (2) f64, indexed by SCALAR. */
  readonly scalars: DeviceBuffer;
  /** (1) the gradient clipping factor, in the flat dtype. */
  readonly clipCoef: DeviceBuffer;
  private readonly mirrors: Mirror[] = [];

  /**
   * Copies each parameter's value and current gradient into the flat buffers, then points the model
   * (Param.rebind) and the Param itself at the views, and frees the buffers they replace. `pieceElements`: the most
   * elements an AdamW call takes (ADAMW_PIECE; tests cut small buffers with less).
   */
  constructor(private readonly backend: Backend, readonly params: readonly Param[], pieceElements = ADAMW_PIECE) {
    this.dtype = params.length > 0 && params.every((p) => p.value.dtype === 'f64') ? 'f64' : 'f32';
    const offsets: number[] = [];
    let n = 0;
    for (const p of params) {
      if (p.grad.length !== p.value.length) throw new Error(`${p.name}: gradient of ${p.grad.length} for ${p.value.length} values`);
      offsets.push(n);
      n += p.value.length;
    }
    this.offsets = offsets;
    this.length = n;
    const size = Math.max(1, n);
    // one flat buffer at a time, each old set freed before the next is allocated: the model's weights and gradients
    // never sit beside all four (6 × the parameters at the peak, where the plan and the run hold 4), and on the CPU the
    // next flat buffer takes the blocks just freed (first fit in the kernels' memory, which never shrinks).
    // An allocation that fails (out of memory) leaves the model as it stands, each tensor either moved or not (both
    // work, and a new FlatParams over model.trainableParams() takes it from there), and gives back the buffers it
    // allocated that nothing points at: on CUDA nothing else would free them.
    const unused: DeviceBuffer[] = [];
    const fresh = <B extends DeviceBuffer>(b: B): B => (unused.push(b), b);
    let values: DeviceBuffer | null = null;
    let grads: DeviceBuffer | null = null;
    const gradViews: DeviceBuffer[] = [];
    try {
      this.values = values = zeros(backend, this.dtype, size);
      this.takeValues(params);
      this.grads = grads = zeros(backend, this.dtype, size);
      params.forEach((p, i) => {
        const grad = this.view(this.grads, i);
        backend.copy(grad, p.grad, p.value.length);
        p.rebind?.(null, grad); // the value was rebound with the values (or the model keeps its own buffer)
        release(backend, p.grad);
        p.grad = grad;
        gradViews.push(grad);
      });
      this.m = fresh(zeros(backend, this.dtype, size));
      this.v = fresh(zeros(backend, this.dtype, size));
      this.pieces = updatePieces(decaySpans(params, offsets), n, pieceElements).map(({ offset, length, spans }) => {
        const buf = fresh(backend.alloc('i32', Math.max(1, spans.length)));
        if (spans.length) backend.upload(buf, { dtype: 'i32', data: Int32Array.from(spans) });
        return { offset, length, spans: buf, spanCount: spans.length / 2 };
      });
      this.scalars = fresh(zeros(backend, 'f64', 2));
      this.clipCoef = fresh(zeros(backend, this.dtype, 1));
    } catch (e) {
      // the mirrored Params go back to the model's own buffers (a bf16 classifier's base weights too, beside its f32
      // head); a flat buffer (values, gradients, working copies) stays where a model computes with views of it (given
      // back with its last view, release), else it goes
      for (const [p, own] of this.mirrored) p.value = own;
      const built: Array<{ buffer: DeviceBuffer | null; views: readonly DeviceBuffer[] }> = [
        { buffer: values, views: this.valueViews }, { buffer: grads, views: gradViews }, ...this.working];
      for (const { buffer, views } of built) {
        if (buffer && views.length) strand(buffer, views);
        else if (buffer) unused.push(buffer);
      }
      for (const b of unused) backend.free(b);
      throw e;
    }
  }

  /** The views of `values` the parameters' models now compute with (then it stays, whatever fails after). */
  private readonly valueViews: DeviceBuffer[] = [];
  /** The working copies' buffers (one a dtype) and the views of each attached to the models. */
  private readonly working: Array<{ buffer: DeviceBuffer; views: DeviceBuffer[] }> = [];
  /** The parameters whose model keeps its own buffer (another dtype), with that buffer. */
  private readonly mirrored: Array<[Param, DeviceBuffer]> = [];

  /**
   * Copies each parameter's value into `values` and points the model at it (freeing the buffer it replaces), or, in
   * another dtype, keeps the model's buffer as a mirror of it; then allocates and attaches the working copies.
   */
  private takeValues(params: readonly Param[]): void {
    const backend = this.backend;
    // the working copies, in one allocation per dtype in flat order: consecutive ones are refreshed by one copy
    const working = new Map<DType, { buffer: DeviceBuffer | null; length: number; views: DeviceBuffer[] }>();
    for (const p of params) {
      if (!p.workingCopy) continue;
      const w = working.get(p.workingCopy.dtype) ?? { buffer: null, length: 0, views: [] };
      w.length += p.value.length;
      working.set(p.workingCopy.dtype, w);
    }
    const used = new Map<DType, number>();
    // consecutive working copies (adjacent in both the working buffer and the master): one mirror each run
    let run: { dtype: DType; model: number; master: number; length: number } | null = null;
    const flush = (): void => {
      if (!run) return;
      this.mirrors.push({ model: backend.view(working.get(run.dtype)!.buffer!, run.model, run.length), master: backend.view(this.values, run.master, run.length) });
      run = null;
    };
    params.forEach((p, i) => {
      const len = p.value.length;
      const value = this.view(this.values, i);
      backend.copy(value, p.value, len);
      if (p.value.dtype === this.dtype) {
        p.rebind?.(value, p.grad);
        release(backend, p.value);
        this.valueViews.push(value);
      } else {
        this.mirrors.push({ model: p.value, master: value });
        this.mirrored.push([p, p.value]);
      }
      p.value = value;
    });
    // after the weights they replace are freed (small: LoRA factors under bf16)
    for (const [dtype, w] of working) this.working.push({ buffer: (w.buffer = backend.alloc(dtype, w.length)), views: w.views });
    params.forEach((p, i) => {
      if (!p.workingCopy) return;
      const len = p.value.length, dtype = p.workingCopy.dtype, at = used.get(dtype) ?? 0;
      used.set(dtype, at + len);
      const w = working.get(dtype)!, copy = backend.view(w.buffer!, at, len);
      backend.copy(copy, p.value, len);
      const replaced = p.workingCopy.attach(copy);
      if (replaced) releaseStranded(backend, replaced);
      w.views.push(copy);
      if (run && run.dtype === dtype && run.model + run.length === at && run.master + run.length === this.offsets[i]) run.length += len;
      else {
        flush();
        run = { dtype, model: at, master: this.offsets[i]!, length: len };
      }
    });
    flush();
  }

  /** Parameter i's range of a flat buffer. */
  view(flat: DeviceBuffer, i: number): DeviceBuffer {
    return this.backend.view(flat, this.offsets[i]!, this.params[i]!.value.length);
  }

  /** A view of one step scalar. */
  scalar(which: keyof typeof SCALAR): DeviceBuffer {
    return this.backend.view(this.scalars, SCALAR[which], 1);
  }

  zeroGrads(): void {
    this.backend.fill(this.grads, 0);
  }

  /** Writes the master copy into the model's own (lower-precision) weight buffers; nothing to do in fp32. */
  syncModel(): void {
    for (const { model, master } of this.mirrors) this.backend.copy(model, master, master.length);
  }
}

/**
 * The flat buffers a failed build left behind because the model computes with views of them, by view: a later build
 * moves each view's tensor to its own flat buffers and frees the view, which gives nothing back (a view owns no
 * memory); the buffer goes back with its last view (release). On CUDA nothing else frees it.
 */
const stranded = new WeakMap<DeviceBuffer, { buffer: DeviceBuffer; views: Set<DeviceBuffer> }>();

function strand(buffer: DeviceBuffer, views: readonly DeviceBuffer[]): void {
  const s = { buffer, views: new Set(views) };
  for (const v of views) stranded.set(v, s);
}

/** Frees a buffer the flat buffers replace; a view of a stranded flat buffer gives that buffer back with its last view. */
function release(backend: Backend, buf: DeviceBuffer): void {
  if (!releaseStranded(backend, buf)) backend.free(buf);
}

/** Whether `buf` is a view of a stranded flat buffer, which then goes back with its last view. */
function releaseStranded(backend: Backend, buf: DeviceBuffer): boolean {
  const s = stranded.get(buf);
  if (!s) return false;
  stranded.delete(buf);
  s.views.delete(buf);
  if (s.views.size === 0) backend.free(s.buffer);
  return true;
}

/** [start, end) pairs of the decayed parameters, adjacent ones merged. */
function decaySpans(params: readonly Param[], offsets: readonly number[]): number[] {
  const spans: number[] = [];
  params.forEach((p, i) => {
    if (!decays(p.name) || p.value.length === 0) return;
    const start = offsets[i]!, end = start + p.value.length;
    if (spans.length && spans[spans.length - 1] === start) spans[spans.length - 1] = end;
    else spans.push(start, end);
  });
  return spans;
}

/**
 * The pieces of [0, n) of at most `piece` elements (one, possibly empty, where n fits), each with the decay spans
 * `spans` ([start, end) pairs over the whole buffer) clipped to it and counted from its start.
 */
export function updatePieces(spans: readonly number[], n: number, piece = ADAMW_PIECE): Array<{ offset: number; length: number; spans: number[] }> {
  const out: Array<{ offset: number; length: number; spans: number[] }> = [];
  for (let offset = 0; offset === 0 || offset < n; offset += piece) {
    const length = Math.min(piece, n - offset), local: number[] = [];
    for (let s = 0; s < spans.length; s += 2) {
      const start = Math.max(spans[s]!, offset), end = Math.min(spans[s + 1]!, offset + length);
      if (start < end) local.push(start - offset, end - offset);
    }
    out.push({ offset, length, spans: local });
  }
  return out;
}
