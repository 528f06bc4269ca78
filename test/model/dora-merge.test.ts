// The DoRA merge weight by weight against PEFT's formula, in float64 on the host: W' = m ⊙ (W + s·B·A) / ‖W + s·B·A‖,
// the norm of each output row taken over the input dimension, for every projection of the tiny fixture — square
// (q_proj, o_proj), GQA's k_proj and v_proj (out 32 < in 64) and the MLP's (160 × 64, 64 × 160) — with magnitudes far
// from the norms (at PEFT's init they equal them, and a norm taken over the wrong axis would hardly show).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.ts';
import { mergeLora } from '../../src/model/merge.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { Rng } from '../../src/util/rng.ts';
import { TINY, TINY_BASE } from '../helpers.ts';

const DORA = path.join(path.dirname(TINY), 'hf-tiny-mistral-dora');

test('a merged DoRA projection is m ⊙ (W + s·B·A) / ‖W + s·B·A‖ row by row, for square, GQA k/v and MLP shapes', () => {
  const be = new CpuBackend();
  const model = loadModel(TINY_BASE, { backend: be, dtype: 'f32' });
  loadAdapter(model, path.join(DORA, 'adapter_step1'), { trainable: false });
  const rng = new Rng(3);
  const expected: Array<[string, Float64Array]> = [];
  const shapes = new Set<string>();
  for (const [li, layer] of model.layers.entries()) {
    for (const [name, lin] of Object.entries(layer.proj)) {
      const l = lin.lora;
      if (!l) continue;
      const out = lin.outDim, inn = lin.inDim, r = l.r;
      shapes.add(`${out}x${inn}`);
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
      expected.push([`layers.${li}.${name}`, want]);
    }
  }
  assert.deepEqual([...shapes].sort(), ['160x64', '32x64', '64x160', '64x64']);
  mergeLora(model);
  let i = 0;
  for (const layer of model.layers) {
    for (const lin of Object.values(layer.proj)) {
      const [name, want] = expected[i++]!;
      const got = be.download(lin.weight);
      let worst = 0, scale = 0;
      for (let j = 0; j < want.length; j++) {
        worst = Math.max(worst, Math.abs(got[j]! - want[j]!));
        scale = Math.max(scale, Math.abs(want[j]!));
      }
      assert.ok(worst / scale < 1e-6, `${name}: max error ${worst} of the largest weight ${scale}`);
    }
  }
  assert.equal(i, expected.length);
});
