// The WebAssembly SIMD kernels agree with the TypeScript reference kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy } from '../../src/backend/cpu/kernels/cross-entropy.ts';
import { frameArrayBytes } from '../../src/backend/cpu/wasm/arena.ts';
import { WasmKernels, bandUnits } from '../../src/backend/cpu/wasm/wasm-kernels.ts';
import { Rng } from '../../src/util/rng.ts';
import { relErr } from '../helpers.ts';

const wasm = WasmKernels.load();

test('cross-entropy: losses and gradients equal the TypeScript kernel (ignored rows, odd V, extreme logits)', { skip: !wasm && 'WebAssembly SIMD unavailable' }, () => {
  const rng = new Rng(1);
  for (const [N, V, spread] of [[5, 7, 3], [9, 32000, 20], [3, 1001, 200], [4, 64, 0]] as const) {
    const logits = Float32Array.from({ length: N * V }, () => (rng.next() - 0.5) * spread);
    if (N > 3) logits[V + 2] = 80; // a dominant logit: other exps underflow
    const targets = Int32Array.from({ length: N }, (_, i) => (i === 1 && N > 3 ? 2 : i % 3 === 2 ? -100 : rng.below(V)));
    const [lossA, lossB] = [new Float32Array(N), new Float32Array(N)];
    wasm!.crossEntropy(lossA, null, logits, targets, N, V, 1);
    crossEntropy(lossB, null, logits, targets, N, V, 1);
    assert.ok(relErr(lossA, lossB) < 1e-6, `losses N=${N} V=${V}: ${relErr(lossA, lossB)}`);
    const [gA, gB] = [logits.slice(), logits.slice()];
    wasm!.crossEntropy(lossA, gA, gA, targets, N, V, 0.25);
    crossEntropy(lossB, gB, gB, targets, N, V, 0.25);
    assert.ok(relErr(gA, gB) < 1e-6, `gradients N=${N} V=${V}: ${relErr(gA, gB)}`);
    assert.ok(relErr(lossA, lossB) < 1e-6);
  }
});

test('cross-entropy: a target outside the vocabulary is ignored, as by the TypeScript kernel (the host validates targets)', { skip: !wasm && 'WebAssembly SIMD unavailable' }, () => {
  const losses = Float32Array.of(5, 5), grad = new Float32Array(16).fill(7);
  wasm!.crossEntropy(losses, grad, new Float32Array(16), Int32Array.of(8, -3), 2, 8, 1);
  assert.deepEqual(Array.from(losses), [0, 0]);
  assert.deepEqual(Array.from(grad), new Array<number>(16).fill(0));
});

