// llama.cpp's greedy tokens against ours where llama.cpp ends generation (scripts/hf-check/gguf-config-sweep.ts's
// row): llamaLogProbs names the end-of-generation token it stopped at, and greedyAgreement compares what both gave,
// then says where llama.cpp stopped, rather than a difference at the token it does not yield.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportGgufFile } from '../../src/export/gguf/export-file.ts';
import { generate } from '../../src/model/generate.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { backend, config, randomModelDir, tmp } from './gguf-models.ts';
import { greedyAgreement, llamaLogProbs, skip } from './llama-cpp.ts';

test('greedyAgreement: the common tokens, then the stop llama.cpp ended at (the same as ours, or not), or the first difference', () => {
  const ours = [5, 6, 2, 9];
  assert.equal(greedyAgreement(ours, { gen: [5, 6], stop: { id: 2, eos: true } }, 10), 'greedy 2 same, then both give EOS id 2, where llama.cpp stops');
  assert.equal(greedyAgreement(ours, { gen: [5], stop: { id: 7, eos: false } }, 10),
    'greedy 1 same, then llama.cpp stops at end-of-generation token id 7 where ours gives id 6 (token 1, position 11)');
  assert.equal(greedyAgreement(ours, { gen: [5, 8], stop: { id: 2, eos: true } }, 10), 'greedy differs from token 1 (position 11)');
  assert.equal(greedyAgreement(ours, { gen: [5, 6, 2, 9], stop: null }, 10), 'greedy 4 same');
});

test('llama.cpp ends its greedy run at the EOS ours gives (the sweep\'s mha_vocab517 at f32): llamaLogProbs names the stop, and the row says so (was: "greedy differs from token 26")', { skip }, async () => {
  const dir = randomModelDir('greedy-eos', config({ maxPositionEmbeddings: 256, hiddenSize: 256, intermediateSize: 512, headDim: 64, numHeads: 4, numKvHeads: 4, vocabSize: 517 }), 512);
  const file = path.join(tmp, 'greedy-eos-f32.gguf');
  exportGgufFile({ model: dir, out: file, quant: 'f32', backend });
  const prompt = [1, ...Array.from({ length: 29 }, (_, i) => 5 + ((i * 37) % 500))];
  const ours = generate(loadModel(dir, { backend }), prompt, { maxNewTokens: 40, temperature: 0, eosIds: [] });
  const ll = await llamaLogProbs(file, [prompt], 40);
  assert.deepEqual(ll.stop, { id: 2, eos: true });
  assert.equal(ours[ll.gen.length], 2, 'ours gives the EOS there too (measured: token 26)');
  assert.equal(greedyAgreement(ours, ll, prompt.length), `greedy ${ll.gen.length} same, then both give EOS id 2, where llama.cpp stops`);
});
