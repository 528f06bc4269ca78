// tokenizer_config.json's "split_special_tokens": true, as transformers 5.17 reads it (HF tokenizers'
// encode_special_tokens): a special added token in a text, and in a chat template's rendering, is encoded as text; a
// non-special added token is still split out. Here the key was ignored and "<s>" was BOS. The expected ids are
// transformers', in fixtures/split-special.json, written by fixtures/split-special-oracle.py (which builds the same
// tokenizers and says how to run it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import type { ChatMessage } from '../../src/tokenizer/index.ts';
import { isUserError } from '../../src/util/errors.ts';
import { bundledConfigJson, bundledTokenizerJson, quietly, tempFolder } from './helpers.ts';

interface Added { id: number; content: string; [flag: string]: unknown }
const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'split-special.json'), 'utf8')) as {
  added: Added; strings: string[]; chat: ChatMessage[];
  tokenizers_: { bundled: { ids: number[][] }; tekken: { ids: number[][]; chat_text: string; chat_ids: number[] } };
};
const TEKKEN = path.join(import.meta.dirname, '..', 'fixtures', 'tekken-tiny');
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

function bundledFolder(extra: Record<string, unknown> = { split_special_tokens: true }): string {
  const json = bundledTokenizerJson() as { added_tokens: object[] };
  json.added_tokens.push(oracle.added);
  const config = bundledConfigJson() as { added_tokens_decoder: Record<string, object> };
  const { id, ...flags } = oracle.added;
  config.added_tokens_decoder[String(id)] = flags;
  return tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': { ...config, ...extra } });
}

for (const engine of ['fast', 'huggingface'] as const) {
  test(`bundled tokenizer, ${engine} engine: split_special_tokens encodes "<s>" and "</s>" as text, a non-special added token still split out`, () => {
    const tok = quietly(() => loadTokenizer(bundledFolder(), { engine }));
    assert.equal(tok.engineName, engine);
    oracle.strings.forEach((s, i) => assert.deepEqual(tok.encode(s), oracle.tokenizers_.bundled.ids[i], JSON.stringify(s)));
  });
}

test('Tekken-form tokenizer: split_special_tokens makes a chat template\'s control tokens text, as transformers\' apply_chat_template; not true or false: refused naming the key', () => {
  const config = { ...readJson(path.join(TEKKEN, 'tokenizer_config.json')), split_special_tokens: true };
  const tok = quietly(() => loadTokenizer(tempFolder({ 'tokenizer.json': readJson(path.join(TEKKEN, 'tokenizer.json')), 'tokenizer_config.json': config })));
  oracle.strings.forEach((s, i) => assert.deepEqual(tok.encode(s), oracle.tokenizers_.tekken.ids[i], JSON.stringify(s)));
  const text = tok.applyChatTemplate(oracle.chat);
  assert.equal(text, oracle.tokenizers_.tekken.chat_text);
  assert.deepEqual(tok.encode(text), oracle.tokenizers_.tekken.chat_ids);
  assert.throws(() => quietly(() => loadTokenizer(bundledFolder({ split_special_tokens: 'yes' }))),
    (e: unknown) => isUserError(e) && /split_special_tokens/.test((e as Error).message) && /true or false/.test((e as Error).message));
});
