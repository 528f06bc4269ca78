// Training setup on the checkpoint forms transformers loads that are not a MistralForCausalLM's own: a base MistralModel
// saved alone (keys without "model.", e5-mistral style). Its memory plan finds an lm_head.weight beside an unprefixed
// embedding (untied, as the loader unties it), and a generation run on a headless one is refused saying what it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { validate } from '../../src/train/config.ts';
import { plannedModelConfig, setupRun } from '../../src/train/setup.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('mt-ckpt-forms-');
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 7, 9] })).join('\n') + '\n');

/** The tiny base's trunk without "model.", with its lm_head.weight or not, under a config.json tied as `tied`. */
function unprefixed(name: string, opts: { lmHead: boolean; tied: boolean }): string {
  const out = path.join(dir, name);
  fs.mkdirSync(out);
  const f = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const n of f.names()) {
    if (n.startsWith('model.')) tensors[n.slice('model.'.length)] = { dtype: 'F32', shape: f.info(n).shape, data: f.readF32(n) };
    else if (opts.lmHead) tensors[n] = { dtype: 'F32', shape: f.info(n).shape, data: f.readF32(n) };
  }
  f.close();
  writeSafetensors(path.join(out, 'model.safetensors'), tensors, { format: 'pt' });
  const cfg = JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(out, 'config.json'), JSON.stringify({ ...cfg, tie_word_embeddings: opts.tied }));
  return out;
}

const run = (model: string, extra: Record<string, unknown> = {}) => validate({
  model, data: { train: path.join(dir, 'train.jsonl') }, batch_size: 2, device: 'cpu', eval: { samples: 0 }, output_dir: path.join(dir, 'run'), ...extra,
}, 'test');

test('the memory plan of a tied config over an unprefixed checkpoint that holds lm_head.weight counts the head untied, as it loads', () => {
  assert.equal(plannedModelConfig(run(unprefixed('tied-with-head', { lmHead: true, tied: true }))).tieWordEmbeddings, false);
  assert.equal(plannedModelConfig(run(unprefixed('tied-without-head', { lmHead: false, tied: true }))).tieWordEmbeddings, true);
});

test('a generation run on a base MistralModel saved alone (no LM head) says so, not that it was saved for classification', () => {
  const model = unprefixed('headless', { lmHead: false, tied: false });
  assert.throws(() => setupRun(run(model)), { name: 'UserError', message: /task: generation needs an LM head, and this model has none \(lm_head\.weight\): its checkpoint holds the base MistralModel alone \(set task: classification\)/ });
});
