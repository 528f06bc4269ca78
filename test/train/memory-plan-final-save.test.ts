// The plan's `saving` of a full fine-tuning without checkpoints is what the final save (model/save.ts) holds in host
// memory while it writes model.safetensors: every tensor in its file dtype (BF16 in a bf16 run, the classification
// head's F32) and, in a bf16 run, the f32 copy one bf16 tensor is downloaded into before it is narrowed (the largest, at
// worst). Checked against the file a real run writes, for bf16 and fp32, a causal LM and a classifier; the plan counted
// every weight in f32, twice a bf16 run's file, and left out a classifier's score head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { planMemory } from '../../src/train/memory-plan.ts';
import { parseConfig } from '../../src/model/config.ts';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { train } from '../../src/train/trainer.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('mt-plan-final-save-');
// the bundled tokenizer's vocabulary (text data); untied, so the causal file holds lm_head and the classifier's does not
const MODEL = {
  model_type: 'mistral', vocab_size: 32000, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2,
  num_key_value_heads: 1, head_dim: 8, max_position_embeddings: 128, tie_word_embeddings: false,
};
fs.writeFileSync(path.join(dir, 'gen.jsonl'), ['Paris is in France.', 'Rome is in Italy.'].map((text) => JSON.stringify({ text })).join('\n') + '\n');
fs.writeFileSync(path.join(dir, 'cls.jsonl'), [['Paris', 'Europe'], ['Lima', 'Americas']].map(([text, label]) => JSON.stringify({ text, label })).join('\n') + '\n');

/** The bytes the save holds: the file's tensor data, and the f32 download of its largest BF16 tensor. */
function savedHostBytes(file: string): number {
  const f = SafetensorsFile.open(file);
  try {
    let data = 0, widest = 0;
    for (const name of f.names()) {
      const { dtype, shape } = f.info(name);
      const n = shape.reduce((a, b) => a * b, 1);
      data += n * (dtype === 'F32' ? 4 : 2);
      if (dtype === 'BF16') widest = Math.max(widest, 4 * n);
    }
    return data + widest;
  } finally {
    f.close();
  }
}

for (const precision of ['fp32', 'bf16'] as const) {
  for (const task of ['generation', 'classification'] as const) {
    test(`full fine-tuning, ${precision}, ${task}: the plan's saving is the bytes the final save holds`, () => {
      const out = path.join(dir, `${precision}-${task}`);
      const cfg = validate({
        model: { config: MODEL, init: 'random' }, method: 'full', precision, device: 'cpu', task,
        ...(task === 'classification' ? { labels: ['Europe', 'Americas'] } : {}),
        data: { train: path.join(dir, task === 'classification' ? 'cls.jsonl' : 'gen.jsonl') },
        max_steps: 1, batch_size: 2, eval: { samples: 0 }, output_dir: out,
      }, 'test');
      const plan = planMemory(cfg, parseConfig(MODEL), { B: 2, T: 8 }, 'cpu');
      train(cfg);
      assert.equal(plan.saving, savedHostBytes(path.join(out, 'model', 'model.safetensors')));
    });
  }
}
