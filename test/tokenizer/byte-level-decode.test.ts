// A byte-level BPE tokenizer's added tokens decode as transformers 5.17 (HF tokenizers' ByteLevel decoder, Rust) decodes
// them: through the byte-level alphabet like every token — "héllo" added to a Tekken vocabulary is "h�llo" there (é is
// the byte 0xE9), "<|é|>" is "<|�|>", the vocabulary's "Ġx" written as an added token is " x" — and a token with a
// character outside the alphabet as its own UTF-8 ("日本", "a b"). @huggingface/tokenizers passed added tokens through
// as they are. The expected texts are transformers', in fixtures/byte-level-decode.json, written by
// fixtures/byte-level-decode-oracle.py (which builds the same tokenizer and says how to run it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { FIXTURES } from '../helpers.ts';
import { quietly, tempFolder } from './helpers.ts';

const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'byte-level-decode.json'), 'utf8')) as {
  first: number; added: Array<[string, boolean]>; cases: Array<{ ids: number[]; decode: string; decode_keep: string }>;
};

test('byte-level BPE (tekken-tiny) with added tokens: decode as transformers decodes, special tokens skipped or kept', () => {
  const tekken = path.join(FIXTURES, 'tekken-tiny');
  const json = JSON.parse(fs.readFileSync(path.join(tekken, 'tokenizer.json'), 'utf8')) as { added_tokens: object[] };
  oracle.added.forEach(([content, special], i) => json.added_tokens.push({ id: oracle.first + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special }));
  const dir = tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': fs.readFileSync(path.join(tekken, 'tokenizer_config.json'), 'utf8') });
  const tok = quietly(() => loadTokenizer(dir));
  assert.equal(tok.engineName, 'huggingface');
  for (const c of oracle.cases) {
    assert.equal(tok.decode(c.ids), c.decode, JSON.stringify(c.ids));
    assert.equal(tok.decode(c.ids, { skipSpecialTokens: false }), c.decode_keep, `${JSON.stringify(c.ids)} (special tokens kept)`);
  }
});
