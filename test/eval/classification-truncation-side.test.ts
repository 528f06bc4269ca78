// tokenizer_config.json's truncation_side: "left" makes transformers' tokenizer(text, truncation=True, max_length=N)
// keep the END of the text, the special ids of tokenizer.json's post-processor kept around it; a classification row
// is cut the same way. The ids are transformers 5.17's (AutoTokenizer, CPU) for the bundled Mistral tokenizer.json, with
// and without a "<s> $A </s>" template. A max_seq_len with no room for one token of text beside those ids is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import { tokenizeRecord } from '../../src/data/tokenize.ts';
import { bundledConfigJson, bundledTokenizerJson, captureStderr, quietly, tempFolder } from '../tokenizer/helpers.ts';

const TEXT = 'a much longer text about the weather'; // [264, 1188, 3774, 2245, 684, 272, 8086]

function tokenizer(eosTemplate: boolean, truncationSide?: unknown) {
  const json = bundledTokenizerJson();
  if (eosTemplate) {
    const post = json['post_processor'] as { single: unknown[]; special_tokens: Record<string, unknown> };
    post.single.push({ SpecialToken: { id: '</s>', type_id: 0 } });
    post.special_tokens['</s>'] = { id: '</s>', ids: [2], tokens: ['</s>'] };
  }
  const config = { ...bundledConfigJson(), ...(truncationSide === undefined ? {} : { truncation_side: truncationSide }) };
  return captureStderr(() => quietly(() => loadTokenizer(tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': config })))).result;
}

const cut = (tok: ReturnType<typeof tokenizer>, maxSeqLen: number): number[] =>
  Array.from(tokenizeRecord({ shape: 'classification', text: TEXT, label: 0 }, tok, { maxSeqLen, overflow: 'truncate' }).row!.inputIds);

test('truncation_side "left" keeps the end of the text, the special ids around it: transformers\' tokenizer(text, truncation=True, max_length)', () => {
  const eos = tokenizer(true, 'left');
  assert.deepEqual(cut(eos, 4), [1, 272, 8086, 2]);
  assert.deepEqual(cut(eos, 3), [1, 8086, 2]);
  const plain = tokenizer(false, 'left');
  assert.deepEqual(cut(plain, 4), [1, 684, 272, 8086]);
  assert.deepEqual(cut(plain, 2), [1, 8086]);
});

test('truncation_side "right" (transformers\' default) keeps the start', () => {
  assert.deepEqual(cut(tokenizer(true, 'right'), 4), [1, 264, 1188, 2]);
  assert.deepEqual(cut(tokenizer(false), 3), [1, 264, 1188]);
});

test('a truncation_side other than "left" or "right" is refused, naming the file and key, as transformers refuses it', () => {
  assert.throws(() => tokenizer(false, 'middle'), /tokenizer_config\.json: truncation_side: expected "left" or "right", got "middle"/);
});

test('a max_seq_len with no room for a token of text beside the special ids is refused, naming them', () => {
  assert.throws(() => cut(tokenizer(true), 2), /options\.maxSeqLen 2 leaves no room for the text of a classification row: it keeps the ids \[1\] before the text and \[2\] after it; give at least 3/);
  assert.throws(() => cut(tokenizer(false), 1), /options\.maxSeqLen 1 .*\[1\] before the text.*give at least 2/);
  assert.deepEqual(cut(tokenizer(false), 2), [1, 264]);
});
