// Named kernels of the CPU backend against plain float64 formulas: RMSNorm, RoPE (HF's rotate_half
// layout; the inverse undoes the forward), the gated MLP with each activation (silu, gelu, gelu_tanh, relu; its
// backward also in place), cross-entropy with ignore index, row gather and scatter-add, elementwise ops and dropout,
// DoRA's row norms, column scaling and column dots, and AdamW against torch.optim.AdamW (hand formula and a three-step
// trace recorded from torch).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeviceBuffer, GateActivation } from '../../src/backend/backend.ts';
import { erf } from '../../src/backend/cpu/kernels/swiglu.ts';
import { test, testBackend, TEST_DTYPE } from './device.ts';
import { ELEMENTWISE_THREADS, MAX_ELEMENTWISE_BLOCKS } from '../../src/backend/cuda/launch.ts';
import { ropeFrequencies } from '../../src/model/rope-freq.ts';
import { FIXTURES } from '../helpers.ts';
import { assertClose, download, randn, rng, stored, upload, type Float } from './util.ts';

const be = testBackend({ gemm: 'js' });
// f32 (or bf16 under MISTRAL_TUNE_TEST_PRECISION=bf16: activations and weights bf16, exact tensors f32) and f64
const FLOATS: Float[] = [TEST_DTYPE, 'f64'];
/** The dtype of what stays exact under bf16 (rstd, invFreq, sums, the logits and losses of cross-entropy). */
const exactOf = (dtype: Float): Float => (dtype === 'bf16' ? 'f32' : dtype);
/**
 * The tolerance of a result computed in `dtype`: f32's or f64's as given; bf16: f32's plus `roundings` times
 * 2^-8, the largest relative error of one rounding to bf16 (nearest even, 8 significant bits). That is one
 * correctly rounded store per rounding the kernel contract allows, so a bf16 kernel that truncates, rounds an
 * intermediate or accumulates in bf16 errs by up to a whole ulp (2^-7) somewhere and fails. Measured on the CPU
 * (max rel err, one rounding allowed = 3.9e-3): rmsnorm 3.05e-3, rope 3.35e-3, swiglu 2.56e-3, add 2.56e-3;
 * scatterAddRows (two allowed) 3.80e-3.
 */
const tolOf = (dtype: Float, f32: number, f64 = 1e-12, roundings = 1): number =>
  dtype === 'f64' ? f64 : dtype === 'f32' ? f32 : f32 + roundings * 2 ** -8;

/**
 * The MLP gate activations and their derivatives in float64 (torch's formulas: gelu x·Φ(x), gelu(approximate="tanh"),
 * relu with slope 0 at 0). erf is the CPU kernel's (JavaScript has none), checked against HF by hf-activations.test.ts.
 */
const ACTIVATIONS: GateActivation[] = ['silu', 'gelu', 'gelu_tanh', 'relu'];
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const cdf = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));
const tanhInner = (x: number): number => Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3));
const GATE: Record<GateActivation, { value(x: number): number; slope(x: number): number }> = {
  silu: { value: (x) => x * sigmoid(x), slope: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))) },
  gelu: { value: (x) => x * cdf(x), slope: (x) => cdf(x) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI) },
  gelu_tanh: {
    value: (x) => 0.5 * x * (1 + tanhInner(x)),
    slope: (x) => 0.5 * (1 + tanhInner(x)) + 0.5 * x * (1 - tanhInner(x) ** 2) * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x),
  },
  relu: { value: (x) => Math.max(x, 0), slope: (x) => (x > 0 ? 1 : 0) },
};

/** `values` uploaded `offset` elements into a buffer (a view there: at an odd offset, not 16-byte aligned). */
const placed = (dtype: Float, values: number[], offset: number): DeviceBuffer =>
  be.view(upload(be, dtype, [...Array<number>(offset).fill(0), ...values]), offset, values.length);

