// One Mistral decoder layer, forward and hand-written backward:
//   mid = x + o_proj(attention(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1))),  n1 = rmsnorm(x)
//   out = mid + down_proj(act(gate_proj(n2)) · up_proj(n2)),                       n2 = rmsnorm(mid), act = silu (hidden_act)
import type { AttentionShape, Backend, DeviceBuffer } from '../backend/backend.ts';
import type { Activations, LayerActs } from './activations.ts';
import { gateActivation, type MistralConfig } from './config.ts';
import { doraInner, type DoraBuffers } from './dora.ts';
import { Linear } from './linear.ts';
import { GATE_UP, QKV } from './lora.ts';
import { layerWindow } from './layer-types.ts';
import { attentionScale } from './rope-freq.ts';
import { SharedInput } from './shared-input.ts';
import type { LayerWeights, Projection } from './weights.ts';
import { PROJECTIONS, projectionShape } from './weights.ts';
import { deriveSeed } from '../util/rng.ts';

/** A layer's slice of a KV cache: keys and values (maxLen, Hkv·D), key segments (maxLen), rows filled. */
export interface KvSlot {
  k: DeviceBuffer;
  v: DeviceBuffer;
  segments: DeviceBuffer;
  offset: number;
}

/** The dropout seed of projection p in a layer whose forward has seed `seed`. */
export function projectionSeed(seed: number, p: Projection): number {
  return deriveSeed(seed, PROJECTIONS.indexOf(p));
}

