// The WebAssembly SIMD kernels agree with the TypeScript reference kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy } from '../../src/backend/cpu/kernels/cross-entropy.ts';
import { WasmKernels } from '../../src/backend/cpu/wasm/wasm-kernels.ts';
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

test('cross-entropy: a target outside the vocabulary is an error', { skip: !wasm && 'WebAssembly SIMD unavailable' }, () => {
  assert.throws(() => wasm!.crossEntropy(new Float32Array(1), null, new Float32Array(8), Int32Array.of(8), 1, 8, 1), /outside the vocabulary/);
});
