// A config written by hand from another tool's habits (HF TrainingArguments, axolotl, mistral-finetune): each key of
// theirs is refused at its line with ours and, where its value carries over, the line to write, keeping the value as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTrainConfig } from '../../src/train/config.ts';
import { file } from './config-file.ts';

const refusal = (text: string, overrides: Array<[string, string]> = []): string => {
  const f = file(`model: m\ndata: {train: t}\n${text}`);
  try {
    loadTrainConfig(f, overrides);
  } catch (e) {
    return (e as Error).message.replaceAll(f, 'c.yaml');
  }
  return 'accepted';
};

test('another tool\'s key with a value that carries over says the line to write, with the value as written (a quoted number without its quotes)', () => {
  // before: (did you mean "optimizer.lr"?) alone, after which `optimizer: {lr: "2e-4"}` was refused as a string
  assert.equal(refusal('learning_rate: "2e-4"\n'), 'c.yaml:3:1: unknown key "learning_rate" (did you mean "optimizer.lr"? write optimizer: {lr: 2e-4})');
  assert.equal(refusal('lr: 2.0e-4\n'), 'c.yaml:3:1: unknown key "lr" (did you mean "optimizer.lr"? write optimizer: {lr: 2.0e-4})');
  // a section the config has already: the key under it, not a second optimizer:
  assert.equal(refusal('optimizer: {weight_decay: 0.1}\nlearning_rate: 1e-4\n'), 'c.yaml:4:1: unknown key "learning_rate" (did you mean "optimizer.lr"? write lr: 1e-4 under optimizer:)');
  assert.equal(refusal('bf16: true\n'), 'c.yaml:3:1: unknown key "bf16" (did you mean "precision"? write precision: bf16)');
  assert.equal(refusal('bf16: false\n'), 'c.yaml:3:1: unknown key "bf16" (did you mean "precision"? write precision: fp32)');
  assert.equal(refusal('gradient_checkpointing: true\n'), 'c.yaml:3:1: unknown key "gradient_checkpointing" (did you mean "activation_checkpointing"? write activation_checkpointing: true)');
  assert.equal(refusal('per_device_train_batch_size: 2\n'), 'c.yaml:3:1: unknown key "per_device_train_batch_size" (did you mean "batch_size"? write batch_size: 2)');
  assert.equal(refusal('num_epochs: 2\n'), 'c.yaml:3:1: unknown key "num_epochs" (did you mean "epochs"? write epochs: 2)');
  assert.equal(refusal('micro_batch_size: 2\n'), 'c.yaml:3:1: unknown key "micro_batch_size" (did you mean "batch_size"? write batch_size: 2)');
  assert.equal(refusal('lora_r: 16\n'), 'c.yaml:3:1: unknown key "lora_r" (did you mean "lora.r"? write lora: {r: 16})');
  assert.equal(refusal('lora_target_modules: [q_proj, v_proj]\n'), 'c.yaml:3:1: unknown key "lora_target_modules" (did you mean "lora.target_modules"? write lora: {target_modules: [q_proj, v_proj]})');
  // axolotl's lr_scheduler (was "did you mean schedule?", a section)
  assert.equal(refusal('lr_scheduler: cosine\n'), 'c.yaml:3:1: unknown key "lr_scheduler" (did you mean "schedule.type"? write schedule: {type: cosine})');
  // a value that does not carry over gets the key alone
  assert.equal(refusal('learning_rate: fast\n'), 'c.yaml:3:1: unknown key "learning_rate" (did you mean "optimizer.lr"?)');
  assert.equal(refusal('lora_target_modules: q_proj\n'), 'c.yaml:3:1: unknown key "lora_target_modules" (did you mean "lora.target_modules"?)');
  // a flag: the flag to give
  assert.equal(refusal('', [['learning_rate', '1e-4']]), '--learning_rate: unknown key "learning_rate" (did you mean "optimizer.lr"? give --optimizer.lr 1e-4)');
});

