// torch.optim.AdamW over a list of parameters: state (exp_avg, exp_avg_sq) in float32 (the CPU's
// compute dtype), one shared step counter, decoupled weight decay and bias correction as torch does.
// Weight decay skips norm weights, as HF Trainer's parameter groups do.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import { zeros } from '../backend/buffers.ts';
import { decays, type Param } from '../model/params.ts';

export interface AdamWConfig {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export class AdamW {
  /** Number of steps taken (torch's state["step"]). */
  step = 0;
  readonly m: DeviceBuffer[];
  readonly v: DeviceBuffer[];

  constructor(private readonly backend: Backend, readonly params: readonly Param[], readonly config: AdamWConfig) {
    this.m = params.map((p) => zeros(backend, p.value.dtype, p.value.length));
    this.v = params.map((p) => zeros(backend, p.value.dtype, p.value.length));
  }

  /** One update of every parameter with its current gradient, at learning rate `lr`. */
  update(lr: number): void {
    this.step++;
    const { betas, eps, weightDecay } = this.config;
    this.params.forEach((p, i) => {
      this.backend.adamw(p.value, p.grad, this.m[i]!, this.v[i]!, p.value.length, {
        lr, beta1: betas[0], beta2: betas[1], eps, weightDecay: decays(p.name) ? weightDecay : 0, step: this.step,
      });
    });
  }
}
