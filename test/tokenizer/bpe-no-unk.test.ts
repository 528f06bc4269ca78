// A BPE without an unk_token as transformers runs it: fixtures/bpe-no-unk.json (written by fixtures/bpe-no-unk-oracle.py,
// which says how to run it) holds small tokenizer.json files and transformers' ids: a character with no piece (nor,
// with byte_fallback, all its bytes' pieces) is dropped before the merges, which then join its neighbours ("a☃b" is
// "▁ab"); with ignore_merges a whole word in the vocabulary is its piece, unknown characters and all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { quietly, tempFolder } from './helpers.ts';

const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'bpe-no-unk.json'), 'utf8')) as {
  strings: string[]; cases: Record<string, { tokenizer: object; ids: number[][] }>;
};

for (const [name, c] of Object.entries(oracle.cases)) {
  test(`a BPE without unk_token drops the characters it cannot encode before merging, as transformers: ${name}`, () => {
    const dir = tempFolder({ 'tokenizer.json': c.tokenizer, 'tokenizer_config.json': { tokenizer_class: 'PreTrainedTokenizerFast', clean_up_tokenization_spaces: false } });
    for (const engine of ['auto', 'huggingface'] as const) {
      const tok = quietly(() => loadTokenizer(dir, { engine }));
      oracle.strings.forEach((s, i) => assert.deepEqual(tok.encode(s), c.ids[i], `${engine} (${tok.engineName}): ids of ${JSON.stringify(s)}`));
    }
  });
}
