// The training config (its YAML as text: config-yaml.test.ts): defaults, CLI overrides (CLI > file > defaults), paths relative to the file,
// unknown keys with a did-you-mean, errors that name the key, and lora.init_from's adapter config winning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepare } from '../../src/data/prepare.ts';
import { runPath } from '../../src/run/layout.ts';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import { loadTrainConfig } from '../../src/train/config.ts';
import { classesFor } from '../../src/train/data.ts';
import { warmupStepsOf } from '../../src/train/schedule.ts';
import { isUserError } from '../../src/util/errors.ts';
import { setQuiet } from '../../src/util/log.ts';
import { writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { readFixture, TINY } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { file } from './config-file.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

test('defaults, relative paths from the file, overrides read as YAML', () => {
  const f = file('model: m\ndata:\n  train: d/train.jsonl\noptimizer:\n  lr: 1.0e-3\n');
  const dir = path.dirname(f);
  const cfg = loadTrainConfig(f, [['optimizer.lr', '5e-5'], ['lora.target_modules', '[q_proj, v_proj]'], ['grad_clip', 'null'], ['data.val', 'v.jsonl']]);
  assert.equal(cfg.model, path.join(dir, 'm'));
  assert.equal(cfg.data.train, path.join(dir, 'd', 'train.jsonl'));
  assert.equal(cfg.data.val, path.resolve('v.jsonl'));
  assert.equal(cfg.optimizer.lr, 5e-5);
  assert.deepEqual(cfg.lora.target_modules, ['q_proj', 'v_proj']);
  assert.equal(cfg.grad_clip, null);
  assert.equal(cfg.batch_size, 4);
  assert.equal(cfg.schedule.type, 'linear');
});

test('unknown keys are refused with a did-you-mean; bad values name their key', () => {
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {rank: 4}\n')), /unknown key "lora.rank" \(did you mean "lora.r"\? write r: 4 under lora:\)/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nbatchsize: 4\n')), /unknown key "batchsize" \(did you mean "batch_size"\?\)/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['schedule.kind', 'cosine']]), /unknown key "schedule.kind"/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nschedule: {type: cosin}\n')), /schedule\.type:/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nbatch_size: 0\n')), /batch_size:/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntask: classification\n')), /labels: classification needs/);
  assert.throws(() => loadTrainConfig(file('data: {train: t}\n')), /model:/);
  assert.throws(() => loadTrainConfig(file('model: [unclosed\n')), /c\.yaml:1:8: a \[ left open \(YAML reads on past the line for its \]\): close it on its line, model: \[unclosed\]$/);
  // adapted once, but the saved adapter_config listed every module by its full name
  // which one, and where: it said "names a projection twice" of the whole list
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['lora.target_modules', '[q_proj, v_proj, q_proj]']]),
    /^UserError: --lora\.target_modules: \[2\]: "q_proj" is also entry 0: name each projection once$/);
  const twice = file('model: m\ndata: {train: t}\nlora:\n  target_modules:\n  - v_proj\n  - v_proj\n');
  assert.throws(() => loadTrainConfig(twice), { message: `${twice}:6:5: lora.target_modules.1: "v_proj" is also entry 0: name each projection once` });
});

test('group_by_length without shuffle, and task classification without labels, name the key once, after its flag or its line (was "--group_by_length: group_by_length: needs …")', () => {
  const plain = file('model: m\ndata: {train: t}\nshuffle: false\n');
  assert.throws(() => loadTrainConfig(plain, [['group_by_length', 'true']]), { message: '--group_by_length: needs shuffle: true (file order has no grouping)' });
  const inFile = file('model: m\ndata: {train: t}\nshuffle: false\ngroup_by_length: true\n');
  assert.throws(() => loadTrainConfig(inFile), { message: `${inFile}:4:1: group_by_length: needs shuffle: true (file order has no grouping)` });
  const cls = 'classification needs the list of class names (or data.train from mistral-tune prepare, whose report.json beside it has them)';
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntask: classification\nlabels: [a, b]\n'), [['labels', 'null']]), { message: `--labels: ${cls}` });
});

test("lora.init_from with a target_modules regular expression: the projections its tensors adapt (were recorded and planned as all 7)", () => {
  const adapter = tempDir('mt-regex-adapter-');
  const c = JSON.parse(fs.readFileSync(path.join(TINY, 'adapter_init', 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(adapter, 'adapter_config.json'), JSON.stringify({ ...c, target_modules: '.*\\.(q_proj|v_proj)' }));
  const kept: Record<string, TensorToWrite> = {};
  for (const [name, t] of Object.entries(readFixture(path.join(TINY, 'adapter_init', 'adapter_model.safetensors')))) {
    if (/\.(q|v)_proj\./.test(name)) kept[name] = { dtype: 'F32', shape: t.shape, data: Float32Array.from(t.data) };
  }
  writeSafetensors(path.join(adapter, 'adapter_model.safetensors'), kept);
  assert.deepEqual(loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}}\n`)).lora.target_modules, ['q_proj', 'v_proj']);
  assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}, target_modules: [q_proj]}\n`)), /lora\.target_modules is \["q_proj"\] but the adapter in lora\.init_from has \["q_proj","v_proj"\]/);
});

test("lora.init_from with no target_modules (PEFT's default for Mistral, q_proj and v_proj) or \"all-linear\": its projections (were recorded as all 7; an explicit list was refused)", () => {
  const adapter = tempDir('mt-default-targets-adapter-');
  const c = JSON.parse(fs.readFileSync(path.join(TINY, 'adapter_init', 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  const kept: Record<string, TensorToWrite> = {};
  for (const [name, t] of Object.entries(readFixture(path.join(TINY, 'adapter_init', 'adapter_model.safetensors')))) {
    if (/\.(q|v)_proj\./.test(name)) kept[name] = { dtype: 'F32', shape: t.shape, data: Float32Array.from(t.data) };
  }
  writeSafetensors(path.join(adapter, 'adapter_model.safetensors'), kept);
  for (const absent of [{}, { target_modules: null }]) {
    const { target_modules: _, ...rest } = c;
    fs.writeFileSync(path.join(adapter, 'adapter_config.json'), JSON.stringify({ ...rest, ...absent }));
    assert.deepEqual(loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}}\n`)).lora.target_modules, ['q_proj', 'v_proj']);
    assert.deepEqual(loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}, target_modules: [v_proj, q_proj]}\n`)).lora.target_modules, ['q_proj', 'v_proj']);
    assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}, target_modules: [q_proj]}\n`)), /lora\.target_modules is \["q_proj"\] but the adapter in lora\.init_from has \["q_proj","v_proj"\]/);
  }
  // "all-linear" written as it is (PEFT saves the modules it resolved to): all 7, as the user's own all-linear is
  fs.writeFileSync(path.join(adapter, 'adapter_config.json'), JSON.stringify({ ...c, target_modules: 'all-linear' }));
  assert.equal(loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}, target_modules: all-linear}\n`)).lora.target_modules.length, 7);
  assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}, target_modules: [q_proj]}\n`)), /but the adapter in lora\.init_from has \["down_proj",/);
});

test('lora.init_from: the adapter config wins; an explicit conflicting r, alpha, target_modules, dropout, use_rslora or use_dora is an error', () => {
  // with method: full it was refused only as training set up, with no place (and the dry run took it): now at its line
  const full = file('model: m\ndata: {train: t}\nmethod: full\nlora: {init_from: gone}\n');
  assert.throws(() => loadTrainConfig(full), { message: `${full}:4:8: lora.init_from: continues a LoRA adapter, so it needs method: lora (method: full trains every weight of the model)` });
  const adapter = path.join(TINY, 'adapter_init');
  const cfg = loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}}\n`));
  assert.equal(cfg.lora.r, 4);
  assert.equal(cfg.lora.alpha, 8);
  assert.deepEqual([...cfg.lora.target_modules].sort(), ['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj']);
  assert.equal(loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}, r: 4}\n`)).lora.r, 4);
  assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}, r: 8}\n`)), /lora\.r is 8 but the adapter in lora\.init_from has 4/);
  assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}}\n`), [['lora.target_modules', '[q_proj]']]), /lora\.target_modules/);
  assert.equal(loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}, target_modules: all-linear}\n`)).lora.target_modules.length, 7);
  assert.equal(cfg.lora.use_dora, false);
  // dropout and use_rslora given beside an adapter of other ones were dropped unsaid (the adapter's were trained with)
  assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}, use_rslora: true}\n`)),
    /lora\.use_rslora is true but the adapter in lora\.init_from has false: remove lora\.use_rslora \(the adapter's config wins\)/);
  assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}}\n`), [['lora.dropout', '0.1']]),
    /lora\.dropout is 0\.1 but the adapter in lora\.init_from has 0: remove lora\.dropout/);
  const same = loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}, dropout: 0, use_rslora: false}\n`));
  assert.equal(same.lora.dropout, 0);
  assert.equal(same.lora.use_rslora, false);
  // no lora_alpha in adapter_config.json: PEFT's default 8, as the adapter loader trains with (the run's config said our 16,
  // and an explicit alpha: 8 was refused as "the adapter has undefined")
  const bare = tempDir('mt-init-bare-');
  const { lora_alpha: _alpha, ...rest } = JSON.parse(fs.readFileSync(path.join(adapter, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(bare, 'adapter_config.json'), JSON.stringify(rest));
  assert.equal(loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${bare}}\n`)).lora.alpha, 8);
  assert.equal(loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${bare}, alpha: 8}\n`)).lora.alpha, 8);
  assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${adapter}, use_dora: true}\n`)), /lora\.use_dora is true but the adapter in lora\.init_from has false/);
  // a DoRA adapter continues as DoRA; use_dora: false beside it is the conflict
  const dora = path.join(path.dirname(TINY), 'hf-tiny-mistral-dora', 'adapter_init');
  assert.equal(loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${dora}}\n`)).lora.use_dora, true);
  assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${dora}, use_dora: false}\n`)), /lora\.use_dora is false but the adapter in lora\.init_from has true: remove lora\.use_dora/);
  // an adapter covering part of the model names its modules in full (as saveAdapter writes it): their projections
  const part = tempDir('mt-part-adapter-');
  fs.copyFileSync(path.join(adapter, 'adapter_model.safetensors'), path.join(part, 'adapter_model.safetensors'));
  const partCfg = { ...JSON.parse(fs.readFileSync(path.join(adapter, 'adapter_config.json'), 'utf8')) as object, target_modules: ['model.layers.0.self_attn.q_proj', 'model.layers.1.self_attn.q_proj', 'model.layers.1.mlp.down_proj'] };
  fs.writeFileSync(path.join(part, 'adapter_config.json'), JSON.stringify(partCfg));
  assert.deepEqual(loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${part}}\n`)).lora.target_modules, ['down_proj', 'q_proj']);
  // PEFT's LoRA on the LM head: refused naming adapter_config.json's key and entry, as eval's adapter loader says it
  fs.writeFileSync(path.join(part, 'adapter_config.json'), JSON.stringify({ ...partCfg, target_modules: ['q_proj', 'lm_head'] }));
  assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${part}}\n`)),
    (e: Error) => e.message.endsWith(`c.yaml:3:8: lora.init_from: ${path.join(part, 'adapter_config.json')}: target_modules: "lm_head" names no projection of a Mistral layer (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)`));
});