test('mistral-finetune\'s keys, optim: and wandb_* are refused with ours or what to do instead (had no hint)', () => {
  assert.equal(refusal('run_dir: out\n'), 'c.yaml:3:1: unknown key "run_dir" (did you mean "output_dir"? write output_dir: out)');
  assert.equal(refusal('model_id_or_path: m\n'), 'c.yaml:3:1: unknown key "model_id_or_path" (did you mean "model"? write model: m)');
  assert.equal(refusal('num_microbatches: 4\n'), 'c.yaml:3:1: unknown key "num_microbatches" (did you mean "grad_accum"? write grad_accum: 4)');
  assert.equal(refusal('eval_freq: 100\n'), 'c.yaml:3:1: unknown key "eval_freq" (did you mean "eval.every_steps"? write eval: {every_steps: 100})');
  assert.equal(refusal('ckpt_freq: 100\n'), 'c.yaml:3:1: unknown key "ckpt_freq" (did you mean "checkpoint.every_steps"? write checkpoint: {every_steps: 100})');
  assert.equal(refusal('log_freq: 1\n'), 'c.yaml:3:1: unknown key "log_freq": every optimizer step is logged in metrics.jsonl');
  assert.match(refusal('no_eval: true\n'), /^c\.yaml:3:1: unknown key "no_eval": val data is evaluated when data\.val is set/);
  assert.match(refusal('save_adapters: true\n'), /^c\.yaml:3:1: unknown key "save_adapters": a LoRA run saves its adapter/);
  assert.equal(refusal('optim:\n  lr: 6.e-5\n  weight_decay: 0.1\n  pct_start: 0.05\n'),
    'c.yaml:3:1: unknown key "optim": mistral-finetune\'s optim is optimizer here (lr, weight_decay; its pct_start, the warmup\'s fraction of the run, is schedule.warmup_steps)');
  const wandb = 'nothing is sent to Weights & Biases: metrics go to metrics.jsonl in the run folder, and mistral-tune dashboard shows them';
  assert.equal(refusal('wandb_project: p\n'), `c.yaml:3:1: unknown key "wandb_project": ${wandb}`);
  assert.equal(refusal('wandb:\n  project: p\n  offline: true\n'), `c.yaml:3:1: unknown key "wandb": ${wandb}`);
});

