// The memory plan of a CPU run counts the host copies a save makes while it writes (checkpoint.ts and the final save
// download every tensor before encoding the file): a checkpoint's parameters and both AdamW moments of every trained
// weight, or the final weights. A full fine-tuning of a 1B model planned at 18.7 GiB on a 23.5 GiB machine holds 13 GiB
// more at its first checkpoint: measured on a 125M random model, 2 steps, peak RSS 4.5 GiB with a checkpoint a step
// against 2.2 GiB planned. On CUDA those copies are in host RAM, not the GPU's memory the plan is held against.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { planMemory } from '../../src/train/memory-plan.ts';
import { parameterCount, parseConfig } from '../../src/model/config.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('mt-plan-saving-');
const MODEL = {
  architectures: ['MistralForCausalLM'], model_type: 'mistral', hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2,
  num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 1000, max_position_embeddings: 256, rms_norm_eps: 1e-5, rope_theta: 10000,
  tie_word_embeddings: false,
};
fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(MODEL));
fs.writeFileSync(path.join(dir, 'train.jsonl'), '{"input_ids": [1, 2, 3]}\n');
const model = parseConfig(MODEL);
const N = parameterCount(model);
const cfgOf = (extra: Record<string, unknown>) => validate({
  model: { config: path.join(dir, 'config.json'), init: 'random' }, data: { train: path.join(dir, 'train.jsonl') },
  output_dir: path.join(dir, 'out'), device: 'cpu', ...extra,
}, 'test');

test('a CPU full fine-tuning plan counts a checkpoint\'s host copies (parameters, AdamW m and v in f32) in its total; without checkpoints, the final weights', () => {
  const ck = planMemory(cfgOf({ method: 'full', precision: 'fp32', checkpoint: { every_steps: 1 } }), model, { B: 1, T: 8 }, 'cpu');
  assert.equal(ck.saving, 3 * N * 4);
  assert.equal(ck.total, ck.weights + ck.trainable + ck.activations + ck.workspace + ck.staging + ck.saving);
  const end = planMemory(cfgOf({ method: 'full', precision: 'fp32' }), model, { B: 1, T: 8 }, 'cpu');
  assert.equal(end.saving, N * 4, 'the final model, downloaded in f32');
});

test('a LoRA plan counts the adapter\'s copies alone (small); a CUDA plan none (host RAM, not the GPU\'s)', () => {
  const lora = planMemory(cfgOf({ method: 'lora', checkpoint: { every_steps: 1 } }), model, { B: 1, T: 8 }, 'cpu');
  assert.ok(lora.saving > 0 && lora.saving < lora.trainable, `${lora.saving} vs trainable ${lora.trainable}`);
  assert.equal(planMemory(cfgOf({ method: 'full', checkpoint: { every_steps: 1 } }), model, { B: 1, T: 8 }, 'cuda').saving, 0);
});

test('a run refused for its checkpoints\' copies is told what lowers them, not a batch_size or max_seq_len that cannot', async () => {
  const { fitAdvice } = await import('../../src/train/fit-check.ts');
  const cfg = cfgOf({ method: 'full', precision: 'fp32', checkpoint: { every_steps: 1 } });
  const plan = planMemory(cfg, model, { B: 4, T: 8 }, 'cpu');
  const advice = fitAdvice(cfg, plan, plan.weights + plan.trainable + plan.saving - 1, 4);
  for (const useless of ['batch_size', 'max_seq_len', 'activation_checkpointing']) assert.ok(!advice.includes(useless), `${useless} in: ${advice}`);
  assert.match(advice, /method: lora, or checkpoint\.every_steps: null/);
});

test('train refused for its checkpoints\' copies names checkpoint.every_steps, not batch_size, which cannot make it fit', async () => {
  const os = await import('node:os');
  const { checkSequenceFits } = await import('../../src/train/fit-check.ts');
  // a full fine-tuning whose weights and trainable state (16 bytes a weight) take 0.8 of this machine's RAM, its checkpoint's copies 0.6 more
  const vocab = Math.round(os.totalmem() / 20 / (2 * 64));
  const wide = { ...MODEL, vocab_size: vocab };
  fs.writeFileSync(path.join(dir, 'wide.json'), JSON.stringify(wide));
  const cfg = validate({
    model: { config: path.join(dir, 'wide.json'), init: 'random' }, data: { train: path.join(dir, 'train.jsonl') },
    output_dir: path.join(dir, 'out-wide'), device: 'cpu', method: 'full', precision: 'fp32', batch_size: 2, checkpoint: { every_steps: 1 },
  }, 'test');
  const rows = [{ inputIds: [1, 2, 3], labels: [1, 2, 3] }, { inputIds: [1, 2, 3], labels: [1, 2, 3] }];
  assert.throws(() => checkSequenceFits(cfg, parseConfig(wide), [rows as never, null, null]), (e: Error) => {
    assert.match(e.message, /^checkpoint\.every_steps: the run's memory plan totals .*copies while saving/);
    assert.match(e.message, /checkpoint\.every_steps: null/);
    return true;
  });
});