test('lora.init_from naming a training run\'s folder (not its adapter/) says where the adapter is, as --adapter does', () => {
  const run = tempDir('mt-init-from-run-');
  fs.writeFileSync(runPath(run, 'marker'), '{}');
  fs.cpSync(path.join(TINY, 'adapter_init'), runPath(run, 'adapter'), { recursive: true });
  assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {init_from: ${run}}\n`)),
    (e: Error) => e.message.endsWith(`c.yaml:3:8: lora.init_from: ${path.join(run, 'adapter_config.json')}: adapter config not found (a PEFT adapter folder needs adapter_config.json): this is a training run's folder, whose adapter is ${runPath(run, 'adapter')} (eval, generate and classify also take --run)`));
});

test('keys under the names other tools use point to ours', () => {
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlearning_rate: 1\n')), /unknown key "learning_rate" \(did you mean "optimizer.lr"\? write optimizer: \{lr: 1\}\)/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ngradient_accumulation_steps: 4\n')), /did you mean "grad_accum"/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nwarmup_step: 4\n')), /did you mean "schedule.warmup_steps"/);
  // warmup_steps takes the ratio itself (below 1): said, not only pointed to
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nwarmup_ratio: 0.1\n')), /unknown key "warmup_ratio": write schedule\.warmup_steps: a value below 1 there is a fraction of the run's steps, as warmup_ratio is$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ngradient_checkpointing: true\n')), /did you mean "activation_checkpointing"/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nbf16: true\n')), /did you mean "precision"/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nmicro_batch_size: 2\n')), /did you mean "batch_size"/);
  // transformers' constant_with_warmup and polynomial are schedule types (were refused)
  assert.equal(loadTrainConfig(file('model: m\ndata: {train: t}\nschedule: {type: constant_with_warmup}\n')).schedule.type, 'constant_with_warmup');
  assert.equal(loadTrainConfig(file('model: m\ndata: {train: t}\nschedule: {type: polynomial}\n')).schedule.type, 'polynomial');
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nschedule: {type: Cosine}\n')), /schedule\.type: must be one of constant, constant_with_warmup, linear, cosine, cosine_with_restarts, cosine_with_min_lr, polynomial, inverse_sqrt, cosine_warmup_with_min_lr, warmup_stable_decay \(got "Cosine"\) \(did you mean cosine\?\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nschedule: cosine\n')), /schedule: must be a mapping of keys to values \(got the string "cosine"\) \(write schedule\.type: cosine\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nschedule: {type: 3}\n')), /schedule\.type: must be one of constant, constant_with_warmup, linear, cosine, cosine_with_restarts, cosine_with_min_lr, polynomial, inverse_sqrt, cosine_warmup_with_min_lr, warmup_stable_decay \(got 3\)$/);
  // the training file given as the data section (was: "must be a mapping of keys to values" alone): its key, in the file's words or the flag's
  assert.throws(() => loadTrainConfig(file('model: m\ndata: prepared/train.jsonl\n')),
    /data: must be a mapping of keys to values \(got the string "prepared\/train\.jsonl"\) \(the data files are its keys: write data: \{train: prepared\/train\.jsonl\}, or train: prepared\/train\.jsonl on an indented line under data:\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['data', 'x.jsonl']]), /^UserError: --data: must be a mapping of keys to values \(got the string "x\.jsonl"\) \(the training file is --data\.train x\.jsonl\)$/);
  // Python's None for a key whose "off" is null (was: "must be a number (got the string "None")" alone)
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nmax_steps: None\n')),
    /max_steps: must be a number \(got the string "None"\) \(write null: YAML reads "None" as a string; null lets epochs decide, as transformers' max_steps -1 does\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ncheckpoint: {every_steps: none}\n')),
    /checkpoint\.every_steps: must be a number \(got the string "none"\) \(write null: YAML reads "none" as a string; null turns checkpoints off\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nseed: None\n')), /seed: must be a number \(got the string "None"\)$/, 'seed takes no null: no such advice');
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nadam_beta2: 0.95\n')), /unknown key "adam_beta2" \(did you mean "optimizer\.betas"\? write optimizer: \{betas: \[0\.9, 0\.95\]\}; betas is \[adam_beta1, adam_beta2\], and 0\.9 is adam_beta1's default\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nearly_stopping_threshold: 0.01\n')), /did you mean "early_stopping\.min_delta"/);
  // datasets' split name and HF scripts' file arguments (had no hint); a word of a key of the section, not a key of
  // another spelled alike (eval.steps was "did you mean optimizer.eps")
  const hint = (over: string, key: string): void => assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [[over, '1']]),
    { message: `--${over}: unknown key "${over}" (did you mean "${key}"?)` });
  hint('data.validation', 'data.val');
  hint('data.validation_file', 'data.val');
  hint('data.train_file', 'data.train');
  hint('eval.steps', 'eval.every_steps');
  hint('eval.batch', 'eval.batch_size');
  hint('checkpoint.steps', 'checkpoint.every_steps');
  hint('early_stopping.delta', 'early_stopping.min_delta');
  hint('steps', 'max_steps');
  hint('out', 'output_dir'); // prepare's and export's --out (had no hint)
  hint('output-dir', 'output_dir');
  // a word that begins several keys of the section names the one every config has (schedule.warmup had no hint), in a
  // file's flow or block mapping too; one that ends several names none of another section's (schedule.rate was "lora.r")
  hint('schedule.warmup', 'schedule.warmup_steps');
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nschedule: {warmup: 10}\n')), /:3:12: unknown key "schedule\.warmup" \(did you mean "schedule\.warmup_steps"\?\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nschedule:\n  warmup: 10\n')), /:4:3: unknown key "schedule\.warmup" \(did you mean "schedule\.warmup_steps"\?\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['schedule.rate', '1']]), { message: '--schedule.rate: unknown key "schedule.rate"' });
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['schedule.steps', '1']]), { message: '--schedule.steps: unknown key "schedule.steps" (did you mean "schedule.warmup_steps"?)' });
  // another section's key by its very name, written without its section (or in another), is that key, the top-level one
  // first: val was "did you mean eval", test "task", data.task "data.test", keep "seed"
  hint('val', 'data.val');
  hint('test', 'data.test');
  hint('data.task', 'task');
  hint('keep', 'checkpoint.keep');
  hint('checkpoint.seed', 'seed');
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nval: v.jsonl\n')), /:3:1: unknown key "val" \(did you mean "data\.val"\?\)$/);
});

