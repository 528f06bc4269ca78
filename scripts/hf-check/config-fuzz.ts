// Phase 2 of scripts/hf-check/config_fuzz.py: loads each random-config case folder it wrote through the loader the
// CLI uses (loadModel, precision fp32 on the CPU) and compares with HF's float64 references: logits of a full batch and
// of a right-padded batch (real positions; classification: the scored token), the loss; with the PEFT adapter the
// logits, loss and every LoRA gradient; every base weight's gradient in full fine-tuning; greedy decoding with our KV
// cache. Prints one row per case (‖ours − HF‖/‖HF‖ per quantity, the largest absolute difference of all), then checks
// that each refusal case is refused naming its key in a one-line error (attention_dropout: by the training set-up's
// checkTrainable; a classification head's problem_type or single row: as the model loads). Also saves each case merged with its adapter
// (saveModelFolder, our export's writer) and our logits of it, for phase 3 (HF loads that folder).
//   node --import tsx scripts/hf-check/config-fuzz.ts OUT_DIR
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { checkTrainable, parameterCount } from '../../src/model/config.ts';
import type { Batch, TokenRow } from '../../src/data/batch.ts';
import { causalLmBackward, classificationBackward } from '../../src/model/backward.ts';
import { generate } from '../../src/model/generate.ts';
import { mergeLora } from '../../src/model/merge.ts';
import { loadModel, type MistralModel } from '../../src/model/mistral.ts';
import { zeroGrads, type Param } from '../../src/model/params.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { readFixture, relErr } from '../../test/helpers.ts';
import { isUserError } from '../../src/util/errors.ts';

const out = path.resolve(process.argv[2] ?? 'config-fuzz');
const TOL = 1e-4;
const backend = createBackend('cpu');

interface Meta {
  kind: 'parity' | 'refuse';
  desc: string;
  cls?: boolean;
  loss?: number;
  lora_loss?: number;
  class_labels?: number[];
  rows?: number[][];
  greedy?: number[];
  greedy_margins?: number[];
  hf_cache_agrees?: boolean;
  /** HF's own greedy decoding with its KV cache, and the margins of its picks (longrope's reference). */
  greedy_cached?: number[];
  greedy_cached_margins?: number[];
  sharded?: boolean;
  hf_f32_eager?: number;
  key?: string;
  /** Refusal cases: the training task whose set-up must refuse (default generation). */
  task?: 'generation' | 'classification';
}

/** Largest |a − b|. */
function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Rows of (B·T, V) logits where mask is 1 (every row without a mask). */
function realRows(logits: ArrayLike<number>, mask: ArrayLike<number> | null, V: number): number[] {
  const out: number[] = [];
  for (let i = 0; i * V < logits.length; i++) {
    if (mask && mask[i] !== 1) continue;
    for (let v = 0; v < V; v++) out.push(logits[i * V + v]!);
  }
  return out;
}

/** Mean cross-entropy of classification logits (B, K) against class labels. */
function classLoss(logits: ArrayLike<number>, labels: number[], K: number): number {
  let s = 0;
  labels.forEach((y, b) => {
    const row = Array.from({ length: K }, (_, k) => logits[b * K + k]!);
    const m = Math.max(...row);
    s += m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0)) - row[y]!;
  });
  return s / labels.length;
}