test('SIMD and TypeScript backends agree on swiglu and attention, forward and backward (f32)', { skip: !wasm && 'WebAssembly SIMD unavailable' }, async () => {
  const { CpuBackend } = await import('../../src/backend/cpu/cpu-backend.ts');
  const rng = new Rng(2);
  const simd = new CpuBackend({ simd: true }), plain = new CpuBackend({ simd: false });
  const run = (be: InstanceType<typeof CpuBackend>, f: (up: (a: Float32Array) => ReturnType<typeof be.alloc>) => Array<ReturnType<typeof be.alloc>>): Float32Array[] => {
    const up = (a: Float32Array): ReturnType<typeof be.alloc> => {
      const b = be.alloc('f32', a.length);
      be.upload(b, { dtype: 'f32', data: a });
      return b;
    };
    return f(up).map((b) => be.download(b) as Float32Array);
  };
  const n = 1003;
  const gate = Float32Array.from({ length: n }, (_, i) => (i === 7 ? -2000 : i === 8 ? 2000 : (rng.next() - 0.5) * 12));
  const upv = Float32Array.from({ length: n }, () => rng.next() - 0.5), dout = Float32Array.from({ length: n }, () => rng.next() - 0.5);
  const swiglu = (be: InstanceType<typeof CpuBackend>): Float32Array[] => run(be, (up) => {
    const out = be.alloc('f32', n), dg = be.alloc('f32', n), du = be.alloc('f32', n);
    const g = up(gate), u = up(upv), d = up(dout);
    be.swigluForward(out, g, u, n);
    be.swigluBackward(dg, du, d, g, u, n);
    return [out, dg, du];
  });
  swiglu(simd).forEach((a, i) => assert.ok(relErr(a, swiglu(plain)[i]!) < 1e-6, `swiglu output ${i}`));

  const B = 2, T = 37, Hq = 4, Hkv = 2, D = 8, N = B * T;
  const rand = (len: number): Float32Array => Float32Array.from({ length: len }, () => rng.next() - 0.5);
  const q = rand(N * Hq * D), k = rand(N * Hkv * D), v = rand(N * Hkv * D), dO = rand(N * Hq * D);
  const segs = Int32Array.from({ length: N }, (_, i) => (i % T < 20 ? 0 : i % T < 33 ? 1 : -1)); // packed, then padding
  for (const window of [null, 5]) {
    const shape = { B, T, Hq, Hkv, D, scale: 1 / Math.sqrt(D), window };
    const attention = (be: InstanceType<typeof CpuBackend>): Float32Array[] => run(be, (up) => {
      const seg = be.alloc('i32', N);
      be.upload(seg, { dtype: 'i32', data: segs });
      const out = be.alloc('f32', N * Hq * D), lse = be.alloc('f32', B * Hq * T);
      const [qb, kb, vb, db] = [up(q), up(k), up(v), up(dO)];
      be.attentionForward(out, lse, qb, kb, vb, seg, shape);
      const dq = be.alloc('f32', N * Hq * D), dk = be.alloc('f32', N * Hkv * D), dv = be.alloc('f32', N * Hkv * D);
      be.attentionBackward(dq, dk, dv, db, out, lse, qb, kb, vb, seg, shape);
      return [out, dq, dk, dv];
    });
    const [a, b] = [attention(simd), attention(plain)];
    a.forEach((x, i) => assert.ok(relErr(x, b[i]!) < 1e-5, `attention output ${i} (window ${window}): ${relErr(x, b[i]!)}`));
  }
});

test('long generation with the SIMD GEMM: the KV cache outgrows the first wasm memory without detaching the attention workspace', { skip: !wasm && 'WebAssembly SIMD unavailable' }, async () => {
  const { CpuBackend } = await import('../../src/backend/cpu/cpu-backend.ts');
  const { parseConfig } = await import('../../src/model/config.ts');
  const { createRandomModel } = await import('../../src/model/init.ts');
  const { generate } = await import('../../src/model/generate.ts');
  const cfg = parseConfig({ model_type: 'mistral', vocab_size: 64, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 8, sliding_window: null });
  const simd = generate(createRandomModel(new CpuBackend({ gemm: 'simd' }), cfg, { seed: 1 }), [1, 2, 3], { maxNewTokens: 1600, eosIds: [] });
  assert.equal(simd.length, 1600);
  const ref = generate(createRandomModel(new CpuBackend({ gemm: 'js', simd: false }), cfg, { seed: 1 }), [1, 2, 3], { maxNewTokens: 40, eosIds: [] });
  assert.deepEqual(simd.slice(0, 40), ref);
});

test('a workspace beyond what WebAssembly memory can grow to is a UserError naming the size, not a RangeError', { skip: !wasm && 'WebAssembly SIMD unavailable' }, () => {
  const ops = wasm!.attentionOps(() => {});
  assert.throws(() => ops.workspace(30_000, 30_000, new Float32Array(16), new Float32Array(16)),
    (e: Error) => e.name === 'UserError' && /need \d+ MiB of WebAssembly memory.*use shorter sequences or smaller batches \(train: max_seq_len/.test(e.message));
  ops.release();
  // the kernels still work afterwards
  const [a, b] = [new Float32Array(4), new Float32Array(4)];
  wasm!.swigluForward(a, Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 1, 1, 1), 4);
  assert.ok(a.some((x) => x !== 0) && b.every((x) => x === 0));
});