test('keys of HF, PEFT and axolotl with no counterpart here say what to do instead, not an unrelated did-you-mean', () => {
  // was: lora.bias "did you mean optimizer.betas?", optimizer.type "did you mean schedule.type?", fp16 pointed to precision, which has none
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {bias: none}\n')), /unknown key "lora\.bias": no bias is trained \(PEFT's default, bias: none\): leave it out$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\noptimizer: {type: adamw}\n')), /unknown key "optimizer\.type": adamw is torch's AdamW, the optimizer here \(always\): leave it out; its settings are optimizer\.lr/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nfp16: true\n')), /unknown key "fp16": fp16 is not offered: precision: bf16/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlogging_steps: 10\n')), /unknown key "logging_steps": every optimizer step is logged in metrics\.jsonl$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {task_type: CAUSAL_LM}\n')), /unknown key "lora\.task_type": the task is the top-level key task/);
  // every TrainingArguments and LoraConfig key a run file commonly holds either points to ours or says what to do
  for (const key of ['overwrite_output_dir', 'do_train', 'do_eval', 'logging_dir', 'logging_strategy', 'greater_is_better', 'run_name', 'push_to_hub',
    'dataloader_num_workers', 'tf32', 'label_smoothing_factor', 'neftune_noise_alpha', 'dataset_text_field', 'optim', 'report_to', 'save_strategy',
    'eval_strategy', 'load_best_model_at_end', 'metric_for_best_model', 'resume_from_checkpoint', 'use_cpu', 'no_cuda', 'adam_beta1', 'data_seed']) {
    assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\n${key}: 1\n`)), new RegExp(`unknown key "${key}"(: \\S| \\(did you mean ")`), key);
  }
  for (const key of ['bias', 'lora_bias', 'task_type', 'modules_to_save', 'fan_in_fan_out', 'init_lora_weights', 'layers_to_transform', 'rank_pattern', 'exclude_modules', 'revision']) {
    assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {${key}: 1}\n`)), new RegExp(`unknown key "lora\\.${key}": \\S`), key);
  }
  // PEFT's layer selection is read from an adapter continued with lora.init_from (it trains as PEFT does): the way out (had none)
  for (const key of ['layers_to_transform', 'layers_pattern']) {
    assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {${key}: [0]}\n`)),
      new RegExp(`unknown key "lora\\.${key}": every decoder layer of a new adapter is adapted .*; for some layers only, make the adapter with PEFT's layers_to_transform and continue it with lora\\.init_from$`), key);
  }
  // the names written as flags (--learning-rate) or in other case are the same names (had no suggestion)
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlearning-rate: 1\n')), /unknown key "learning-rate" \(did you mean "optimizer\.lr"\? write optimizer: \{lr: 1\}\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {lora-alpha: 3}\n')), /unknown key "lora\.lora-alpha" \(did you mean "lora\.alpha"\? write alpha: 3 under lora:\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlogging-steps: 3\n')), /unknown key "logging-steps": every optimizer step is logged/);
  // a section written inside another is the top-level one (had no suggestion)
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\noptimizer: {schedule: {type: cosine}}\n')), /unknown key "optimizer\.schedule" \(did you mean "schedule"\?\)$/);
  // a top-level type is still schedule.type's did-you-mean
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntype: cosine\n')), /unknown key "type" \(did you mean "schedule\.type"\?\)/);
});

test("HF's label_smoothing, a metric to choose best/ by, strategies in our sections, eval_on_start, torch_compile and distributed keys say what to do instead (had no hint)", () => {
  const refused = (text: string): string => {
    try {
      loadTrainConfig(file(`model: m\ndata: {train: t}\n${text}\n`));
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  // before: `unknown key "label_smoothing"` and the others alone, nothing after the key
  assert.match(refused('label_smoothing: 0.1'), /unknown key "label_smoothing": the loss is plain cross-entropy \(no label smoothing\)$/);
  const byLoss = "best/ and early_stopping follow the val loss; metrics.jsonl logs each evaluation's loss with its perplexity, or a classification run's with accuracy and macro-F1";
  for (const text of ['eval: {metric: accuracy}', 'early_stopping: {metric: accuracy}', 'metric: accuracy', 'metric_for_best_model: eval_loss']) {
    const key = text.includes('{') ? `${text.split(':')[0]}.metric` : text.split(':')[0]!;
    assert.ok(refused(text).endsWith(`unknown key "${key}": ${byLoss}`), `${text}: ${refused(text)}`);
  }
  assert.match(refused('eval: {strategy: steps}'), /unknown key "eval\.strategy": evaluation runs every eval\.every_steps steps/);
  assert.match(refused('checkpoint: {strategy: steps}'), /unknown key "checkpoint\.strategy": a checkpoint is saved every checkpoint\.every_steps steps/);
  assert.match(refused('early_stopping: {threshold: 0.01}'), /unknown key "early_stopping\.threshold": write min_delta under early_stopping:/);
  assert.match(refused('eval_on_start: true'), /unknown key "eval_on_start": val data \(data\.val\) is always evaluated at step 0/);
  assert.match(refused('torch_compile: true'), /unknown key "torch_compile": there is no torch here to compile/);
  assert.match(refused('gradient_checkpointing_kwargs: {use_reentrant: false}'), /unknown key "gradient_checkpointing_kwargs": activation_checkpointing: true recomputes/);
  assert.match(refused('save_safetensors: true'), /unknown key "save_safetensors": weights are always saved as safetensors/);
  for (const key of ['deepspeed', 'fsdp', 'local_rank', 'ddp_find_unused_parameters']) {
    assert.match(refused(`${key}: 1`), new RegExp(`unknown key "${key}": a run trains on one device, the CPU or one GPU \\(device\\): there is no distributed training$`), key);
  }
});

test("TRL's and axolotl's names for which tokens are trained, packing and all-linear point to ours (had no hint)", () => {
  for (const key of ['assistant_only_loss', 'completion_only_loss', 'train_on_inputs']) {
    assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\n${key}: true\n`)), new RegExp(`unknown key "${key}": data\\.train_on says which tokens are trained: assistant \\(the default`), key);
  }
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nsample_packing: true\n')), /unknown key "sample_packing" \(did you mean "packing"\? write packing: true\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora_target_linear: true\n')), /unknown key "lora_target_linear": write lora\.target_modules: all-linear/);
});

test('a value YAML read otherwise than meant says so: yes/on (strings in YAML 1.2), a quoted number, part of an epoch', () => {
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nshuffle: yes\n')), /shuffle: must be true or false \(got the string "yes"\) \(write true or false: YAML reads "yes" as a string\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['lora.use_dora', 'on']]), /--lora\.use_dora: must be true or false .*\(write true or false: YAML reads "on" as a string\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['shuffle', '0']]), /--shuffle: must be true or false \(got 0\) \(write true or false: YAML reads 0 as a number\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\noptimizer: {lr: "1e-4"}\n')), /optimizer\.lr: .*\(write it without quotes: YAML reads "1e-4" as a string\)$/);
  // no quotes to remove where YAML 1.2 reads no number either (Number() took "0b11" as 3)
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nseed: 0b11\n')), (e: Error) => /seed: must be a number \(got the string "0b11"\) \(write 3: YAML 1\.2 reads "0b11" as a string, where YAML 1\.1 read binary\)$/.test(e.message));
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nepochs: 0.5\n')), /epochs: .*\(whole passes over the data; for part of one, set max_steps, which wins over epochs\)$/);
  // a list given as a comma-separated string (on the command line), and other tools' names for values
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['optimizer.betas', '0.9,0.95']]), /--optimizer\.betas: .* \(a list: write \[0\.9, 0\.95\]\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntask: classification\nlabels: neg,pos\n')), /labels: .* \(a list: write \[neg, pos\]\)$/);
  // separated by spaces (as a shell list is): "[neg pos]" would be the one class "neg pos"
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntask: classification\nlabels: neg pos\n')), /labels: .* \(a list: write \[neg, pos\]\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntask: classification\nlabels: very bad, good\n')), /labels: .* \(a list: write \[very bad, good\]\)$/);
  // a list written as Python's tuple or JSON inside quotes: its items, not the brackets as one item ("write [(0.9, 0.999)]")
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\noptimizer:\n  betas: (0.9, 0.999)\n')), /optimizer\.betas: .* \(a list: write \[0\.9, 0\.999\]\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntask: classification\nlabels: "[neg, pos]"\n')), /labels: .* \(a list: write \[neg, pos\] without quotes\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['optimizer.betas', '(0.9,0.95)']]), /--optimizer\.betas: .* \(a list: write \[0\.9, 0\.95\]\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntask: CAUSAL_LM\n')), /task: .* \(PEFT's CAUSAL_LM is task: generation\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nprecision: fp16\n')), /precision: .* \(fp16 is not offered: bf16 or fp32\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ndevice: mps\n')), /device: .* \(Apple's GPUs \(mps\) are not offered: cpu, or cuda on an NVIDIA GPU\)$/);
  // a number with digit separators, which YAML 1.2 reads as a string (YAML 1.1 and Python took 4_096)
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nmax_seq_len: 4_096\n')), /max_seq_len: must be a number \(got the string "4_096"\) \(write 4096: YAML reads "4_096" as a string\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntask: classification\nlabels: [0, 1]\n')), /c\.yaml:4:10: labels\.0: .* \(class names are strings: quote it, "0"\)/);
  // the advice quotes what was written, not the number YAML made of it ("1" would be another class name than 1.0)
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntask: classification\nlabels: [1.0, 2.0]\n')), /labels\.0: .* \(class names are strings: quote it, "1\.0"\)/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntask: classification\nlabels: [a, b]\n'), [['labels', '[a, 0x1F]']]), /--labels: \[1\]: must be a string \(got 0x1F\) \(class names are strings: quote it, "0x1F"\)/);
  // a name given twice: at its second place (was "the class list (labels, --labels) names the label "a" twice" with no file)
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntask: classification\nlabels: [a, b, a]\n')), { message: /c\.yaml:4:16: labels\.2: "a" is also class 0: give each class its own name$/ });
  // names that are one class, or none, as the data's labels are read (trimmed NFC, "01" the class 1): at their line, with
  // their index (were "the class list (labels, --labels) names the label \"a\" twice", '" " is not a class name', with no place)
  assert.throws(() => loadTrainConfig(file("model: m\ndata: {train: t}\ntask: classification\nlabels: [a, ' a', b]\n")),
    { message: /c\.yaml:4:13: labels\.1: " a" is class 0 \("a"\) as the data's labels are read .*: give each class its own name$/ });
  // two names that are one number ("1" and "01") are two classes named as written, as transformers' id2label keeps them
  // (were refused: "01" is class 0 ("1"))
  assert.deepEqual(loadTrainConfig(file("model: m\ndata: {train: t}\ntask: classification\nlabels: ['1', '01']\n")).labels, ['1', '01']);
  assert.deepEqual(classesFor(['1', '01', 'x']), ['1', '01', 'x']);
  assert.deepEqual(classesFor(['1', '2', 'x']), [1, 2, 'x'], 'read by value where no two names are one number');
  assert.throws(() => loadTrainConfig(file("model: m\ndata: {train: t}\ntask: classification\nlabels: [a, ' ']\n")), { message: /c\.yaml:4:13: labels\.1: " " is not a class name/ });
  // %YAML 1.1 reads yes as true, and a string key takes "yes" as it is
  assert.equal(loadTrainConfig(file('%YAML 1.1\n---\nmodel: m\ndata: {train: t}\nshuffle: no\n')).shuffle, false);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ntask: yes\n')), (e: Error) => !e.message.includes('write true or false'));
});

test('lora.target_modules: "all-linear" (PEFT\'s) is the 7 projections; a string otherwise is refused saying what is taken', () => {
  assert.deepEqual(loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {target_modules: all-linear}\n')).lora.target_modules,
    ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']);
  assert.deepEqual(loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['lora.target_modules', 'all-linear']]).lora.target_modules.length, 7);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {target_modules: q_proj}\n')), /lora\.target_modules: a list of projections, or "all-linear", not the string "q_proj": write \[q_proj\]$/);
  // a Python tuple, or a list in quotes: its projections (was "name them: [q_proj, k_proj, …]", "(q_proj" being none)
  for (const given of ['(q_proj, v_proj)', '"[q_proj, v_proj]"', "('q_proj', 'v_proj')"]) {
    assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora:\n  target_modules: ${given}\n`)), /c\.yaml:4:3: lora\.target_modules: a list of projections, or "all-linear", not the string .*: write \[q_proj, v_proj\]$/, given);
  }
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['lora.target_modules', 'q_proj,v_proj']]), /--lora\.target_modules: .*not the string "q_proj,v_proj": write \[q_proj, v_proj\]$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {target_modules: ".*_proj"}\n')), /not the string "\.\*_proj": name them: \[q_proj, k_proj, …\]$/);
  // PEFT's string is a regular expression: its alternatives are the projections (was "name them: [q_proj, k_proj, …]")
  for (const given of ["'q_proj|v_proj'", "'(q_proj|v_proj)'"]) {
    assert.throws(() => loadTrainConfig(file(`model: m\ndata: {train: t}\nlora: {target_modules: ${given}}\n`)), /not the string "\(?q_proj\|v_proj\)?": write \[q_proj, v_proj\]$/, given);
  }
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {target_modules: [q_proj, lm_head]}\n')), /lora\.target_modules\.1: must be one of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj \(got "lm_head"\) \(only the projections of each decoder layer are adapted\)$/);
});

