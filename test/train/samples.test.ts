// Generation samples of a run (samples.ts): a model whose embedding has rows past its tokenizer's ids generates such an
// id as nothing, as transformers' decode writes it, rather than stopping the run after training with decode's RangeError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { runSamples } from '../../src/train/samples.ts';
import { makeTokenizerModel } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

test('a sample that generates an id the tokenizer has no token for decodes it as nothing (was decode\'s RangeError)', async () => {
  // vocab_size padded past the bundled tokenizer's 32,000 ids: half the rows have no token (seed 3's greedy continuation
  // of the prompt is id 34280, again and again)
  const dir = await makeTokenizerModel(path.join(tempDir('mt-samples-'), 'model'), 3, { config: { vocab_size: 64000 } });
  const model = loadModel(dir, { backend: createBackend('cpu') });
  const tokenizer = loadTokenizer(dir);
  const prompts = [{ ids: [1, 22557], sample: { prompt: 'Hello', reference: '' } as { prompt: string; reference: string; before?: string } }];
  runSamples(model, prompts, tokenizer, 8, 'before');
  assert.equal(prompts[0]!.sample.before, '');
});