test('adamw, swiglu and cross-entropy over arrays outside the kernels\' memory run in bands within bandBytes, bit-equal to the TypeScript kernels', { skip: !wasm && 'WebAssembly SIMD unavailable' }, async () => {
  const { adamwSpans } = await import('../../src/backend/cpu/kernels/optimizer.ts');
  const { swigluForward, swigluBackward } = await import('../../src/backend/cpu/kernels/swiglu.ts');
  const k = WasmKernels.load(3)!; // threads split each band too
  const rng = new Rng(11);
  const rand = (n: number, spread = 1): Float32Array => Float32Array.from({ length: n }, () => (rng.next() - 0.5) * spread);
  const bits = (a: Float32Array): Uint8Array => new Uint8Array(a.slice().buffer);
  const saved = k.bandBytes;
  k.bandBytes = 64 * 1024; // AdamW: 4096 elements a band (16 bytes each outside the arena)
  try {
    // AdamW against the TypeScript kernel: 100,003 elements (25 bands, the last partial), spans across band edges,
    // one inside a band, one empty
    const n = 100_003;
    const spans = Int32Array.of(10, 4096, 4100, 4101, 8000, 8000, 8191, 50_001, 99_999, 100_003);
    const h = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 2 };
    for (const sp of [spans, null]) {
      const [p, g, m] = [rand(n), rand(n), rand(n, 0.1)], v = Float32Array.from({ length: n }, (_, i) => (i % 7) * 1e-3);
      const ref = [p.slice(), g.slice(), m.slice(), v.slice()] as const;
      k.largestFrame = 0;
      k.adamw(p, g, m, v, sp, sp ? 5 : 0, n, h);
      assert.ok(k.largestFrame <= k.bandBytes + 1024, `adamw framed ${k.largestFrame} bytes at once, past the band's ${k.bandBytes}`);
      adamwSpans(ref[0], ref[1], ref[2], ref[3], sp, sp ? 5 : 0, n, h);
      [p, m, v].forEach((a, i) => assert.deepEqual(bits(a), bits([ref[0], ref[2], ref[3]][i]!), `adamw output ${i} (spans ${sp ? 'given' : 'null'})`));
    }
    // SwiGLU (50,001 elements) and cross-entropy (40 rows of V 1001, some ignored, with the gradient: 16 rows a band):
    // the same bits in bands as framed whole (their exp is not the TypeScript kernels', so compared with themselves)
    const e = 50_001, gate = rand(e, 8), up = rand(e, 2), dout = rand(e);
    const N = 40, V = 1001, logits = rand(N * V, 20), targets = Int32Array.from({ length: N }, (_, t) => (t % 9 === 4 ? -100 : (t * 97) % V));
    const others = (): Uint8Array[] => {
      const [out, dg, du] = [new Float32Array(e), new Float32Array(e), new Float32Array(e)];
      const [losses, dl] = [new Float32Array(N), new Float32Array(N * V)];
      k.largestFrame = 0;
      k.swigluForward(out, gate, up, e);
      k.swigluBackward(dg, du, dout, gate, up, e);
      k.crossEntropy(losses, dl, logits, targets, N, V, 0.5);
      return [out, dg, du, losses, dl].map(bits);
    };
    const banded = others();
    assert.ok(k.largestFrame <= k.bandBytes + 1024, `swiglu or cross-entropy framed ${k.largestFrame} bytes at once`);
    k.bandBytes = saved;
    const whole = others();
    assert.ok(k.largestFrame > 5 * e * 4, 'the reference run frames SwiGLU\'s backward whole');
    banded.forEach((x, i) => assert.deepEqual(x, whole[i], `output ${i}: bands differ from one frame`));
  } finally {
    k.bandBytes = saved;
  }
});

test('adamw with empty decay spans (S = 0, all gaps) decays nothing, also on its first frame (a zero offset is the kernel\'s "no spans")', { skip: !wasm && 'WebAssembly SIMD unavailable' }, async () => {
  const { adamwSpans } = await import('../../src/backend/cpu/kernels/optimizer.ts');
  const k = WasmKernels.load(5)!; // an instance of its own: no frame laid out yet
  const n = 8, h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5, step: 1 };
  const inArena = (): Float32Array => k.allocF32(n)!.data.fill(2);
  const [p, g, m, v] = [inArena(), inArena(), inArena(), inArena()];
  const ref = [p.slice(), g.slice(), m.slice(), v.slice()] as const;
  k.adamw(p, g, m, v, new Int32Array(2), 0, n, h);
  adamwSpans(ref[0], ref[1], ref[2], ref[3], new Int32Array(2), 0, n, h);
  assert.deepEqual(Array.from(p), Array.from(ref[0]));
});

