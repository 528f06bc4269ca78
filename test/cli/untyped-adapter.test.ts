// An adapter that names no task: PEFT's plain PeftModel (LoraConfig without task_type) saves task_type null and, without
// modules_to_save, no score head. PEFT 0.21 runs it as whichever model class it is loaded on:
// PeftModel.from_pretrained(AutoModelForSequenceClassification.from_pretrained(base), adapter) scores with that model's own
// head, and merge_and_unload().save_pretrained writes a MistralForSequenceClassification (model.safetensors byte for byte
// ours, checked by hand on a bf16 classifier). classify and eval refused it ("not a classification model": it was read as a
// causal-LM adapter), and export --merge wrote it as MistralForCausalLM, dropping the classifier's head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { createAdapter, loadAdapter, readAdapterInfo } from '../../src/model/peft.ts';
import { saveAdapter } from '../../src/model/peft-save.ts';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { Rng } from '../../src/util/rng.ts';
import { makeTokenizerModel, readFixture, tokenRows, TINY, TINY_BASE, TINY_CLS } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli } from './in-process-cli.ts';

const root = tempDir('mt-untyped-adapter-');
const cls = await makeTokenizerModel(path.join(root, 'classifier'), 5, { classes: 3 });
const lm = await makeTokenizerModel(path.join(root, 'causal'), 5);
const data = path.join(root, 'rows.jsonl');
fs.writeFileSync(data, [[[1, 5, 9], 0], [[1, 7, 3], 1], [[1, 8], 2]].map(([ids, label]) => JSON.stringify({ input_ids: ids, label })).join('\n') + '\n');

/** A LoRA adapter on `base` (q_proj and v_proj, B not zero), saved without a score head, its task_type `taskType`. */
function adapter(base: string, name: string, taskType: 'CAUSAL_LM' | 'SEQ_CLS' | null): string {
  const m = loadModel(base, { backend: createBackend('cpu') });
  const lora = createAdapter(m, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'v_proj'], useRslora: false }, new Rng(0), false);
  for (const layer of lora.layers) {
    for (const pair of [layer.q_proj!, layer.v_proj!]) {
      const n = pair.B.length;
      m.backend.upload(pair.B, { dtype: 'f32', data: Float32Array.from({ length: n }, (_, i) => 0.5 * Math.cos(i)) });
    }
  }
  const dir = path.join(root, name);
  saveAdapter(m, dir, { taskType: 'CAUSAL_LM', baseModel: base });
  const cfgFile = path.join(dir, 'adapter_config.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), task_type: taskType }));
  return dir;
}

const untyped = adapter(cls, 'untyped', null);

async function probs(args: string[]): Promise<number[]> {
  const r = await cli(['classify', ...args, '--text', 'a short text', '--json']);
  assert.equal(r.code, 0, r.err);
  return Object.values((JSON.parse(r.out) as { probs: Record<string, number> }).probs);
}

test('readAdapterInfo: an adapter with task_type null and no score head says no task of its own (ownTask null), the base decides', () => {
  const info = readAdapterInfo(untyped, 1);
  assert.equal(info.ownTask, null);
  assert.equal(info.taskType, 'CAUSAL_LM');
  assert.equal(info.hasScore, false);
});

test('classify and eval --adapter: an adapter without task_type over a sequence classifier scores with the classifier\'s head, as PEFT runs it', async () => {
  const withAdapter = await probs(['--model', cls, '--adapter', untyped]);
  // the same LoRA as a SEQ_CLS adapter saved without its head: the classifier's head, the adapter applied
  assert.deepEqual(withAdapter, await probs(['--model', cls, '--adapter', adapter(cls, 'headless-seq-cls', 'SEQ_CLS')]));
  assert.notDeepEqual(withAdapter, await probs(['--model', cls]), 'the adapter is applied');
  const e = await cli(['eval', '--model', cls, '--adapter', untyped, '--data', data, '--json']);
  assert.equal(e.code, 0, e.err);
  assert.equal(typeof (JSON.parse(e.out) as { accuracy?: number }).accuracy, 'number', e.out);
});

