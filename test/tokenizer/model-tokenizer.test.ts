// loadModelTokenizer and its users (train's modelTokenizer, eval, classify, generate): the tokenizer of a model folder
// when its ids fit the model, else null; the bundled tokenizer is not built only to be discarded for a small model
// folder without tokenizer.json, and what is said on stderr is what loading it said.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as path from 'node:path';
import { syncBuiltinESMExports } from 'node:module';
import { BUNDLED_TOKENIZER_DIR, BUNDLED_VOCAB_SIZE, loadModelTokenizer, loadTokenizer, requireModelTokenizer } from '../../src/tokenizer/load.ts';
import { tokenizerFolder } from '../../src/export/gguf/tokenizer.ts';
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
  assert.deepEqual(result, {
    tokenizer: null, vocabSize: BUNDLED_VOCAB_SIZE,
    misfit: { what: "the folder has no tokenizer.json, and the bundled Mistral tokenizer has 32000 tokens but the model's embedding 512 rows (vocab_size)", fix: `put the model's own tokenizer.json in ${model}` },
  });
  assert.equal(opened, false, 'the bundled tokenizer.json is not read');
  assert.equal(stderr, loaded.stderr);
  assert.match(stderr, /has no tokenizer\.json; using the bundled .*\n.*vocab_size is 512, but the bundled tokenizer has 32000 tokens/);
});

test("train's modelTokenizer for such a folder: null and its warning, without building the bundled tokenizer", () => {
  const { result, opened, stderr } = opensBundled(() => modelTokenizer(smallModel(), 512));
  assert.equal(result, null);
  assert.equal(opened, false, 'the bundled tokenizer.json is not read');
  assert.match(stderr, /^warning: the folder has no tokenizer\.json, and the bundled Mistral tokenizer has 32000 tokens but the model's embedding 512 rows \(vocab_size\): only pre-tokenized data can be used, and no samples are generated \(put the model's own tokenizer\.json in .*\)$/m);
});

test('a model with room for the bundled tokenizer gets it; a folder tokenizer.json that does not fit is null with its size', () => {
  const big = tempFolder({ 'config.json': { model_type: 'mistral', vocab_size: 32768 }, 'model.safetensors': '' });
  const fits = captureStderr(() => loadModelTokenizer(big, 32768)).result;
  assert.equal(fits.tokenizer?.file, BUNDLED_FILE);
  assert.equal(fits.vocabSize, BUNDLED_VOCAB_SIZE);
  const own = captureStderr(() => loadModelTokenizer(BUNDLED_TOKENIZER_DIR, 100)).result;
  assert.equal(own.tokenizer, null);
  assert.equal(own.vocabSize, BUNDLED_VOCAB_SIZE);
  assert.equal(own.misfit?.what, `${BUNDLED_FILE}: 31900 tokens of the tokenizer have ids past the model's 100 embedding rows (vocab_size): "<0x61>" (100), "<0x62>" (101), "<0x63>" (102) and 31897 more, up to id 31999`);
});

test('a folder of tekken.json and no tokenizer.json (Mistral\'s consolidated format) is refused naming it, not given the bundled tokenizer, whatever its vocab_size; a GGUF export of it too', () => {
  const tekken = tempFolder({ 'config.json': { model_type: 'mistral', vocab_size: 131072 }, 'model.safetensors': '', 'tekken.json': { config: { pattern: '' } } });
  const refused = (e: unknown): boolean => isUserError(e) && e.message.startsWith(`${tekken}: holds tekken.json`) && /no tokenizer\.json/.test(e.message) && !e.message.includes('\n');
  const loads: Array<() => unknown> = [() => loadTokenizer(tekken), () => loadTokenizer(tekken, { fallback: 'error' }), () => loadModelTokenizer(tekken, 131072), () => modelTokenizer(tekken, 131072), () => tokenizerFolder(tekken)];
  for (const load of loads) {
    assert.throws(() => captureStderr(load), refused);
  }
});

