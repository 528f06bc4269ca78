// `train --dry-run` refuses what train refuses, in train's words: a classification adapter (lora.init_from) whose head
// does not have the config's classes, or one given to a generation run (the dry run said "fits" for both, and train
// then refused), read from its adapter_config.json and safetensors header alone. And a plan that does not fit exits 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTrainConfig, validate } from '../../src/train/config.ts';
import { dryRun, dryRunRefusal } from '../../src/train/dry-run.ts';
import { setupRun } from '../../src/train/setup.ts';
import { train } from '../../src/train/trainer.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { setQuiet } from '../../src/util/log.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { FIXTURES, makeTokenizerModel, TINY_BASE } from '../helpers.ts';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { saveAdapter } from '../../src/model/peft-save.ts';
import { Rng } from '../../src/util/rng.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('mt-dry-refusals-');
const ROOT = path.join(FIXTURES, '..', '..');
const CLS_ADAPTER = path.join(FIXTURES, 'hf-tiny-mistral-cls', 'adapter_init'); // SEQ_CLS, a head of 3 classes
for (const classes of ['ab', 'abc']) {
  fs.writeFileSync(path.join(dir, `${classes}.jsonl`), Array.from({ length: 6 }, (_, i) => JSON.stringify({ input_ids: [1, 5, 7 + i, 9], label: classes[i % classes.length] })).join('\n') + '\n');
}
// the LABEL_i classes of a model folder's own head (makeTokenizerModel's id2label)
fs.writeFileSync(path.join(dir, 'named.jsonl'), Array.from({ length: 6 }, (_, i) => JSON.stringify({ input_ids: [1, 5, 7 + i, 9], label: `LABEL_${i % 3}` })).join('\n') + '\n');
fs.writeFileSync(path.join(dir, 'ids.jsonl'), Array.from({ length: 6 }, (_, i) => JSON.stringify({ input_ids: [1, 5, 7 + i, 9] })).join('\n') + '\n');

/** A config file of these lines (YAML) over a few defaults, read as train reads it. */
function config(name: string, lines: string[]): string {
  const file = path.join(dir, `${name}.yaml`);
  const defaults = [`model: ${TINY_BASE}`, 'max_steps: 1', 'eval: {samples: 0}', 'device: cpu', `output_dir: ${path.join(dir, `run-${name}`)}`];
  const keyOf = (line: string): string => line.split(':')[0]!;
  fs.writeFileSync(file, [...defaults.filter((d) => !lines.some((l) => keyOf(l) === keyOf(d))), ...lines].join('\n') + '\n');
  return file;
}

