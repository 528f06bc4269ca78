// A classification text is tokenized as transformers' tokenizer(text) tokenizes it (run_classification.py), with the
// special tokens tokenizer.json's post-processor puts before and after it: a "<s> $A </s>" template ends each row
// with EOS, which the head scores where the pad id is not EOS. Truncated, as tokenizer(text, truncation=True,
// max_length) truncates: the text is cut, the special tokens kept. The ids are transformers 5.17's for the bundled
// Mistral tokenizer.json with that template (AutoTokenizer, CPU).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import { tokenizeRecord } from '../../src/data/tokenize.ts';
import { bundled, bundledConfigJson, bundledTokenizerJson, captureStderr, quietly, tempFolder } from '../tokenizer/helpers.ts';

const TEXT = 'a much longer text about the weather';

function withEosTemplate() {
  const json = bundledTokenizerJson();
  const post = json['post_processor'] as { single: unknown[]; special_tokens: Record<string, unknown> };
  post.single.push({ SpecialToken: { id: '</s>', type_id: 0 } });
  post.special_tokens['</s>'] = { id: '</s>', ids: [2], tokens: ['</s>'] };
  return captureStderr(() => quietly(() => loadTokenizer(tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': bundledConfigJson() })))).result;
}

const ids = (tok: ReturnType<typeof bundled>, text: string, maxSeqLen?: number): number[] =>
  Array.from(tokenizeRecord({ shape: 'classification', text, label: 0 }, tok, { maxSeqLen, overflow: 'truncate' }).row!.inputIds);

test('a classification row ends with the EOS a "<s> $A </s>" post-processor adds, as transformers\' tokenizer(text)', () => {
  const tok = withEosTemplate();
  assert.deepEqual(ids(tok, 'hello world'), [1, 6312, 28709, 1526, 2]);
  assert.deepEqual(ids(tok, TEXT), [1, 264, 1188, 3774, 2245, 684, 272, 8086, 2]);
});

test('truncated, the text is cut and the special tokens kept, as tokenizer(text, truncation=True, max_length=4)', () => {
  const tok = withEosTemplate();
  const r = tokenizeRecord({ shape: 'classification', text: TEXT, label: 0 }, tok, { maxSeqLen: 4, overflow: 'truncate' });
  assert.deepEqual(Array.from(r.row!.inputIds), [1, 264, 1188, 2]);
  assert.equal(r.overflow, 'truncated');
  assert.equal(r.length, 9, 'the length before the cut');
});

test('the bundled tokenizer ("<s> $A") adds no EOS: BOS + text, cut at the end', () => {
  assert.deepEqual(ids(bundled('fast'), TEXT, 4), [1, 264, 1188, 3774]);
});