test('a folder of a SentencePiece tokenizer.model (or tokenizer.model.v3) and no tokenizer.json, whose config.json\'s vocab_size is not the bundled tokenizer\'s: refused naming it, or for a model no tokenizer (a misfit: pre-tokenized data only); given the bundled tokenizer where the sizes agree', () => {
  for (const file of ['tokenizer.model', 'tokenizer.model.v3']) {
    const v3 = tempFolder({ 'config.json': { model_type: 'mistral', vocab_size: 32768 }, 'model.safetensors': '', [file]: 'spm' });
    const what = `holds ${file} (a SentencePiece model) and no tokenizer.json: ${file} is not read here, nor is the bundled Mistral 7B v0.1 tokenizer (32000 tokens) a stand-in for a model of vocab_size 32768`;
    const refused = (e: unknown): boolean => isUserError(e) && e.message.startsWith(`${v3}: ${what}; put the model's tokenizer.json in the folder`) && !e.message.includes('\n');
    const loads: Array<() => unknown> = [() => loadTokenizer(v3), () => tokenizerFolder(v3)];
    for (const load of loads) {
      assert.throws(() => captureStderr(load), refused);
    }
    const misfit = captureStderr(() => loadModelTokenizer(v3, 32768)).result;
    assert.equal(misfit.tokenizer, null);
    assert.equal(misfit.misfit?.what, what);
    const trained = captureStderr(() => modelTokenizer(v3, 32768));
    assert.equal(trained.result, null);
    assert.match(trained.stderr, /only pre-tokenized data can be used/);
  }
  const v1 = tempFolder({ 'config.json': { model_type: 'mistral', vocab_size: 32000 }, 'model.safetensors': '', 'tokenizer.model': 'spm' });
  assert.equal(captureStderr(() => loadModelTokenizer(v1, 32000)).result.tokenizer?.file, BUNDLED_FILE);
});

test('requireModelTokenizer: a tokenizer that does not fit is a one-line UserError at the model folder', () => {
  const model = smallModel();
  assert.throws(() => captureStderr(() => requireModelTokenizer(model, 512, model)), (e: unknown) => {
    assert.ok(isUserError(e));
    assert.equal(e.where, model);
    assert.equal(e.what, `the folder has no tokenizer.json, and the bundled Mistral tokenizer has 32000 tokens but the model's embedding 512 rows (vocab_size): put the model's own tokenizer.json in ${model}`);
    return true;
  });
});

test('added tokens past the embedding rows: the one-line error names them with their ids, and says that nothing is resized', () => {
  const tj = JSON.parse(fs.readFileSync(BUNDLED_FILE, 'utf8')) as { added_tokens: unknown[] };
  const added = (id: number, content: string) => ({ id, content, special: true, normalized: false, lstrip: false, rstrip: false, single_word: false });
  tj.added_tokens.push(added(32000, '<|im_start|>'), added(32001, '<|im_end|>'));
  const model = tempFolder({ 'config.json': { model_type: 'mistral', vocab_size: 32000 }, 'tokenizer.json': tj });
  assert.throws(() => captureStderr(() => requireModelTokenizer(model, 32000, model)), (e: unknown) => {
    assert.ok(isUserError(e));
    assert.equal(e.what, `${path.join(model, 'tokenizer.json')}: 2 tokens of the tokenizer have ids past the model's 32000 embedding rows (vocab_size): ` +
      `"<|im_start|>" (32000), "<|im_end|>" (32001): mistral-tune does not resize a model's embedding: use the tokenizer the model was trained with, ` +
      "or resize the model first (transformers' model.resize_token_embeddings(len(tokenizer)), then save_pretrained; the new rows start untrained)");
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
  assert.ok(captureStderr(() => requireModelTokenizer(model, 32002, model)).result, 'rows for both: loaded');
});