test('classify --help: --adapter takes an adapter without task_type over a classifier, not a SEQ_CLS one alone', async () => {
  const r = await cli(['classify', '--help']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out.replace(/\s+/g, ' '), /--adapter DIR a PEFT LoRA adapter: a SEQ_CLS one \(e\.g\. RUN_DIR\/adapter\), or one without task_type over a classification model, scored with that model's head;/);
});

test('classify --adapter: an adapter without task_type over a causal LM is still not a classifier (refused before a backend starts)', async () => {
  const r = await cli(['classify', '--model', lm, '--adapter', adapter(lm, 'untyped-lm', null), '--text', 'a short text']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /untyped-lm: not a classification model: classify needs a score head/);
  assert.doesNotMatch(r.err, /cpu backend/);
});

test('export --merge: an adapter without task_type merges into the base\'s class, a classifier with the base\'s head and class names', async () => {
  const out = path.join(root, 'merged-cls');
  const r = await cli(['export', '--model', cls, '--adapter', untyped, '--merge', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as { architectures: string[]; id2label?: Record<string, string> };
  const baseCfg = JSON.parse(fs.readFileSync(path.join(cls, 'config.json'), 'utf8')) as { id2label?: Record<string, string> };
  assert.deepEqual(cfg.architectures, ['MistralForSequenceClassification']);
  assert.deepEqual(cfg.id2label, baseCfg.id2label);
  const score = (dir: string): number[] => {
    const st = SafetensorsFile.open(path.join(dir, 'model.safetensors'));
    try {
      return Array.from(st.readF32('score.weight'));
    } finally {
      st.close();
    }
  };
  assert.deepEqual(score(out), score(cls));
  const merged = await probs(['--model', out]), viaAdapter = await probs(['--model', cls, '--adapter', untyped]);
  merged.forEach((p, i) => assert.ok(Math.abs(p - viaAdapter[i]!) < 1e-5, `${p} vs ${viaAdapter[i]}`));
  // over a causal LM it stays one
  const lmOut = path.join(root, 'merged-lm');
  const l = await cli(['export', '--model', lm, '--adapter', adapter(lm, 'untyped-lm-merge', null), '--merge', '--out', lmOut]);
  assert.equal(l.code, 0, l.err);
  assert.deepEqual((JSON.parse(fs.readFileSync(path.join(lmOut, 'config.json'), 'utf8')) as { architectures: string[] }).architectures, ['MistralForCausalLM']);
});

test('eval --adapter: an adapter without task_type over a classifier gives the loss of PEFT\'s plain PeftModel on it (hf-tiny-mistral-cls)', async () => {
  // the fixture's SEQ_CLS adapter_init saved the classifier's head as modules_to_save copied it, untrained (score_init): its
  // LoRA alone, task_type null, over the tiny base with that head is PeftModel.from_pretrained(classifier, adapter), whose
  // loss on the fixture's two rows is meta.json's
  const backend = createBackend('cpu');
  const score = readFixture(path.join(TINY_CLS, 'score_init.safetensors'))['score.weight']!.data as Float32Array;
  const classifier = loadModel(TINY_BASE, { backend });
  const head = backend.alloc('f32', score.length);
  backend.upload(head, { dtype: 'f32', data: score });
  classifier.setScoreHead(head, false);
  const clsDir = path.join(root, 'tiny-classifier');
  saveModelFolder(classifier, clsDir, { sourceDir: TINY_BASE, head: 'classification' });
  const withLora = loadModel(TINY_BASE, { backend });
  loadAdapter(withLora, path.join(TINY_CLS, 'adapter_init'));
  const dir = path.join(root, 'tiny-untyped');
  saveAdapter(withLora, dir, { taskType: 'CAUSAL_LM', baseModel: clsDir }); // the LoRA, no score head
  const cfgFile = path.join(dir, 'adapter_config.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), task_type: null }));
  const ex = readFixture(path.join(TINY, 'expected.safetensors'));
  const meta = JSON.parse(fs.readFileSync(path.join(TINY_CLS, 'meta.json'), 'utf8')) as { loss: number; labels: number[] };
  const mask = ex.padded_attention_mask!.data as Int32Array;
  const rows = tokenRows(ex.padded_input_ids!.data as Int32Array, null, 2, 24).map((r, b) => r.inputIds.filter((_, t) => mask[b * 24 + t] === 1));
  const file = path.join(root, 'tiny-rows.jsonl');
  fs.writeFileSync(file, rows.map((ids, b) => JSON.stringify({ input_ids: ids, label: meta.labels[b] })).join('\n') + '\n');
  const e = await cli(['eval', '--model', clsDir, '--adapter', dir, '--data', file, '--json']);
  assert.equal(e.code, 0, e.err);
  const loss = (JSON.parse(e.out) as { loss: number }).loss;
  assert.ok(Math.abs(loss - meta.loss) / meta.loss < 1e-5, `loss ${loss} vs PEFT's ${meta.loss}`);
});

test('export --merge: a SEQ_CLS adapter saved without its head merges with the base classifier\'s head, as classify scores it; over a causal LM it is refused', async () => {
  // it was refused over the classifier too, as "a merged classifier would have an untrained one"
  const headless = adapter(cls, 'headless-merge', 'SEQ_CLS');
  const out = path.join(root, 'merged-headless');
  const r = await cli(['export', '--model', cls, '--adapter', headless, '--merge', '--out', out]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual((JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as { architectures: string[] }).architectures, ['MistralForSequenceClassification']);
  const merged = await probs(['--model', out]), viaAdapter = await probs(['--model', cls, '--adapter', headless]);
  merged.forEach((p, i) => assert.ok(Math.abs(p - viaAdapter[i]!) < 1e-5, `${p} vs ${viaAdapter[i]}`));
  const lmOut = path.join(root, 'merged-headless-lm');
  const l = await cli(['export', '--model', lm, '--adapter', adapter(lm, 'headless-lm', 'SEQ_CLS'), '--merge', '--out', lmOut]);
  assert.equal(l.code, 2, l.err);
  assert.match(l.err, /headless-lm: a SEQ_CLS adapter without its score head: .* and the model folder has no score\.weight: give the adapter saved with its head/);
  assert.equal(fs.existsSync(lmOut), false);
});

test('export --format gguf-lora: an adapter over a sequence classifier is refused in the words --format gguf refuses that classifier in', async () => {
  // it wrote the file, "load it beside a GGUF of" a model no GGUF export writes
  const gguf = await cli(['export', '--format', 'gguf', '--model', cls, '--out', path.join(root, 'cls.gguf')]);
  assert.equal(gguf.code, 2, gguf.err);
  assert.match(gguf.err, /a classification model cannot be exported to GGUF/);
  for (const [name, taskType] of [['lora-untyped', null], ['lora-causal', 'CAUSAL_LM']] as const) {
    const out = path.join(root, `${name}.gguf`);
    const r = await cli(['export', '--format', 'gguf-lora', '--model', cls, '--adapter', adapter(cls, name, taskType), '--out', out]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err, gguf.err, name);
    assert.equal(fs.existsSync(out), false);
  }
});

test('train: continuing an adapter without task_type over a classifier saves one (task_type null, no head) whose card loads the base\'s own head, and classify --run scores it so', async () => {
  // PEFT 0.21 trains it so (test/train/hf-trainer-more.test.ts untyped_cls holds the numbers to HF's Trainer)
  const named = path.join(root, 'named.jsonl');
  fs.writeFileSync(named, Array.from({ length: 6 }, (_, i) => JSON.stringify({ input_ids: [1, 5, 7 + i, 9], label: `LABEL_${i % 3}` })).join('\n') + '\n');
  const run = path.join(root, 'untyped-run'), config = path.join(root, 'untyped-run.yaml');
  fs.writeFileSync(config, [`model: ${cls}`, 'task: classification', 'labels: [LABEL_0, LABEL_1, LABEL_2]', `data: {train: ${named}}`,
    `lora: {init_from: ${untyped}}`, 'batch_size: 3', 'optimizer: {lr: 0.01}', 'eval: {samples: 0}', `output_dir: ${run}`].join('\n') + '\n');
  const t = await cli(['train', config]);
  assert.equal(t.code, 0, t.err);
  assert.match(t.err, /adapter: continuing from .*; the model's own classification head stays frozen and is not saved \(no task_type: PEFT's plain PeftModel\)/);
  const saved = path.join(run, 'adapter');
  const adapterConfig = JSON.parse(fs.readFileSync(path.join(saved, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(adapterConfig.task_type, null);
  assert.equal(adapterConfig.modules_to_save, null);
  const file = SafetensorsFile.open(path.join(saved, 'adapter_model.safetensors'));
  try {
    assert.ok(file.names().every((n) => n.includes('lora_')), file.names().join(', '));
  } finally {
    file.close();
  }
  const card = fs.readFileSync(path.join(saved, 'README.md'), 'utf8');
  assert.match(card, /pipeline_tag: text-classification/);
  assert.match(card, /with the base model's own classification head \(score\) frozen: this folder holds no head/);
  assert.ok(card.includes(`base = AutoModelForSequenceClassification.from_pretrained(${JSON.stringify(cls)}, dtype=torch.float32)`), card);
  assert.doesNotMatch(card, /num_labels|^labels = /m); // the base's config.json holds its head's classes
  const trained = await probs(['--run', run]);
  assert.deepEqual(trained, await probs(['--model', cls, '--adapter', saved]));
  assert.notDeepEqual(trained, await probs(['--model', cls, '--adapter', untyped]), 'the adapter trained');
});

test('train: a generation run continuing an adapter without task_type saves it without one, as PEFT\'s save_pretrained of its plain PeftModel does', async () => {
  // PEFT 0.21 (checked with the venv): PeftModel.from_pretrained(causal LM, untyped, is_trainable=True) is a plain
  // PeftModel, and its save_pretrained writes task_type null again
  const run = path.join(root, 'untyped-lm-run'), config = path.join(root, 'untyped-lm-run.yaml');
  fs.writeFileSync(config, [`model: ${lm}`, 'task: generation', `data: {train: ${path.join(root, 'ids.jsonl')}}`, `lora: {init_from: ${adapter(lm, 'untyped-lm', null)}}`,
    'batch_size: 2', 'eval: {samples: 0}', `output_dir: ${run}`].join('\n') + '\n');
  fs.writeFileSync(path.join(root, 'ids.jsonl'), [[1, 5, 9, 4], [1, 7, 3], [1, 8, 6, 2]].map((ids) => JSON.stringify({ input_ids: ids })).join('\n') + '\n');
  const t = await cli(['train', config]);
  assert.equal(t.code, 0, t.err);
  assert.equal((JSON.parse(fs.readFileSync(path.join(run, 'adapter', 'adapter_config.json'), 'utf8')) as Record<string, unknown>).task_type, null);
  assert.match(fs.readFileSync(path.join(run, 'adapter', 'README.md'), 'utf8'), /pipeline_tag: text-generation[^]*AutoModelForCausalLM\.from_pretrained/);
});

test('train --resume of a classification run continuing an adapter without task_type: its checkpoint holds no head, and the resumed run ends as the uninterrupted one', async () => {
  // the head stays the model's own, frozen: the dry run's planned tensors (planned-params.ts) must leave it out as the
  // checkpoint does, or --resume refuses the checkpoint as "written by another model or config"
  const named = path.join(root, 'named-resume.jsonl');
  fs.writeFileSync(named, Array.from({ length: 6 }, (_, i) => JSON.stringify({ input_ids: [1, 5, 7 + i, 9], label: `LABEL_${i % 3}` })).join('\n') + '\n');
  const run = path.join(root, 'untyped-resume'), config = path.join(root, 'untyped-resume.yaml');
  fs.writeFileSync(config, [`model: ${cls}`, 'task: classification', 'labels: [LABEL_0, LABEL_1, LABEL_2]', `data: {train: ${named}}`,
    `lora: {init_from: ${untyped}}`, 'batch_size: 3', 'max_steps: 4', 'checkpoint: {every_steps: 2}', 'optimizer: {lr: 0.01}', 'eval: {samples: 0}', `output_dir: ${run}`].join('\n') + '\n');
  const t = await cli(['train', config]);
  assert.equal(t.code, 0, t.err);
  const resumed = path.join(root, 'untyped-resumed');
  fs.cpSync(run, resumed, { recursive: true });
  for (const gone of ['checkpoints/step-0000004', 'adapter', 'report.json']) fs.rmSync(path.join(resumed, gone), { recursive: true, force: true });
  const dry = await cli(['train', resumed, '--resume', '--dry-run']);
  assert.equal(dry.code, 0, dry.err);
  const r = await cli(['train', resumed, '--resume']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /resume: from the checkpoint of step 2/);
  const bytes = (dir: string): Buffer => fs.readFileSync(path.join(dir, 'adapter', 'adapter_model.safetensors'));
  assert.ok(bytes(resumed).equals(bytes(run)), 'the resumed adapter differs from the uninterrupted run\'s');
});
