// A weight the model needs that model.safetensors.index.json lists but no shard holds (a stale or hand-edited index):
// the open leaves the entry out with a warning (transformers 5.17 loads such a folder, drawing that weight at random),
// and the load refuses it naming the index and the shard it lists, not only the folder: the warning gives one example
// of several, and the score head's or a projection's refusal came with neither.
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { throwsNaming, tmpDir } from './safetensors-helpers.ts';

test('a needed weight the index lists but no shard holds is refused naming the index and the shard', () => {
  const dir = tmpDir();
  const f = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  const names = f.names().sort();
  const missing = 'model.layers.0.self_attn.q_proj.weight';
  const shards: Array<Record<string, TensorToWrite>> = [{}, {}];
  const weightMap: Record<string, string> = {};
  for (const [i, n] of names.entries()) {
    const shard = `model-0000${1 + (i % 2)}-of-00002.safetensors`;
    weightMap[n] = shard;
    if (n !== missing) shards[i % 2]![n] = { dtype: 'F32', shape: f.info(n).shape, data: f.readF32(n) };
  }
  f.close();
  for (const [i, tensors] of shards.entries()) writeSafetensors(path.join(dir, `model-0000${1 + i}-of-00002.safetensors`), tensors, { format: 'pt' });
  const index = path.join(dir, 'model.safetensors.index.json');
  fs.writeFileSync(index, JSON.stringify({ metadata: {}, weight_map: weightMap }));
  fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(dir, 'config.json'));
  captureStderr(() => throwsNaming(() => loadModel(dir, { backend: createBackend('cpu') }),
    `tensor "${missing}" not found in the checkpoint: ${index} lists it in ${weightMap[missing]}, which does not hold it`));
});
