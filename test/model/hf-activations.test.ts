// MLP activations other than silu against HF transformers 5.17 + PEFT 0.21 (test/fixtures/hf-activations, made by
// make_activations.py there): transformers' Mistral computes down(act(gate(x)) · up(x)) with ACT2FN[hidden_act], and its
// own tiny test models use "gelu". Per activation: logits, loss, 8 greedy tokens, every LoRA gradient and the LoRA loss;
// a saved model keeps its hidden_act. The CUDA kernels compute silu only (the model refuses the others there), so this
// file is outside the device suite: the CPU backend, float32, held to 1e-5 (measured ≤ 1e-6; gradients ≤ 5e-6).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { causalLmBackward } from '../../src/model/backward.ts';
import { collate } from '../../src/data/batch.ts';
import { loadConfig } from '../../src/model/config.ts';
import { generate } from '../../src/model/generate.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { zeroGrads } from '../../src/model/params.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { describeModelConfig } from '../../src/model/describe.ts';
import { exportGguf } from '../../src/export/gguf/export-gguf.ts';
import { exportLoraGguf } from '../../src/export/gguf/export-lora-gguf.ts';
import { createBackend } from '../../src/backend/select.ts';
import type { Backend, GateActivation } from '../../src/backend/backend.ts';
import { FIXTURES, readFixture, relErr, tokenRows } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const HERE = path.join(FIXTURES, 'hf-activations');
const backend = createBackend('cpu');
const TOL = { logits: 1e-5, loss: 1e-5, grad: 2e-5 };
const within = (what: keyof typeof TOL, err: number, label: string): void => assert.ok(err <= TOL[what], `${label}: ${what} error ${err} > ${TOL[what]}`);
const ACTS = ['gelu', 'gelu_pytorch_tanh', 'gelu_new', 'relu'];
const inputs = readFixture(path.join(HERE, 'inputs.safetensors'));
const B = 2, T = 12;
const batch = collate(tokenRows(inputs.input_ids!.data as Int32Array, inputs.labels!.data as Int32Array, B, T), 0, 0);

test('every hf-activations fixture folder is used', () => {
  const dirs = fs.readdirSync(HERE).filter((n) => fs.statSync(path.join(HERE, n)).isDirectory() && n !== 'adapter');
  assert.deepEqual(dirs.sort(), [...ACTS].sort());
});

/** The activation's folder as a model folder: its config.json beside the shared weights. */
function modelDir(act: string): string {
  const dir = tempDir(`hf-act-${act}-`);
  fs.copyFileSync(path.join(HERE, act, 'config.json'), path.join(dir, 'config.json'));
  fs.copyFileSync(path.join(HERE, 'model.safetensors'), path.join(dir, 'model.safetensors'));
  return dir;
}

for (const act of ACTS) {
  const ex = readFixture(path.join(HERE, act, 'expected.safetensors'));
  const meta = JSON.parse(fs.readFileSync(path.join(HERE, act, 'meta.json'), 'utf8')) as { loss: number; lora_loss: number; silu_rel_diff: number };

  test(`${act}: logits, loss and greedy generation match HF`, () => {
    assert.ok(meta.silu_rel_diff > 1e3 * TOL.logits, `fixture too weak: silu's logits differ by only ${meta.silu_rel_diff}`);
    const model = loadModel(modelDir(act), { backend });
    within('logits', relErr(model.logits(batch), ex.logits!.data), act);
    const { sum, count } = model.loss(batch);
    within('loss', Math.abs(sum / count - meta.loss) / meta.loss, `${act} (${sum / count} vs ${meta.loss})`);
    const full = Array.from(ex.greedy!.data as Int32Array);
    assert.deepEqual([...full.slice(0, 6), ...generate(model, full.slice(0, 6), { maxNewTokens: 8, eosIds: [] })], full);
  });

  test(`${act}: every LoRA gradient matches PEFT`, () => {
    const model = loadModel(modelDir(act), { backend });
    loadAdapter(model, path.join(HERE, 'adapter'), { trainable: true });
    const params = model.trainableParams();
    zeroGrads(backend, params);
    const sum = causalLmBackward(model, batch, 1 / batch.targetCount);
    within('loss', Math.abs(sum / batch.targetCount - meta.lora_loss) / meta.lora_loss, `${act} LoRA`);
    assert.equal(params.length, Object.keys(ex).filter((k) => k.startsWith('grad.')).length);
    for (const p of params) {
      const ref = ex[`grad.${p.name}`];
      assert.ok(ref, `no reference gradient for ${p.name}`);
      within('grad', relErr(backend.download(p.grad), ref.data), `${act} ${p.name}`);
    }
  });
}