function parity(name: string, dir: string, meta: Meta): { errs: Record<string, number>; abs: number; greedy: string } {
  const ex = readFixture(path.join(dir, 'expected.safetensors'));
  const grads = readFixture(path.join(dir, 'grads.safetensors'));
  const cls = meta.cls!;
  const errs: Record<string, number> = {};
  let abs = 0;
  const cmp = (what: string, ours: ArrayLike<number>, theirs: ArrayLike<number>): void => {
    errs[what] = Math.max(errs[what] ?? 0, relErr(ours, theirs));
    abs = Math.max(abs, maxAbs(ours, theirs));
  };
  // per tensor, relative to its norm, or to the RMS of all the tensors' norms when that is larger: the q and k gradients
  // are zero in exact arithmetic with window 1 (each token sees only itself), so HF's are rounding noise
  const cmpGrads = (what: string, params: Param[], ref: Record<string, { data: ArrayLike<number> }>): void => {
    const norm = (a: ArrayLike<number>): number => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));
    const theirs = params.map((p) => {
      const r = ref[p.name];
      if (!r) throw new Error(`${name}: HF has no gradient for ${p.name}`);
      return r.data;
    });
    const floor = Math.sqrt(theirs.reduce((s, t) => s + norm(t) ** 2, 0) / params.length);
    params.forEach((p, k) => {
      const ours = backend.download(p.grad), t = theirs[k]!;
      errs[what] = Math.max(errs[what] ?? 0, norm(Array.from(ours, (x, i) => x - t[i]!)) / Math.max(norm(t), floor));
      abs = Math.max(abs, maxAbs(ours, t));
    });
  };
  const [B, T] = ex.input_ids!.shape as [number, number];
  const mask = ex.attention_mask!.data;
  const labels = ex.labels!.data;
  const rows: TokenRow[] = meta.rows!.map((ids, b) => ({
    inputIds: ids, ...(cls ? { label: meta.class_labels![b]! } : { labels: Array.from(labels.subarray(b * T, b * T + ids.length)) }),
  }));
  const fullRows: TokenRow[] = [0, 1].map((b) => ({ inputIds: Array.from(ex.full_ids!.data.subarray(b * T, b * T + T)) }));
  const logitsOf = (m: MistralModel, batch: Batch, masked: boolean): number[] =>
    cls ? Array.from(m.classLogits(batch)) : realRows(m.logits(batch), masked ? mask : null, m.cfg.vocabSize);
  const V = cls ? ex.padded_logits!.shape[1]! : ex.padded_logits!.shape[2]!;
  const theirs = (key: string, masked: boolean): number[] => cls ? Array.from(ex[key]!.data) : realRows(ex[key]!.data, masked ? mask : null, V);

  const model = loadModel(path.join(dir, 'model'), { backend, precision: 'fp32' });
  const batch = model.collate(rows);
  if (batch.B !== B || batch.T !== T) throw new Error(`${name}: our batch is (${batch.B}, ${batch.T}), HF's (${B}, ${T})`);
  cmp('full', logitsOf(model, model.collate(fullRows), false), theirs('full_logits', false));
  cmp('padded', logitsOf(model, batch, true), theirs('padded_logits', true));
  const loss = cls ? classLoss(model.classLogits(batch), meta.class_labels!, V) : (({ sum, count }) => sum / count)(model.loss(batch));
  cmp('loss', [loss], [meta.loss!]);

  loadAdapter(model, path.join(dir, 'adapter'), { trainable: true });
  cmp('lora', logitsOf(model, batch, true), theirs('lora_logits', true));
  const params = model.trainableParams();
  const missing = Object.keys(grads).filter((k) => !params.some((p) => p.name === k));
  if (missing.length > 0 || params.length !== Object.keys(grads).length) throw new Error(`${name}: our trainable tensors differ from PEFT's (missing ${missing.join(', ')})`);
  zeroGrads(backend, params);
  const sum = cls ? classificationBackward(model, batch, 1 / B) : causalLmBackward(model, batch, 1 / batch.targetCount);
  cmp('lora loss', [sum / (cls ? B : batch.targetCount)], [meta.lora_loss!]);
  cmpGrads('grads', params, grads);

  // greedy decoding with our KV cache against HF's full forwards (where our context allows it): the index of the first
  // different token, unless HF's pick there was a near tie (margin < 1e-4); † where HF's own cached decoding differs.
  // longrope against HF's cached decoding: past the original context a full forward rotates the whole sequence with
  // the long factors, a cached decoding (HF's generate, ours) only the new tokens (where the decoding crosses it). A
  // prompt already past the original context has the long factors from its first forward on, both ways: there the
  // full forwards are the reference (HF's own cache differs with a window of 1, †, as for the other rope types)
  let greedy = '-';
  if (!cls) {
    const rope = model.cfg.ropeScaling;
    const prompt = meta.rows![0]!.length;
    const longrope = rope?.type === 'longrope' && prompt <= rope.originalMaxPositionEmbeddings && prompt + meta.greedy!.length > rope.originalMaxPositionEmbeddings;
    const want = longrope ? meta.greedy_cached! : meta.greedy!, margins = longrope ? meta.greedy_cached_margins! : meta.greedy_margins!;
    if (meta.rows![0]!.length + want.length > model.cfg.maxPositionEmbeddings) greedy = 'ctx';
    else {
      model.setLora(null);
      const got = generate(model, meta.rows![0]!, { maxNewTokens: want.length, eosIds: [] });
      const at = want.findIndex((t, i) => got[i] !== t);
      greedy = (at < 0 ? 'same' : margins[at]! < 1e-4 ? `tie@${at}` : `DIFF@${at}`) + (meta.hf_cache_agrees ? '' : '†');
    }
  }

  // full fine-tuning: every base weight's gradient
  const full = loadModel(path.join(dir, 'model'), { backend, precision: 'fp32' });
  full.enableBaseGrads({ lmHead: !cls });
  const fullParams = full.trainableParams();
  zeroGrads(backend, fullParams);
  if (cls) classificationBackward(full, batch, 1 / B);
  else causalLmBackward(full, batch, 1 / batch.targetCount);
  cmpGrads('full ft', fullParams, readFixture(path.join(dir, 'full_grads.safetensors')));

  // our export's writer, for phase 3: the base merged with the adapter, saved and its logits
  const merged = loadModel(path.join(dir, 'model'), { backend, precision: 'fp32' });
  loadAdapter(merged, path.join(dir, 'adapter'), { trainable: false });
  mergeLora(merged);
  fs.rmSync(path.join(dir, 'ours-merged'), { recursive: true, force: true }); // an earlier phase 2's: saveModelFolder writes over no file
  saveModelFolder(merged, path.join(dir, 'ours-merged'), {
    sourceDir: path.join(dir, 'model'), head: cls ? 'classification' : 'causal', labels: merged.cfg.labels,
    ...(meta.sharded ? { maxShardBytes: Math.floor((parameterCount(merged.cfg) * 4) / 3) } : {}),
  });
  fs.writeFileSync(path.join(dir, 'ours-merged-logits.json'), JSON.stringify(Array.from(cls ? merged.classLogits(batch) : merged.logits(batch))));
  return { errs, abs, greedy };
}

