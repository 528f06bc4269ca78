// Special tokens that only tokenizer_config.json names (bos, eos, unk, pad, sep, cls, mask, extra_special_tokens or
// additional_special_tokens), where tokenizer.json lists no added tokens: transformers 5.17 adds each as a special
// token at its vocabulary id (config-added-tokens.ts), so "<s>" in a text is BOS and decodes as dropped; here they were
// plain text ("<s>" as "<", "s", ">") unless a LlamaTokenizer config had an added_tokens_decoder. The expected ids and
// texts are transformers', in fixtures/named-special.json, written by fixtures/named-special-oracle.py (which builds
// the same tokenizers and says how to run it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { quietly, tempFolder } from './helpers.ts';

interface Case { text: string; ids: number[]; decode: string; decode_keep: string }
const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'named-special.json'), 'utf8')) as {
  configs: Record<string, { folder: string; keys: Record<string, unknown>; model_config: Record<string, unknown> | null; cases: Case[] }>;
};
const ROOT = path.join(import.meta.dirname, '..', '..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

for (const [name, c] of Object.entries(oracle.configs)) {
  test(`${name}: special tokens named only by tokenizer_config.json split out and decode as transformers 5.17's`, () => {
    const json = { ...readJson(path.join(ROOT, c.folder, 'tokenizer.json')), added_tokens: [] };
    const { added_tokens_decoder: _, ...config } = { ...readJson(path.join(ROOT, c.folder, 'tokenizer_config.json')), ...c.keys };
    const dir = tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': config, ...(c.model_config ? { 'config.json': c.model_config } : {}) });
    const tok = quietly(() => loadTokenizer(dir));
    for (const k of c.cases) {
      assert.deepEqual(tok.encode(k.text), k.ids, JSON.stringify(k.text));
      assert.equal(tok.decode(k.ids), k.decode, `${JSON.stringify(k.text)} decoded`);
      assert.equal(tok.decode(k.ids, { skipSpecialTokens: false }), k.decode_keep, `${JSON.stringify(k.text)} decoded, special tokens kept`);
    }
  });
}
