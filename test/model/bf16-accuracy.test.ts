// bf16 against fp32 on the CPU oracle, forward: logits of the tiny fixture (F32 weights, rounded to
// bf16 tensor by tensor on load), of the bf16 variant (BF16 weights, uploaded as stored) and of an
// HF-shaped Mistral-7B config scaled down (saved as BF16, as Mistral 7B ships). Frozen weights and
// activations are bf16; LoRA factors, rstd, lse, losses, logits and invFreq stay f32.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, testBackend } from '../backend/device.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { collate, type Batch } from '../../src/data/batch.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { Rng } from '../../src/util/rng.ts';
import { FIXTURES, readFixture, relErr, TINY, TINY_BASE, tokenRows } from '../helpers.ts';
import { makeScaled7b } from './scaled-7b.ts';
import { tempDir } from '../temp-dir.ts';

const backend = testBackend();

/** Logits and mean loss of `dir` loaded in f32 and in bf16, and the bf16 model. */
function compare(dir: string, batch: Batch) {
  const f32 = loadModel(dir, { backend, dtype: 'f32' });
  const bf16 = loadModel(dir, { backend, dtype: 'bf16' });
  const l32 = f32.logits(batch), l16 = bf16.logits(batch);
  const loss = (m: typeof f32): number => {
    const { sum, count } = m.loss(batch);
    return sum / count;
  };
  return { err: relErr(l16, l32), loss32: loss(f32), loss16: loss(bf16), bf16 };
}

test('tiny fixture: bf16 logits within 2e-2 of fp32 (weights rounded on load), exact tensors in f32', () => {
  const ex = readFixture(path.join(TINY, 'expected.safetensors'));
  const batch = collate(tokenRows(ex.input_ids!.data as Int32Array, ex.labels!.data as Int32Array, 2, 24), 0, 0);
  const { err, loss32, loss16, bf16 } = compare(TINY_BASE, batch);
  console.log(`tiny fixture: logits rel err bf16 vs fp32 ${err.toExponential(3)}, loss ${loss16} vs ${loss32}`);
  assert.ok(err > 0 && err <= 2e-2, `rel err ${err}`);
  assert.ok(Math.abs(loss16 - loss32) / loss32 <= 2e-3);
  // what is stored in bf16 and what stays exact
  assert.equal(bf16.weights.embed.dtype, 'bf16');
  assert.equal(bf16.layers[0]!.proj.q_proj.weight.dtype, 'bf16');
  assert.equal(bf16.invFreq.dtype, 'f32');
  const acts = bf16.activations(2, 24, true);
  assert.deepEqual([acts.resid[0]!.dtype, acts.layers[0]!.q.dtype, acts.grads!.dresid.dtype], ['bf16', 'bf16', 'bf16']);
  assert.deepEqual([acts.layers[0]!.rstd1.dtype, acts.layers[0]!.lse.dtype, acts.losses.dtype, acts.logits!.dtype], ['f32', 'f32', 'f32', 'f32']);
  const adapter = createAdapter(bf16, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false }, new Rng(1), true);
  const pair = adapter.layers[0]!.q_proj!;
  assert.deepEqual([pair.A.dtype, pair.B.dtype, pair.dA!.dtype, pair.dB!.dtype], ['f32', 'f32', 'f32', 'f32']);
});

test('bf16 variant: BF16 weights are uploaded as stored; logits within 2e-2 of fp32 on the same weights', () => {
  const dir = path.join(FIXTURES, 'variants', 'bf16');
  const rows = loadTokenRows(path.join(dir, 'rows.jsonl'), { vocabSize: 100000 }).rows;
  const { err, bf16 } = compare(dir, collate(rows, 0, 0));
  console.log(`bf16 variant (same bf16 weights): logits rel err bf16 vs fp32 ${err.toExponential(3)}`);
  assert.ok(err > 0 && err <= 2e-2, `rel err ${err}`);
  const st = SafetensorsFile.open(path.join(dir, 'model.safetensors'));
  try {
    assert.deepEqual(backend.download(bf16.weights.embed), st.readF32('model.embed_tokens.weight'));
  } finally {
    st.close();
  }
});

test('Mistral-7B config scaled down, saved as BF16: bf16 logits within 2e-2 of fp32', () => {
  const dir = makeScaled7b(backend, tempDir('mt-7b-'));
  const st = SafetensorsFile.open(path.join(dir, 'model.safetensors'));
  assert.ok(st.names().every((n) => st.info(n).dtype === 'BF16'), 'a bf16 model is written as BF16');
  st.close();
  const saved = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.equal(saved.torch_dtype, 'bfloat16', "under the base's own key (v0.1's config.json says torch_dtype)");
  assert.equal(saved.dtype, undefined);
  const rng = new Rng(5);
  const rows = Array.from({ length: 2 }, () => {
    const inputIds = Array.from({ length: 32 }, () => rng.below(1024));
    return { inputIds, labels: inputIds };
  });
  const { err, loss32, loss16 } = compare(dir, collate(rows, 0, null));
  console.log(`scaled Mistral-7B: logits rel err bf16 vs fp32 ${err.toExponential(3)}, loss ${loss16} vs ${loss32}`);
  assert.ok(err > 0 && err <= 2e-2, `rel err ${err}`);
  fs.rmSync(dir, { recursive: true, force: true });
});
