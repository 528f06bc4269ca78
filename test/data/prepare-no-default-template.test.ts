// prepare with a tokenizer whose named chat templates have no default (transformers 5.17 loads it and refuses a chat
// rendered without a template's name): its chat records stop prepare with that one error, rather than each being
// rejected as untokenizable; its text records are prepared.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import { isUserError } from '../../src/util/errors.ts';
import { bundledConfigJson, bundledTokenizerJson, quietly, tempFolder } from '../tokenizer/helpers.ts';
import { tempDir, writeFiles } from './helpers.ts';

test('chats with a tokenizer of named templates and no default: prepare stops with the tokenizer\'s error, writing nothing; texts are prepared', () => {
  const folder = tempFolder({ 'tokenizer.json': bundledTokenizerJson(), 'tokenizer_config.json': bundledConfigJson() });
  fs.mkdirSync(path.join(folder, 'additional_chat_templates'));
  fs.writeFileSync(path.join(folder, 'additional_chat_templates', 'alpha.jinja'), 'A');
  const tokenizer = quietly(() => loadTokenizer(folder));
  const dir = tempDir();
  const chat = { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] };
  const f = writeFiles(dir, { 'mixed.jsonl': `${JSON.stringify({ text: 'plain text' })}\n${JSON.stringify(chat)}\n`, 'text.jsonl': `${JSON.stringify({ text: 'plain text' })}\n` });
  const outDir = path.join(dir, 'out');
  // was: the chat rejected as untokenizable (every chat of a chat data set, "no record was kept"), the text kept
  assert.throws(() => quietly(() => prepare({ inputs: [f['mixed.jsonl']!], outDir, tokenizer, split: [1, 0, 0] })), (e: unknown) => isUserError(e) &&
    (e as Error).message.startsWith(`${path.join(folder, 'additional_chat_templates')}: no default chat template among the named ones (alpha)`));
  assert.equal(fs.existsSync(path.join(outDir, 'train.jsonl')), false);
  const { report } = quietly(() => prepare({ inputs: [f['text.jsonl']!], outDir, tokenizer, split: [1, 0, 0] }));
  assert.equal(report.kept, 1);
});