test('schedule.warmup_steps: whole steps, or a fraction below 1 of the run\'s steps', () => {
  assert.equal(loadTrainConfig(file('model: m\ndata: {train: t}\nschedule: {warmup_steps: 0.03}\n')).schedule.warmup_steps, 0.03);
  assert.equal(loadTrainConfig(file('model: m\ndata: {train: t}\nschedule: {warmup_steps: 1}\n')).schedule.warmup_steps, 1);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nschedule: {warmup_steps: 2.5}\n')), /schedule\.warmup_steps: must be a whole number of steps below 2\^53, or a fraction of the run's steps below 1/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nschedule: {warmup_steps: -1}\n')), /schedule\.warmup_steps/);
  // 1e300 is whole to JavaScript, but no count of steps (the dry run wrote its 301 digits)
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nschedule: {warmup_steps: 1e300}\n')), /schedule\.warmup_steps: must be a whole number of steps below 2\^53, or a fraction of the run's steps below 1 \(got 1e300\)/);
  assert.equal(warmupStepsOf(0.03, 100), 3);
  assert.equal(warmupStepsOf(0.031, 100), 4);
  assert.equal(warmupStepsOf(0, 100), 0);
  assert.equal(warmupStepsOf(7, 100), 7);
});

test('no override or YAML key reaches an object prototype; unsafe keys are refused naming the flag', () => {
  const f = file('model: m\ndata: {train: t}\n');
  assert.throws(() => loadTrainConfig(f, [['__proto__.polluted', '1']]), /^UserError: --__proto__\.polluted: "__proto__\.polluted" is not a config key/);
  assert.throws(() => loadTrainConfig(f, [['lora.constructor.prototype.x', '1']]), /--lora\.constructor\.prototype\.x:/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(({} as Record<string, unknown>).x, undefined);
  // the did-you-mean of a later key is untouched, and names of Object.prototype are no aliases
  assert.throws(() => loadTrainConfig(f, [['lora.rnk', '4']]), /unknown key "lora\.rnk" \(did you mean "lora\.r"\?\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nconstructor: 1\ntoString: 2\n')), (e: Error) => !/native code|function/.test(e.message) && /unknown key "constructor"/.test(e.message));
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n__proto__: {polluted: 1}\n')), /unknown key "__proto__"/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('an invalid override is blamed on its flag, a bad file value on the file', () => {
  const f = file('model: m\ndata: {train: t}\nbatch_size: 0\n');
  assert.throws(() => loadTrainConfig(f, [['lora.r', 'abc']]), (e: Error) => e.message.startsWith('--lora.r: must be a number (got the string "abc")') && e.message.includes(`${f}:3:1: batch_size:`));
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['lora.rank', '4']]), /^UserError: --lora\.rank: unknown key "lora\.rank"/);
  assert.throws(() => loadTrainConfig(f), (e: Error) => e.message.startsWith(`${f}:3:1: batch_size:`));
});

test('a bad file value or unknown key is blamed on its file:line:column (the key, a list item, the section of a missing key)', () => {
  const f = file('model: m\ndata:\n  train: t\noptimizer:\n  weight_decay: 0.1\n  lr: 0\n');
  assert.throws(() => loadTrainConfig(f), { message: `${f}:6:3: optimizer.lr: must be more than 0 (got 0)` });
  const g = file('model: m\ndata: {train: t}\nlora:\n  target_modules:\n    - q_proj\n    - lm_head\n');
  assert.throws(() => loadTrainConfig(g), (e: Error) => e.message.startsWith(`${g}:6:7: lora.target_modules.1: must be one of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj (got "lm_head")`));
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora:\n  rank: 4\n')), /c\.yaml:4:3: unknown key "lora\.rank" \(did you mean "lora\.r"\? write r: 4 under lora:\)$/);
  // a key that is missing: the section it belongs in; a key reached through an alias: where its anchor wrote it
  assert.throws(() => loadTrainConfig(file('model: m\ndata:\n  val: v\n')), /c\.yaml:2:1: data\.train: /);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ndefaults: {opt: &o {lr: -1}}\noptimizer: *o\n')),
    (e: Error) => e.message.includes('c.yaml:3:21: optimizer.lr: must be more than 0 (got -1)') && e.message.includes('c.yaml:3:1: unknown key "defaults"'));
});

