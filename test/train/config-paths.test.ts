// A config path found missing after validation (a data file, the model folder or its config.json, lora.init_from) is
// named with the config's file:line:column of its key, or the flag that set it; it said the key alone before. So is a
// value found wrong against the model or the data (lora.r past the device's memory, packing a classifier, epochs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTrainConfig, readTrainConfig, validatedConfig } from '../../src/train/config.ts';
import { checkConfigPaths, keyPlaces } from '../../src/train/config-paths.ts';
import { dryRun } from '../../src/train/dry-run.ts';
import { setupRun } from '../../src/train/setup.ts';
import { checkSequenceFits } from '../../src/train/fit-check.ts';
import { loadConfig } from '../../src/model/config.ts';
import { setQuiet } from '../../src/util/log.ts';
import { TINY_BASE, literal } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('mt-config-paths-');
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
fs.mkdirSync(path.join(dir, 'model'));
fs.writeFileSync(path.join(dir, 'model', 'config.json'), '{}');
fs.writeFileSync(path.join(dir, 'train.jsonl'), '{"text": "a"}\n');
fs.mkdirSync(path.join(dir, 'empty'));

/** Writes `yaml` to the config file `f` and dry-runs it quietly, with the places of its keys. */
function dryRunOf(f: string, yaml: string): void {
  fs.writeFileSync(f, yaml);
  const { cfg, place } = readTrainConfig(f);
  setQuiet(true);
  try {
    dryRun(cfg, { places: keyPlaces(place) });
  } finally {
    setQuiet(false);
  }
}

function check(yaml: string, overrides: Array<[string, string]> = []): void {
  const f = path.join(dir, 'train.yaml');
  fs.writeFileSync(f, yaml);
  const { cfg, place } = readTrainConfig(f, overrides);
  checkConfigPaths(cfg, place);
}

test('a missing data file, model folder or config.json is named with the line of its key', () => {
  const f = path.join(dir, 'train.yaml');
  assert.throws(() => check('model: model\nbatch_size: 2\ndata:\n  val: train.jsonl\n  train: gone.jsonl\n'),
    { message: `${f}:5:3: data.train: ${path.join(dir, 'gone.jsonl')}: no such file (set data.train)` });
  assert.throws(() => check('data: {train: train.jsonl}\nmodel: nowhere\n'),
    { message: `${f}:2:1: model: ${path.join(dir, 'nowhere')}: model folder not found (set model)` });
  assert.throws(() => check('data: {train: train.jsonl}\nmodel: empty\n'),
    { message: `${f}:2:1: model: ${path.join(dir, 'empty', 'config.json')}: model config not found (a model folder needs config.json)` });
  assert.throws(() => check('model: model\ndata: {train: train.jsonl, test: model}\n'), { message: new RegExp(`^${f}:2:28: data.test: .*: a folder, not a data file`) });
  // a space at the end of a name, which YAML keeps: a no-break space pasted from a web page, or a space inside quotes
  assert.throws(() => check('model: model\ndata:\n  train: train.jsonl\u00a0\n'),
    { message: `${f}:3:3: data.train: "${path.join(dir, 'train.jsonl')}\u00a0": no such file, but ${path.join(dir, 'train.jsonl')} is: the name ends with a no-break space (U+00A0), which YAML keeps: remove it` });
  assert.throws(() => check('data: {train: train.jsonl}\nmodel: " model"\n'),
    { message: `${f}:2:1: model: "${path.join(dir, ' model')}": model folder not found, but ${path.join(dir, 'model')} is: the name starts with a space, which YAML keeps: remove it` });
  // a Hugging Face Hub id, which a new user may write for model: said to be one, with what to do
  assert.throws(() => check('data: {train: train.jsonl}\nmodel: mistralai/Mistral-7B-v0.1\n'),
    { message: `${f}:2:1: model: ${path.join(dir, 'mistralai', 'Mistral-7B-v0.1')}: model folder not found (set model; if mistralai/Mistral-7B-v0.1 is a ` +
      'Hugging Face Hub id, download its files from https://huggingface.co/mistralai/Mistral-7B-v0.1 into a folder and give that folder)' });
  // a longer relative path is no Hub id (examples/train-lora.yaml's ../runs/quickstart/model was told to download
  // https://huggingface.co/quickstart/model): the quickstart's model is said to be made by the quickstart
  assert.throws(() => check('data: {train: train.jsonl}\nmodel: ../gone/runs/quickstart/model\n'),
    { message: `${f}:2:1: model: ${path.join(dir, '..', 'gone', 'runs', 'quickstart', 'model')}: model folder not found (set model; \`mistral-tune quickstart\` makes this one: run it first)` });
  assert.throws(() => check('data: {train: train.jsonl}\nmodel: ../gone/owner/name\n'),
    { message: `${f}:2:1: model: ${path.join(dir, '..', 'gone', 'owner', 'name')}: model folder not found (set model)` });
  // a random model's config.json (a file, or the folder that holds it): was named by its key alone
  assert.throws(() => check('data: {train: train.jsonl}\nmodel:\n  init: random\n  config: nope.json\n'),
    { message: `${f}:4:3: model.config: ${path.join(dir, 'nope.json')}: config not found (set model.config to an HF config.json, or to its keys inline)` });
  assert.throws(() => check('data: {train: train.jsonl}\nmodel: {init: random, config: empty}\n'),
    { message: `${f}:2:23: model.config: ${path.join(dir, 'empty', 'config.json')}: config not found (set model.config to an HF config.json, or to its keys inline)` });
  check('model: model\ndata: {train: train.jsonl}\n');
  check('model: {init: random, config: model}\ndata: {train: train.jsonl}\n');
  // Python's None for no val file: a file name to YAML (was: "…/None: no such file (set data.val, or --data.val null …)")
  assert.throws(() => check('model: model\ndata: {train: train.jsonl, val: None}\n'),
    { message: `${f}:2:28: data.val: ${path.join(dir, 'None')}: no such file (YAML reads None as a string, here a file name: write null for no data.val)` });
  // a split under prepare's name that nothing made (examples/train-lora.yaml before its prepare): the prepare that makes it
  assert.throws(() => check('model: model\ndata: {train: ../runs/data/train.jsonl}\n'),
    { message: `${f}:2:8: data.train: ${path.join(dir, '..', 'runs', 'data', 'train.jsonl')}: no such file (set data.train; \`mistral-tune prepare --input YOUR_DATA --out ${path.join(dir, '..', 'runs', 'data')}\` makes it)` });
});

