// A checkpoint that holds a base weight both with and without "model." (a MistralModel's tensors saved next to a
// MistralForCausalLM's, say): transformers 5.17 sorts the checkpoint's names by dot_natural_key and takes the first
// name that maps to a parameter (core_model_loading.py: the WeightRenaming reads its first source), so
// "embed_tokens.weight" and "layers.0.…" (before "model.…") win over the prefixed names, and "model.norm.weight" over
// "norm.weight". Probed with transformers 5.17 on a random tiny MistralForCausalLM whose file also held
// embed_tokens.weight, norm.weight (each the prefixed one × 2) and layers.0.mlp.up_proj.weight (zeros):
//   m = AutoModelForCausalLM.from_pretrained(d); torch.equal(m.model.norm.weight, t['model.norm.weight'])  → True
//   torch.equal(m.model.embed_tokens.weight, t['embed_tokens.weight']), torch.equal(m.model.layers[0].mlp.up_proj.weight,
//   t['layers.0.mlp.up_proj.weight'])  → True, True (and the logits differ from the prefixed tensors' by 47%)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { collate } from '../../src/data/batch.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const backend = createBackend('cpu');

/** TINY_BASE's checkpoint with `edit` applied to its tensors, in a folder of its own. */
function folder(edit: (t: Record<string, TensorToWrite>) => void): string {
  const dir = tempDir('mt-prefixes-');
  const f = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const n of f.names()) tensors[n] = { dtype: 'F32', shape: f.info(n).shape, data: f.readF32(n) };
  f.close();
  edit(tensors);
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(dir, 'config.json'));
  return dir;
}

const scaled = (t: TensorToWrite, by: number): TensorToWrite => ({ ...t, data: (t.data as Float32Array).map((x) => x * by) });

test('a base weight held with and without "model." is read as transformers reads it: the name first in dot_natural_key order', () => {
  const BARE = ['embed_tokens.weight', 'layers.0.mlp.up_proj.weight', 'norm.weight'];
  const both = folder((t) => {
    for (const [i, n] of BARE.entries()) t[n] = scaled(t[`model.${n}`]!, 2 + i);
  });
  // what transformers loads: the bare embedding and projection, the prefixed norm
  const picked = folder((t) => {
    for (const [i, n] of BARE.entries()) if (n !== 'norm.weight') t[`model.${n}`] = scaled(t[`model.${n}`]!, 2 + i);
  });
  const batch = collate([{ inputIds: [1, 5, 9, 17, 33, 2, 44] }], 0, 0);
  const ours = loadModel(both, { backend }).logits(batch);
  const theirs = loadModel(picked, { backend }).logits(batch);
  assert.deepEqual(Array.from(ours), Array.from(theirs));
});
