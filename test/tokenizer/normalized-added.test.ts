// A model token whose text is a normalized added token's normalized text keeps the model's id, as in transformers 5.17:
// Tekken's byte-level "Å" (the byte 0xC5, first of "ž") with an added "\u212b" (ANGSTROM SIGN, "Å" after NFKC) in the
// vocabulary encoded as that added token, because @huggingface/tokenizers maps every token text through its added
// tokens first ("ž" gave [873, 207], HF [214, 207]); the added token itself is still found in the text. The expected ids
// are transformers', in fixtures/normalized-added.json, written by fixtures/normalized-added-oracle.py (which builds
// the same tokenizer and says how to run it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { FIXTURES } from '../helpers.ts';
import { quietly, tempFolder } from './helpers.ts';

const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'normalized-added.json'), 'utf8')) as {
  first: number; added: string[]; ids: Record<string, number[]>;
};

test('byte-level BPE with NFKC and normalized added tokens whose normalized text is a model token: the ids transformers gives', () => {
  const tekken = path.join(FIXTURES, 'tekken-tiny');
  const json = JSON.parse(fs.readFileSync(path.join(tekken, 'tokenizer.json'), 'utf8')) as { normalizer: unknown; added_tokens: object[] };
  json.normalizer = { type: 'NFKC' };
  oracle.added.forEach((content, i) => json.added_tokens.push({ id: oracle.first + i, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: false }));
  const dir = tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': fs.readFileSync(path.join(tekken, 'tokenizer_config.json'), 'utf8') });
  const tok = quietly(() => loadTokenizer(dir));
  assert.equal(tok.engineName, 'huggingface');
  assert.ok(Object.values(oracle.ids).some((ids) => ids.includes(oracle.first)), 'the added token is found in some text');
  for (const [text, ids] of Object.entries(oracle.ids)) assert.deepEqual(tok.encode(text), ids, JSON.stringify(text));
});
