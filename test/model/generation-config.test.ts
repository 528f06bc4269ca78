// generation_config.json's eos_token_id stops generation as it stops HF's generate(): read as a token id or a list,
// absent (file or key) adds none, anything else is a one-line error naming the file; `mistral-tune generate` stops at it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../src/backend/select.ts';
import { generate } from '../../src/model/generate.ts';
import { generationEosIds } from '../../src/model/generation-config.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { encodePrompt } from '../../src/tokenizer/prompt.ts';
import { isUserError } from '../../src/util/errors.ts';
import { tempDir } from '../temp-dir.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SHIPPED = path.join(ROOT, 'models', 'mistral-tune-tiny');

test('eos_token_id of generation_config.json: an id or a list; none without the file or the key; else an error naming the file', () => {
  const dir = tempDir('mt-gencfg-');
  assert.deepEqual(generationEosIds(dir), []);
  const write = (v: unknown): void => fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify(v));
  write({ bos_token_id: 1 });
  assert.deepEqual(generationEosIds(dir), []);
  write({ eos_token_id: 2 });
  assert.deepEqual(generationEosIds(dir), [2]);
  write({ eos_token_id: [2, 32000] });
  assert.deepEqual(generationEosIds(dir), [2, 32000]);
  for (const bad of ['2', -1, [2, 'x'], 1.5]) {
    write({ eos_token_id: bad });
    assert.throws(() => generationEosIds(dir), (e) => isUserError(e) && /generation_config\.json: eos_token_id must be a token id or a list of them/.test(e.message), JSON.stringify(bad));
  }
  write([1]);
  assert.throws(() => generationEosIds(dir), (e) => isUserError(e) && /must be a JSON object/.test(e.message));
});

test('mistral-tune generate stops at an id generation_config.json names and config.json does not', () => {
  const model = path.join(tempDir('mt-gencfg-model-'), 'model');
  fs.cpSync(SHIPPED, model, { recursive: true });
  const prompt = 'The capital of France is';
  const m = loadModel(model, { backend: createBackend('cpu') });
  const tokenizer = loadTokenizer(model);
  const first = generate(m, encodePrompt(tokenizer, { raw: prompt }), { maxNewTokens: 1, eosIds: [] })[0]!;
  const run = () => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'mistral-tune.js'), 'generate', '--model', model, '--device', 'cpu', '--raw',
    '--prompt', prompt, '--max-new-tokens', '6'], { encoding: 'utf8' });
  const before = run();
  assert.equal(before.status, 0, before.stderr);
  assert.notEqual(before.stdout.trim(), tokenizer.decode([first]).trim());
  fs.writeFileSync(path.join(model, 'generation_config.json'), JSON.stringify({ bos_token_id: 1, eos_token_id: [2, first] }));
  const after = run();
  assert.equal(after.status, 0, after.stderr);
  // the stop token is the last of the output, as in HF's generate() (an EOS decodes to nothing; this one is a word)
  assert.equal(after.stdout.trim(), tokenizer.decode([first]).trim(), `generation went on past token ${first}`);
});
