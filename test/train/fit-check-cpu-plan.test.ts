// checkSequenceFits on the CPU: besides the 4 GiB attention workspace, the whole memory plan must fit the host's RAM,
// so a huge batch of a large model is refused (before its first step) with the plan's numbers and what to lower.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { parseConfig } from '../../src/model/config.ts';
import { validate } from '../../src/train/config.ts';
import { checkSequenceFits } from '../../src/train/fit-check.ts';
import { planMemory, runBatchShape } from '../../src/train/memory-plan.ts';

const MISTRAL_7B = {
  model_type: 'mistral', vocab_size: 32000, hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32,
  num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128, rms_norm_eps: 1e-5, sliding_window: 4096,
  max_position_embeddings: 32768, rope_theta: 10000,
};

test('a CPU run whose activations exceed the RAM is refused naming batch_size, activation_checkpointing', () => {
  const model = parseConfig(MISTRAL_7B);
  const cfg = validate({ model: { config: MISTRAL_7B, init: 'random' }, data: { train: 'x.jsonl' }, lora: { r: 8, alpha: 16 }, precision: 'bf16', batch_size: 64, max_seq_len: 1024 }, 'test');
  const rows = Array.from({ length: 64 }, () => ({ inputIds: new Array<number>(1024).fill(1) }));
  const plan = planMemory(cfg, model, runBatchShape(cfg, rows, [], 64), 'cpu');
  assert.ok(plan.total > os.totalmem(), 'the plan (about 294 GiB) exceeds this machine');
  assert.throws(() => checkSequenceFits(cfg, model, [rows, null, null]),
    (e: Error) => e.name === 'UserError' && (e as Error & { where?: string }).where === 'batch_size' &&
      /memory plan totals .* GiB .*more than this machine's RAM.*lower batch_size \(now 64.*activation_checkpointing: true/.test(e.message));
  const small = [{ inputIds: new Array<number>(8).fill(1) }];
  if (planMemory(cfg, model, runBatchShape(cfg, small, [], 1), 'cpu').total < os.totalmem()) {
    assert.doesNotThrow(() => checkSequenceFits(cfg, model, [small, null, null]), 'one short row fits');
  }
});