const cols = ['full', 'padded', 'loss', 'lora', 'lora loss', 'grads', 'full ft'];
console.log(`${'case'.padEnd(8)} ${cols.map((c) => c.padStart(9)).join(' ')} ${'max abs'.padStart(9)} ${'hf f32'.padStart(8)} ${'greedy'.padStart(7)}  config`);
let worst = 0, failed = 0;
const names = fs.readdirSync(out).filter((n) => fs.existsSync(path.join(out, n, 'meta.json'))).sort();
for (const name of names.filter((n) => n.startsWith('case'))) {
  const dir = path.join(out, name);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as Meta;
  try {
    const { errs, abs, greedy } = parity(name, dir, meta);
    const w = Math.max(...Object.values(errs));
    worst = Math.max(worst, w);
    const ok = w <= TOL && !greedy.startsWith('DIFF');
    if (!ok) failed++;
    console.log(`${name.padEnd(8)} ${cols.map((c) => (errs[c] ?? NaN).toExponential(1).padStart(9)).join(' ')} ${abs.toExponential(1).padStart(9)} ${meta.hf_f32_eager!.toExponential(1).padStart(8)} ${greedy.padStart(7)}  ${meta.desc}${ok ? '' : '  <-- FAIL'}`);
  } catch (e) {
    failed++;
    console.log(`${name.padEnd(8)} ERROR ${(e as Error).message.split('\n')[0]}  ${meta.desc}`);
  }
}
console.log('greedy: ours (KV cache) vs HF full forwards (longrope: vs HF\'s own decoding with its KV cache, as generate() runs it); † HF\'s own decoding with its KV cache picks other tokens');
console.log(`PARITY ${failed === 0 ? 'PASS' : 'FAIL'}: ${names.filter((n) => n.startsWith('case')).length} cases, worst rel err ${worst.toExponential(1)} (tolerance ${TOL})`);

let refusedOk = 0;
const refusals = names.filter((n) => n.startsWith('refuse'));
for (const name of refusals) {
  const meta = JSON.parse(fs.readFileSync(path.join(out, name, 'meta.json'), 'utf8')) as Meta;
  let verdict: string;
  try {
    // refused when loaded, or (attention dropout, which HF applies only in training) when a run is set up
    checkTrainable(loadModel(path.join(out, name, 'model'), { backend, precision: 'fp32' }).cfg, meta.task ?? 'generation');
    verdict = 'ACCEPTED (HF computes it differently)  <-- FAIL';
  } catch (e) {
    const msg = (e as Error).message.replace(path.join(out, name, 'model'), '<model>');
    const ok = isUserError(e) && !msg.includes('\n') && msg.includes(meta.key!);
    if (ok) refusedOk++;
    verdict = `${ok ? 'refused' : 'refused, but not as a one-line error naming the key  <-- FAIL'}: ${msg}`;
  }
  console.log(`${name.padEnd(9)} ${meta.desc}  →  ${verdict}`);
}
console.log(`REFUSALS ${refusedOk === refusals.length ? 'PASS' : 'FAIL'}: ${refusedOk} of ${refusals.length} refused naming the key`);
process.exit(failed === 0 && refusedOk === refusals.length ? 0 : 1);
