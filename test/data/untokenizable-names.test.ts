// prepare's untokenizable rejections name a field as the input does (field-names.ts), as its placeholder and
// special-token rejections do: a --field map's key, not the record's "completion" or messages[1].content.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import type { Tokenizer } from '../../src/tokenizer/types.ts';
import { tekkenTinyWith } from '../tokenizer/helpers.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
const V03 = fs.readFileSync(path.join(import.meta.dirname, '..', 'tokenizer', 'fixtures', 'chat-templates', 'v03_tools.jinja'), 'utf8');

/** The details of the records `lines` (JSON Lines) rejects, prepared with `tokenizer` and the field map `fields`. */
function rejections(name: string, lines: unknown[], tokenizer: Tokenizer, fields?: Record<string, string>): string[] {
  const f = writeFiles(dir, { [`${name}.jsonl`]: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' })[`${name}.jsonl`]!;
  prepare({ inputs: [f], outDir: path.join(dir, name), tokenizer, split: [1, 0, 0], ...(fields ? { fields } : {}) });
  return readJsonl<{ reason: string; detail: string }>(path.join(dir, name, 'rejected.jsonl')).map((r) => `${r.reason}: ${r.detail}`);
}

test("prepare's untokenizable rejections name the input's field, not the record's messages[i] (was messages[1].content, \"completion\")", () => {
  // a tokenizer with no token for "€" (no byte fallback): it encodes it as <unk>
  const tok = mistralTokenizer();
  const noEuro = new Proxy(tok, {
    get: (t, k) => (k === 'encode' ? (text: string) => t.encode(text.replaceAll('€', '<unk>')) : typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as Function).bind(t) : Reflect.get(t, k)),
  }) as Tokenizer;
  const unk = 'holds text the tokenizer encodes as the special token "<unk>" (characters it has no token for), which would be trained as if it were a word';
  assert.deepEqual(rejections('field-map', [{ question: 'Price?', answer: 'It costs 5€.' }, { question: 'Hi', answer: 'Hello' }], noEuro, { prompt: 'question', completion: 'answer' }),
    [`untokenizable: "answer" ${unk}`]);
  // a call turn's content that v0.3's template leaves out, in a chat under --field messages=dialog
  const call = { role: 'assistant', content: 'Sure', tool_calls: [{ id: 'abc123def', type: 'function', function: { name: 'add', arguments: { a: 1 } } }] };
  const dialog = [{ role: 'user', content: 'Add 1' }, call, { role: 'tool', tool_call_id: 'abc123def', content: '1' }, { role: 'assistant', content: 'It is 1.' }];
  assert.deepEqual(rejections('dialog', [{ dialog }, { dialog: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] }], tekkenTinyWith(V03), { messages: 'dialog' }).map((d) => d.replace(/ beside .*/, '')),
    ['untokenizable: dialog[1].content is not rendered by the chat template']);
});