test('a GEMM whose operands outside WebAssembly memory outgrow it runs in blocks within the bound; refused naming the GEMM and a BLAS library only where one block does not fit', { skip: !wasm && 'WebAssembly SIMD unavailable' }, async () => {
  const { resolveGemm } = await import('../../src/backend/cpu/gemm.ts');
  const k = WasmKernels.load(3)!;
  const saved = [k.frameLimit, k.bandBytes] as const;
  k.frameLimit = 2 ** 20; // a weight of 2 MiB outside the memory stands for one of GiBs
  try {
    const [m, n, kk] = [2, 4096, 128];
    const g = resolveGemm({ m, n, k: kk, transA: false, transB: true }, m * kk, n * kk, m * n);
    const rng = new Rng(3);
    const [A, B] = [Float32Array.from({ length: m * kk }, () => rng.next() - 0.5), Float32Array.from({ length: n * kk }, () => rng.next() - 0.5)];
    // a bound past what the memory gives one frame (an arena without room for one block) is refused
    assert.throws(() => k.sgemm(g, A, B, new Float32Array(m * n)),
      (e: Error) => e.name === 'UserError' && /need 2 MiB of WebAssembly memory for a GEMM \(2 × 128 by 128 × 4096\) whose operands held outside it are copied in block by block.*a BLAS library takes a GEMM's operands in place \(Debian: apt-get install libopenblas0-pthread\); else use shorter sequences/.test(e.message));
    // within it, the weight is taken a block at a time: the bits of the GEMM framed whole
    k.bandBytes = 2 ** 19;
    const C = new Float32Array(m * n);
    k.largestFrame = 0;
    k.sgemm(g, A, B, C);
    assert.ok(k.largestFrame <= 2 ** 19, `framed ${k.largestFrame} bytes`);
    [k.frameLimit, k.bandBytes] = [2 ** 22, 2 ** 22];
    const whole = new Float32Array(m * n);
    k.sgemm(g, A, B, whole);
    assert.deepEqual(new Uint8Array(C.buffer), new Uint8Array(whole.buffer));
    // the banded kernels keep within a limit that their band fits
    [k.frameLimit, k.bandBytes] = [2 ** 20, 2 ** 19];
    const big = 100_000, p = new Float32Array(big).fill(1), z = (): Float32Array => new Float32Array(big);
    k.adamw(p, z().fill(0.5), z(), z(), null, 0, big, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1 });
    assert.ok(Math.abs(p[big - 1]! - 0.9) < 1e-6);
  } finally {
    [k.frameLimit, k.bandBytes] = saved;
  }
});

test('a banded kernel over 0 units with every operand in the arena runs one empty band (a band of 0 units never ended)', { skip: !wasm && 'WebAssembly SIMD unavailable' }, () => {
  assert.equal(bandUnits(0, 0, 16, 2 ** 26), 1);
  assert.equal(bandUnits(40, 0, 16, 2 ** 26), 40);
  assert.equal(bandUnits(100_003, 16, 16, 65536), 4096);
  const k = WasmKernels.load(3)!;
  const [p, g, m, v] = [0, 1, 2, 3].map(() => k.allocF32(4)!.data.fill(1)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  k.adamw(p, g, m, v, null, 0, 0, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5, step: 1 });
  k.swigluForward(p, g, m, 0);
  assert.deepEqual(Array.from(p), [1, 1, 1, 1]);
});

test('frameArrayBytes: an array a frame takes whole (rmsnorm\'s x, attention\'s scores) past 2 GiB is counted in full, not overflowed negative', () => {
  assert.deepEqual([0, 1, 4, 5].map((n) => frameArrayBytes(n, 4)), [0, 16, 16, 32]);
  assert.equal(frameArrayBytes(3, 8), 32);
  assert.equal(frameArrayBytes(2 ** 29 + 1, 4), 2 ** 31 + 16); // 2 GiB and 4 bytes of float32
  assert.equal(frameArrayBytes(131072 * 5120, 4), 5 * 2 ** 29); // Mistral Nemo's float32 LM head, 2.5 GiB
  assert.equal(frameArrayBytes(2 ** 30 + 3, 8), 2 ** 33 + 32); // past 4 GiB: refused by size, not laid out wrapped
});