test('an override that is an alias of no anchor (*a), or an alias bomb, is refused naming its flag, as a config file\'s is, not thrown with a stack trace', () => {
  const f = file('model: m\ndata: {train: t}\n');
  // was the yaml package's ReferenceError, uncaught: exit 1 and its stack trace
  assert.throws(() => loadTrainConfig(f, [['output_dir', '*a']]), (e: Error) => e.name === 'UserError' &&
    /^--output_dir: invalid YAML: Unresolved alias .*: a \(YAML reads a leading \* as an alias; for the text, quote it as YAML: '"\*a"'\)$/.test(e.message));
  const bomb = `[${['&a [x, x, x, x, x, x, x, x, x, x]', ...'abcd'.split('').map((a, i) => `${i < 3 ? `&${'bcd'[i]} ` : ''}[${Array(10).fill(`*${a}`).join(', ')}]`)].join(', ')}]`;
  assert.throws(() => loadTrainConfig(f, [['lora.target_modules', bomb]]), (e: Error) => e.name === 'UserError' && /^--lora\.target_modules: invalid YAML: Excessive alias count/.test(e.message));
  assert.equal(loadTrainConfig(f, [['output_dir', '"*a"']]).output_dir, path.resolve('*a'));
});

test('a mapping override sets its keys as --key.sub would, keeping the file\'s others in that section', () => {
  const f = file('model: m\ndata: {train: t}\noptimizer: {lr: 1.0e-3, weight_decay: 0.1}\n');
  const cfg = loadTrainConfig(f, [['optimizer', '{lr: 1e-4}']]);
  assert.deepEqual([cfg.optimizer.lr, cfg.optimizer.weight_decay], [1e-4, 0.1]);
  // was: the section replaced, so weight_decay silently fell back to its default 0
  assert.equal(loadTrainConfig(f, [['data', '{val: v.jsonl}']]).data.train, path.join(path.dirname(f), 't'));
  assert.equal(loadTrainConfig(f, [['data', '{val: v.jsonl}']]).data.val, path.resolve('v.jsonl'));
  // the flag names the key above, so the text names the key below it only (was "--optimizer: optimizer.lr: …",
  // "--lora.target_modules: lora.target_modules.1: …", the flag's key twice); a list's entry by its index
  assert.throws(() => loadTrainConfig(f, [['optimizer', '{lr: -1}']]), /^UserError: --optimizer: lr: must be more than 0 \(got -1\)/);
  assert.throws(() => loadTrainConfig(f, [['lora.target_modules', '[q_proj, vproj]']]), /^UserError: --lora\.target_modules: \[1\]: must be one of q_proj, .* \(got "vproj"\) \(did you mean v_proj\?\)$/);
  assert.throws(() => loadTrainConfig(f, [['lora', '{r: 0, target_modules: [vproj]}']]), /^UserError: --lora: r: must be at least 1 \(got 0\); target_modules\[0\]: must be one of .* \(got "vproj"\)/);
  assert.throws(() => loadTrainConfig(f, [['optimizer.betas', '[0.9, 1]']]), /^UserError: --optimizer\.betas: \[1\]: must be less than 1 \(got 1\)$/);
  // a mapping flag is blamed for the keys it sets, not for the file's beside them (was "--lora: r: … (got 0.5)" for the file's r)
  const g = file('model: m\ndata: {train: t}\nlora: {r: 0.50}\n');
  for (const flag of ['{alpha: 2}', '{}']) assert.throws(() => loadTrainConfig(g, [['lora', flag]]), { message: `${g}:3:8: lora.r: must be a whole number (got 0.50)` });
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['optimizer', '{lr: 1e-3}'], ['optimizer.betas', '{a: 1}']]), /^UserError: --optimizer\.betas: must be a list \(got a mapping\)$/);
  // and for a key under it that the file does not write
  assert.throws(() => loadTrainConfig(file('data: {train: t}\n'), [['model', '{config: c.json}']]), /^UserError: --model: init: missing/);
  assert.throws(() => loadTrainConfig(f, [['optimizer', '{rate: 1}']]), /^UserError: --optimizer: unknown key "optimizer\.rate"/);
  assert.throws(() => loadTrainConfig(f, [['optimizer', '{__proto__: {x: 1}}']]), /^UserError: --optimizer: /);
  // one key set by two flags to two values is refused, as a flag given twice is
  assert.throws(() => loadTrainConfig(f, [['optimizer.lr', '1e-3'], ['optimizer', '{lr: 1e-4}']]),
    { message: '--optimizer.lr and --optimizer both set optimizer.lr, to 0.001 and 0.0001: give it once' });
  assert.equal(loadTrainConfig(f, [['optimizer.lr', '1e-4'], ['optimizer', '{lr: 1.0e-4}']]).optimizer.lr, 1e-4);
});

test('an override whose YAML would drop a comment or fold a line break is refused naming its flag, not taken changed', () => {
  const f = file('model: m\ndata: {train: t}\n');
  // "runs/x #1" read as YAML is "runs/x" (the run went to another folder), and "#1" alone is null (no val data)
  assert.throws(() => loadTrainConfig(f, [['output_dir', 'runs/x #1']]), /^UserError: --output_dir: YAML reads "#1" as a comment and would drop it: .*'"runs\/x #1"'$/);
  assert.throws(() => loadTrainConfig(f, [['data.val', '#v.jsonl']]), /^UserError: --data\.val: YAML reads "#v\.jsonl" as a comment/);
  assert.throws(() => loadTrainConfig(f, [['lora.target_modules', '[q_proj] # v_proj too']]), /--lora\.target_modules: YAML reads "# v_proj too" as a comment/);
  assert.throws(() => loadTrainConfig(f, [['output_dir', 'runs/a\nb']]), /^UserError: --output_dir: YAML reads a line break inside a string as a space/);
  // what YAML keeps as written is taken: a # inside a word, a quoted #, an escaped line break, a list over lines
  assert.equal(loadTrainConfig(f, [['output_dir', 'runs/x#1']]).output_dir, path.resolve('runs/x#1'));
  assert.equal(loadTrainConfig(f, [['output_dir', '"runs/x #1"']]).output_dir, path.resolve('runs/x #1'));
  assert.equal(loadTrainConfig(f, [['output_dir', '"runs/a\\nb"']]).output_dir, path.resolve('runs/a\nb'));
  assert.deepEqual(loadTrainConfig(f, [['lora.target_modules', '[q_proj,\n v_proj]']]).lora.target_modules, ['q_proj', 'v_proj']);
});

test('--data.train in a prepare output brings its val and test along (logged), unless they are given too', () => {
  const prepared = tempDir('mt-prepared-');
  const input = path.join(prepared, 'in.jsonl');
  fs.writeFileSync(input, ['one', 'two', 'three', 'four'].map((w) => JSON.stringify({ text: `record ${w} of the data` })).join('\n'));
  setQuiet(true);
  prepare({ inputs: [input], outDir: path.join(prepared, 'out'), tokenizer: loadTokenizer() });
  setQuiet(false);
  const train = path.join(prepared, 'out', 'train.jsonl');
  const f = file('model: m\ndata: {train: a/train.jsonl, val: a/val.jsonl, test: a/test.jsonl}\n');
  const cfg = loadTrainConfig(f, [['data.train', train], ['data.test', 'mine.jsonl']]);
  assert.equal(cfg.data.val, path.join(prepared, 'out', 'val.jsonl'));
  assert.equal(cfg.data.test, path.resolve('mine.jsonl'));
  // a train file that is not a prepare output leaves the file's val and test as they were: no report.json, or
  // another tool's report.json (not the fields prepare writes)
  const fileVal = path.join(path.dirname(f), 'a', 'val.jsonl');
  fs.writeFileSync(path.join(prepared, 'out', 'report.json'), JSON.stringify({ accuracy: 0.9, labels: ['x', 'y'] }));
  assert.equal(loadTrainConfig(f, [['data.train', train]]).data.val, fileVal);
  fs.rmSync(path.join(prepared, 'out', 'report.json'));
  assert.equal(loadTrainConfig(f, [['data.train', train]]).data.val, fileVal);
  // prepare --split 1,0,0 leaves val and test empty: none of that data to evaluate (train refused the empty file)
  setQuiet(true);
  prepare({ inputs: [input], outDir: path.join(prepared, 'all'), tokenizer: loadTokenizer(), split: [1, 0, 0] });
  setQuiet(false);
  const all = loadTrainConfig(f, [['data.train', path.join(prepared, 'all', 'train.jsonl')]]);
  assert.deepEqual([all.data.val, all.data.test], [null, null]);
});