export class DecoderLayer {
  readonly proj: Record<Projection, Linear>;
  /** q, k and v (reading ln1); gate and up (reading ln2). */
  private readonly qkv: SharedInput;
  private readonly gateUp: SharedInput;
  /** Gradients of the two norm weights (C) for full fine-tuning; null when frozen. */
  dInputNorm: DeviceBuffer | null = null;
  dPostAttentionNorm: DeviceBuffer | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly cfg: MistralConfig,
    readonly weights: LayerWeights,
    readonly index: number,
  ) {
    const proj = {} as Record<Projection, Linear>;
    for (const p of PROJECTIONS) {
      const [out, inDim] = projectionShape(cfg, p);
      proj[p] = new Linear(backend, weights.proj[p], out, inDim);
    }
    this.proj = proj;
    this.qkv = new SharedInput(backend, QKV, proj);
    this.gateUp = new SharedInput(backend, GATE_UP, proj);
  }

  /** Projection p's DoRA buffers in `a` (undefined for plain LoRA or none). */
  private doraBuffers(p: Projection, a: LayerActs, acts: Activations): DoraBuffers | undefined {
    const y0 = a.dora[p];
    if (!y0 || !acts.doraWeight) return undefined;
    return { y0, weight: acts.doraWeight, ...(acts.grads ? { dy0: acts.grads.ddora } : {}) };
  }

  private attentionShape(acts: Activations, kv?: KvSlot): AttentionShape {
    const c = this.cfg;
    return {
      B: acts.shape.B, T: acts.shape.T, Hq: c.numHeads, Hkv: c.numKvHeads, D: c.headDim,
      scale: attentionScale(c), window: layerWindow(c, this.index),
      ...(kv ? { kvLen: kv.offset + acts.shape.T, qOffset: kv.offset } : {}),
    };
  }

  /**
   * out (N, C) from x (N, C); saves into `a` what the backward needs. With `kv` (decoding, B = 1) the
   * new keys and values are written into the cache at kv.offset and attention reads the whole cache.
   */
  forward(out: DeviceBuffer, x: DeviceBuffer, a: LayerActs, acts: Activations, invFreq: DeviceBuffer, seed: number, kv?: KvSlot): void {
    this.run(out, x, a, acts, invFreq, seed, kv);
  }

  /**
   * Activation checkpointing: refills `a` from the layer's saved input x (same seed: the same dropout masks
   * and values) with what the backward reads — the whole forward but the down projection's product and the
   * residual add, whose result (the layer's output) the next layer's saved input already holds. That product is
   * the largest GEMM of a layer, about a quarter of its forward's FLOPs.
   */
  recompute(x: DeviceBuffer, a: LayerActs, acts: Activations, invFreq: DeviceBuffer, seed: number): void {
    this.run(null, x, a, acts, invFreq, seed);
  }

  /** The forward; `out` null computes what the backward reads and not the output. */
  private run(out: DeviceBuffer | null, x: DeviceBuffer, a: LayerActs, acts: Activations, invFreq: DeviceBuffer, seed: number, kv?: KvSlot): void {
    const be = this.backend, c = this.cfg, w = this.weights;
    const N = acts.shape.B * acts.shape.T, C = c.hiddenSize;
    const KVD = c.numKvHeads * c.headDim;
    const k = kv ? be.view(kv.k, kv.offset * KVD, N * KVD) : a.k;
    const v = kv ? be.view(kv.v, kv.offset * KVD, N * KVD) : a.v;
    // dropout only in a training forward (a training plan also serves evaluation, without it)
    const scratch = acts.shape.training ? (acts.grads?.dxDrop ?? null) : null;
    const seedOf = (p: Projection): number => projectionSeed(seed, p);
    const doraOf = (p: Projection): DoraBuffers | undefined => this.doraBuffers(p, a, acts);
    const lin = (p: Projection, y: DeviceBuffer, input: DeviceBuffer, residual: DeviceBuffer): void =>
      this.proj[p].forward(y, input, N, residual, a.lora[p], scratch, seedOf(p), doraOf(p));
    be.rmsnormForward(a.ln1, a.rstd1, x, w.inputNorm, N, C, c.rmsNormEps);
    this.qkv.forward([a.q, k, v], a.ln1, N, a.lora, scratch, seedOf, doraOf);
    be.rope(a.q, acts.positions, invFreq, N, c.numHeads, c.headDim, false);
    be.rope(k, acts.positions, invFreq, N, c.numKvHeads, c.headDim, false);
    if (kv) {
      const len = kv.offset + N;
      be.attentionForward(a.att, a.lse, a.q, be.view(kv.k, 0, len * KVD), be.view(kv.v, 0, len * KVD),
        be.view(kv.segments, 0, len), this.attentionShape(acts, kv));
    } else {
      be.attentionForward(a.att, a.lse, a.q, a.k, a.v, acts.segments, this.attentionShape(acts));
    }
    lin('o_proj', a.mid, a.att, x); // mid = x + o(att)
    be.rmsnormForward(a.ln2, a.rstd2, a.mid, w.postAttentionNorm, N, C, c.rmsNormEps);
    this.gateUp.forward([a.gate, a.up], a.ln2, N, a.lora, scratch, seedOf, doraOf);
    be.swigluForward(a.h, a.gate, a.up, N * c.intermediateSize, gateActivation(c));
    if (out) {
      lin('down_proj', out, a.h, a.mid); // out = mid + down(h)
    } else if (this.proj.down_proj.lora?.pair.dora) { // z and y0 (the norms too), which ∂B and ∂m read
      doraInner(be, this.proj.down_proj, a.lora.down_proj!, a.h, N, scratch, seedOf('down_proj'), doraOf('down_proj')!);
    } else if (this.proj.down_proj.lora) {
      this.proj.down_proj.loraDown(a.lora.down_proj!, a.h, N, scratch, seedOf('down_proj')); // z, which ∂B reads
    }
  }

  /**
   * Backward through the layer: on entry acts.grads.dresid holds ∂L/∂out; on exit it holds ∂L/∂x.
   * LoRA (and, when enabled, base and norm) gradients are accumulated; `seed` is the forward's (the
   * dropout masks are regenerated from it).
   */
  backward(x: DeviceBuffer, a: LayerActs, acts: Activations, invFreq: DeviceBuffer, seed: number): void {
    const be = this.backend, c = this.cfg, w = this.weights;
    const g = acts.grads;
    if (!g) throw new Error('backward needs activations planned for training');
    const N = acts.shape.B * acts.shape.T, C = c.hiddenSize, I = c.intermediateSize;
    const seedOf = (p: Projection): number => projectionSeed(seed, p);
    const doraOf = (p: Projection): DoraBuffers | undefined => this.doraBuffers(p, a, acts);
    const lin = (p: Projection, dx: DeviceBuffer, dy: DeviceBuffer, input: DeviceBuffer, accumulate: boolean): void =>
      this.proj[p].backward(dx, dy, input, N, accumulate, a.lora[p], g.dz, g.dxDrop, seedOf(p), doraOf(p));
    // MLP branch: out = mid + down(h)
    lin('down_proj', g.dh, g.dresid, a.h, false);
    be.swigluBackward(a.gate, a.up, g.dh, a.gate, a.up, N * I, gateActivation(c)); // the gradients over the activations (dead after this)
    this.gateUp.backward(g.dln, [a.gate, a.up], a.ln2, N, false, a.lora, g.dz, g.dxDrop, seedOf, doraOf);
    be.rmsnormBackward(g.dresid, this.dPostAttentionNorm, g.dln, a.mid, w.postAttentionNorm, a.rstd2, N, C);
    // attention branch: mid = x + o(att)
    lin('o_proj', g.datt, g.dresid, a.att, false);
    be.attentionBackward(g.dq, g.dk, g.dv, g.datt, a.att, a.lse, a.q, a.k, a.v, acts.segments, this.attentionShape(acts));
    be.rope(g.dq, acts.positions, invFreq, N, c.numHeads, c.headDim, true);
    be.rope(g.dk, acts.positions, invFreq, N, c.numKvHeads, c.headDim, true);
    this.qkv.backward(g.dln, [g.dq, g.dk, g.dv], a.ln1, N, false, a.lora, g.dz, g.dxDrop, seedOf, doraOf);
    be.rmsnormBackward(g.dresid, this.dInputNorm, g.dln, x, w.inputNorm, a.rstd1, N, C);
  }
}
