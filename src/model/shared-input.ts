// The projections that read one input (q, k and v; gate and up), forward and backward. Where every one
// is adapted without dropout and their factors A lie together in memory (the optimizer lays them out so),
// the rank-r products of the input run as one GEMM each: z = x·[A₁; A₂; …]ᵀ into the shared z buffer,
// ∂[A₁; A₂; …] += [dz₁ dz₂ …]ᵀ·x, and ∂x = [dz₁ dz₂ …]·[A₁; A₂; …] — one pass over x and ∂x instead of one per
// projection, and fewer launches. Otherwise (and with DoRA, whose adapters scale their outputs) each projection runs
// on its own (model/linear.ts); both give the same sums up to the order of additions.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import type { DoraBuffers } from './dora.ts';
import type { Linear } from './linear.ts';
import type { Projection } from './weights.ts';

/** One buffer viewing `bufs` in order when each begins where the previous ends; null otherwise. */
export function joined(backend: Backend, bufs: readonly DeviceBuffer[]): DeviceBuffer | null {
  let all: DeviceBuffer | null = bufs[0] ?? null;
  for (const b of bufs.slice(1)) {
    if (!all) return null;
    all = backend.join(all, b);
  }
  return all;
}

/** A layer's saved z buffers by projection (LayerActs.lora): the projections of one input share one. */
type ZBuffers = Partial<Record<Projection, DeviceBuffer>>;

export class SharedInput {
  private readonly lins: readonly Linear[];

  /** `projs`: the projections of one input, in PROJECTIONS order (the order of their z slots), of a layer's `proj`. */
  constructor(private readonly backend: Backend, private readonly projs: readonly Projection[], proj: Record<Projection, Linear>) {
    this.lins = projs.map((p) => proj[p]);
  }

  private get adapted(): Linear[] {
    return this.lins.filter((l) => l.lora !== null);
  }

  /**
   * The adapted projections' factors A as one (Σr, in) operand, with the first of them (whose z columns the
   * others' follow, in rows `ld` wide), when at least two are adapted, none drops its input (`dropping`: a training
   * pass), their z slots follow one another (a layer may leave one out: layers_to_transform, exclude_modules) and
   * their factors lie together in memory; else null.
   */
  private joint(dropping: boolean): { A: DeviceBuffer; first: Linear; ld: number } | null {
    const adapted = this.adapted, first = adapted[0]?.lora;
    if (!first || adapted.length < 2 || adapted.some((l) => l.lora!.pair.dora)) return null;
    let col = first.slot.col;
    for (const { lora } of adapted) {
      if ((dropping && lora!.dropout > 0) || lora!.slot.col !== col || lora!.slot.width !== first.slot.width) return null;
      col += lora!.r;
    }
    const A = joined(this.backend, adapted.map((l) => l.loraA));
    return A && { A, first: adapted[0]!, ld: first.slot.width };
  }

  /** The input's z buffer (undefined without adapters). */
  private z(zs: ZBuffers): DeviceBuffer | undefined {
    return this.projs.map((p) => zs[p]).find((z) => z !== undefined);
  }

  /**
   * ys[i] (N, out_i) = x·W_iᵀ + LoRA_i, each written afresh, z saved into `zs`. `dropScratch` as Linear.forward
   * takes it; `seedOf` gives each projection's dropout seed, `doraOf` a DoRA projection's buffers.
   */
  forward(ys: readonly DeviceBuffer[], x: DeviceBuffer, N: number, zs: ZBuffers, dropScratch: DeviceBuffer | null,
    seedOf: (p: Projection) => number, doraOf: (p: Projection) => DoraBuffers | undefined): void {
    const z = this.z(zs), seeds = this.projs.map(seedOf);
    const joint = this.joint(dropScratch !== null);
    if (!joint || !z) {
      this.lins.forEach((l, i) => l.forward(ys[i]!, x, N, null, z, dropScratch, seeds[i]!, doraOf(this.projs[i]!)));
      return;
    }
    const { A, first, ld } = joint, inn = this.lins[0]!.inDim;
    this.backend.gemm(first.zView(z), x, A, { m: N, n: A.length / inn, k: inn, transB: true, ldc: ld });
    this.lins.forEach((l, i) => {
      if (l.lora) l.loraUp(ys[i]!, z, N, 0); // the rank-r term first, the base adds it (as in Linear.forward)
      l.base(ys[i]!, x, N, l.lora ? 1 : 0);
    });
  }

  /**
   * dx (N, in) = Σ_i dys[i]·W_i (+ dx when `accumulate`) plus the LoRA paths from the forward's saved `zs`,
   * accumulating the adapters' gradients; `dz` (N, z's width), `scratch` and `doraOf` as Linear.backward takes them.
   */
  backward(dx: DeviceBuffer, dys: readonly DeviceBuffer[], x: DeviceBuffer, N: number, accumulate: boolean, zs: ZBuffers,
    dz: DeviceBuffer, scratch: DeviceBuffer | null, seedOf: (p: Projection) => number, doraOf: (p: Projection) => DoraBuffers | undefined): void {
    const be = this.backend, lins = this.lins, adapted = this.adapted, z = this.z(zs), seeds = this.projs.map(seedOf);
    const joint = this.joint(scratch !== null);
    const dA = joint && joined(be, adapted.map((l) => l.lora!.pair.dA).filter((g): g is DeviceBuffer => g !== null));
    if (!joint || !z || !dA || dA.length !== joint.A.length) {
      lins.forEach((l, i) => l.backward(dx, dys[i]!, x, N, accumulate || i > 0, z, dz, scratch, seeds[i]!, doraOf(this.projs[i]!)));
      return;
    }
    const { A, first, ld } = joint, inn = lins[0]!.inDim, width = A.length / inn;
    lins.forEach((l, i) => { if (l.lora) l.loraBackUp(dz, dys[i]!, z, N); });
    const dzJoint = first.zView(dz);
    be.gemm(dA, dzJoint, x, { m: width, n: inn, k: N, transA: true, lda: ld, beta: 1 });
    be.gemm(dx, dzJoint, A, { m: N, n: inn, k: width, lda: ld, beta: accumulate ? 1 : 0 });
    lins.forEach((l, i) => l.baseBackward(dx, dys[i]!, x, N, 1));
  }
}
