// tokenizer_config.json naming as a special token one that tokenizer.json already has as a non-special added token:
// transformers 5.17 makes a named one (bos, eos, unk, pad, sep, cls, mask, or a named extra_special_tokens entry) special
// where it is in the list it reads the added tokens from (the config's added_tokens_decoder, else tokenizer.json's), so
// decode drops it and split_special_tokens splits it as text; a token of the extra_special_tokens /
// additional_special_tokens list stays non-special (decode keeps it). Here sep, cls, mask and the named extras were
// kept, and the list's tokens dropped. The expected ids and texts are transformers', in fixtures/named-flip.json,
// written by fixtures/named-flip-oracle.py (which builds the same tokenizers and says how to run it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { FIXTURES } from '../helpers.ts';
import { quietly, tempFolder } from './helpers.ts';

interface Row { text: string; ids: number[]; decode: string; decode_keep: string }
const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'named-flip.json'), 'utf8')) as {
  first: number; added: string[]; cases: Record<string, { keys: Record<string, unknown>; atd: null | 'all' | 'without héllo'; rows: Row[] }>;
};
const tekken = path.join(FIXTURES, 'tekken-tiny');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(tekken, file), 'utf8')) as Record<string, unknown>;
const FIELDS = ['content', 'single_word', 'lstrip', 'rstrip', 'normalized', 'special'] as const;

for (const [name, c] of Object.entries(oracle.cases)) {
  test(`${name}: a config's special token that tokenizer.json has as a non-special added token encodes and decodes as transformers 5.17's`, () => {
    const json = readJson('tokenizer.json') as { added_tokens: Array<Record<string, unknown>> };
    oracle.added.forEach((content, i) => json.added_tokens.push({ id: oracle.first + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false }));
    const config = { ...readJson('tokenizer_config.json'), ...c.keys } as Record<string, unknown>;
    if (c.atd !== null) {
      const listed = json.added_tokens.filter((t) => c.atd === 'all' || t['content'] !== 'héllo');
      config['added_tokens_decoder'] = Object.fromEntries(listed.map((t) => [String(t['id']), Object.fromEntries(FIELDS.map((k) => [k, t[k]]))]));
    }
    const tok = quietly(() => loadTokenizer(tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': config })));
    for (const r of c.rows) {
      assert.deepEqual(tok.encode(r.text), r.ids, JSON.stringify(r.text));
      assert.equal(tok.decode(r.ids), r.decode, `${JSON.stringify(r.text)} decoded`);
      assert.equal(tok.decode(r.ids, { skipSpecialTokens: false }), r.decode_keep, `${JSON.stringify(r.text)} decoded, special tokens kept`);
    }
  });
}
