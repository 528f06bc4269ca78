// A Unigram tokenizer.json's best path as transformers finds it (unigram-viterbi.ts): fixtures/unigram-ties.json (written
// by fixtures/unigram-ties-oracle.py, which says how to run it) holds a 12-piece Unigram and transformers' ids for runs
// of spaces whose best paths differ only by rounding, and for characters no piece has (fused into one unknown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { isUserError } from '../../src/util/errors.ts';
import { quietly, tempFolder } from './helpers.ts';

const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'unigram-ties.json'), 'utf8')) as {
  tokenizer: object; strings: string[]; ids: number[][];
};

test('a Unigram segments as transformers: "x" and 37 spaces is ▁ x ▁×16 ▁×5 ▁×16 (the library\'s lattice: ▁×5 first), unknown characters fused', () => {
  const dir = tempFolder({ 'tokenizer.json': oracle.tokenizer, 'tokenizer_config.json': { tokenizer_class: 'PreTrainedTokenizerFast', unk_token: '<unk>', clean_up_tokenization_spaces: false } });
  const tok = quietly(() => loadTokenizer(dir));
  oracle.strings.forEach((s, i) => assert.deepEqual(tok.encode(s), oracle.ids[i], `ids of ${JSON.stringify(s)}`));
});

// fixtures/unigram-unknown.json (fixtures/unigram-unknown-oracle.py): transformers' ids for characters no piece has
const unknown = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'unigram-unknown.json'), 'utf8')) as {
  cases: Record<string, { tokenizer: object; strings: string[]; ids: Array<number[] | null> }>;
};

for (const [name, c] of Object.entries(unknown.cases)) {
  test(`a Unigram's unknown characters as transformers: ${name} (runs fused within a word only; byte_fallback; an unk piece listed twice; no unk_id: an error where HF fails)`, () => {
    const dir = tempFolder({ 'tokenizer.json': c.tokenizer, 'tokenizer_config.json': { tokenizer_class: 'PreTrainedTokenizerFast', clean_up_tokenization_spaces: false } });
    const tok = quietly(() => loadTokenizer(dir));
    c.strings.forEach((s, i) => {
      const ids = c.ids[i]!;
      if (ids !== null) return assert.deepEqual(tok.encode(s), ids, `ids of ${JSON.stringify(s)}`);
      // null: transformers fails ("Encountered an unknown token but `unk_id` is missing"); one line naming the key
      assert.throws(() => tok.encode(s), (e: unknown) => isUserError(e) && e.message.startsWith(`${path.join(dir, 'tokenizer.json')}: model.unk_id: `) && !e.message.includes('\n'), `an error for ${JSON.stringify(s)}`);
    });
  });
}

test('a Unigram unk_id that HF tokenizers refuses to load (out of model.vocab, negative, a string) is refused in one line naming model.unk_id', () => {
  // tokenizers 0.23.2: "Unable to load vocab UnkIdNotInVocabulary", "invalid value: integer `-1`, expected usize",
  // "invalid type: string \"0\", expected usize"; the library took 99 and -1 as the unknown character's id
  const base = unknown.cases['no_unk_id']!.tokenizer as { model: Record<string, unknown> };
  for (const unkId of [10, 99, -1, '0', 1.5]) {
    const dir = tempFolder({ 'tokenizer.json': { ...base, model: { ...base.model, unk_id: unkId } }, 'tokenizer_config.json': { tokenizer_class: 'PreTrainedTokenizerFast' } });
    assert.throws(() => quietly(() => loadTokenizer(dir)), (e: unknown) => isUserError(e) && e.message.startsWith(`${path.join(dir, 'tokenizer.json')}: model.unk_id: expected null or the index of a piece of model.vocab (0 to 9), got ${JSON.stringify(unkId)}`) && !e.message.includes('\n'), `unk_id ${JSON.stringify(unkId)}`);
  }
  const dir = tempFolder({ 'tokenizer.json': { ...base, model: { ...base.model, unk_id: 0 } }, 'tokenizer_config.json': { tokenizer_class: 'PreTrainedTokenizerFast' } });
  assert.deepEqual(quietly(() => loadTokenizer(dir)).encode('z'), [3, 0]); // the last piece's index and 0 load
});
