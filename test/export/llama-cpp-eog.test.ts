// The llama.cpp harness itself (llama-cpp.ts): a prompt after which llama.cpp's greedy choice ends generation (the
// EOS) still gets its next-token log-probabilities, and each prompt's stay its own. Found with a Llama 3 style chat
// whose prompt prefix was followed by <|eot_id|>: node-llama-cpp stops there without yielding (yieldEogToken), and the
// next prompts' log-probabilities were compared with the wrong prompts (rel 0.18 against a model that matches to 5e-7).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportGguf } from '../../src/export/gguf/export-gguf.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { backend, config, randomModelDir, tmp } from './gguf-models.ts';
import { compare, llamaLogProbs, ourLogProbs, skip } from './llama-cpp.ts';

test('llamaLogProbs: a prompt whose greedy next token is the EOS gets its own log-probabilities, and the prompts after it theirs', { skip }, async () => {
  const dir = randomModelDir('eog-next', config({ vocabSize: 512 }), 512);
  const argmax = (x: Float64Array): number => x.indexOf(Math.max(...x));
  // the EOS (2) made the greedy choice after the first prompt only: its LM-head row that of the choice there (a), a
  // little larger; the other prompts are ones whose greedy choice is not a
  const probes = Array.from({ length: 60 }, (_, t) => [1, 3 + 7 * t, 11 + t]);
  const choices = ourLogProbs(loadModel(dir, { backend }), probes).map(argmax);
  const a = choices[0]!;
  const P = [probes[0]!, ...probes.filter((_, k) => choices[k] !== a).slice(0, 2)];
  assert.equal(P.length, 3, 'prompts of other greedy choices');
  const file = path.join(dir, 'model.safetensors');
  const st = SafetensorsFile.open(file);
  const tensors: Record<string, TensorToWrite> = {};
  for (const name of st.names()) tensors[name] = { dtype: 'F32', shape: st.info(name).shape, data: st.readF32(name) };
  st.close();
  const head = tensors['lm_head.weight']!, C = head.shape[1]!, w = head.data as Float32Array;
  for (let c = 0; c < C; c++) w[2 * C + c] = 1.05 * w[a * C + c]!;
  writeSafetensors(file, tensors);
  const model = loadModel(dir, { backend });
  const ours = ourLogProbs(model, P);
  assert.deepEqual(ours.map(argmax).map((t) => t === 2), [true, false, false], 'the EOS is the greedy choice after the first prompt only');
  const gguf = path.join(tmp, 'eog-next.gguf');
  exportGguf(model, dir, gguf, 'f32', { name: 'eog-next', baseModel: dir, adapter: null, run: null }, { progress: false });
  // before: 2 entries (the first prompt's missing), P[1]'s compared with P[0]'s
  const { lp } = await llamaLogProbs(gguf, P);
  assert.equal(lp.length, P.length);
  for (let k = 0; k < P.length; k++) assert.ok(compare([lp[k]!], [ours[k]!]).rel <= 1e-4, `prompt ${k}: ${compare([lp[k]!], [ours[k]!]).rel}`);
});
