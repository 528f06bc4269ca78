// The forward pass against HF transformers' own outputs on the tiny Mistral fixture, at the test precision
// (test/backend/device.ts: fp32 ≤ 1e-4; bf16: TOLERANCES.bf16).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertTol, test, testBackend, TEST_DTYPE, tol } from '../backend/device.ts';
import type { Backend } from '../../src/backend/backend.ts';
import { collate } from '../../src/data/batch.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { relErr, readFixture, tokenRows, TINY, TINY_BASE } from '../helpers.ts';

const ex = readFixture(path.join(TINY, 'expected.safetensors'));
const meta = JSON.parse(fs.readFileSync(path.join(TINY, 'meta.json'), 'utf8')) as { base_loss: number };
const B = 2, T = 24, V = 512;
const ids = ex.input_ids!.data as Int32Array;
const labels = ex.labels!.data as Int32Array;

for (const gemm of ['auto', 'js'] as const) {
  const backend = testBackend({ gemm });
  const model = loadModel(TINY_BASE, { backend, dtype: TEST_DTYPE });

  test(`base logits match HF (gemm ${gemm})`, () => {
    const logits = model.logits(collate(tokenRows(ids, null, B, T), 0, 0));
    assertTol('logits', relErr(logits, ex.base_logits!.data), 'base logits');
  });

  test(`base loss matches HF, token-weighted (gemm ${gemm})`, () => {
    const { sum, count } = model.loss(collate(tokenRows(ids, labels, B, T), 0, 0));
    assert.equal(count, 2 * (T - 10));
    assertTol('loss', Math.abs(sum / count - meta.base_loss) / meta.base_loss, `base loss ${sum / count} vs ${meta.base_loss}`);
  });

  test(`padded logits match HF at unmasked positions (gemm ${gemm})`, () => {
    const pad = ex.padded_input_ids!.data as Int32Array;
    const mask = ex.padded_attention_mask!.data as Int32Array;
    const rows = tokenRows(pad, null, B, T).map((r, b) => ({
      inputIds: r.inputIds.filter((_, t) => mask[b * T + t] === 1),
    }));
    const logits = model.logits(collate(rows, 0, 0));
    const ours: number[] = [], theirs: number[] = [];
    for (let i = 0; i < B * T; i++) {
      if (mask[i] !== 1) continue;
      for (let v = 0; v < V; v++) {
        ours.push(logits[i * V + v]!);
        theirs.push(ex.padded_logits!.data[i * V + v]!);
      }
    }
    assertTol('logits', relErr(ours, theirs), 'padded logits');
  });

  test(`classification logits match HF (gemm ${gemm})`, () => {
    const pad = ex.padded_input_ids!.data as Int32Array;
    const mask = ex.padded_attention_mask!.data as Int32Array;
    const rows = tokenRows(pad, null, B, T).map((r, b) => ({ inputIds: r.inputIds.filter((_, t) => mask[b * T + t] === 1) }));
    const score = backend.alloc('f32', 3 * 64);
    backend.upload(score, { dtype: 'f32', data: ex.cls_score_weight!.data as Float32Array });
    model.setScoreHead(score, false);
    const logits = model.classLogits(collate(rows, 0, 0));
    assertTol('logits', relErr(logits, ex.cls_logits!.data), `classification logits ${Array.from(logits)} vs ${Array.from(ex.cls_logits!.data)}`);
  });
}

test('activation buffers planned for a larger batch serve a smaller one unchanged', () => {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend, dtype: TEST_DTYPE });
  const rows = tokenRows(ids, labels, B, T);
  const big = [...rows, ...rows, { inputIds: [...rows[0]!.inputIds, ...rows[1]!.inputIds] }];
  model.loss(collate(big, 0, 0));
  const small = collate([{ inputIds: rows[1]!.inputIds.slice(0, 13) }], 0, 0);
  const fresh = loadModel(TINY_BASE, { backend: testBackend(), dtype: TEST_DTYPE });
  assert.equal(relErr(model.logits(small), fresh.logits(small)), 0);
  assert.equal(relErr(model.tokenLosses(small), fresh.tokenLosses(small)), 0);
});

/** The backend with one deliberate kernel bug: RoPE rotating the wrong way (a sign slip a kernel port makes). */
function ropeBackwards(be: Backend): Backend {
  return new Proxy(be, {
    get(target, key) {
      if (key === 'rope') return (...a: Parameters<Backend['rope']>) => target.rope(a[0], a[1], a[2], a[3], a[4], a[5], !a[6]);
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
    },
  });
}

test('the logits tolerance of the test precision fails a wrong kernel by a wide margin', () => {
  // measured with bf16 (CPU): RoPE backwards 4.3e-1, SwiGLU with gate and up swapped 7.2e-1, RMSNorm eps 0.1
  // 7.9e-1, against a tolerance of 3e-2 (fp32: 1e-4); require 5× so a looser tolerance cannot slip in unnoticed
  const model = loadModel(TINY_BASE, { backend: ropeBackwards(testBackend()), dtype: TEST_DTYPE });
  const err = relErr(model.logits(collate(tokenRows(ids, null, B, T), 0, 0)), ex.base_logits!.data);
  assert.ok(err > 5 * tol('logits'), `a backwards RoPE gives rel err ${err}, within 5× the tolerance ${tol('logits')}`);
});