test('a file given where its folder belongs (model: …/model.safetensors, lora.init_from: …/adapter_config.json) is named as such, with the folder to give', () => {
  // was: "model: …/model.safetensors: not a folder", where eval and generate name the file and the folder to give
  const f = path.join(dir, 'train.yaml');
  assert.throws(() => check('data: {train: train.jsonl}\nmodel: model/config.json\n'),
    { message: `${f}:2:1: model: ${path.join(dir, 'model', 'config.json')}: a file, not a model folder: give the folder that holds config.json and the *.safetensors` });
  assert.throws(() => check('model: model\ndata: {train: train.jsonl}\nlora: {init_from: train.jsonl}\n'),
    { message: `${f}:3:8: lora.init_from: ${path.join(dir, 'train.jsonl')}: a file, not a PEFT adapter folder: give the folder that holds adapter_config.json and adapter_model.safetensors` });
});

test("a run's folder or a PEFT adapter given as train's model says what to set to train on from it (lora.init_from, or the run's model/)", () => {
  // was eval's advice, "give it as --adapter … with its base model as --model" and "take the run itself as --run", flags train has not
  const f = path.join(dir, 'train.yaml');
  const run = path.join(dir, 'lora-run'), adapter = path.join(run, 'adapter'), full = path.join(dir, 'full-run');
  fs.mkdirSync(adapter, { recursive: true });
  fs.writeFileSync(path.join(run, '.mistral-tune-run'), '{}');
  fs.writeFileSync(path.join(adapter, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', base_model_name_or_path: '/models/base' }));
  fs.mkdirSync(path.join(full, 'model'), { recursive: true });
  fs.writeFileSync(path.join(full, '.mistral-tune-run'), '{}');
  fs.writeFileSync(path.join(full, 'model', 'config.json'), '{}');
  assert.throws(() => check('data: {train: train.jsonl}\nmodel: lora-run\n'), {
    message: `${f}:2:1: model: ${run}: a training run's folder, not a model folder: to train on from its LoRA adapter, set lora.init_from: ${adapter} ` +
      'and model: the base model it was trained on (its adapter_config.json names "/models/base")',
  });
  assert.throws(() => check('data: {train: train.jsonl}\nmodel: lora-run/adapter\n'), {
    message: `${f}:2:1: model: ${adapter}: a PEFT adapter, not a model folder: to train on from it, set lora.init_from: ${adapter} ` +
      'and model: the base model it was trained on (its adapter_config.json names "/models/base")',
  });
  assert.throws(() => check('data: {train: train.jsonl}\nmodel: full-run\n'),
    { message: `${f}:2:1: model: ${full}: a training run's folder, not a model folder: to train on from its trained model, set model: ${path.join(full, 'model')}` });
  check('data: {train: train.jsonl}\nmodel: full-run/model\n');
});

test('a path set by a flag is named by the flag; lora.init_from, read while loading, by its line too', () => {
  const f = path.join(dir, 'train.yaml');
  assert.throws(() => check('model: model\ndata: {train: train.jsonl}\n', [['data.train', 'x.jsonl']]),
    { message: `--data.train: ${path.resolve('x.jsonl')}: no such file (set data.train)` });
  assert.throws(() => check('model: model\ndata: {train: train.jsonl}\nlora:\n  init_from: gone\n'),
    { message: `${f}:4:3: lora.init_from: ${path.join(dir, 'gone')}: adapter folder not found (set lora.init_from)` });
  assert.throws(() => check('model: model\ndata: {train: train.jsonl}\nlora:\n  init_from: empty\n'),
    { message: `${f}:4:3: lora.init_from: ${path.join(dir, 'empty', 'adapter_config.json')}: adapter config not found (a PEFT adapter folder needs adapter_config.json)` });
  assert.throws(() => check('model: model\ndata: {train: train.jsonl}\n', [['lora.init_from', path.join(dir, 'empty')]]),
    { message: `--lora.init_from: ${path.join(dir, 'empty', 'adapter_config.json')}: adapter config not found (a PEFT adapter folder needs adapter_config.json)` });
});

test('lora.init_from set to a model folder (a merged export: config.json, no adapter_config.json) says it is one, and to set it as model:', async () => {
  // before: "adapter config not found (a PEFT adapter folder needs adapter_config.json)" alone
  const f = path.join(dir, 'train.yaml');
  assert.throws(() => check('model: model\ndata: {train: train.jsonl}\nlora:\n  init_from: model\n'),
    { message: `${f}:4:3: lora.init_from: ${path.join(dir, 'model', 'adapter_config.json')}: adapter config not found (a PEFT adapter folder needs adapter_config.json): ` +
      `this is a model folder (config.json), not a PEFT adapter: to train on from it, set it as model: ${path.join(dir, 'model')} instead (lora.init_from takes a PEFT adapter)` });
  // eval, generate and classify's --adapter: as --model
  const { adapterConfigPath } = await import('../../src/model/adapter-config-path.ts');
  assert.throws(() => adapterConfigPath(path.join(dir, 'model')), { message: `${path.join(dir, 'model', 'adapter_config.json')}: adapter config not found ` +
    `(a PEFT adapter folder needs adapter_config.json): this is a model folder (config.json), not a PEFT adapter: give it as --model ${path.join(dir, 'model')} instead` });
});

test('a value found wrong against the model or data after validation (lora.r, packing, epochs) is named at its line, as a missing path is', () => {
  const f = path.join(dir, 'train.yaml');
  fs.writeFileSync(path.join(dir, 'classes.jsonl'), '{"input_ids": [1, 5, 9], "label": 0}\n{"input_ids": [1, 7], "label": 1}\n');
  fs.writeFileSync(path.join(dir, 'tokens.jsonl'), '{"input_ids": [1, 5, 9]}\n{"input_ids": [1, 7]}\n');
  const planned = (yaml: string): void => dryRunOf(f, `model: ${TINY_BASE}\ndata: {train: ${yaml.includes('classification') ? 'classes' : 'tokens'}.jsonl}\noutput_dir: out\n${yaml}`);
  assert.throws(() => planned('lora:\n  r: 1000000000\n'), { message: new RegExp(`^${literal(f)}:5:3: lora\\.r: 1000000000 makes the weights and the adapter's trainable state .* more than this machine's RAM`) });
  assert.throws(() => planned('task: classification\nlabels: [a, b]\npacking: true\n'), { message: `${f}:6:1: packing: classification scores one sequence per row, so it cannot pack (set packing: false)` });
  // a label not among the classes: said with what to do, at labels' line (was the bare "is not one of the classes")
  fs.writeFileSync(path.join(dir, 'classes.jsonl'), '{"input_ids": [1, 5, 9], "label": "a"}\n{"input_ids": [1, 7], "label": "c"}\n');
  assert.throws(() => planned('task: classification\nlabels: [a, b]\n'),
    { message: `${path.join(dir, 'classes.jsonl')}:2: label "c" is not one of the classes ["a", "b"] (fix the data, or set labels: in the config to its classes, at ${f}:5:1)` });
  fs.writeFileSync(path.join(dir, 'classes.jsonl'), '{"input_ids": [1, 5, 9], "label": 0}\n{"input_ids": [1, 7], "label": 1}\n');
  assert.throws(() => planned('epochs: 9000000000000000\nbatch_size: 1\n'), { message: new RegExp(`^${literal(f)}:4:1: epochs: 9000000000000000 epochs of 2 steps`) });
  // labels that the classification head of lora.init_from's adapter (3 classes) does not have: said the key alone
  const adapter = path.join(TINY_BASE, '..', '..', 'hf-tiny-mistral-cls', 'adapter_init');
  fs.writeFileSync(f, `model: ${TINY_BASE}\ndata: {train: classes.jsonl}\noutput_dir: out\ntask: classification\nlabels: [a, b]\nlora:\n  init_from: ${adapter}\n`);
  const { cfg, place } = readTrainConfig(f);
  setQuiet(true);
  try {
    assert.throws(() => setupRun({ ...cfg, device: 'cpu' }, { place }), { message: `${f}:5:1: labels: 2 classes, but the classification head of the model/adapter has 3` });
  } finally {
    setQuiet(false);
  }
});

test('rows past a dynamic rope\'s context refused at max_seq_len\'s line (rows within it run whatever max_seq_len), and a data file that cannot be read are named at their line', () => {
  const f = path.join(dir, 'train.yaml');
  const dyn = path.join(dir, 'dynamic-model');
  fs.mkdirSync(dyn, { recursive: true });
  for (const name of fs.readdirSync(TINY_BASE)) if (name !== 'config.json') fs.symlinkSync(path.join(TINY_BASE, name), path.join(dyn, name));
  const modelCfg = JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as object;
  fs.writeFileSync(path.join(dyn, 'config.json'), JSON.stringify({ ...modelCfg, max_position_embeddings: 64, rope_scaling: { type: 'dynamic', factor: 2 } }));
  fs.writeFileSync(path.join(dir, 'tokens.jsonl'), '{"input_ids": [1, 5, 9]}\n{"input_ids": [1, 7]}\n');
  fs.writeFileSync(path.join(dir, 'long.jsonl'), `{"input_ids": [1, 5, 9]}\n${JSON.stringify({ input_ids: Array.from({ length: 100 }, (_, i) => 3 + i) })}\n`);
  const planned = (yaml: string): void => dryRunOf(f, yaml);
  // a row reaching past max_position_embeddings 64, where transformers would rescale: refused at max_seq_len's line
  assert.throws(() => planned(`model: ${dyn}\ndata: {train: long.jsonl}\noutput_dir: out\nmax_seq_len: 512\n`),
    { message: new RegExp(`^${literal(f)}:4:1: max_seq_len: 512: rows of up to 100 tokens: "dynamic" rope scaling`) });
  assert.throws(() => planned(`model: ${dyn}\ndata: {train: tokens.jsonl, val: long.jsonl}\noutput_dir: out\nmax_seq_len: 512\n`),
    { message: new RegExp(`^${literal(f)}:4:1: max_seq_len: 512: rows of up to 100 tokens: "dynamic" rope scaling`) });
  // transformers rescales by the batch's reach (a padded batch's longest row, a packed one's longest sample), not by
  // max_seq_len: rows within the context run (plain rope there), as they do cut to max_seq_len 64
  planned(`model: ${dyn}\ndata: {train: tokens.jsonl}\noutput_dir: out\nmax_seq_len: 512\n`);
  planned(`model: ${dyn}\ndata: {train: tokens.jsonl}\noutput_dir: out\nmax_seq_len: 512\npacking: true\n`);
  planned(`model: ${dyn}\ndata: {train: long.jsonl}\noutput_dir: out\nmax_seq_len: 64\n`);
  // train itself, past the dry run: the same refusal
  fs.writeFileSync(f, `model: ${dyn}\ndata: {train: long.jsonl}\noutput_dir: out\nmax_seq_len: 512\n`);
  const { cfg, place } = readTrainConfig(f);
  setQuiet(true);
  try {
    assert.throws(() => setupRun({ ...cfg, device: 'cpu' }, { place }), { message: new RegExp(`^${literal(f)}:4:1: max_seq_len: 512: rows of up to 100 tokens: "dynamic"`) });
  } finally {
    setQuiet(false);
  }
  assert.throws(() => planned(`model: ${TINY_BASE}\ndata: {train: tokens.jsonl, test: /dev/null}\noutput_dir: out\n`),
    { message: new RegExp(`^${literal(f)}:2:\\d+: data\\.test: /dev/null: `) });
});

test('a sequence too long for the CPU attention workspace is named at max_seq_len\'s line', () => {
  const f = path.join(dir, 'train.yaml');
  fs.writeFileSync(f, `model: ${TINY_BASE}\ndata: {train: tokens.jsonl}\noutput_dir: out\npacking: true\nmax_seq_len: 100000\n`);
  const { cfg, place } = readTrainConfig(f);
  const model = loadConfig(TINY_BASE);
  assert.throws(() => checkSequenceFits(cfg, model, [[]], { backend: 'cpu' }, place),
    { message: new RegExp(`^${literal(f)}:5:1: max_seq_len: sequences of 100,000 tokens need`) });
});

test('a folder given for a data split names the file of that split in it, or, holding none, the prepare that makes them', () => {
  const f = path.join(dir, 'train.yaml');
  const prepared = path.join(dir, 'prepared-splits');
  fs.mkdirSync(prepared, { recursive: true });
  for (const split of ['train', 'val', 'test']) fs.writeFileSync(path.join(prepared, `${split}.jsonl`), '{"text": "a"}\n');
  // data.val and data.test were told to give prepared/train.jsonl: the training data as val or test data
  for (const key of ['val', 'test']) {
    assert.throws(() => check(`model: model\ndata: {train: train.jsonl, ${key}: prepared-splits}\n`),
      { message: `${f}:2:28: data.${key}: ${prepared}: a folder, not a data file (give ${path.join(prepared, `${key}.jsonl`)})` });
  }
  // a folder of raw data holds no train.jsonl to give: prepare makes one
  const raw = path.join(dir, 'raw-data');
  fs.mkdirSync(raw, { recursive: true });
  fs.writeFileSync(path.join(raw, 'export.csv'), 'text\nhello\n');
  assert.throws(() => check('model: model\ndata: {train: raw-data}\n'),
    { message: `${f}:2:8: data.train: ${raw}: a folder, not a data file (it holds no train.jsonl: give a data file in it, or, for a folder of raw data, make one with mistral-tune prepare --input ${raw} --out NEW_FOLDER)` });
});

test("a library caller's copy of a loaded config keeps its paths and where they were read from (the Hub id hint)", () => {
  const sub = path.join(dir, 'spread');
  fs.mkdirSync(sub, { recursive: true });
  const file = path.join(sub, 'c.yaml');
  fs.writeFileSync(file, 'model: mistralai/Mistral-7B-v0.1\ndata:\n  train: data/x.jsonl\noutput_dir: out\n');
  const cfg = loadTrainConfig(file);
  const hub = /model: .*: model folder not found \(set model; if mistralai\/Mistral-7B-v0\.1 is a Hugging Face Hub id, download/;
  for (const copy of [cfg, { ...cfg, max_steps: 1 }, { ...cfg, optimizer: { ...cfg.optimizer, lr: 1e-4 } }, JSON.parse(JSON.stringify(cfg)) as typeof cfg]) {
    // relative paths were read from the config's folder at load: a copy holds them resolved
    assert.equal(copy.data.train, path.join(sub, 'data', 'x.jsonl'));
    assert.equal(copy.output_dir, path.join(sub, 'out'));
    // the copy was validated again (its defaults filled), and the hint that needs the config's folder was lost
    assert.throws(() => checkConfigPaths(validatedConfig(copy, 'test')), hub);
  }
});

test('two config files whose models resolve to one path: each keeps its own reading (the Hub hint only where the id was written)', () => {
  // org/name in a/c.yaml and the same folder written absolute in b/c.yaml: noted by the path alone, the second loaded
  // gave the first its file (a: the hint lost; the other order: b's absolute path told it is a Hub id)
  const root = path.join(dir, 'same-model'), a = path.join(root, 'a'), b = path.join(root, 'b');
  fs.mkdirSync(a, { recursive: true });
  fs.mkdirSync(b, { recursive: true });
  fs.writeFileSync(path.join(a, 'c.yaml'), 'model: mistralai/Mistral-7B-v0.1\ndata:\n  train: data/x.jsonl\noutput_dir: out\n');
  fs.writeFileSync(path.join(b, 'c.yaml'), `model: ${path.join(a, 'mistralai', 'Mistral-7B-v0.1')}\ndata:\n  train: data/x.jsonl\noutput_dir: out\n`);
  const hub = /is a Hugging Face Hub id/;
  for (const order of [['a', 'b'], ['b', 'a']]) {
    const loaded = Object.fromEntries(order.map((d) => [d, loadTrainConfig(path.join(root, d, 'c.yaml'))]));
    assert.throws(() => checkConfigPaths(loaded.a!), hub, `${order}: a`);
    assert.throws(() => checkConfigPaths(loaded.b!), (e: Error) => /model folder not found/.test(e.message) && !hub.test(e.message), `${order}: b`);
  }
});
