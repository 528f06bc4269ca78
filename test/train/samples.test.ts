// Generation samples of a run (samples.ts): a model whose embedding has rows past its tokenizer's ids generates such an
// id as nothing, as transformers' decode writes it, rather than stopping the run after training with decode's RangeError;
// a run's samples stop at the ids generate stops at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { validate } from '../../src/train/config.ts';
import { runSamples } from '../../src/train/samples.ts';
import { train } from '../../src/train/trainer.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
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

test("train's samples stop where generate does: a config.json eos_token_id beside a generation_config.json is no stop (HF's generate() reads only that file)", () => {
  const root = tempDir('mt-samples-eos-'), model = path.join(root, 'model');
  fs.cpSync(path.resolve(import.meta.dirname, '..', '..', 'models', 'mistral-tune-tiny'), model, { recursive: true });
  // transformers 5.17, the shipped model, "The quick brown fox" greedy: 349 264 1043 727 … (scripts/hf-check/generate_eos_ids.py)
  const tokenizer = loadTokenizer(model);
  const prompt = [tokenizer.bosId!, ...tokenizer.encode('The quick brown fox')];
  const config = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify({ ...config, eos_token_id: 264 })); // generation_config.json's stays 2
  const ids = [...prompt, 349, 264, 1043];
  fs.writeFileSync(path.join(root, 'train.jsonl'), JSON.stringify({ input_ids: ids, labels: ids.map((t, i) => (i < prompt.length ? -100 : t)) }) + '\n');
  const cfg = validate({
    model, data: { train: path.join(root, 'train.jsonl') }, max_steps: 1, optimizer: { lr: 1e-9 }, lora: { r: 2, alpha: 4 },
    eval: { samples: 1, max_new_tokens: 3 }, output_dir: path.join(root, 'run'),
  }, 'test');
  const samples = captureStderr(() => train(cfg)).result.report.samples as Array<{ before: string }>;
  // before: "is a" (stopped at 264, config.json's eos, as generate did)
  assert.equal(samples[0]!.before.trim(), tokenizer.decode([349, 264, 1043]).trim());
});
