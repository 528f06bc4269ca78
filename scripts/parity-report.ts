// Prints the relative errors of this engine against the HF transformers + PEFT fixtures (the parity tests
// assert ≤ 1e-4; this shows the actual margins). Run: node --import tsx scripts/parity-report.ts
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.ts';
import { causalLmBackward, classificationBackward } from '../src/model/backward.ts';
import { collate } from '../src/data/batch.ts';
import { generate } from '../src/model/generate.ts';
import { mergeLora } from '../src/model/merge.ts';
import { loadModel } from '../src/model/mistral.ts';
import { SCORE_PARAM, SCORE_SAVED_KEY } from '../src/model/names.ts';
import { loadAdapter } from '../src/model/peft.ts';
import { AdamW } from '../src/train/optimizer.ts';
import { relErr, readFixture, tokenRows, TINY, TINY_BASE, TINY_CLS } from '../test/helpers.ts';

const be = new CpuBackend();
const ex = readFixture(path.join(TINY, 'expected.safetensors'));
const meta = JSON.parse(fs.readFileSync(path.join(TINY, 'meta.json'), 'utf8')) as Record<string, number>;
const clsMeta = JSON.parse(fs.readFileSync(path.join(TINY_CLS, 'meta.json'), 'utf8')) as { loss: number; labels: number[] };
const B = 2, T = 24, V = 512;
const ids = ex.input_ids!.data as Int32Array;
const batch = collate(tokenRows(ids, ex.labels!.data as Int32Array, B, T), 0, 0);
const pad = ex.padded_input_ids!.data as Int32Array, mask = ex.padded_attention_mask!.data as Int32Array;
const padded = tokenRows(pad, null, B, T).map((r, b) => ({ inputIds: r.inputIds.filter((_, t) => mask[b * T + t] === 1) }));
const rows: Array<[string, number]> = [];
const lossErr = (sum: number, count: number, ref: number): number => Math.abs(sum / count - ref) / ref;

let m = loadModel(TINY_BASE, { backend: be });
rows.push(['base logits', relErr(m.logits(collate(tokenRows(ids, null, B, T), 0, 0)), ex.base_logits!.data)]);
const base = m.loss(batch);
rows.push(['base loss', lossErr(base.sum, base.count, meta.base_loss!)]);
const pl = m.logits(collate(padded, 0, 0));
const ours: number[] = [], theirs: number[] = [];
for (let i = 0; i < B * T; i++) if (mask[i] === 1) for (let v = 0; v < V; v++) { ours.push(pl[i * V + v]!); theirs.push(ex.padded_logits!.data[i * V + v]!); }
rows.push(['padded logits (unmasked)', relErr(ours, theirs)]);
const score = be.alloc('f32', 3 * 64);
be.upload(score, { dtype: 'f32', data: ex.cls_score_weight!.data as Float32Array });
m.setScoreHead(score, false);
rows.push(['classification logits', relErr(m.classLogits(collate(padded, 0, 0)), ex.cls_logits!.data)]);
const prompt = Array.from(ex.gen_prompt!.data as Int32Array);
const gen = [...prompt, ...generate(m, prompt, { maxNewTokens: 12, eosIds: [] })];
rows.push(['greedy generation (tokens differing)', gen.filter((t, i) => t !== ex.gen_output!.data[i]).length]);

m = loadModel(TINY_BASE, { backend: be });
loadAdapter(m, path.join(TINY, 'adapter_init'), { trainable: true });
rows.push(['LoRA logits', relErr(m.logits(batch), ex.lora_logits!.data)]);
const sum = causalLmBackward(m, batch, 1 / batch.targetCount);
rows.push(['LoRA loss', lossErr(sum, batch.targetCount, meta.lora_loss!)]);
const grads = readFixture(path.join(TINY, 'lora_grads.safetensors'));
const params = m.trainableParams();
rows.push([`LoRA gradients (max of ${params.length})`, Math.max(...params.map((p) => relErr(be.download(p.grad), grads[p.name]!.data)))]);
new AdamW(be, params, { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 }).update(0.01);
const step1 = readFixture(path.join(TINY, 'adapter_step1', 'adapter_model.safetensors'));
rows.push(['AdamW step (max over tensors)', Math.max(...params.map((p) => relErr(be.download(p.value), step1[p.name]!.data)))]);
const after = m.loss(batch);
rows.push(['loss after the step', lossErr(after.sum, after.count, meta.lora_loss_after_step1!)]);

m = loadModel(TINY_BASE, { backend: be });
loadAdapter(m, path.join(TINY, 'adapter_step1'), { trainable: false });
mergeLora(m);
rows.push(['merged logits', relErr(m.logits(batch), ex.merged_step1_logits!.data)]);

const cex = readFixture(path.join(TINY_CLS, 'expected.safetensors'));
const cgrads = readFixture(path.join(TINY_CLS, 'grads.safetensors'));
const cstep = readFixture(path.join(TINY_CLS, 'adapter_step1', 'adapter_model.safetensors'));
m = loadModel(TINY_BASE, { backend: be });
loadAdapter(m, path.join(TINY_CLS, 'adapter_init'), { trainable: true });
const cb = collate(padded.map((r, b) => ({ ...r, label: clsMeta.labels[b]! })), 0, 0);
rows.push(['SEQ_CLS logits', relErr(m.classLogits(cb), cex.logits_init!.data)]);
rows.push(['SEQ_CLS loss', lossErr(classificationBackward(m, cb, 1 / B), B, clsMeta.loss)]);
const cps = m.trainableParams();
rows.push([`SEQ_CLS gradients (max of ${cps.length})`, Math.max(...cps.map((p) => relErr(be.download(p.grad), cgrads[p.name]!.data)))]);
new AdamW(be, cps, { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 }).update(0.01);
rows.push(['SEQ_CLS AdamW step (max)', Math.max(...cps.map((p) => relErr(be.download(p.value), cstep[p.name === SCORE_PARAM ? SCORE_SAVED_KEY : p.name]!.data)))]);
rows.push(['SEQ_CLS logits after the step', relErr(m.classLogits(cb), cex.logits_step1!.data)]);

console.log(`# relative error vs HF transformers 5.17 + PEFT 0.21 fixtures, on ${be.describe()}`);
for (const [name, err] of rows) console.log(`${name.padEnd(40)} ${Number.isInteger(err) ? String(err) : err.toExponential(2)}`);