test('a config file whose data.train is a prepare output and that leaves out data.val/data.test is warned, naming the lines to add; null says none is wanted', () => {
  const prepared = tempDir('mt-prepared-left-');
  const input = path.join(prepared, 'in.jsonl');
  fs.writeFileSync(input, Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `record number ${i} of the data, ${'word '.repeat(i)}` })).join('\n'));
  setQuiet(true);
  prepare({ inputs: [input], outDir: path.join(prepared, 'out'), tokenizer: loadTokenizer() });
  setQuiet(false);
  const configFile = path.join(prepared, 'c.yaml');
  const warnings = (yaml: string, overrides: Array<[string, string]> = []): string[] => {
    fs.writeFileSync(configFile, yaml);
    return captureStderr(() => loadTrainConfig(configFile, overrides)).stderr.split('\n').filter((l) => l.startsWith('warning: '));
  };
  // was: a run with no evaluation, no best/ and no test scores, not a word said, its val.jsonl beside data.train
  assert.deepEqual(warnings('model: m\ndata:\n  train: out/train.jsonl\n'), ['warning: data.val and data.test are not set, so nothing is evaluated during training ' +
    '(no val loss, best/ or early stopping) and no test split is scored at the end, though the prepare output of data.train has val.jsonl (2 records) and ' +
    'test.jsonl (2 records): add "data.val: out/val.jsonl" and "data.test: out/test.jsonl" under data: in c.yaml to use them, or null to say none']);
  assert.deepEqual(warnings('model: m\ndata:\n  train: out/train.jsonl\n  val: out/val.jsonl\n'), ['warning: data.test is not set, so no test split is scored at the end, ' +
    'though the prepare output of data.train has test.jsonl (2 records): add "data.test: out/test.jsonl" under data: in c.yaml to use it, or null to say none']);
  // set (to a file or to null), given on the command line, or a train file that is not a prepare output: nothing to say
  assert.deepEqual(warnings('model: m\ndata:\n  train: out/train.jsonl\n  val: null\n  test: null\n'), []);
  assert.deepEqual(warnings('model: m\ndata:\n  train: in.jsonl\n'), []);
  assert.deepEqual(warnings('model: m\ndata:\n  train: in.jsonl\n', [['data.train', path.join(prepared, 'out', 'train.jsonl')]]), []);
  // a config that is refused says its error alone: the warning to add data.val (and the info lines of the splits that
  // --data.train brings along) waited for a config that validates (was: "add data.val …", then the typo's error)
  const refused = (yaml: string, overrides: Array<[string, string]> = []): string => {
    fs.writeFileSync(configFile, yaml);
    return captureStderr(() => assert.throws(() => loadTrainConfig(configFile, overrides), /unknown key "learning_rate"/)).stderr;
  };
  assert.equal(refused('model: m\ndata:\n  train: out/train.jsonl\nlearning_rate: 1e-4\n'), '');
  assert.equal(refused('model: m\ndata:\n  train: in.jsonl\n', [['data.train', path.join(prepared, 'out', 'train.jsonl')], ['learning_rate', '1e-4']]), '');
  // a split of one record is "1 record" (was: "test.jsonl (1 records)", on 10 records split 8/1/1)
  fs.writeFileSync(input, Array.from({ length: 10 }, (_, i) => JSON.stringify({ text: `record number ${i} of the data, ${'word '.repeat(i)}` })).join('\n'));
  setQuiet(true);
  prepare({ inputs: [input], outDir: path.join(prepared, 'ten'), tokenizer: loadTokenizer() });
  setQuiet(false);
  assert.deepEqual(warnings('model: m\ndata:\n  train: ten/train.jsonl\n  val: ten/val.jsonl\n'), ['warning: data.test is not set, so no test split is scored at the end, ' +
    'though the prepare output of data.train has test.jsonl (1 record): add "data.test: ten/test.jsonl" under data: in c.yaml to use it, or null to say none']);
});

test('lora.init_from with a classification adapter in a generation run is refused, naming the key', async () => {
  const { setupRun } = await import('../../src/train/setup.ts');
  const { validate } = await import('../../src/train/config.ts');
  const { TINY_BASE, TINY_CLS } = await import('../helpers.ts');
  const dir = tempDir('mt-init-cls-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), '{"input_ids": [1, 5, 9, 13]}\n');
  const cfg = validate({ model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, lora: { init_from: path.join(TINY_CLS, 'adapter_init') }, output_dir: path.join(dir, 'run') }, 'test');
  assert.throws(() => setupRun(cfg), /^UserError: lora\.init_from: .*adapter_init: a classification adapter \(task_type SEQ_CLS\) cannot continue as generation/);
});

test('a model whose config.json has attention_dropout > 0 is refused at setup (transformers would drop attention weights in training), naming the key', async () => {
  const { setupRun } = await import('../../src/train/setup.ts');
  const { validate } = await import('../../src/train/config.ts');
  const { TINY_BASE } = await import('../helpers.ts');
  const dir = tempDir('mt-attn-dropout-');
  const model = path.join(dir, 'model');
  fs.cpSync(TINY_BASE, model, { recursive: true });
  const config = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify({ ...config, attention_dropout: 0.1 }));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), '{"input_ids": [1, 5, 9, 13]}\n');
  const cfg = validate({ model, data: { train: path.join(dir, 'train.jsonl') }, output_dir: path.join(dir, 'run') }, 'test');
  assert.throws(() => setupRun(cfg), /model[/\\]config\.json: attention_dropout: 0\.1: training with dropout on the attention weights is not supported/);
  // --dry-run says so too, and the refusal needs config.json alone: it comes before any weight is read
  const { dryRun } = await import('../../src/train/dry-run.ts');
  assert.throws(() => dryRun(cfg), /attention_dropout: 0\.1: training with dropout/);
  fs.rmSync(path.join(model, 'model.safetensors'));
  assert.throws(() => setupRun(cfg), /attention_dropout: 0\.1: training with dropout/);
});

test('task: generation on a model saved for classification (no lm_head) is refused at setup, naming the key and the folder', async () => {
  const { setupRun } = await import('../../src/train/setup.ts');
  const { validate } = await import('../../src/train/config.ts');
  const { loadModel } = await import('../../src/model/mistral.ts');
  const { saveModelFolder } = await import('../../src/model/save.ts');
  const { createBackend } = await import('../../src/backend/select.ts');
  const { TINY_BASE } = await import('../helpers.ts');
  const dir = tempDir('mt-cls-base-');
  const backend = createBackend('cpu');
  const model = loadModel(TINY_BASE, { backend });
  model.setScoreHead(backend.alloc('f32', 2 * model.cfg.hiddenSize), false);
  saveModelFolder(model, path.join(dir, 'cls'), { sourceDir: TINY_BASE, head: 'classification', labels: ['a', 'b'] });
  fs.writeFileSync(path.join(dir, 'train.jsonl'), '{"input_ids": [1, 5, 9, 13]}\n');
  const cfg = validate({ model: path.join(dir, 'cls'), data: { train: path.join(dir, 'train.jsonl') }, output_dir: path.join(dir, 'run') }, 'test');
  assert.throws(() => setupRun(cfg), /cls: task: generation needs an LM head, and this model has none \(lm_head\.weight\)/);
  assert.equal(fs.existsSync(path.join(dir, 'run')), false, 'nothing written');
});

