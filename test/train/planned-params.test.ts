// plannedTrainableShapes (what `train --resume --dry-run` checks a checkpoint's tensors against, without loading a
// weight) names the tensors the run's model trains, in its order, with their shapes: MistralModel.trainableParams of
// the model setupRun builds, for LoRA, DoRA, an adapter continued (lora.init_from), full fine-tuning, and classification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { plannedTrainableShapes } from '../../src/train/planned-params.ts';
import { plannedModelConfig, setupRun } from '../../src/train/setup.ts';
import { FIXTURES, TINY, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';

const dir = tempDir('mt-planned-params-');
const rows = (label: boolean): string => Array.from({ length: 2 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9], ...(label ? { label: i } : {}) })).join('\n') + '\n';
fs.writeFileSync(path.join(dir, 'train.jsonl'), rows(false));
fs.writeFileSync(path.join(dir, 'labelled.jsonl'), rows(true));

// tie_word_embeddings true with an lm_head.weight in the file: tied when its values are the embedding's (tyingAsLoaded),
// so the run trains no lm_head of its own; untied (and trained) when they differ
function tiedWithHead(name: string, same: boolean): string {
  const out = path.join(dir, name);
  fs.cpSync(path.join(FIXTURES, 'variants', 'tied'), out, { recursive: true });
  const f = SafetensorsFile.open(path.join(out, 'model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const n of f.names()) tensors[n] = { dtype: 'F32', shape: f.info(n).shape, data: f.readF32(n) };
  f.close();
  const embed = tensors['model.embed_tokens.weight']!;
  tensors['lm_head.weight'] = same ? embed : { ...embed, data: (embed.data as Float32Array).map((x) => x + 1) };
  writeSafetensors(path.join(out, 'model.safetensors'), tensors, { format: 'pt' });
  return out;
}

const cases: Array<[string, Record<string, unknown>]> = [
  ['LoRA', { lora: { r: 2 } }],
  ['DoRA on two projections', { lora: { r: 3, use_dora: true, target_modules: ['v_proj', 'q_proj'] } }],
  ['LoRA continued from an adapter', { lora: { init_from: path.join(TINY, 'adapter_init') } }],
  ['full fine-tuning', { method: 'full' }],
  ['full fine-tuning of a model whose lm_head is its embedding', { method: 'full', model: path.join(FIXTURES, 'variants', 'tied') }],
  ['full fine-tuning of a tied model whose file holds an lm_head.weight equal to its embedding', { method: 'full', model: tiedWithHead('tied-same', true) }],
  ['full fine-tuning of a tied model whose file holds an lm_head.weight of its own', { method: 'full', model: tiedWithHead('tied-other', false) }],
  ['LoRA continued from an adapter of some layers (layers_to_transform)', { lora: { init_from: path.join(FIXTURES, 'hf-trainer-options', 'layers_to_transform_warmup_fraction', 'adapter_init') } }],
  ['DoRA classification continued from a SEQ_CLS adapter', { task: 'classification', labels: ['neg', 'neutral', 'pos'], model: path.join(FIXTURES, 'hf-trainer-more', 'base-cls'), lora: { init_from: path.join(FIXTURES, 'hf-trainer-more', 'dora_cls', 'adapter_init') } }],
  ['LoRA classification', { task: 'classification', labels: ['a', 'b'], lora: { r: 2 } }],
  ['full fine-tuning classification', { method: 'full', task: 'classification', labels: ['a', 'b', 'c'] }],
];

for (const [what, keys] of cases) {
  test(`plannedTrainableShapes: ${what}: the model's trainable tensors, in its order, shapes and all`, () => {
    const data = path.join(dir, keys.task === 'classification' ? 'labelled.jsonl' : 'train.jsonl');
    const cfg = validate({ model: TINY_BASE, data: { train: data }, output_dir: path.join(dir, 'run'), ...keys }, 'test');
    const setup = setupRun(cfg);
    try {
      const made = setup.params.map((p) => ({ name: p.name, shape: [...p.shape] }));
      assert.ok(made.length > 0);
      assert.deepEqual([...plannedTrainableShapes(cfg, plannedModelConfig(cfg))].map((p) => ({ name: p.name, shape: [...p.shape] })), made);
    } finally {
      setup.backend.close?.();
    }
  });
}
