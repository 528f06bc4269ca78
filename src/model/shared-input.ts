// The projections that read one input (q, k and v; gate and up), forward and backward. Where every one
// is adapted without dropout and their factors A lie together in memory (the optimizer lays them out so),
// the rank-r products of the input run as one GEMM each: z = x·[A₁; A₂; …]ᵀ into the shared z buffer,
// ∂[A₁; A₂; …] += [dz₁ dz₂ …]ᵀ·x, and ∂x = [dz₁ dz₂ …]·[A₁; A₂; …] — one pass over x and ∂x instead of one per
// projection, and fewer launches. Otherwise each projection runs on its own (model/linear.ts); both give the
// same sums up to the order of additions.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
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

/**
 * The factors A of the adapted ones of `lins` as one (Σr, in) operand, when at least two are adapted, none
 * drops its input (`dropping`: a training pass) and their factors lie together in memory; else null.
 */
function jointA(backend: Backend, adapted: readonly Linear[], dropping: boolean): DeviceBuffer | null {
  if (adapted.length < 2 || adapted.some((l) => dropping && l.lora!.dropout > 0)) return null;
  return joined(backend, adapted.map((l) => l.loraA));
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

  /** The input's z buffer (undefined without adapters). */
  private z(zs: ZBuffers): DeviceBuffer | undefined {
    return this.projs.map((p) => zs[p]).find((z) => z !== undefined);
  }

  /**
   * ys[i] (N, out_i) = x·W_iᵀ + LoRA_i, each written afresh, z saved into `zs`. `dropScratch` as Linear.forward
   * takes it; `seedOf` gives each projection's dropout seed.
   */
  forward(ys: readonly DeviceBuffer[], x: DeviceBuffer, N: number, zs: ZBuffers, dropScratch: DeviceBuffer | null,
    seedOf: (p: Projection) => number): void {
    const z = this.z(zs), seeds = this.projs.map(seedOf);
    const A = jointA(this.backend, this.adapted, dropScratch !== null);
    if (!A || !z) {
      this.lins.forEach((l, i) => l.forward(ys[i]!, x, N, null, z, dropScratch, seeds[i]!));
      return;
    }
    const inn = this.lins[0]!.inDim;
    this.backend.gemm(z, x, A, { m: N, n: A.length / inn, k: inn, transB: true });
    this.lins.forEach((l, i) => {
      if (l.lora) l.loraUp(ys[i]!, z, N, 0); // the rank-r term first, the base adds it (as in Linear.forward)
      l.base(ys[i]!, x, N, l.lora ? 1 : 0);
    });
  }

  /**
   * dx (N, in) = Σ_i dys[i]·W_i (+ dx when `accumulate`) plus the LoRA paths from the forward's saved `zs`,
   * accumulating the adapters' gradients; `dz` (N, z's width) and `scratch` as Linear.backward takes them.
   */
  backward(dx: DeviceBuffer, dys: readonly DeviceBuffer[], x: DeviceBuffer, N: number, accumulate: boolean, zs: ZBuffers,
    dz: DeviceBuffer, scratch: DeviceBuffer | null, seedOf: (p: Projection) => number): void {
    const be = this.backend, lins = this.lins, adapted = this.adapted, z = this.z(zs), seeds = this.projs.map(seedOf);
    const A = jointA(be, adapted, scratch !== null);
    const dA = A && joined(be, adapted.map((l) => l.lora!.pair.dA).filter((g): g is DeviceBuffer => g !== null));
    if (!A || !z || !dA || dA.length !== A.length) {
      lins.forEach((l, i) => l.backward(dx, dys[i]!, x, N, accumulate || i > 0, z, dz, scratch, seeds[i]!));
      return;
    }
    const inn = lins[0]!.inDim, width = A.length / inn;
    lins.forEach((l, i) => { if (l.lora) l.loraBackUp(dz, dys[i]!, z, N); });
    be.gemm(dA, dz, x, { m: width, n: inn, k: N, transA: true, lda: width, beta: 1 });
    be.gemm(dx, dz, A, { m: N, n: inn, k: width, lda: width, beta: accumulate ? 1 : 0 });
    lins.forEach((l, i) => l.baseBackward(dx, dys[i]!, x, N, 1));
  }
}