test('mistral-finetune\'s max_norm, num_ckpt_keep, no_ckpt, checkpoint: true, lora: {enable, scaling}, data: {instruct_data, data, eval_instruct_data}, mlflow; axolotl\'s optimizer: NAME and peft_use_dora say ours (had no hint, or a wrong one)', () => {
  // before: "unknown key" alone, or "(did you mean "data"?)" for data.data, "must be a mapping" alone for checkpoint: true
  assert.equal(refusal('max_norm: 1.0\n'), 'c.yaml:3:1: unknown key "max_norm" (did you mean "grad_clip"? write grad_clip: 1.0)');
  assert.equal(refusal('num_ckpt_keep: 3\n'), 'c.yaml:3:1: unknown key "num_ckpt_keep" (did you mean "checkpoint.keep"? write checkpoint: {keep: 3})');
  assert.match(refusal('no_ckpt: true\n'), /^c\.yaml:3:1: unknown key "no_ckpt": checkpoint\.every_steps: null \(the default\) saves no checkpoint during the run/);
  assert.equal(refusal('checkpoint: true\n'), 'c.yaml:3:1: checkpoint: must be a mapping of keys to values (got true) (mistral-finetune\'s checkpoint: true is activation_checkpointing: true here; checkpoint: holds every_steps and keep)');
  assert.match(refusal('lora:\n  enable: true\n'), /^c\.yaml:4:3: unknown key "lora\.enable": method: lora \(the default\) trains an adapter; method: full/);
  assert.match(refusal('lora:\n  scaling: 2.0\n'), /^c\.yaml:4:3: unknown key "lora\.scaling": .* write alpha: scaling × r \(r 16, scaling 2: alpha: 32\)$/);
  const data = (text: string): string => {
    const f = file(`model: m\ndata:\n  train: t\n${text}`);
    try {
      loadTrainConfig(f);
    } catch (e) {
      return (e as Error).message.replace(f, 'c.yaml');
    }
    return 'accepted';
  };
  assert.match(data('  instruct_data: a.jsonl\n'), /^c\.yaml:4:3: unknown key "data\.instruct_data": mistral-finetune's instruct_data is data\.train here/);
  assert.match(data('  data: p.jsonl\n'), /^c\.yaml:4:3: unknown key "data\.data": mistral-finetune's data \(text to pretrain on\) is data\.train here/);
  assert.match(data('  eval_instruct_data: v.jsonl\n'), /^c\.yaml:4:3: unknown key "data\.eval_instruct_data": mistral-finetune's eval_instruct_data is data\.val here/);
  assert.match(refusal('mlflow:\n  tracking_uri: x\n'), /^c\.yaml:3:1: unknown key "mlflow": nothing is sent to MLflow/);
  assert.equal(refusal('optimizer: adamw_bnb_8bit\n'), 'c.yaml:3:1: optimizer: must be a mapping of keys to values (got the string "adamw_bnb_8bit") (adamw_bnb_8bit is not offered, only torch\'s AdamW (adamw_torch): leave it out; its settings are optimizer.lr, optimizer.betas, optimizer.eps and optimizer.weight_decay)');
  assert.equal(refusal('peft_use_dora: true\n'), 'c.yaml:3:1: unknown key "peft_use_dora" (did you mean "lora.use_dora"? write lora: {use_dora: true})');
});

test('TRL\'s packing_strategy, padding_free, loss_type and transformers\' lr_scheduler_kwargs, num_cycles, min_lr say what is done here (had no hint)', () => {
  assert.match(refusal('packing_strategy: bfd\n'), /^c\.yaml:3:1: unknown key "packing_strategy": packing: true packs as TRL's default packing_strategy "bfd"/);
  assert.match(refusal('padding_free: true\n'), /^c\.yaml:3:1: unknown key "padding_free": packing: true/);
  assert.match(refusal('loss_type: nll\n'), /^c\.yaml:3:1: unknown key "loss_type": the loss is plain cross-entropy/);
  // transformers' lr_scheduler_kwargs are schedule's keys (were "not offered")
  assert.match(refusal('lr_scheduler_kwargs: {num_cycles: 1}\n'), /^c\.yaml:3:1: unknown key "lr_scheduler_kwargs": its keys go under schedule: by the same names/);
  assert.equal(refusal('schedule: {type: cosine, num_cycles: 1}\n'), 'accepted');
  assert.equal(refusal('num_cycles: 2\n'), 'c.yaml:3:1: unknown key "num_cycles" (did you mean "schedule.num_cycles"? write schedule: {num_cycles: 2})');
  assert.equal(refusal('optimizer: {min_lr: 1e-6}\n'), 'c.yaml:3:13: unknown key "optimizer.min_lr" (did you mean "schedule.min_lr"? write schedule: {min_lr: 1e-6})');
  assert.equal(refusal('schedule: {type: cosine}\nmin_lr: 1e-6\n'), 'c.yaml:4:1: unknown key "min_lr" (did you mean "schedule.min_lr"? write min_lr: 1e-6 under schedule:)');
  assert.match(refusal('cosine_min_lr_ratio: 0.1\n'), /^c\.yaml:3:1: unknown key "cosine_min_lr_ratio": write schedule: \{type: cosine_with_min_lr, min_lr_rate: …\}/);
});

test("transformers' optimizer keys as an HF user writes them: each optim name said to be AdamW or not offered, adam_beta1/2 as the pair, max_grad_norm 0 as null", () => {
  const settings = 'leave it out; its settings are optimizer.lr, optimizer.betas, optimizer.eps and optimizer.weight_decay';
  // was: "the optimizer is torch's AdamW; …" for adamw_torch and adafactor alike
  for (const name of ['adamw_torch', 'adamw_torch_fused', 'ADAMW_TORCH_FUSED']) {
    assert.equal(refusal(`optim: ${name}\n`), `c.yaml:3:1: unknown key "optim": ${name} is torch's AdamW, the optimizer here (always): ${settings}`);
  }
  assert.equal(refusal('optim: adafactor\n'), `c.yaml:3:1: unknown key "optim": adafactor is not offered, only torch's AdamW (adamw_torch): ${settings}`);
  assert.equal(refusal('optim: adamw_hf\n'), `c.yaml:3:1: unknown key "optim": adamw_hf (transformers 4's own AdamW, gone from transformers 5) is not offered, only torch's AdamW (adamw_torch): ${settings}`);
  assert.equal(refusal('optimizer: {lr: 1e-4, optim: adamw_torch}\n'), `c.yaml:3:23: unknown key "optimizer.optim": adamw_torch is torch's AdamW, the optimizer here (always): ${settings}`);
  assert.equal(refusal('', [['optim', 'sgd']]), `--optim: unknown key "optim": sgd is not offered, only torch's AdamW (adamw_torch): ${settings}`);
  // a name or type elsewhere is no optimizer's
  assert.equal(refusal('schedule: {name: cosine}\n'), 'c.yaml:3:12: unknown key "schedule.name"');
  // was: "(did you mean "optimizer.betas"?)", with no value to write: betas is the pair
  assert.equal(refusal('adam_beta1: 0.8\n'), 'c.yaml:3:1: unknown key "adam_beta1" (did you mean "optimizer.betas"? write optimizer: {betas: [0.8, 0.999]}; betas is [adam_beta1, adam_beta2], and 0.999 is adam_beta2\'s default)');
  assert.equal(refusal('optimizer: {lr: 1e-4}\nadam_beta2: 0.95\n'), 'c.yaml:4:1: unknown key "adam_beta2" (did you mean "optimizer.betas"? write betas: [0.9, 0.95] under optimizer:; betas is [adam_beta1, adam_beta2], and 0.9 is adam_beta1\'s default)');
  // both given: the one pair, from both, in each key's error (was [0.8, 0.999] for one and [0.9, 0.95] for the other)
  assert.equal(refusal('adam_beta1: 0.8\nadam_beta2: 0.95\n'), 'c.yaml:3:1: unknown key "adam_beta1" (did you mean "optimizer.betas"? write optimizer: {betas: [0.8, 0.95]}; betas is [adam_beta1, adam_beta2]); ' +
    'c.yaml:4:1: unknown key "adam_beta2" (did you mean "optimizer.betas"? write optimizer: {betas: [0.8, 0.95]}; betas is [adam_beta1, adam_beta2])');
  assert.equal(refusal('optimizer: {lr: 1e-4}\nadam_beta2: 0.95\nadam_beta1: 8e-1\n'), 'c.yaml:4:1: unknown key "adam_beta2" (did you mean "optimizer.betas"? write betas: [0.8, 0.95] under optimizer:; betas is [adam_beta1, adam_beta2]); ' +
    'c.yaml:5:1: unknown key "adam_beta1" (did you mean "optimizer.betas"? write betas: [0.8, 0.95] under optimizer:; betas is [adam_beta1, adam_beta2])');
  // a quoted number, as HF's YAML has it, is the number
  assert.equal(refusal('adam_beta1: "0.85"\n'), 'c.yaml:3:1: unknown key "adam_beta1" (did you mean "optimizer.betas"? write optimizer: {betas: [0.85, 0.999]}; betas is [adam_beta1, adam_beta2], and 0.999 is adam_beta2\'s default)');
  assert.equal(refusal('adam_beta2: 1.5\n'), 'c.yaml:3:1: unknown key "adam_beta2" (did you mean "optimizer.betas"?)');
  // was: "(did you mean "grad_clip"?)", whose 0 is refused in turn
  assert.equal(refusal('max_grad_norm: 0\n'), 'c.yaml:3:1: unknown key "max_grad_norm" (did you mean "grad_clip"? write grad_clip: null; transformers\' max_grad_norm 0 turns clipping off, as null does here)');
  assert.equal(refusal('max_grad_norm: null\n'), 'c.yaml:3:1: unknown key "max_grad_norm" (did you mean "grad_clip"? write grad_clip: null)');
  assert.equal(refusal('max_grad_norm: 0.3\n'), 'c.yaml:3:1: unknown key "max_grad_norm" (did you mean "grad_clip"? write grad_clip: 0.3)');
  assert.equal(refusal('adam_epsilon: 1e-6\n'), 'c.yaml:3:1: unknown key "adam_epsilon" (did you mean "optimizer.eps"? write optimizer: {eps: 1e-6})');
});

// each was "unknown key" with no help (dtype: a wrong did-you-mean, schedule.type; lora.use_qalora: lora.use_rslora)
test("more of TrainingArguments', from_pretrained's and PEFT LoraConfig's keys are refused with what to do here, not a bare or wrong did-you-mean", () => {
  const top = ['torch_dtype: bfloat16', 'dtype: bfloat16', 'half_precision_backend: auto', 'bf16_full_eval: true', 'fp16_full_eval: true',
    'attn_implementation: sdpa', 'use_liger_kernel: true', 'trust_remote_code: true', 'optim_args: ""', 'adafactor: true', 'dataloader_drop_last: true',
    'dataset_num_proc: 4', 'eval_accumulation_steps: 2', 'save_only_model: true', 'label_names: [labels]', 'remove_unused_columns: false',
    'include_num_input_tokens_seen: true', 'average_tokens_across_devices: true', 'num_labels: 2'];
  const lora = ['peft_type: LORA', 'inference_mode: false', 'base_model_name_or_path: x', 'target_parameters: []', 'loftq_config: {}',
    'megatron_config: {}', 'use_qalora: true', 'qalora_group_size: 16', 'trainable_token_indices: [1]', 'ensure_weight_tying: true',
    'layer_replication: []', 'alora_invocation_tokens: [1]', 'runtime_config: {}'];
  for (const [text, full] of [...top.map((l) => [`${l}\n`, l.split(':')[0]!]), ...lora.map((l) => [`lora:\n  ${l}\n`, `lora.${l.split(':')[0]!}`])]) {
    const said = refusal(text!);
    assert.match(said, new RegExp(`^c\\.yaml:\\d+:\\d+: unknown key "${full!.replace('.', '\\.')}": \\S`), `${full}: ${said}`);
  }
  assert.equal(refusal('dtype: bfloat16\n'), "c.yaml:3:1: unknown key \"dtype\": the weights' dtype is precision: bf16 or fp32 (auto chooses bf16 on CUDA, fp32 on the CPU)");
  // a full run saves model/, no adapter (the hint said "the adapter is saved at its end")
  assert.equal(refusal('save_only_model: true\n'), 'c.yaml:3:1: unknown key "save_only_model": checkpoint.every_steps: null (the default) saves no checkpoint during the run; the run ends by saving adapter/ (model/ for method: full)');
  assert.equal(refusal('lora:\n  use_qalora: true\n'), 'c.yaml:4:3: unknown key "lora.use_qalora": quantized base weights (QLoRA) are not offered: precision: bf16 stores them in bf16');
});

test('another tool\'s key misspelt is refused with ours, as our own keys misspelt are (had no hint)', () => {
  // before: 'unknown key "lerning_rate"' alone, where "batchsize" said batch_size and "learning_rate" optimizer.lr
  assert.equal(refusal('lerning_rate: 1e-4\n'), 'c.yaml:3:1: unknown key "lerning_rate" (did you mean "optimizer.lr"?)');
  assert.equal(refusal('learningrate: 1e-4\n'), 'c.yaml:3:1: unknown key "learningrate" (did you mean "optimizer.lr"?)');
  assert.equal(refusal('gradient_acumulation_steps: 4\n'), 'c.yaml:3:1: unknown key "gradient_acumulation_steps" (did you mean "grad_accum"?)');
  assert.equal(refusal('', [['lerning_rate', '1e-4']]), '--lerning_rate: unknown key "lerning_rate" (did you mean "optimizer.lr"?)');
});
