// clean_up_tokenization_spaces as transformers 5.17 applies it on decode: not on a BPE model (its _decode skips the
// clean-up there, "destructive for BPE", unless clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output
// is set), on the other models (Unigram here); on both engines. The expected texts are transformers 5.17's, from
// fixtures/clean-up-oracle.py (HF_HUB_OFFLINE=1 python clean-up-oracle.py):
//   bundled, clean_up true:                  [22557, 842, 1602, 460, 368, 1550] 'Hello . How are you ?'
//   bundled, clean_up true, the force flag:  [22557, 842, 1602, 460, 368, 1550] 'Hello. How are you?'
//   the Unigram below, clean_up false/true:  [1, 2, 3, 4, 5, 6] 'Hello . How are you ?' / 'Hello. How are you?'
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { bundledConfigJson, bundledTokenizerJson, quietly, tempFolder } from './helpers.ts';

const TEXT = 'Hello . How are you ?';
const FORCE = 'clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output';

test('clean_up_tokenization_spaces on a BPE tokenizer: skipped on decode, as transformers 5.17 does, unless the force flag says so (both engines)', () => {
  const json = bundledTokenizerJson();
  for (const engine of ['fast', 'huggingface'] as const) {
    const load = (extra: Record<string, unknown>) => quietly(() => loadTokenizer(tempFolder({
      'tokenizer.json': json, 'tokenizer_config.json': { ...bundledConfigJson(), clean_up_tokenization_spaces: true, ...extra },
    }), { engine }));
    const tok = load({});
    const ids = tok.encode(TEXT);
    assert.deepEqual(ids, [22557, 842, 1602, 460, 368, 1550]);
    assert.equal(tok.decode(ids), 'Hello . How are you ?', engine); // before: "Hello. How are you?"
    assert.equal(load({ [FORCE]: true }).decode(ids), 'Hello. How are you?', engine);
  }
});

test('clean_up_tokenization_spaces on a Unigram tokenizer: applied on decode, as transformers 5.17 does', () => {
  const vocab = [['<unk>', 0], ['▁Hello', -1], ['▁.', -1], ['▁How', -1], ['▁are', -1], ['▁you', -1], ['▁?', -1], ['▁', -2], ['.', -2], ['?', -2]];
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
  const json = {
    version: '1.0', added_tokens: [{ id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null, pre_tokenizer: metaspace, post_processor: null, decoder: metaspace,
    model: { type: 'Unigram', unk_id: 0, byte_fallback: false, vocab },
  };
  for (const cleanUp of [false, true]) {
    const tok = quietly(() => loadTokenizer(tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': { clean_up_tokenization_spaces: cleanUp } })));
    const ids = tok.encode(TEXT);
    assert.deepEqual(ids, [1, 2, 3, 4, 5, 6]);
    assert.equal(tok.decode(ids), cleanUp ? 'Hello. How are you?' : 'Hello . How are you ?');
  }
});
