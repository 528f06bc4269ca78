// torch.optim.AdamW over a list of parameters, as one multi-tensor update: the parameters, their
// gradients and the state (exp_avg, exp_avg_sq) live in flat buffers (flat-params.ts, always f32), one
// shared step counter, decoupled weight decay and bias correction as torch does. Weight decay skips
// norm weights, as HF Trainer's parameter groups do; the groups are resolved once, at construction.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import { needOpenBackend } from '../backend/open-backend.ts';
import type { Param } from '../model/params.ts';
import { FlatParams } from './flat-params.ts';
import { needArg, refuseMisspelledKeys } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';

export interface AdamWConfig {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export class AdamW {
  /** Number of steps taken (torch's state["step"]). */
  step = 0;
  /** The parameters, gradients and moments; taking `params` moves them (and the model) onto its views. */
  readonly flat: FlatParams;
  /** Each parameter's view of exp_avg and exp_avg_sq (checkpoints). */
  readonly m: DeviceBuffer[];
  readonly v: DeviceBuffer[];

  /** `pieceElements`: the most elements one AdamW call updates (flat-params.ts's ADAMW_PIECE; tests cut small buffers with less). */
  constructor(private readonly backend: Backend, readonly params: readonly Param[], readonly config: AdamWConfig, pieceElements?: number) {
    needAdamWArgs(backend, params, config);
    this.flat = new FlatParams(backend, params, pieceElements);
    this.m = params.map((_, i) => this.flat.view(this.flat.m, i));
    this.v = params.map((_, i) => this.flat.view(this.flat.v, i));
  }

  /** One update of every parameter with its current gradient, at learning rate `lr`: one kernel a piece of the flat buffers (one but past 2^30 elements). */
  update(lr: number): void {
    needArg('AdamW.update', 'lr', lr, 'number', { hint: 'the learning rate of this step, a number' }); // undefined made every weight NaN
    this.step++;
    const f = this.flat, { betas, eps, weightDecay } = this.config;
    const be = this.backend, h = { lr, beta1: betas[0], beta2: betas[1], eps, weightDecay, step: this.step };
    for (const p of f.pieces) {
      const [values, grads, m, v] = [f.values, f.grads, f.m, f.v].map((b) => (f.pieces.length === 1 ? b : be.view(b, p.offset, p.length))) as [DeviceBuffer, DeviceBuffer, DeviceBuffer, DeviceBuffer];
      be.adamw(values, grads, m, v, p.spans, p.spanCount, p.length, h);
    }
    f.syncModel();
  }
}

const CONFIG_KEYS = ['lr', 'betas', 'eps', 'weightDecay'] as const satisfies ReadonlyArray<keyof AdamWConfig>;

/** A library caller's arguments, checked: missing or ill-typed ones were TypeErrors from inside, or NaN weights. */
function needAdamWArgs(backend: unknown, params: unknown, config: unknown): void {
  needArg('AdamW', 'backend', backend, 'object', { hint: 'model.backend' });
  needOpenBackend('AdamW', backend as Backend, 'backend'); // its buffers' alloc was "alloc on a closed CUDA backend", a plain Error
  needArg('AdamW', 'params', params, 'array', { hint: 'model.trainableParams()' });
  needArg('AdamW', 'config', config, 'object', { hint: 'an object such as {lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0}' });
  const c = config as Record<string, unknown>;
  refuseMisspelledKeys('AdamW', 'config', c, CONFIG_KEYS);
  for (const key of ['lr', 'eps', 'weightDecay'] as const) needArg('AdamW', `config.${key}`, c[key], 'number');
  const betas = c.betas;
  if (!(Array.isArray(betas) && betas.length === 2 && betas.every((b) => typeof b === 'number'))) {
    needArg('AdamW', 'config.betas', betas, 'array', { hint: 'two numbers, e.g. [0.9, 0.999]' });
    throw new UserError(`config.betas is ${JSON.stringify(betas)}: give two numbers, e.g. [0.9, 0.999]`, 'AdamW');
  }
}