for (const dtype of FLOATS) {
  // rows of 12 (one column at a time on CUDA) and of 64 (a 16-byte vector at a time), the latter also at an odd
  // element offset (a view no vector path may take)
  for (const [C, offset] of [[12, 0], [64, 0], [64, 1]] as const) test(`rmsnorm forward (${dtype}, C ${C}${offset ? ', a view at an odd offset' : ''}): w · x / sqrt(mean(x²) + eps), rstd saved`, () => {
    const N = 5, eps = 1e-5, rand = rng(1);
    const x = stored(randn(rand, N * C, 3), dtype), w = stored(randn(rand, C), dtype);
    x.fill(0, C, 2 * C); // an all-zero row: rstd = 1/sqrt(eps), out = 0
    const out = be.view(be.alloc(dtype, N * C + offset), offset, N * C), rstd = be.alloc(exactOf(dtype), N);
    be.rmsnormForward(out, rstd, placed(dtype, x, offset), upload(be, dtype, w), N, C, eps);
    const wantOut: number[] = [], wantR: number[] = [];
    for (let t = 0; t < N; t++) {
      let ss = 0;
      for (let c = 0; c < C; c++) ss += x[t * C + c]! ** 2;
      const r = 1 / Math.sqrt(ss / C + eps);
      wantR.push(r);
      for (let c = 0; c < C; c++) wantOut.push(w[c]! * x[t * C + c]! * r);
    }
    assertClose(download(be, out), wantOut, tolOf(dtype, 1e-6), 'rmsnorm out');
    assertClose(download(be, rstd), wantR, tolOf(exactOf(dtype), 1e-6), 'rmsnorm rstd');
  });

  for (const [C, offset] of [[12, 0], [64, 0], [64, 1]] as const) test(`rmsnorm backward (${dtype}, C ${C}${offset ? ', a view at an odd offset' : ''}): dx += r·w·dy − x·r³/C·Σ(w·dy·x), dw += Σ dy·x·r`, () => {
    const N = 4, rand = rng(11);
    const x = stored(randn(rand, N * C, 2), dtype), w = stored(randn(rand, C), dtype), dy = stored(randn(rand, N * C), dtype);
    const dx0 = stored(randn(rand, N * C), dtype), dw0 = stored(randn(rand, C), exactOf(dtype));
    const r = Array.from({ length: N }, (_, t) => 1 / Math.sqrt(x.slice(t * C, (t + 1) * C).reduce((a, v) => a + v * v, 0) / C + 1e-5));
    const rstd = stored(r, exactOf(dtype)), wantDx = dx0.slice(), wantDw = dw0.slice();
    for (let t = 0; t < N; t++) {
      let dot = 0;
      for (let c = 0; c < C; c++) dot += w[c]! * dy[t * C + c]! * x[t * C + c]!;
      const k = (dot * rstd[t]! ** 3) / C;
      for (let c = 0; c < C; c++) {
        const i = t * C + c;
        wantDx[i] = dx0[i]! + rstd[t]! * w[c]! * dy[i]! - k * x[i]!;
        wantDw[c] = wantDw[c]! + dy[i]! * x[i]! * rstd[t]!;
      }
    }
    const dx = placed(dtype, dx0, offset), dw = upload(be, exactOf(dtype), dw0);
    be.rmsnormBackward(dx, dw, placed(dtype, dy, offset), placed(dtype, x, offset), upload(be, dtype, w), upload(be, exactOf(dtype), rstd), N, C);
    assertClose(download(be, dx), wantDx, tolOf(dtype, 1e-5, 1e-12, 2), 'rmsnorm dx');
    assertClose(download(be, dw), wantDw, tolOf(exactOf(dtype), 1e-5, 1e-12), 'rmsnorm dw');
  });

  test(`rope (${dtype}): HF rotate_half rotation by position · invFreq; the inverse undoes it`, () => {
    const N = 6, H = 3, D = 8, half = D / 2, rand = rng(2);
    const x = stored(randn(rand, N * H * D), dtype);
    const positions = [0, 1, 2, 7, 0, 1000]; // packed rows restart at 0; a large position
    const invFreq = ropeFrequencies({ theta: 10000, scaling: null }, D).invFreq;
    const buf = upload(be, dtype, x), pos = upload(be, 'i32', positions), inv = upload(be, exactOf(dtype), invFreq);
    be.rope(buf, pos, inv, N, H, D, false);
    const want: number[] = new Array<number>(N * H * D);
    for (let t = 0; t < N; t++) {
      for (let h = 0; h < H; h++) {
        const o = (t * H + h) * D;
        for (let i = 0; i < half; i++) {
          // HF: x·cos + rotate_half(x)·sin with rotate_half(x) = (−x2, x1); angles in float32
          const ang = Math.fround(positions[t]! * invFreq[i]!);
          const c = Math.cos(ang), s = Math.sin(ang);
          want[o + i] = x[o + i]! * c - x[o + i + half]! * s;
          want[o + i + half] = x[o + i + half]! * c + x[o + i]! * s;
        }
      }
    }
    const got = download(be, buf);
    assertClose(got, want, tolOf(dtype, 1e-6, 1e-7), 'rope forward'); // cos/sin are rounded to f32 as HF does
    assert.deepEqual(got.slice(0, H * D), x.slice(0, H * D), 'position 0 is the identity');
    assert.deepEqual(got.slice(4 * H * D, 5 * H * D), x.slice(4 * H * D, 5 * H * D), 'a packed row restarting at 0');
    be.rope(buf, pos, inv, N, H, D, true);
    // cos and sin are float32 values (as in HF), so cos² + sin² = 1 only to ~1e-7 even in f64
    assertClose(download(be, buf), x, tolOf(dtype, 1e-6, 1e-6, 2), 'rope inverse ∘ forward');
    // the inverse is exactly the adjoint (what the backward needs): <R·x, y> = <x, R⁻¹·y>
    const y = stored(randn(rand, N * H * D), dtype);
    const yb = upload(be, dtype, y);
    be.rope(yb, pos, inv, N, H, D, true);
    const dot = (a: number[], b: number[]): number => a.reduce((acc, v, i) => acc + v * b[i]!, 0);
    const lhs = dot(got, y), rhs = dot(x, download(be, yb));
    assert.ok(Math.abs(lhs - rhs) <= tolOf(dtype, 1e-5, 1e-12, 2) * Math.abs(lhs), `adjoint: ${lhs} vs ${rhs}`);
  });

  for (const act of ACTIVATIONS) test(`swiglu forward (${dtype}, ${act}): ${act}(gate) · up, finite for large |gate|`, () => {
    const rand = rng(3);
    const gate = stored([...randn(rand, 20, 4), 100, -100, 1000, -1000, 0], dtype);
    const up = stored(randn(rand, gate.length), dtype);
    const want = gate.map((g, i) => GATE[act].value(g) * up[i]!);
    for (const offset of [0, 1]) { // 25 elements: vectors of 8 and a tail on CUDA; no vector at an odd offset
      const out = placed(dtype, Array<number>(gate.length).fill(0), offset);
      be.swigluForward(out, placed(dtype, gate, offset), placed(dtype, up, offset), gate.length, act);
      const got = download(be, out);
      assert.ok(got.every(Number.isFinite), `non-finite swiglu output: ${got}`);
      assertClose(got, want, tolOf(dtype, 1e-6), `swiglu ${act} (offset ${offset})`);
    }
  });

  for (const act of ACTIVATIONS) test(`swiglu backward (${dtype}, ${act}): ∂/∂gate and ∂/∂up of ${act}(gate) · up, the same when written over gate and up`, () => {
    // short; long enough for the CPU's SIMD kernel and CUDA's vectors, with a tail of 3; and at an odd offset
    for (const [n, offset] of [[7, 0], [1027, 0], [1027, 1]] as const) {
      const rand = rng(30 + n);
      const gate = stored(randn(rand, n, 3), dtype), up = stored(randn(rand, n), dtype), dout = stored(randn(rand, n), dtype);
      const wantGate = gate.map((g, i) => dout[i]! * up[i]! * GATE[act].slope(g));
      const wantUp = gate.map((g, i) => dout[i]! * GATE[act].value(g));
      const dgate = placed(dtype, Array<number>(n).fill(0), offset), dup = placed(dtype, Array<number>(n).fill(0), offset);
      const d = placed(dtype, dout, offset);
      be.swigluBackward(dgate, dup, d, placed(dtype, gate, offset), placed(dtype, up, offset), n, act);
      assertClose(download(be, dgate), wantGate, tolOf(dtype, 1e-6), `swiglu ${act} dgate (n ${n}, offset ${offset})`);
      assertClose(download(be, dup), wantUp, tolOf(dtype, 1e-6), `swiglu ${act} dup (n ${n}, offset ${offset})`);
      const g = placed(dtype, gate, offset), u = placed(dtype, up, offset);
      be.swigluBackward(g, u, d, g, u, n, act); // as the model runs it: the gradients over the activations
      assert.deepEqual(download(be, g), download(be, dgate), `in place: ${act} dgate (n ${n}, offset ${offset})`);
      assert.deepEqual(download(be, u), download(be, dup), `in place: ${act} dup (n ${n}, offset ${offset})`);
    }
  });

  const ceDtype = exactOf(dtype); // the logits chunk, its gradient and the losses are exact under bf16
  test(`cross-entropy (${ceDtype}): log-sum-exp − logit[target], ignore index −100, gradient softmax − onehot`, () => {
    const N = 6, V = 11, rand = rng(4);
    const logits = stored(randn(rand, N * V, 3), ceDtype);
    for (let v = 0; v < V; v++) logits[5 * V + v] = stored([1e4 + v], ceDtype)[0]!; // large logits stay stable
    const targets = [3, -100, 0, 10, -100, 7];
    const losses = be.alloc(ceDtype, N), dlogits = be.alloc(ceDtype, N * V);
    be.fill(dlogits, 123);
    const scale = 0.25;
    be.crossEntropy(losses, dlogits, upload(be, ceDtype, logits), upload(be, 'i32', targets), N, V, scale);
    const expected = (rows: readonly number[]): { loss: number[]; grad: number[] } => {
      const loss: number[] = [], grad: number[] = [];
      for (let t = 0; t < N; t++) {
        const row = rows.slice(t * V, t * V + V);
        const y = targets[t]!;
        if (y === -100) {
          loss.push(0);
          grad.push(...new Array<number>(V).fill(0));
          continue;
        }
        const max = Math.max(...row);
        const z = row.reduce((s, l) => s + Math.exp(l - max), 0);
        loss.push(max + Math.log(z) - row[y]!);
        row.forEach((l, v) => grad.push(scale * (Math.exp(l - max) / z - (v === y ? 1 : 0))));
      }
      return { loss, grad };
    };
    const { loss: wantLoss, grad: wantGrad } = expected(logits);
    assertClose(download(be, losses), wantLoss, tolOf(ceDtype, 1e-6), 'cross-entropy losses');
    assertClose(download(be, dlogits), wantGrad, tolOf(ceDtype, 1e-6), 'cross-entropy dlogits');
    // losses only, and the gradient written over the logits themselves
    const aliased = upload(be, ceDtype, logits);
    be.crossEntropy(be.alloc(ceDtype, N), null, aliased, upload(be, 'i32', targets), N, V, scale);
    assert.deepEqual(download(be, aliased), logits, 'no dlogits: logits untouched');
    be.crossEntropy(be.alloc(ceDtype, N), aliased, aliased, upload(be, 'i32', targets), N, V, scale);
    assertClose(download(be, aliased), wantGrad, tolOf(ceDtype, 1e-6), 'dlogits aliasing logits');
    // a target outside [0, V) (the host refuses it when the batch is built) is ignored, never thrown or followed
    const bad = [3, 11, 0, -7, -100, 7];
    const grad = be.alloc(ceDtype, N * V);
    be.fill(grad, 123);
    be.crossEntropy(losses, grad, upload(be, ceDtype, logits), upload(be, 'i32', bad), N, V, scale);
    const ignored = (t: number): boolean => bad[t] !== targets[t];
    assertClose(download(be, losses), wantLoss.map((l, t) => (ignored(t) ? 0 : l)), tolOf(ceDtype, 1e-6), 'out-of-range targets: losses');
    assertClose(download(be, grad), wantGrad.map((g, i) => (ignored(Math.floor(i / V)) ? 0 : g)), tolOf(ceDtype, 1e-6), 'out-of-range targets: dlogits');
    if (dtype === ceDtype) return;
    // a bf16 step's bf16 logits (MISTRAL_TUNE_BF16_LOGITS): read as stored, their gradient written over them
    const narrow = stored(logits, dtype), inPlace = upload(be, dtype, narrow), narrowLosses = be.alloc(ceDtype, N);
    be.crossEntropy(narrowLosses, inPlace, inPlace, upload(be, 'i32', targets), N, V, scale);
    const want = expected(narrow);
    assertClose(download(be, narrowLosses), want.loss, tolOf(ceDtype, 1e-6), `${dtype} logits: losses`);
    assertClose(download(be, inPlace), want.grad, tolOf(dtype, 1e-6), `${dtype} logits: dlogits over them`);
  });

  test(`gatherRows and scatterAddRows (${dtype}): lookup, and accumulation for repeated rows`, () => {
    const C = 3, rand = rng(5);
    const table = stored(randn(rand, 5 * C), dtype);
    const rows = [4, 0, 4, 2];
    const out = be.alloc(dtype, rows.length * C);
    be.gatherRows(out, upload(be, dtype, table), upload(be, 'i32', rows), rows.length, C);
    assert.deepEqual(download(be, out), rows.flatMap((r) => table.slice(r * C, r * C + C)));
    // an index outside the table (the host refuses it when the batch is built) is never followed: a zero row
    be.gatherRows(out, upload(be, dtype, table), upload(be, 'i32', [1, 5, -1, 3]), 4, C);
    assert.deepEqual(download(be, out), [...table.slice(C, 2 * C), 0, 0, 0, 0, 0, 0, ...table.slice(3 * C, 4 * C)]);
    const dout = stored(randn(rand, rows.length * C), dtype);
    const dx = upload(be, dtype, new Array<number>(5 * C).fill(1));
    be.scatterAddRows(dx, upload(be, dtype, dout), upload(be, 'i32', rows), rows.length, C);
    const want = new Array<number>(5 * C).fill(1);
    rows.forEach((r, i) => { for (let c = 0; c < C; c++) want[r * C + c]! += dout[i * C + c]!; });
    assertClose(download(be, dx), want, tolOf(dtype, 1e-6, 1e-12, 2), 'scatterAddRows'); // row 4 is added twice
    be.scatterAddRows(dx, upload(be, dtype, dout), upload(be, 'i32', [5, -1, 99, 2]), rows.length, C); // only row 2 is added
    for (let c = 0; c < C; c++) want[2 * C + c]! += dout[3 * C + c]!;
    assertClose(download(be, dx), want, tolOf(dtype, 1e-6, 1e-12, 3), 'scatterAddRows skips indices outside dx');
  });

  test(`elementwise (${dtype}): add, axpy, scale, sum, sumSquares`, () => {
    const rand = rng(6), n = 9;
    const a = stored(randn(rand, n), dtype), b = stored(randn(rand, n), dtype);
    const A = upload(be, dtype, a), Bb = upload(be, dtype, b), out = be.alloc(dtype, n);
    be.add(out, A, Bb, n);
    assertClose(download(be, out), a.map((x, i) => x + b[i]!), tolOf(dtype, 1e-7), 'add');
    be.add(A, A, Bb, n); // out aliasing an input
    assertClose(download(be, A), a.map((x, i) => x + b[i]!), tolOf(dtype, 1e-7), 'add in place');
    const y = upload(be, dtype, a);
    be.axpy(y, Bb, -0.5, n);
    assertClose(download(be, y), a.map((x, i) => x - 0.5 * b[i]!), tolOf(dtype, 1e-7), 'axpy');
    be.scale(out, Bb, 3, n);
    assertClose(download(be, out), b.map((x) => 3 * x), tolOf(dtype, 1e-7), 'scale');
    const s = be.alloc(exactOf(dtype), 1);
    be.sum(s, Bb, n);
    assertClose(download(be, s), [b.reduce((p, x) => p + x, 0)], tolOf(exactOf(dtype), 1e-6), 'sum');
    be.sumSquares(s, Bb, n - 2); // only the first n − 2
    assertClose(download(be, s), [b.slice(0, n - 2).reduce((p, x) => p + x * x, 0)], tolOf(exactOf(dtype), 1e-6), 'sumSquares');
  });

  // DoRA's arithmetic beside its GEMMs: shapes off the kernels' 32-column blocks and 4-row groups, one larger, and one of
  // more rows than scale_columns' grid holds (its blocks stride past them)
  const doraShapes = [[37, 45], [300, 200], [17000, 3]] as const;
  /** Positive column factors (a magnitude, or a norm as den), in the exact dtype. */
  const positive = (rand: () => number, n: number): number[] => stored(Array.from({ length: n }, () => 0.5 + 2 * rand()), exactOf(dtype));

  test(`rowNorms (${dtype}): √(Σ_c x[r, c]²) per row, summed in double`, () => {
    for (const [R, C] of doraShapes) {
      const rand = rng(40 + R), x = stored(randn(rand, R * C), dtype), out = be.alloc(exactOf(dtype), R);
      be.rowNorms(out, upload(be, dtype, x), R, C);
      const want = Array.from({ length: R }, (_, r) => Math.sqrt(x.slice(r * C, (r + 1) * C).reduce((a, v) => a + v * v, 0)));
      assertClose(download(be, out), want, tolOf(exactOf(dtype), 1e-6), `rowNorms ${R}×${C}`);
    }
    // 1024 squares 4096² = 2^24, then 65·1024 + 1 of 1 (an odd length: one column at a time): in double the norm is exact
    // before its one rounding; an f32 sum of each thread's share, striding over the row from a 4096², drops every 1
    const C = 65 * 1024 + 1, x = Array.from({ length: C }, (_, c) => (c < 1024 ? 4096 : 1)), out = be.alloc(exactOf(dtype), 1);
    be.rowNorms(out, upload(be, dtype, x), 1, C);
    assert.deepEqual(download(be, out), stored([Math.sqrt(1024 * 2 ** 24 + C - 1024)], exactOf(dtype)), 'the squares summed in double');
  });

  test(`scaleColumns (${dtype}): addend + x · num[c] / den[c], without an addend, and written over x or over the addend`, () => {
    for (const [R, C] of doraShapes) {
      const rand = rng(50 + R);
      const x = stored(randn(rand, R * C), dtype), add = stored(randn(rand, R * C), dtype), num = positive(rand, C), den = positive(rand, C);
      const scaled = x.map((v, i) => (v * num[i % C]!) / den[i % C]!);
      const withAddend = scaled.map((v, i) => add[i]! + v);
      const Num = upload(be, exactOf(dtype), num), Den = upload(be, exactOf(dtype), den), what = `scaleColumns ${R}×${C}`;
      const out = be.alloc(dtype, R * C);
      be.scaleColumns(out, upload(be, dtype, x), Num, Den, R, C, null);
      assertClose(download(be, out), scaled, tolOf(dtype, 1e-6), `${what}, no addend`);
      be.scaleColumns(out, upload(be, dtype, x), Num, Den, R, C, upload(be, dtype, add));
      assertClose(download(be, out), withAddend, tolOf(dtype, 1e-6), `${what}, an addend`);
      const overX = upload(be, dtype, x);
      be.scaleColumns(overX, overX, Num, Den, R, C, upload(be, dtype, add));
      assert.deepEqual(download(be, overX), download(be, out), `${what}: out aliasing x`);
      const overAddend = upload(be, dtype, add);
      be.scaleColumns(overAddend, upload(be, dtype, x), Num, Den, R, C, overAddend);
      assert.deepEqual(download(be, overAddend), download(be, out), `${what}: out aliasing the addend`);
    }
  });

  test(`columnDots (${dtype}): out[c] += Σ_r a[r, c] · b[r, c] / den[c], summed in double`, () => {
    for (const [R, C] of doraShapes) {
      const rand = rng(60 + R);
      const a = stored(randn(rand, R * C), dtype), b = stored(randn(rand, R * C), dtype), den = positive(rand, C);
      const out0 = stored(randn(rand, C), exactOf(dtype)), out = upload(be, exactOf(dtype), out0);
      be.columnDots(out, upload(be, dtype, a), upload(be, dtype, b), upload(be, exactOf(dtype), den), R, C);
      const want = out0.map((o, c) => {
        let s = 0;
        for (let r = 0; r < R; r++) s += a[r * C + c]! * b[r * C + c]!;
        return o + s / den[c]!;
      });
      assertClose(download(be, out), want, tolOf(exactOf(dtype), 1e-6), `columnDots ${R}×${C}, onto a non-zero out`);
    }
    // per column: 4096 · 4096 = 2^24, then 198 products of 1, then −2^24 (in the last row): an f32 sum drops every 1
    const R = 200, C = 33, a = Array<number>(R * C).fill(1), b = Array<number>(R * C).fill(1);
    for (let c = 0; c < C; c++) [a[c], b[c], a[(R - 1) * C + c], b[(R - 1) * C + c]] = [4096, 4096, 4096, -4096];
    const out = upload(be, exactOf(dtype), Array<number>(C).fill(0.5));
    be.columnDots(out, upload(be, dtype, a), upload(be, dtype, b), upload(be, exactOf(dtype), Array<number>(C).fill(2)), R, C);
    assert.deepEqual(download(be, out), Array<number>(C).fill(0.5 + (R - 2) / 2), 'the products summed in double');
  });
}

