// loadModelTokenizer and its users (train's modelTokenizer, eval, classify, generate): the tokenizer of a model folder
// when its ids fit the model, else null; the bundled tokenizer is not built only to be discarded for a small model
// folder without tokenizer.json, and what is said on stderr is what loading it said.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as path from 'node:path';
import { syncBuiltinESMExports } from 'node:module';
import { BUNDLED_TOKENIZER_DIR, BUNDLED_VOCAB_SIZE, loadModelTokenizer, loadTokenizer, requireModelTokenizer } from '../../src/tokenizer/load.ts';
import { modelTokenizer } from '../../src/train/setup.ts';
import { isUserError } from '../../src/util/errors.ts';
import { captureStderr, tempFolder } from './helpers.ts';

const BUNDLED_FILE = path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json');

/** `f`'s result and whether it opened the bundled tokenizer.json (every file read goes through fs.openSync). */
function opensBundled<T>(f: () => T): { result: T; opened: boolean; stderr: string } {
  const spy = mock.method(fs, 'openSync');
  syncBuiltinESMExports();
  try {
    const { result, stderr } = captureStderr(f);
    return { result, stderr, opened: spy.mock.calls.some((c) => path.resolve(String(c.arguments[0])) === BUNDLED_FILE) };
  } finally {
    spy.mock.restore();
    syncBuiltinESMExports();
  }
}

const smallModel = (): string => tempFolder({ 'config.json': { model_type: 'mistral', vocab_size: 512 }, 'model.safetensors': '' });

test('the bundled tokenizer has BUNDLED_VOCAB_SIZE tokens (what loadModelTokenizer takes without loading it)', () => {
  const { result, opened } = opensBundled(() => loadTokenizer(smallModel()));
  assert.ok(opened, 'the spy sees the bundled tokenizer.json opened when it is loaded');
  assert.equal(result.vocabSize, BUNDLED_VOCAB_SIZE);
});

test('a model smaller than the bundled tokenizer, no tokenizer.json: null, its size, the same lines on stderr, never built', () => {
  const model = smallModel();
  const loaded = captureStderr(() => loadTokenizer(model));
  const { result, opened, stderr } = opensBundled(() => loadModelTokenizer(model, 512));
  assert.deepEqual(result, { tokenizer: null, vocabSize: BUNDLED_VOCAB_SIZE });
  assert.equal(opened, false, 'the bundled tokenizer.json is not read');
  assert.equal(stderr, loaded.stderr);
  assert.match(stderr, /has no tokenizer\.json; using the bundled .*\n.*vocab_size is 512, but the bundled tokenizer has 32000 tokens/);
});

test("train's modelTokenizer for such a folder: null and its warning, without building the bundled tokenizer", () => {
  const { result, opened, stderr } = opensBundled(() => modelTokenizer(smallModel(), 512));
  assert.equal(result, null);
  assert.equal(opened, false, 'the bundled tokenizer.json is not read');
  assert.match(stderr, /^warning: the tokenizer has 32000 tokens but the model 512: only pre-tokenized data can be used, and no samples are generated$/m);
});

test('a model with room for the bundled tokenizer gets it; a folder tokenizer.json that does not fit is null with its size', () => {
  const big = tempFolder({ 'config.json': { model_type: 'mistral', vocab_size: 32768 }, 'model.safetensors': '' });
  const fits = captureStderr(() => loadModelTokenizer(big, 32768)).result;
  assert.equal(fits.tokenizer?.file, BUNDLED_FILE);
  assert.equal(fits.vocabSize, BUNDLED_VOCAB_SIZE);
  const own = captureStderr(() => loadModelTokenizer(BUNDLED_TOKENIZER_DIR, 100)).result;
  assert.deepEqual(own, { tokenizer: null, vocabSize: BUNDLED_VOCAB_SIZE });
});

test('requireModelTokenizer: a tokenizer that does not fit is a one-line UserError at the model folder', () => {
  const model = smallModel();
  assert.throws(() => captureStderr(() => requireModelTokenizer(model, 512, model)), (e: unknown) => {
    assert.ok(isUserError(e));
    assert.equal(e.where, model);
    assert.equal(e.what, 'the tokenizer has 32000 tokens but the model only 512: give the model folder its own tokenizer.json');
    return true;
  });
});
