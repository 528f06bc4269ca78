// The huggingface engine's ids (hf-engine.ts): a token the model does not know takes the unk token's id, also where
// the unk token is only an added token (the engine takes the added tokens out of the library's model vocabulary, so the
// model itself has no unk id there), and never a non-integer id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { isUserError } from '../../src/util/errors.ts';
import { quietly, tempFolder } from './helpers.ts';

/** A BPE over "a" and "b" with a Split pre-tokenizer (which the fast engine leaves to the huggingface one), unk "<unk>". */
function bpeWithUnk(added: object[]): string {
  return tempFolder({
    'tokenizer.json': {
      version: '1.0', truncation: null, padding: null, normalizer: null, post_processor: null, decoder: null,
      added_tokens: added,
      pre_tokenizer: { type: 'Split', pattern: { Regex: '.' }, behavior: 'Isolated', invert: false },
      model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab: { a: 0, b: 1 }, merges: [] },
    },
  });
}

test('an unknown character takes the id of an unk token that is only an added token (not null)', () => {
  const tok = quietly(() => loadTokenizer(bpeWithUnk([{ id: 2, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }])));
  assert.equal(tok.engineName, 'huggingface');
  assert.deepEqual(tok.encode('acb'), [0, 2, 1]); // before: [0, null, 1]
  assert.deepEqual(tok.encode('cc'), [2, 2]);
});

test('an unknown character where the unk token has no id at all: a one-line error naming the file and the unk token', () => {
  const dir = bpeWithUnk([]);
  const tok = quietly(() => loadTokenizer(dir));
  assert.equal(tok.engineName, 'huggingface');
  assert.deepEqual(tok.encode('ab'), [0, 1], 'text the model knows needs no unk id');
  assert.throws(() => tok.encode('acb'), (e: unknown) => {
    assert.ok(isUserError(e), String(e));
    assert.ok(e.message.includes(path.join(dir, 'tokenizer.json')), e.message);
    assert.ok(e.message.includes('"<unk>"'), e.message);
    assert.ok(!e.message.includes('\n'), e.message);
    return true;
  });
});