test('task: classification without labels takes the class list of the prepare report.json beside data.train (logged); none there is still an error', () => {
  const dir = tempDir('mt-cls-');
  const input = path.join(dir, 'in.jsonl');
  fs.writeFileSync(input, ['neg', 'pos', 'neu', 'pos', 'neg', 'neu'].map((l, i) => JSON.stringify({ text: `review ${i} says ${'abcdef'[i]}`, label: l })).join('\n'));
  const ints = path.join(dir, 'ints.jsonl');
  fs.writeFileSync(ints, [0, 2, 1, 2].map((l, i) => JSON.stringify({ text: `item ${i} is ${'wxyz'[i]}`, label: l })).join('\n'));
  setQuiet(true);
  prepare({ inputs: [input], outDir: path.join(dir, 'named'), tokenizer: loadTokenizer(), task: 'classification', labels: ['neg', 'neu', 'pos'], split: [1, 0, 0] });
  prepare({ inputs: [ints], outDir: path.join(dir, 'ints'), tokenizer: loadTokenizer(), task: 'classification', split: [1, 0, 0] });
  setQuiet(false);
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => { lines.push(String(s)); return true; }) as typeof process.stderr.write;
  let cfg, fromInts;
  try {
    cfg = loadTrainConfig(file(`model: m\ntask: classification\ndata: {train: ${path.join(dir, 'named', 'train.jsonl')}}\n`));
    fromInts = loadTrainConfig(null, [['model', 'm'], ['task', 'classification'], ['data.train', path.join(dir, 'ints', 'train.jsonl')]]);
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(cfg.labels, ['neg', 'neu', 'pos']);
  assert.deepEqual(fromInts.labels, ['0', '1', '2']);
  assert.deepEqual(classesFor(fromInts.labels!), [0, 1, 2], 'the names read back as the integer labels of the prepared file');
  assert.ok(lines.some((l) => l.includes(`labels: 3 classes from ${path.join(dir, 'named', 'report.json')} (the prepare report beside data.train)`)), lines.join(''));
  // a config that is refused says its error alone, not first where its classes would have come from
  const refused = captureStderr(() => assert.throws(() => loadTrainConfig(file(`model: m\ntask: classification\nlearning_rate: 1e-4\ndata: {train: ${path.join(dir, 'named', 'train.jsonl')}}\n`)),
    /unknown key "learning_rate"/));
  assert.equal(refused.stderr, '');
  // given labels win; no report beside the data is the error as before
  assert.deepEqual(loadTrainConfig(file(`model: m\ntask: classification\nlabels: [a, b]\ndata: {train: ${path.join(dir, 'named', 'train.jsonl')}}\n`)).labels, ['a', 'b']);
  assert.throws(() => loadTrainConfig(file(`model: m\ntask: classification\ndata: {train: ${input}}\n`)), /labels: classification needs the list of class names/);
  // a data.train below a file (a typo of the folder) has no report beside it either, not a "cannot read the class list: ENOTDIR"
  assert.throws(() => loadTrainConfig(file(`model: m\ntask: classification\ndata: {train: ${path.join(input, 'train.jsonl')}}\n`)), /labels: classification needs the list of class names/);
  // another tool's report.json beside the data is not a class list
  const other = path.join(dir, 'other');
  fs.mkdirSync(other);
  fs.copyFileSync(input, path.join(other, 'train.jsonl'));
  fs.writeFileSync(path.join(other, 'report.json'), JSON.stringify({ labels: ['b', 'a'], f1: 0.5 }));
  assert.throws(() => loadTrainConfig(file(`model: m\ntask: classification\ndata: {train: ${path.join(other, 'train.jsonl')}}\n`)), /labels: classification needs the list of class names/);
});

test('a prepare report.json of one class is refused at that report, which gave the labels, not as a "labels:" the config does not write', () => {
  // the "labels: N classes from report.json" line waits for a config that validates, so validate's "labels: must list at
  // least 2 items (got 1)" came alone, naming the config file, which has no labels key (was: said after that line)
  const dir = tempDir('mt-cls-one-');
  const input = path.join(dir, 'in.jsonl');
  fs.writeFileSync(input, [0, 1, 2].map((i) => JSON.stringify({ text: `review ${i} says ${'abc'[i]}`, label: 'pos' })).join('\n'));
  setQuiet(true);
  prepare({ inputs: [input], outDir: path.join(dir, 'out'), tokenizer: loadTokenizer(), task: 'classification', split: [1, 0, 0] });
  setQuiet(false);
  const report = path.join(dir, 'out', 'report.json');
  assert.deepEqual((JSON.parse(fs.readFileSync(report, 'utf8')) as { labels: unknown }).labels, ['pos']);
  const e = captureStderr(() => assert.throws(() => loadTrainConfig(file(`model: m\ntask: classification\ndata: {train: ${path.join(dir, 'out', 'train.jsonl')}}\n`)),
    (err: Error) => isUserError(err) && err.message.startsWith(`${report}: "labels": 1 class ("pos")`) && /at least 2/.test(err.message) && /give labels/.test(err.message)));
  assert.equal(e.stderr, '');
});

test('report.json\'s class list beside data.train: a CSV word column\'s "-1" and "007" are taken as written; a name that is no class is refused at report.json, not at the config', () => {
  // before: "c.yaml: labels.0: \"-1\" is not a class name", the names read by value and the error blamed on the config
  const dir = tempDir('mt-cls-report-');
  const prepared = (name: string, labels: unknown[]): string => {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'train.jsonl'), JSON.stringify({ text: 'a text', label: String(labels[0]) }) + '\n');
    fs.writeFileSync(path.join(dir, name, 'report.json'), JSON.stringify({ input_records: 1, kept: 1, rejected: 0, splits: { train: 1, val: 0, test: 0 }, inputs: [], options: {}, labels }));
    return path.join(dir, name, 'train.jsonl');
  };
  setQuiet(true);
  try {
    const words = loadTrainConfig(file(`model: m\ntask: classification\ndata: {train: ${prepared('words', ['-1', '007', 'neg', 'pos'])}}\n`));
    assert.deepEqual(words.labels, ['-1', '007', 'neg', 'pos']);
    assert.deepEqual(classesFor(words.labels!), ['-1', '007', 'neg', 'pos']);
    const report = path.join(dir, 'blank', 'report.json');
    assert.throws(() => loadTrainConfig(file(`model: m\ntask: classification\ndata: {train: ${prepared('blank', ['pos', ' '])}}\n`)),
      (e: Error) => e.message.startsWith(`${report}: "labels": " " is not a class name`) && !e.message.includes('c.yaml'));
  } finally {
    setQuiet(false);
  }
});

test('a record of the other task: train says which task reads it only where the run could switch (not on --resume, nor against a SEQ_CLS init_from)', async () => {
  // before: "(use --task classification)" also for a resumed run, whose config cannot change
  const { setupRun } = await import('../../src/train/setup.ts');
  const { validate } = await import('../../src/train/config.ts');
  const { wrongTaskFix } = await import('../../src/train/data.ts');
  const { TINY_BASE, TINY_CLS } = await import('../helpers.ts');
  const dir = tempDir('mt-wrong-task-');
  const labelled = path.join(dir, 'labelled.jsonl'), tokenLabels = path.join(dir, 'token-labels.jsonl');
  fs.writeFileSync(labelled, '{"input_ids": [1, 5, 9, 13], "label": "a"}\n');
  fs.writeFileSync(tokenLabels, '{"input_ids": [1, 5, 9, 13], "labels": [-100, 5, 9, 13]}\n');
  const gen = validate({ model: TINY_BASE, data: { train: labelled }, output_dir: path.join(dir, 'run') }, 'test');
  const wrongTask = /labelled\.jsonl:1: wrong_task: a pre-tokenized record with "label" in a generation run/;
  assert.throws(() => setupRun(gen), (e: Error) => wrongTask.test(e.message) && e.message.includes('(set task: classification;'));
  assert.throws(() => setupRun(gen, { resuming: true }), (e: Error) => wrongTask.test(e.message) && !/set task|use --task/.test(e.message));
  // a classification adapter to continue cannot become generation
  const cls = validate({ model: TINY_BASE, task: 'classification', labels: ['a', 'b', 'c'], data: { train: tokenLabels }, lora: { init_from: path.join(TINY_CLS, 'adapter_init') }, output_dir: path.join(dir, 'run') }, 'test');
  assert.throws(() => setupRun(cls), (e: Error) => /wrong_task: a pre-tokenized record with "labels" in a classification run/.test(e.message) && !/set task|use --task/.test(e.message));
  assert.equal(wrongTaskFix({ ...cls, lora: { ...cls.lora, init_from: null } }, { resuming: false, generation: true }), 'set task: generation');
  assert.equal(wrongTaskFix({ ...gen, packing: true }, { resuming: false, generation: true }), 'set task: classification and packing: false');
});

test('a ~ or $NAME in a path key is refused naming the key, not taken as a folder called "~" or "$HOME"', () => {
  const f = file('model: m\ndata: {train: t}\noutput_dir: ~/runs/x\n');
  assert.throws(() => loadTrainConfig(f), (e: Error) => e.message.startsWith(`${f}:3:1: output_dir: "~/runs/x" holds ~ (the home folder), which no shell expanded`) && !e.message.includes('\n'));
  assert.throws(() => loadTrainConfig(file('model: $HOME/m\ndata: {train: t}\n')), /: model: "\$HOME\/m" holds \$HOME \(an environment variable\)/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: "${DATA}/train.jsonl"}\n')), /data\.train: "\$\{DATA\}\/train\.jsonl" holds \$\{DATA\}/);
  // a flag is blamed as itself (`--output_dir=~/x`: the shell expands ~ only at a word's start)
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['output_dir', '~/x']]), /--output_dir: "~\/x" holds ~/);
  // a folder really named so is taken, and ~ or $ elsewhere in a name is no shell's
  const g = file('model: m\ndata: {train: t}\noutput_dir: ~/x\n');
  fs.mkdirSync(path.join(path.dirname(g), '~', 'x'), { recursive: true });
  assert.equal(loadTrainConfig(g).output_dir, path.join(path.dirname(g), '~', 'x'));
  const h = file('model: m\ndata: {train: t}\noutput_dir: runs/a~b$5\n');
  assert.equal(loadTrainConfig(h).output_dir, path.join(path.dirname(h), 'runs', 'a~b$5'));
});

