// The wasm kernels' e^x (exp4 in kernels/simd-math.h, used by cross-entropy, SwiGLU's sigmoid and attention's softmax) at
// its edges: NaN of either sign stays NaN (the trainer's non-finite check relies on a NaN loss), under- and
// overflow give 0 and +inf, and the SIMD lanes agree with the scalar tail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { swigluForward } from '../../src/backend/cpu/kernels/swiglu.ts';
import { WasmKernels } from '../../src/backend/cpu/wasm/wasm-kernels.ts';

const wasm = WasmKernels.load();
const negNaN = new Float32Array(new Uint32Array([0xffc00000]).buffer)[0]!; // x86's default NaN has the sign bit set

test('cross-entropy: a NaN logit of either sign gives a NaN loss, in the SIMD lanes and in the tail', { skip: !wasm && 'WebAssembly SIMD unavailable' }, () => {
  const V = 11; // 8 in SIMD lanes, 3 in the scalar tail
  for (const nan of [NaN, negNaN]) {
    for (const at of [2, 9]) {
      const logits = Float32Array.from({ length: V }, (_, i) => i / V);
      logits[at] = nan;
      const losses = new Float32Array(1);
      wasm!.crossEntropy(losses, null, logits, Int32Array.of(0), 1, V, 1);
      assert.ok(Number.isNaN(losses[0]), `NaN at ${at}: loss ${losses[0]}`);
    }
  }
});

test('SwiGLU: e^x under- and overflow, infinities and NaN as the TypeScript kernel', { skip: !wasm && 'WebAssembly SIMD unavailable' }, () => {
  const gate = Float32Array.of(-100, -88.8, -88.7, -87.4, -87.3, 87.3, 87.4, 88.8, 100, -Infinity, Infinity, NaN, negNaN, 0, -0, 1, 2);
  const n = gate.length, up = new Float32Array(n).fill(1);
  const [a, b] = [new Float32Array(n), new Float32Array(n)];
  wasm!.swigluForward(a, gate, up, n);
  swigluForward(b, gate, up, n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(b[i])) assert.ok(Number.isNaN(a[i]), `gate ${gate[i]}: ${a[i]}, expected NaN`);
    else assert.ok(a[i] === b[i] || Math.abs(a[i]! - b[i]!) <= 1e-6 * Math.abs(b[i]!) + 1e-30, `gate ${gate[i]}: ${a[i]} vs ${b[i]}`);
  }
});
