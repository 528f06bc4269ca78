// torch.optim.AdamW, one step: decoupled weight decay, then Adam with bias correction.
import type { AdamWHyper } from '../../backend.ts';
import type { FloatArray } from '../../dtype.ts';

export function adamw(param: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, n: number, h: AdamWHyper): void {
  const { lr, beta1, beta2, eps, weightDecay, step } = h;
  const bc1 = 1 - beta1 ** step;
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const stepSize = lr / bc1;
  const decay = 1 - lr * weightDecay;
  for (let i = 0; i < n; i++) {
    const g = grad[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = param[i]! * decay - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
}
