// A Unigram tokenizer.json's best path as transformers finds it (unigram-viterbi.ts): fixtures/unigram-ties.json (written
// by fixtures/unigram-ties-oracle.py, which says how to run it) holds a 12-piece Unigram and transformers' ids for runs
// of spaces whose best paths differ only by rounding, and for characters no piece has (fused into one unknown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
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
  cases: Record<string, { tokenizer: object; strings: string[]; ids: number[][] }>;
};

for (const [name, c] of Object.entries(unknown.cases)) {
  test(`a Unigram's unknown characters as transformers: ${name} (runs fused within a word only; byte_fallback; an unk piece listed twice)`, () => {
    const dir = tempFolder({ 'tokenizer.json': c.tokenizer, 'tokenizer_config.json': { tokenizer_class: 'PreTrainedTokenizerFast', clean_up_tokenization_spaces: false } });
    const tok = quietly(() => loadTokenizer(dir));
    c.strings.forEach((s, i) => assert.deepEqual(tok.encode(s), c.ids[i], `ids of ${JSON.stringify(s)}`));
  });
}