test('sum and sumSquares over more elements than one pass of the grid: every block\'s partial sum counted once', () => {
  const rand = rng(7);
  // on CUDA: 1,001 blocks; then the most blocks, each striding over the input twice and more
  for (const n of [256 * 1000 + 3, ELEMENTWISE_THREADS * MAX_ELEMENTWISE_BLOCKS * 2 + 77]) {
    const x = stored(randn(rand, n), 'f32');
    const s = be.alloc('f64', 1);
    be.sum(s, upload(be, 'f32', x), n);
    assertClose(download(be, s), [x.reduce((p, v) => p + v, 0)], 1e-9, `sum of ${n}`);
    be.sumSquares(s, upload(be, 'f32', x), n);
    assertClose(download(be, s), [x.reduce((p, v) => p + v * v, 0)], 1e-12, `sumSquares of ${n}`);
    be.accumulateSum(s, upload(be, 'f32', x), n);
    assertClose(download(be, s), [x.reduce((p, v) => p + v * v + v, 0)], 1e-12, `accumulateSum onto it, ${n}`);
  }
});

test('dropout: mask ∈ {0, 1/(1−p)}, about 1−p kept, the same mask for the same seed, out = x · mask', () => {
  const n = 20000, p = 0.3;
  // the mask is what dropout makes of ones
  const maskOf = (seed: number): number[] => {
    const m = be.alloc('f32', n);
    be.dropout(m, upload(be, 'f32', new Array<number>(n).fill(1)), p, seed, n);
    return Array.from(download(be, m));
  };
  const x = upload(be, 'f32', new Array<number>(n).fill(2));
  const out = be.alloc('f32', n);
  be.dropout(out, x, p, 42, n);
  const m = maskOf(42), o = download(be, out);
  const keep = Math.fround(1 / (1 - p));
  assert.ok(m.every((v) => v === 0 || v === keep), 'mask values');
  const kept = m.filter((v) => v !== 0).length / n;
  assert.ok(Math.abs(kept - (1 - p)) < 0.02, `kept fraction ${kept}`);
  assertClose(o, m.map((v) => 2 * v), 1e-7, 'out = x · mask');
  assert.deepEqual(maskOf(42), m, 'same seed, same mask');
  assert.notDeepEqual(maskOf(43), m, 'another seed, another mask');
  be.dropout(x, x, p, 42, n); // out aliasing x
  assert.deepEqual(download(be, x), o, 'in place');
});