test("a new classification head is drawn from normal(0, initializer_range) of the model's config.json, as transformers draws a score missing from the checkpoint", async () => {
  const { setupRun } = await import('../../src/train/setup.ts');
  const { validate } = await import('../../src/train/config.ts');
  const { TINY_BASE } = await import('../helpers.ts');
  const dir = tempDir('mt-score-init-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), '{"input_ids": [1, 5, 9, 13], "label": 0}\n{"input_ids": [1, 7, 8], "label": 2}\n');
  const config = JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as Record<string, unknown>;
  // transformers 5.17 (PreTrainedModel._init_weights): std = config.initializer_range, MistralConfig's default 0.02
  for (const [range, want] of [[0.5, 0.5], [undefined, 0.02]] as const) {
    const model = path.join(dir, `model-${range}`);
    fs.cpSync(TINY_BASE, model, { recursive: true });
    const { initializer_range: _, ...rest } = config;
    fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify(range === undefined ? rest : { ...rest, initializer_range: range }));
    const cfg = validate({ model, task: 'classification', labels: ['a', 'b', 'c'], data: { train: path.join(dir, 'train.jsonl') }, output_dir: path.join(dir, 'run') }, 'test');
    const setup = setupRun(cfg);
    const w = Array.from(setup.model.backend.download(setup.model.score!.weight)); // 3 × 64 draws
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    setup.backend.close?.();
    assert.ok(Math.abs(std / want - 1) < 0.25, `initializer_range ${range}: the head's std is ${std}, want about ${want}`);
  }
});

test('a section left empty (every key under it commented out: YAML null) takes its defaults, as when left out', () => {
  // was: "lora: Invalid input: expected object, received null"
  const cfg = loadTrainConfig(file('model: m\ndata: {train: t}\nlora:\n  # r: 16\neval:\noptimizer: ~\n'));
  assert.deepEqual([cfg.lora.r, cfg.eval.batch_size, cfg.optimizer.lr], [8, 8, 2e-4]);
  assert.throws(() => loadTrainConfig(file('model: m\ndata:\n')), /c\.yaml:2:1: data\.train: missing \(training data: a prepare output or any file prepare accepts\)$/);
});

test('a missing or empty key says so, with what it takes and its default, not zod\'s "received undefined"', () => {
  assert.throws(() => loadTrainConfig(file('model: m\n')), /c\.yaml: data: missing \(the data files, of which data\.train is required\)$/);
  assert.throws(() => loadTrainConfig(file('model: {config: x}\ndata: {train: t}\n')), /c\.yaml:1:1: model\.init: missing \(random: /);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nseed:\n')),
    /c\.yaml:3:1: seed: .* \(an empty value is null in YAML: write a value, or leave the key out for its default 0\)$/);
  // a null written as one is not called empty: "packing: null" (or ~) was told "an empty value is null in YAML"
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\npacking: null\n')),
    /c\.yaml:3:1: packing: must be true or false \(got null\) \(null is no value for it: write a value, or leave the key out for its default false\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora:\n  r: ~\n')),
    /c\.yaml:4:3: lora\.r: must be a number \(got ~\) \(YAML reads ~ as null, no value for it: write a value, or leave the key out for its default 8\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['seed', 'Null']]),
    /--seed: must be a number \(got Null\) \(YAML reads Null as null, no value for it: write a value, or leave the key out for its default 0\)$/);
  // a key that takes null takes an empty value
  assert.equal(loadTrainConfig(file('model: m\ndata: {train: t}\nmax_steps:\n')).max_steps, null);
});

test('0 or -1 for "off" (transformers\' max_grad_norm 0, max_steps -1) is refused saying that null is off here', () => {
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ngrad_clip: 0\n')), /grad_clip: .* \(null turns clipping off, as transformers' max_grad_norm 0 does\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['max_steps', '-1']]), /--max_steps: must be at least 1 \(got -1\) \(null lets epochs decide, as transformers' max_steps -1 does\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ncheckpoint: {every_steps: 0}\n')), /\(null turns checkpoints off\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ngrad_clip: -2\n')), (e: Error) => !e.message.includes('null turns'));
  // YAML's .inf and .nan (was zod's bare "received Infinity")
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\ngrad_clip: .inf\n')), /grad_clip: .* \(YAML's \.inf is no value for it: write a finite number; null turns clipping off, as transformers' max_grad_norm 0 does\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\noptimizer: {lr: .nan}\n')), /optimizer\.lr: .* \(YAML's \.nan is no value for it: write a finite number\)$/);
});

test('an override that turns a key of the file into a mapping (--model.seed with a model folder) is blamed for what that mapping lacks', () => {
  // was blamed on the file's line 1, where model is a folder path the user did not change
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['model.seed', '3']]),
    /^UserError: --model\.seed: model\.config: .*; model\.init: missing/);
  // a whole random model given by flags is taken
  const cfg = loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['model.config', '{vocab_size: 32000}'], ['model.init', 'random']]);
  assert.deepEqual(cfg.model, { config: { vocab_size: 32000 }, init: 'random', seed: null });
});

test("loadTrainConfig's overrides from plain JavaScript: an object or a number value is one UserError naming it (was: TypeError 'overrides is not iterable', 'source is not a string')", () => {
  const f = file('model: m\ndata: {train: t}\n');
  const call = (o: unknown) => () => loadTrainConfig(f, o as Array<[string, string]>);
  assert.throws(call({ max_steps: 3 }), (e) => isUserError(e) && /^loadTrainConfig: overrides is an object: give a list of \[key, value\] pairs of strings, as the command line gives them: \[\['max_steps', '10'\]/.test(e.message));
  assert.throws(call([['max_steps', 3]]), (e) => isUserError(e) && e.message.startsWith('loadTrainConfig: overrides[0] is ["max_steps",3]: give a list of [key, value] pairs of strings'));
  assert.throws(() => loadTrainConfig(5 as unknown as string), (e) => isUserError(e) && e.message.startsWith('loadTrainConfig: file is 5: give the path of a YAML config'));
  assert.equal(loadTrainConfig(f, [['max_steps', '3']]).max_steps, 3);
});

test('a number too small for a float (1e-400), which YAML reads as 0, says so rather than "must be more than 0 (got 1e-400)"', () => {
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\noptimizer:\n  lr: 1e-400\n')),
    /c\.yaml:4:3: optimizer\.lr: must be more than 0 \(got 1e-400\) \(YAML reads 1e-400 as 0, past the smallest float: check the exponent\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['lora.alpha', '-1e-999']]),
    /--lora\.alpha: must be more than 0 \(got -1e-999\) \(YAML reads -1e-999 as 0, past the smallest float: check the exponent\)$/);
  // a 0 written as one is refused as before, without the note
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\noptimizer:\n  lr: 0.0e0\n')), /optimizer\.lr: must be more than 0 \(got 0\.0e0\)$/);
});

test('a number written with a look-alike character (a Unicode minus, copied from a paper; full-width digits) names the character', () => {
  // was: must be a number (got the string "3.0e−4"), which reads as a number
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\noptimizer:\n  lr: 3.0e\u22124\n')),
    /c\.yaml:4:3: optimizer\.lr: must be a number \(got the string "3\.0e\u22124"\) \(it holds "\u2212" \(U\+2212\), not the ASCII "-": write 3\.0e-4\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['max_steps', '\uff11\uff10']]),
    /--max_steps: must be a number \(got the string "\uff11\uff10"\) \(it holds "\uff11" \(U\+FF11\), not the ASCII "1": write 10\)$/);
  // a word is no number of look-alikes
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nseed: caf\u00e9\n')), (e: Error) => !e.message.includes('ASCII'));
  // a power written with a superscript (10², 2⁵) or a circled digit is no look-alike: "write 102" would be another number
  for (const text of ['10\u00b2', '2\u2075', '\u2460\u2461']) {
    assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['max_steps', text]]), (e: Error) => /must be a number/.test(e.message) && !e.message.includes('ASCII'));
  }
});

// the library's loadTrainConfig(null, overrides) said "command line: model: missing …", though no command line was
// given: the CLI's train (no config file, flags alone) still says "command line:"
test('loadTrainConfig(null, overrides) names loadTrainConfig, not the command line, for a key missing or refused; its overrides stay named as flags', () => {
  assert.throws(() => loadTrainConfig(null, [['max_steps', '3']]), (e) => isUserError(e) &&
    /^loadTrainConfig: model: missing \(.*\); data: missing/.test(e.message) && !/command line/.test(e.message));
  assert.throws(() => loadTrainConfig(null, [['max_steps', 'x']]), (e) => isUserError(e) &&
    /^loadTrainConfig: model: missing .*; --max_steps: must be a number \(got the string "x"\)$/.test(e.message));
});