/** The error train's setup gives for this config (null: none), and the dry run's. */
function refusals(file: string): { train: string | null; dry: string | null } {
  const cfg = loadTrainConfig(file);
  const message = (fn: () => void): string | null => {
    try {
      fn();
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  };
  setQuiet(true);
  try {
    return { train: message(() => setupRun(cfg).backend.close?.()), dry: message(() => dryRun(cfg)) };
  } finally {
    setQuiet(false);
  }
}

test('a classification adapter whose head has other classes than labels: the dry run refuses it as train does', () => {
  const r = refusals(config('cls-two', ['task: classification', 'labels: [a, b]', `data: {train: ${path.join(dir, 'ab.jsonl')}}`, `lora: {init_from: ${CLS_ADAPTER}}`]));
  assert.match(r.train ?? '', /labels: 2 classes, but the classification head of .* has 3/);
  assert.equal(r.dry, r.train);
  const ok = refusals(config('cls-three', ['task: classification', 'labels: [a, b, c]', `data: {train: ${path.join(dir, 'abc.jsonl')}}`, `lora: {init_from: ${CLS_ADAPTER}}`]));
  assert.deepEqual(ok, { train: null, dry: null });
});

test('a classification adapter given to a generation run: the dry run refuses it as train does', () => {
  const r = refusals(config('gen', ['task: generation', `data: {train: ${path.join(dir, 'ids.jsonl')}}`, `lora: {init_from: ${CLS_ADAPTER}}`]));
  assert.match(r.train ?? '', /a classification adapter \(task_type SEQ_CLS\) cannot continue as generation \(set task: classification\)/);
  assert.equal(r.dry, r.train);
});

test('classification continuing an adapter that is not SEQ_CLS: an untyped one over a model with a head trains (PEFT 0.21 freezes that head); over a model without one, and a CAUSAL_LM one over a classifier (PEFT cannot load it), refused', async () => {
  // PEFT (scripts run by hand): PeftModel.from_pretrained(classifier, untyped, is_trainable=True) trains no score parameter and
  // save_pretrained writes task_type null and no score.weight; a CAUSAL_LM adapter fails (no prepare_inputs_for_generation)
  const lm = await makeTokenizerModel(path.join(dir, 'lm-untyped'), 0);
  const classifier = await makeTokenizerModel(path.join(dir, 'cls-untyped'), 0, { classes: 3 }); // id2label LABEL_0 … LABEL_2
  const causal = path.join(dir, 'causal'), untyped = path.join(dir, 'untyped'); // no head: CAUSAL_LM, and task_type null
  const m = loadModel(lm, { backend: createBackend('cpu') });
  createAdapter(m, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'v_proj'], useRslora: false }, new Rng(0), false);
  saveAdapter(m, causal, { taskType: 'CAUSAL_LM', baseModel: lm });
  fs.cpSync(causal, untyped, { recursive: true });
  const adapterConfig = JSON.parse(fs.readFileSync(path.join(causal, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(untyped, 'adapter_config.json'), JSON.stringify({ ...adapterConfig, task_type: null }));
  const lines = (model: string, adapter: string, data: string): string[] =>
    [`model: ${model}`, 'task: classification', `data: {train: ${path.join(dir, data)}}`, `lora: {init_from: ${adapter}}`];
  const overLm = refusals(config('untyped-lm', [...lines(lm, untyped, 'abc.jsonl'), 'labels: [a, b, c]']));
  assert.match(overLm.train ?? '', /lora\.init_from: .*untyped: an adapter without task_type or score head \(PEFT's plain PeftModel\) continues a classification run with the model's own head frozen, and this model has none: its new head would be random, never trained, and not saved; start a new adapter/);
  assert.equal(overLm.dry, overLm.train);
  const overCls = refusals(config('untyped-cls', [...lines(classifier, untyped, 'named.jsonl'), 'labels: [LABEL_0, LABEL_1, LABEL_2]']));
  assert.deepEqual(overCls, { train: null, dry: null }); // trained as PEFT does (test/train/hf-trainer-more.test.ts untyped_cls)
  const typed = refusals(config('causal-cls', [...lines(classifier, causal, 'named.jsonl'), 'labels: [LABEL_0, LABEL_1, LABEL_2]']));
  assert.match(typed.train ?? '', /a CAUSAL_LM adapter cannot continue as a classification run: PEFT cannot load it over a sequence classifier/);
  assert.equal(typed.dry, typed.train);
});

test('classification continuing an adapter without task_type whose file holds a score head: refused unless its modules_to_save names "score", as PEFT 0.21 trains that head only then', () => {
  // PEFT 0.21 (the venv, by hand): PeftModel.from_pretrained(classifier, adapter, is_trainable=True) of task_type null and
  // modules_to_save ["score"] trains the saved head and save_pretrained writes it again; with modules_to_save null it loads
  // the head into the model frozen (requires_grad False) and save_pretrained writes the LoRA factors alone (the head lost)
  const frozen = path.join(dir, 'untyped-frozen-head'), named = path.join(dir, 'untyped-named-head');
  const adapterConfig = JSON.parse(fs.readFileSync(path.join(CLS_ADAPTER, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  for (const [folder, modules] of [[frozen, null], [named, ['score']]] as const) {
    fs.cpSync(CLS_ADAPTER, folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'adapter_config.json'), JSON.stringify({ ...adapterConfig, task_type: null, modules_to_save: modules }));
  }
  const lines = (adapter: string): string[] => ['task: classification', 'labels: [a, b, c]', `data: {train: ${path.join(dir, 'abc.jsonl')}}`, `lora: {init_from: ${adapter}}`];
  const r = refusals(config('untyped-frozen-head', lines(frozen)));
  assert.match(r.train ?? '', /^lora\.init_from: .*untyped-frozen-head: its adapter_model\.safetensors holds a score head \(base_model\.model\.score\.weight\), but adapter_config\.json has no task_type and its modules_to_save does not name "score": PEFT loads that head frozen and saves the adapter without it; set "task_type": "SEQ_CLS" or "modules_to_save": \["score"\] in that adapter_config\.json to train and save the head/);
  assert.equal(r.dry, r.train);
  assert.deepEqual(refusals(config('untyped-named-head', lines(named))), { train: null, dry: null });
  // and saved as PEFT saves it again (PEFT 0.21, the venv: task_type None, modules_to_save ['score'], the head in the
  // file as base_model.model.score.weight); we wrote task_type SEQ_CLS and ["classifier", "score"]
  setQuiet(true);
  try {
    train(loadTrainConfig(config('untyped-named-head', lines(named))));
  } finally {
    setQuiet(false);
  }
  const saved = path.join(dir, 'run-untyped-named-head', 'adapter');
  const written = JSON.parse(fs.readFileSync(path.join(saved, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual([written.task_type, written.modules_to_save], [null, ['score']]);
  const st = SafetensorsFile.open(path.join(saved, 'adapter_model.safetensors'));
  assert.ok(st.has('base_model.model.score.weight'));
  st.close();
  // given to a generation run, said as it is: no task_type, a head in its file
  const gen = refusals(config('untyped-head-gen', ['task: generation', `data: {train: ${path.join(dir, 'ids.jsonl')}}`, `lora: {init_from: ${frozen}}`]));
  assert.match(gen.train ?? '', /untyped-frozen-head: a classification adapter \(no task_type, but its adapter_model\.safetensors holds a score head, base_model\.model\.score\.weight\) cannot continue as generation/);
  assert.equal(gen.dry, gen.train);
});

test('classification continuing an adapter whose config saves a score head its file lacks (task_type SEQ_CLS, or modules_to_save ["score"]): refused by train and the dry run, as PEFT 0.21 cannot load it', async () => {
  // PEFT 0.21 (the venv, /tmp/s68/h13-scratch/p/peft_check.py): PeftModel.from_pretrained(AutoModelForSequenceClassification,
  // adapter) of either, frozen or trainable: KeyError 'base_model.model.score.weight'; we trained the first and saved it
  // with modules_to_save null, dropping ["score"]
  const classifier = await makeTokenizerModel(path.join(dir, 'cls-absent'), 0, { classes: 3 }); // id2label LABEL_0 … LABEL_2
  const m = loadModel(classifier, { backend: createBackend('cpu') });
  createAdapter(m, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'v_proj'], useRslora: false }, new Rng(0), false);
  const plain = path.join(dir, 'absent-plain');
  saveAdapter(m, plain, { taskType: null, baseModel: classifier });
  const adapterConfig = JSON.parse(fs.readFileSync(path.join(plain, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  const lines = (adapter: string): string[] => [`model: ${classifier}`, 'task: classification', 'labels: [LABEL_0, LABEL_1, LABEL_2]',
    `data: {train: ${path.join(dir, 'named.jsonl')}}`, `lora: {init_from: ${adapter}}`];
  const cases = [['absent-named', null, ['score'], 'names "score" in modules_to_save', 'remove "score" from modules_to_save there'],
    ['absent-seqcls', 'SEQ_CLS', null, 'has task_type SEQ_CLS, which saves the score head \\(modules_to_save\\)', 'set "task_type": null there']] as const;
  for (const [name, taskType, modules, says, fix] of cases) {
    const folder = path.join(dir, name);
    fs.cpSync(plain, folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'adapter_config.json'), JSON.stringify({ ...adapterConfig, task_type: taskType, modules_to_save: modules }));
    const r = refusals(config(name, lines(folder)));
    assert.match(r.train ?? '', new RegExp(`^lora\\.init_from: .*${name}/adapter_config\\.json ${says}, but .*${name}/adapter_model\\.safetensors holds no ` +
      `base_model\\.model\\.score\\.weight: PEFT cannot load it over a sequence classifier \\(KeyError\\); give the adapter saved with its head, or ${fix} to run it with the model's own head`), name);
    assert.equal(r.dry, r.train, name);
  }
  // without modules_to_save or task_type, PEFT loads it (the model's head frozen): still trained
  assert.deepEqual(refusals(config('absent-plain', lines(plain))), { train: null, dry: null });
});

test('an adapter made for a model of other sizes: the dry run refuses its tensors as train does, from the header', async () => {
  // two layers, as the fixture's adapter has, but hidden size 32 where the adapter's factors are of 64
  const model = await makeTokenizerModel(path.join(dir, 'narrow'), 0, { config: { num_hidden_layers: 2 } });
  const r = refusals(config('narrow', [`model: ${model}`, `data: {train: ${path.join(dir, 'ids.jsonl')}}`, `lora: {init_from: ${path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init')}}`]));
  assert.match(r.train ?? '', /adapter_model\.safetensors: tensor "base_model\.model\.model\.layers\.0\.mlp\.down_proj\.lora_A\.weight" has shape \[4, 160\], expected \[4, 64\] from the base model at /);
  assert.ok(r.train?.endsWith(` from the base model at ${model}`), r.train ?? '');
  assert.equal(r.dry, r.train);
});

test('an adapter whose config selects a module its file has no tensors for (which PEFT would train from new): train and the dry run refuse it, naming the key', () => {
  // PeftModel.from_pretrained(is_trainable=True) makes that module (B = 0, A drawn) and trains it; loading it without it,
  // the run trained one module fewer than PEFT's and saved an adapter without it, with only a load-time warning
  const partial = path.join(dir, 'partial-adapter');
  const src = path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init');
  fs.mkdirSync(partial);
  fs.copyFileSync(path.join(src, 'adapter_config.json'), path.join(partial, 'adapter_config.json'));
  const st = SafetensorsFile.open(path.join(src, 'adapter_model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const name of st.names().filter((n) => !n.includes('layers.1.self_attn.v_proj'))) tensors[name] = { dtype: 'F32', shape: st.info(name).shape, data: st.readF32(name) };
  st.close();
  writeSafetensors(path.join(partial, 'adapter_model.safetensors'), tensors, { format: 'pt' });
  const r = refusals(config('partial', [`data: {train: ${path.join(dir, 'ids.jsonl')}}`, `lora: {init_from: ${partial}}`]));
  assert.match(r.train ?? '', /partial-adapter\/adapter_model\.safetensors: 1 LoRA module\(s\) that adapter_config\.json selects have no tensors, e\.g\. "base_model\.model\.model\.layers\.1\.self_attn\.v_proj\.lora_A\.weight": PEFT would train them/);
  assert.equal(r.dry, r.train);
});

test("a classification model's own head: other classes than labels, or its id2label's names in another order, refused by the dry run as by train", async () => {
  const model = await makeTokenizerModel(path.join(dir, 'cls-model'), 0, { classes: 3 }); // id2label LABEL_0, LABEL_1, LABEL_2
  const lines = (labels: string, data: string): string[] => [`model: ${model}`, 'task: classification', `labels: [${labels}]`, `data: {train: ${path.join(dir, data)}}`];
  const two = refusals(config('head-two', lines('a, b', 'ab.jsonl')));
  assert.match(two.train ?? '', /labels: 2 classes, but the classification head of the model\/adapter has 3/);
  assert.equal(two.dry, two.train);
  const swapped = refusals(config('head-swapped', lines('LABEL_1, LABEL_0, LABEL_2', 'named.jsonl')));
  assert.match(swapped.train ?? '', /labels: "LABEL_1" is class 1 of the model's head/);
  assert.equal(swapped.dry, swapped.train);
});

test("a classification adapter whose head names its classes (card or config.json id2label) in another order than labels: refused by the dry run as by train", () => {
  // the head's rows are its classes in its order: labels [b, a, c] (a prepare report's sorted names) continued each row
  // toward another class, silently (the first val loss was that of a swapped head)
  for (const named of ['card', 'config']) {
    const adapter = path.join(dir, `named-${named}`);
    fs.cpSync(CLS_ADAPTER, adapter, { recursive: true });
    if (named === 'card') fs.writeFileSync(path.join(adapter, 'README.md'), '---\nlibrary_name: peft\ntags:\n- lora\n- mistral-tune\n---\n\n```python\nlabels = ["b","a","c"]\n```\n');
    else fs.writeFileSync(path.join(adapter, 'config.json'), JSON.stringify({ id2label: { 0: 'b', 1: 'a', 2: 'c' } }));
    const lines = (labels: string): string[] => ['task: classification', `labels: [${labels}]`, `data: {train: ${path.join(dir, 'abc.jsonl')}}`, `lora: {init_from: ${adapter}}`];
    const swapped = refusals(config(`named-${named}-swapped`, lines('a, b, c')));
    assert.match(swapped.train ?? '', /^labels: "a" is class 1 of the adapter's head \(.* of .*named-/, named);
    // the way out: the head's order (left out, labels would be a prepare report's sorted names: "leave labels out" led back here)
    assert.match(swapped.train ?? '', /so this would swap them; give labels in that order \(labels: \["b","a","c"\]\)$/);
    assert.equal(swapped.dry, swapped.train);
    const same = refusals(config(`named-${named}-same`, lines('b, a, c')));
    assert.equal(same.train, null, named);
    assert.equal(same.dry, null, named);
  }
});

test("a labels order refused against a head's names is said at the config's labels, as its other refusals are (it named no file)", async () => {
  const model = await makeTokenizerModel(path.join(dir, 'cls-model-placed'), 0, { classes: 3 }); // id2label LABEL_0, LABEL_1, LABEL_2
  const file = config('head-swapped-placed', [`model: ${model}`, 'task: classification', 'labels: [LABEL_1, LABEL_0, LABEL_2]', `data: {train: ${path.join(dir, 'named.jsonl')}}`]);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'mistral-tune.js'), 'train', file, '--dry-run'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  const line = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.startsWith('labels:')) + 1;
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0]!, new RegExp(`^error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+: labels: "LABEL_1" is class 1 of the model's head`));
});

test("a classification adapter whose folder names no classes, continued on a base whose config.json id2label names them in another order than labels: refused (classify names the adapter's rows so)", () => {
  // classify and eval name such an adapter's head by the base's id2label (folderClassNames): train looked at the adapter
  // folder alone and took labels [a, b, c] over a head whose rows are b, a, c, swapping them silently
  const base = path.join(dir, 'base-named');
  fs.cpSync(TINY_BASE, base, { recursive: true });
  const cfgFile = path.join(base, 'config.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), id2label: { 0: 'b', 1: 'a', 2: 'c' }, label2id: { b: 0, a: 1, c: 2 } }));
  assert.ok(!fs.existsSync(path.join(CLS_ADAPTER, 'README.md')) && !fs.existsSync(path.join(CLS_ADAPTER, 'config.json'))); // the adapter names none
  const lines = (labels: string): string[] => [`model: ${base}`, 'task: classification', `labels: [${labels}]`, `data: {train: ${path.join(dir, 'abc.jsonl')}}`, `lora: {init_from: ${CLS_ADAPTER}}`];
  const swapped = refusals(config('base-named-swapped', lines('a, b, c')));
  assert.match(swapped.train ?? '', /^labels: "a" is class 1 of the adapter's head \(config\.json's id2label of .*base-named\b.*\), not class 0: .*give labels in that order \(labels: \["b","a","c"\]\)$/);
  assert.equal(swapped.dry, swapped.train);
  // the way out where the adapter's rows are not in the base's order (trained on sorted labels): its own id2label
  assert.match(swapped.train ?? '', /names none: an adapter whose rows are in another order \(HF's run_classification sorts the data's labels\) names them in its own config\.json id2label\)/);
  const named = path.join(dir, 'adapter-own-names');
  fs.cpSync(CLS_ADAPTER, named, { recursive: true });
  fs.writeFileSync(path.join(named, 'config.json'), JSON.stringify({ id2label: { 0: 'a', 1: 'b', 2: 'c' }, label2id: { a: 0, b: 1, c: 2 } }));
  const own = refusals(config('base-named-own', lines('a, b, c').map((l) => l.replace(CLS_ADAPTER, named))));
  assert.equal(own.train, null);
  assert.equal(own.dry, null);
  const same = refusals(config('base-named-same', lines('b, a, c')));
  assert.equal(same.train, null);
  assert.equal(same.dry, null);
});

test("a base whose config.json id2label names another number of classes than the adapter's head has rows does not name that head: labels are not checked against it", () => {
  // a 3-row SEQ_CLS adapter over a base whose id2label names 2 classes (transformers builds the 3-row head with LABEL_0 …
  // LABEL_2, not those names): "b" at another index than the base's was refused as a reorder of the adapter's head
  const base = path.join(dir, 'base-two-named');
  fs.cpSync(TINY_BASE, base, { recursive: true });
  const cfgFile = path.join(base, 'config.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), id2label: { 0: 'b', 1: 'a' }, label2id: { b: 0, a: 1 } }));
  const r = refusals(config('base-two-named', [`model: ${base}`, 'task: classification', 'labels: [c, a, b]', `data: {train: ${path.join(dir, 'abc.jsonl')}}`, `lora: {init_from: ${CLS_ADAPTER}}`]));
  assert.equal(r.train, null);
  assert.equal(r.dry, null);
});

test('a generation run on a model folder saved for classification (no lm_head): the dry run refuses it as train does', async () => {
  const model = await makeTokenizerModel(path.join(dir, 'cls-untied'), 0, { classes: 3, config: { tie_word_embeddings: false } }); // score.weight, no lm_head.weight
  const r = refusals(config('no-lm-head', [`model: ${model}`, `data: {train: ${path.join(dir, 'ids.jsonl')}}`]));
  assert.match(r.train ?? '', /task: generation needs an LM head, and this model has none \(lm_head\.weight\): it was saved for classification \(set task: classification\)$/);
  assert.equal(r.dry, r.train);
});

test('a dry run whose plan does not fit, or whose output_dir train refuses, prints its plan and exits 2 with one error line', () => {
  const file = config('big', [`data: {train: ${path.join(dir, 'ids.jsonl')}}`, 'packing: true', 'max_seq_len: 40000', 'batch_size: 1']);
  const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'mistral-tune.js'), 'train', file, '--dry-run', ...args], { encoding: 'utf8' });
  const errors = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('error:'));
  const big = cli();
  assert.equal(big.status, 2, big.stderr);
  assert.match(big.stdout, /→ does NOT fit: sequences of 40,000 tokens need/);
  assert.deepEqual(errors(big.stderr), ['error: the run does not fit: sequences of 40,000 tokens need 23.9 GiB of attention workspace on the CPU, more than its 4.0 GiB: lower max_seq_len, or train on a GPU (device: cuda, whose attention needs no (T, T) workspace)']);
  // an output_dir train would not empty (a folder of the user's): refused as train refuses it, after the plan (--json here)
  const mine = path.join(dir, 'mine');
  fs.mkdirSync(mine, { recursive: true });
  fs.writeFileSync(path.join(mine, 'notes.txt'), 'mine\n');
  const r = cli('--max_seq_len', '64', '--output_dir', mine, '--json');
  assert.equal(r.status, 2, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { fits: boolean }).fits, true);
  assert.match(errors(r.stderr).join('\n'), /^error: --output_dir: .*mine: exists and is not empty, and is not a run directory made by mistral-tune train [^\n]*$/);
});

test("a plan past the memory available: the dry run's error says by how much, and what would make it fit", () => {
  const cfg = validate({
    model: { config: { vocab_size: 512, hidden_size: 64, intermediate_size: 160, num_hidden_layers: 1e8, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16 }, init: 'random' },
    data: { train: path.join(dir, 'ids.jsonl') }, device: 'cpu', eval: { samples: 0 }, output_dir: path.join(dir, 'run-huge'),
  }, 'test');
  setQuiet(true);
  try {
    const r = dryRun(cfg);
    assert.equal(r.fits, false);
    assert.match(dryRunRefusal(r, cfg) ?? '', /^the run does not fit: its memory plan totals [\d.]+ GiB \([\d.]+ GiB with Node\.js itself\), more than the [\d.]+ GiB available: the weights alone take .*, or a device with more memory$/);
  } finally {
    setQuiet(false);
  }
});

test("a data record train refuses: the dry run (train --dry-run, a command) names prepare's command and flags as train's command does, not prepare() and options.task", () => {
  fs.writeFileSync(path.join(dir, 'empty-turn.jsonl'), '{"instruction": "  ", "output": "ok"}\n');
  fs.writeFileSync(path.join(dir, 'mixed.jsonl'), '{"text": "a b c"}\n{"text": "d e", "label": "x"}\n');
  for (const data of ['empty-turn.jsonl', 'mixed.jsonl']) {
    const cfg = loadTrainConfig(config(`words-${data}`, [`data: {train: ${path.join(dir, data)}}`]));
    const message = (fn: () => void): string => {
      try {
        fn();
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error(`${data} was not refused`);
    };
    setQuiet(true);
    try {
      const train = message(() => setupRun(cfg, { words: FLAG_WORDS }).backend.close?.());
      assert.match(train, /mistral-tune prepare/, data);
      assert.equal(message(() => dryRun(cfg)), train, data);
    } finally {
      setQuiet(false);
    }
  }
});

test('train reads the data and checks the whole memory plan before a weight: a bad split or a sequence past the CPU\'s attention workspace is refused first', () => {
  // the tiny model with a NaN in its final norm: reading the weights would refuse the checkpoint as damaged
  const model = path.join(dir, 'nan-model');
  fs.mkdirSync(model, { recursive: true });
  for (const f of fs.readdirSync(TINY_BASE)) if (f !== 'model.safetensors') fs.copyFileSync(path.join(TINY_BASE, f), path.join(model, f));
  const st = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const name of st.names()) {
    const data = st.readF32(name);
    tensors[name] = { dtype: 'F32', shape: st.info(name).shape, data: name === 'model.norm.weight' ? data.fill(NaN) : data };
  }
  st.close();
  writeSafetensors(path.join(model, 'model.safetensors'), tensors);
  assert.match(refusals(config('nan-weights', [`model: ${model}`, `data: {train: ${path.join(dir, 'ids.jsonl')}}`])).train ?? '', /model\.norm\.weight" holds NaN/, 'the weights are read with good data');
  fs.writeFileSync(path.join(dir, 'empty-rows.jsonl'), '{"input_ids": []}\n');
  assert.match(refusals(config('nan-empty', [`model: ${model}`, `data: {train: ${path.join(dir, 'empty-rows.jsonl')}}`])).train ?? '', /empty-rows\.jsonl:1: invalid_tokens/, "a bad record is named before the weights are read");
  fs.writeFileSync(path.join(dir, 'long.jsonl'), JSON.stringify({ input_ids: Array.from({ length: 40000 }, (_, i) => 1 + (i % 50)) }) + '\n');
  const long = refusals(config('nan-long', [`model: ${model}`, 'max_seq_len: 40000', `data: {train: ${path.join(dir, 'long.jsonl')}}`]));
  assert.match(long.train ?? '', /sequences of 40,000 tokens need .* of attention workspace on the CPU/);
});
