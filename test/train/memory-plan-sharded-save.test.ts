// The plan's `saving` of a full fine-tuning of a model past one shard (model/save.ts writes shards of at most 5 GB and
// downloads one shard's tensors at a time): the largest shard the save holds, not the whole file. For Mistral 7B in
// bf16 the plan counted all 14.5 GB of BF16 weights at once, ~9.5 GB of host memory the save never holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { planMemory } from '../../src/train/memory-plan.ts';
import { parseConfig } from '../../src/model/config.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

test('full fine-tuning of Mistral 7B in bf16: the plan\'s saving is one 5 GB shard (and the widened download), not the 14.5 GB file', () => {
  const config = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'configs', 'mistral-7b-v0.1.config.json'), 'utf8')) as Record<string, unknown>;
  const model = parseConfig(config);
  const dir = tempDir('mt-plan-sharded-');
  fs.writeFileSync(path.join(dir, 'gen.jsonl'), JSON.stringify({ text: 'Paris is in France.' }) + '\n');
  const cfg = validate({
    model: { config, init: 'random' }, method: 'full', precision: 'bf16', device: 'cpu', data: { train: path.join(dir, 'gen.jsonl') },
    max_steps: 1, batch_size: 1, eval: { samples: 0 }, checkpoint: { every_steps: null }, output_dir: path.join(dir, 'run'),
  }, 'test');
  const plan = planMemory(cfg, model, { B: 1, T: 8 }, 'cpu');
  // the tensors' BF16 bytes in the order save.ts shards them, split as it splits them (a shard closes before the tensor that would pass 5e9)
  const C = model.hiddenSize, V = model.vocabSize, I = model.intermediateSize, kv = model.numKvHeads * model.headDim, q = model.numHeads * model.headDim;
  const layer = [C, I * C, I * C, I * C, C, kv * C, q * C, q * C, kv * C];
  const sizes = [V * C, V * C, ...Array.from({ length: model.numLayers }, () => layer).flat(), C].map((n) => 2 * n);
  let shard = 0, largest = 0;
  for (const s of sizes) {
    if (shard > 0 && shard + s > 5e9) shard = 0;
    shard += s;
    largest = Math.max(largest, shard);
  }
  const file = sizes.reduce((a, b) => a + b, 0);
  const widened = V * C * 4; // the f32 copy the largest BF16 tensor is downloaded into
  assert.ok(file > 14e9, `the file is ${file} bytes`);
  assert.ok(plan.saving >= largest + widened, `plan ${plan.saving} holds the largest shard ${largest} + ${widened}`);
  assert.ok(plan.saving <= 5e9 + widened, `plan ${plan.saving} is at most one 5 GB shard + ${widened}, not the file's ${file}`);
});