test('a saved model keeps its hidden_act', () => {
  const src = modelDir('gelu');
  const model = loadModel(src, { backend });
  for (const sourceDir of [src, null]) {
    const out = tempDir('hf-act-saved-');
    saveModelFolder(model, out, { sourceDir, head: 'causal' });
    assert.equal((JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as { hidden_act: string }).hidden_act, 'gelu');
    assert.equal(loadConfig(out).hiddenAct, 'gelu');
  }
});

test('a saved model says its activation in describe; a CUDA backend refuses it before loading the weights', () => {
  const src = modelDir('gelu_new');
  assert.match(describeModelConfig(loadConfig(src)), /MLP 48 \(gelu_new\),/);
  const cuda = Object.create(backend, { name: { value: 'cuda' } }) as Backend;
  assert.throws(() => loadModel(src, { backend: cuda }), { name: 'UserError', message: /hidden_act: "gelu_new": this MLP activation runs on the CPU only \(--device cpu\)/ });
});

test('CPU kernels: each activation\'s backward is the derivative of its forward (float64 finite differences), finite for large |gate|', () => {
  const be = backend;
  const gate = [-30, -4, -2.5, -1, -0.3, 0.2, 0.7, 1.5, 2.9, 3.1, 4.5, 30];
  const up = gate.map((_, i) => 0.5 + 0.1 * i);
  const buf = (xs: number[]) => { const b = be.alloc('f64', xs.length); be.upload(b, { dtype: 'f64', data: Float64Array.from(xs) }); return b; };
  const forward = (act: GateActivation, g: number[]): Float64Array => {
    const out = be.alloc('f64', g.length);
    be.swigluForward(out, buf(g), buf(up), g.length, act);
    return be.download(out) as Float64Array;
  };
  for (const act of ['gelu', 'gelu_tanh', 'relu'] as const) {
    const dgate = be.alloc('f64', gate.length), dup = be.alloc('f64', gate.length);
    be.swigluBackward(dgate, dup, buf(gate.map(() => 1)), buf(gate), buf(up), gate.length, act);
    const dg = be.download(dgate), du = be.download(dup), y = forward(act, gate);
    assert.ok(y.every(Number.isFinite) && dg.every(Number.isFinite), act);
    const h = 1e-6;
    const plus = forward(act, gate.map((g) => g + h)), minus = forward(act, gate.map((g) => g - h));
    gate.forEach((g, i) => {
      assert.ok(Math.abs(du[i]! - y[i]! / up[i]!) <= 1e-12, `${act} dup at ${g}`);
      const fd = (plus[i]! - minus[i]!) / (2 * h);
      assert.ok(Math.abs(dg[i]! - fd) <= 1e-7 * Math.max(1, Math.abs(fd)), `${act} dgate at ${g}: ${dg[i]} vs ${fd}`);
    });
  }
});

test('GGUF export refuses a gate other than silu, model or adapter (llama.cpp\'s llama architecture computes silu), leaving no file', () => {
  const src = modelDir('gelu');
  const out = path.join(tempDir('hf-act-gguf-'), 'm.gguf');
  const from = { name: 'gelu', baseModel: src, adapter: null, run: null };
  const refusal = { name: 'UserError', message: /hidden_act: "gelu" cannot be exported to GGUF: llama\.cpp's llama architecture computes silu/ };
  assert.throws(() => exportGguf(loadModel(src, { backend }), src, out, 'f16', from), refusal);
  assert.throws(() => exportLoraGguf(loadConfig(src), path.join(HERE, 'adapter'), out, 'f16', { ...from, adapter: path.join(HERE, 'adapter') }), refusal);
  assert.equal(fs.existsSync(out), false);
});