/** torch.optim.AdamW, one step, by its documented formula (float64). */
function adamwStep(param: number[], grad: number[], m: number[], v: number[], h: {
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number;
}): void {
  for (let i = 0; i < param.length; i++) {
    param[i] = param[i]! * (1 - h.lr * h.weightDecay);
    m[i] = h.beta1 * m[i]! + (1 - h.beta1) * grad[i]!;
    v[i] = h.beta2 * v[i]! + (1 - h.beta2) * grad[i]! * grad[i]!;
    const mHat = m[i]! / (1 - h.beta1 ** h.step);
    const vHat = v[i]! / (1 - h.beta2 ** h.step);
    param[i] = param[i]! - (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
  }
}

test('adamw (f64): three steps equal the hand formula of torch.optim.AdamW', () => {
  const rand = rng(8), n = 7;
  const h = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
  const param = randn(rand, n), m = new Array<number>(n).fill(0), v = new Array<number>(n).fill(0);
  const P = upload(be, 'f64', param), M = upload(be, 'f64', m), Vv = upload(be, 'f64', v);
  for (let step = 1; step <= 3; step++) {
    const grad = randn(rand, n, 10 ** (step - 2));
    grad[0] = 0; // a zero gradient still decays the weight
    be.adamw(P, upload(be, 'f64', grad), M, Vv, null, 0, n, { ...h, step });
    adamwStep(param, grad, m, v, { ...h, step });
    assertClose(download(be, P), param, 1e-12, `param after step ${step}`);
    assertClose(download(be, M), m, 1e-12, `m after step ${step}`);
    assertClose(download(be, Vv), v, 1e-12, `v after step ${step}`, 1e-12);
  }
});

interface TorchAdamW {
  hyper: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
  steps: Array<{ step: number; param_before: number[]; grad: number[]; param: number[]; m: number[]; v: number[] }>;
}

test('adamw (f32): three steps equal torch.optim.AdamW as recorded from torch', () => {
  const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'variants', 'torch-adamw.json'), 'utf8')) as TorchAdamW;
  const { lr, betas, eps, weight_decay } = ref.hyper;
  const n = ref.steps[0]!.param_before.length;
  const P = upload(be, 'f32', ref.steps[0]!.param_before), M = be.alloc('f32', n), Vv = be.alloc('f32', n);
  for (const s of ref.steps) {
    be.adamw(P, upload(be, 'f32', s.grad), M, Vv, null, 0, n, { lr, beta1: betas[0], beta2: betas[1], eps, weightDecay: weight_decay, step: s.step });
    assertClose(download(be, P), s.param, 1e-6, `param after torch step ${s.step}`);
    assertClose(download(be, M), s.m, 1e-6, `m after torch step ${s.step}`, 1e-6);
    assertClose(download(be, Vv), s.v, 1e-5, `v after torch step ${s.step}`, 1e-6);
  }
});

test('buffers: upload/download round trip, views share memory, bytesInUse counts allocations', () => {
  const b = testBackend({ gemm: 'js' });
  const before = b.bytesInUse();
  const x = upload(b, 'f32', [1, 2, 3, 4]);
  assert.equal(b.bytesInUse() - before, 16);
  const view = b.view(x, 1, 2);
  b.fill(view, 9);
  assert.deepEqual(download(b, x), [1, 9, 9, 4]);
  b.upload(x, { dtype: 'f32', data: Float32Array.from([5, 6]) }, 2);
  assert.deepEqual(download(b, x), [1, 9, 5, 6]);
  assert.throws(() => b.view(x, 3, 2), /outside/);
  assert.throws(() => b.upload(x, { dtype: 'f32', data: new Float32Array(3) }, 2), /overflows/);
  assert.throws(() => b.upload(x, { dtype: 'i32', data: new Int32Array(1) }), /i32 data into a f32 buffer/);
  b.free(view);
  assert.equal(b.bytesInUse() - before, 16, 'freeing a view frees nothing');
  b.free(x);
  assert.equal(b.bytesInUse(), before);
});
