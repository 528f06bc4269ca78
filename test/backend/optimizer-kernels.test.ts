// The optimizer's device kernels against plain formulas: a loss sum accumulated into an f64 scalar,
// torch's clip coefficient from Σ g², scaling by a device scalar, dtype-converting copies, and AdamW
// over one flat range whose weight decay applies only inside the decayed spans.
import assert from 'node:assert/strict';
import { test, testBackend } from './device.ts';
import { download, randn, rng, upload } from './util.ts';

const be = testBackend({ gemm: 'js' });

test('accumulateSum adds Σ x to an f64 scalar; scaleByScalar multiplies by a scalar read on the device', () => {
  const acc = be.alloc('f64', 1);
  be.fill(acc, 0.5);
  be.accumulateSum(acc, upload(be, 'f32', [1, 2, 3, 0.25]), 3);
  be.accumulateSum(acc, upload(be, 'f32', [10]), 1);
  assert.deepEqual(download(be, acc), [16.5]);
  const x = upload(be, 'f32', [1, -2, 4]);
  be.scaleByScalar(x, x, upload(be, 'f64', [0.5]), 3);
  assert.deepEqual(download(be, x), [0.5, -1, 2]);
});

test('clipCoefficient: min(1, max_norm / (‖g‖ + 1e-6)) from the device Σ g², as clip_grad_norm_', () => {
  const coef = be.alloc('f64', 1);
  be.clipCoefficient(coef, upload(be, 'f64', [16]), 1);
  assert.equal(download(be, coef)[0], 1 / (4 + 1e-6));
  be.clipCoefficient(coef, upload(be, 'f64', [0.25]), 1);
  assert.equal(download(be, coef)[0], 1);
  be.clipCoefficient(coef, upload(be, 'f64', [NaN]), 1);
  assert.ok(Number.isNaN(download(be, coef)[0]), 'a NaN norm is not hidden');
});

test('copy converts between float dtypes, rounding to nearest when narrowing', () => {
  const dst = be.alloc('f32', 3);
  be.copy(dst, upload(be, 'f64', [1 + 2 ** -30, -0.1, 7]), 2);
  assert.deepEqual(download(be, dst), [1, Math.fround(-0.1), 0]);
  const wide = be.alloc('f64', 2);
  be.copy(wide, upload(be, 'f32', [0.1, 2]), 2);
  assert.deepEqual(download(be, wide), [Math.fround(0.1), 2]);
});

test('adamw over decay spans equals AdamW per range: decay inside the spans, none in the gaps', () => {
  const n = 23, rand = rng(5);
  const spans = [[2, 7], [7, 9], [15, 20]]; // adjacent spans are fine; [0,2), [9,15), [20,23) are not decayed
  const h = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.3 };
  const p0 = randn(rand, n), gs = [randn(rand, n), randn(rand, n)];
  const flat = { p: upload(be, 'f32', p0), m: be.alloc('f32', n), v: be.alloc('f32', n) };
  const ref = { p: upload(be, 'f32', p0), m: be.alloc('f32', n), v: be.alloc('f32', n) };
  for (const b of [flat.m, flat.v, ref.m, ref.v]) be.fill(b, 0);
  const table = upload(be, 'i32', spans.flat());
  const decayed = (i: number): boolean => spans.some(([a, b]) => i >= a! && i < b!);
  for (let step = 1; step <= 2; step++) {
    const g = upload(be, 'f32', gs[step - 1]!);
    be.adamw(flat.p, g, flat.m, flat.v, table, spans.length, n, { ...h, step });
    for (let i = 0; i < n; i++) {
      const at = (b: typeof ref.p) => be.view(b, i, 1);
      be.adamw(at(ref.p), be.view(g, i, 1), at(ref.m), at(ref.v), null, 0, 1, { ...h, weightDecay: decayed(i) ? h.weightDecay : 0, step });
    }
  }
  assert.deepEqual(download(be, flat.p), download(be, ref.p));
  assert.deepEqual(download(be, flat.m), download(be, ref.m));
  assert.deepEqual(download(be, flat.v), download(be, ref.v));
  // a span table out of order is refused, not silently misapplied — on the CPU, which reads the spans on the host;
  // CUDA's kernel reads them on the device, and checking them there would cost a host round trip per step
  // (FlatParams builds them sorted, so only this direct call can give bad ones)
  if (be.name === 'cpu') assert.throws(() => be.adamw(flat.p, flat.m, flat.m, flat.v, upload(be, 'i32', [5, 3]), 1, n, { ...h, step: 3 }), /decay span 0/);
});
