// The DoRA merge weight by weight against PEFT's formula, in float64 on the host: W' = m ⊙ (W + s·B·A) / ‖W + s·B·A‖,
// the norm of each output row taken over the input dimension, for every projection of the tiny fixture — square
// (q_proj, o_proj), GQA's k_proj and v_proj (out 32 < in 64) and the MLP's (160 × 64, 64 × 160) — with magnitudes far
// from the norms (at PEFT's init they equal them, and a norm taken over the wrong axis would hardly show); and a bf16
// model's merge, rounded once to bf16 as a LoRA merge is.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.ts';
import { bf16ToF32, f32ToBf16 } from '../../src/backend/dtype.ts';
import { mergeLora } from '../../src/model/merge.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { Rng } from '../../src/util/rng.ts';
import { TINY, TINY_BASE } from '../helpers.ts';

const DORA = path.join(path.dirname(TINY), 'hf-tiny-mistral-dora');

/** Each adapted projection's merged weight by PEFT's formula in float64 (magnitudes set far from the norms first), then merged by mergeLora. */
function mergedAndExpected(dtype: 'f32' | 'bf16'): Array<{ name: string; shape: string; got: Float32Array; want: Float64Array }> {
  const be = new CpuBackend();
  const model = loadModel(TINY_BASE, { backend: be, dtype });
  loadAdapter(model, path.join(DORA, 'adapter_step1'), { trainable: false });
  const rng = new Rng(3);
  const cases: Array<{ name: string; shape: string; lin: (typeof model.layers)[number]['proj']['q_proj']; want: Float64Array }> = [];
  for (const [li, layer] of model.layers.entries()) {
    for (const [name, lin] of Object.entries(layer.proj)) {
      const l = lin.lora;
      if (!l) continue;
      const out = lin.outDim, inn = lin.inDim, r = l.r;
      const m = Float32Array.from({ length: out }, () => 0.5 + 2 * rng.next());
      be.upload(l.pair.dora!.magnitude, { dtype: 'f32', data: m });
      const W = be.download(lin.weight), A = be.download(l.pair.A), B = be.download(l.pair.B);
      const want = new Float64Array(out * inn);
      for (let o = 0; o < out; o++) {
        let sq = 0;
        for (let i = 0; i < inn; i++) {
          let ba = 0;
          for (let k = 0; k < r; k++) ba += B[o * r + k]! * A[k * inn + i]!;
          const v = W[o * inn + i]! + l.scaling * ba;
          want[o * inn + i] = v;
          sq += v * v;
        }
        const g = m[o]! / Math.sqrt(sq);
        for (let i = 0; i < inn; i++) want[o * inn + i]! *= g;
      }
      cases.push({ name: `layers.${li}.${name}`, shape: `${out}x${inn}`, lin, want });
    }
  }
  mergeLora(model);
  return cases.map(({ name, shape, lin, want }) => ({ name, shape, want, got: be.download(lin.weight) as Float32Array }));
}

test('a merged DoRA projection is m ⊙ (W + s·B·A) / ‖W + s·B·A‖ row by row, for square, GQA k/v and MLP shapes', () => {
  const merged = mergedAndExpected('f32');
  assert.deepEqual([...new Set(merged.map((c) => c.shape))].sort(), ['160x64', '32x64', '64x160', '64x64']);
  for (const { name, got, want } of merged) {
    let worst = 0, scale = 0;
    for (let j = 0; j < want.length; j++) {
      worst = Math.max(worst, Math.abs(got[j]! - want[j]!));
      scale = Math.max(scale, Math.abs(want[j]!));
    }
    assert.ok(worst / scale < 1e-6, `${name}: max error ${worst} of the largest weight ${scale}`);
  }
});

test('a DoRA merge of a bf16 model rounds the merged weight once (W + s·B·A and its norms in f32), as a LoRA merge does', () => {
  for (const { name, got, want } of mergedAndExpected('bf16')) {
    const once = bf16ToF32(f32ToBf16(want));
    let off = 0;
    for (let j = 0; j < want.length; j++) if (got[j] !== once[j]) off++;
    // f32 against float64 arithmetic may differ on a value within an f32 rounding of a bf16 tie: a handful at most
    assert.ok(off <= want.length * 1e-3, `${name}: ${off} of ${want.length} weights are not the exact merge rounded once to bf16`);
  }
});
