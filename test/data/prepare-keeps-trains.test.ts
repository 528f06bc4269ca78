// What prepare keeps, training takes: a record prepare writes to train.jsonl is one loadTokenRows reads (with the
// tokenizer prepare used), and one it rejects for its tokens is one training would refuse too.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import type { Tokenizer } from '../../src/tokenizer/types.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();

/** A tokenizer with no token for "€" (no byte fallback): it encodes it as <unk>. */
function noEuroTokenizer(): Tokenizer {
  const tok = mistralTokenizer();
  return new Proxy(tok, {
    get: (t, k) => (k === 'encode' ? (text: string) => t.encode(text.replaceAll('€', '<unk>')) : typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as Function).bind(t) : Reflect.get(t, k)),
  }) as Tokenizer;
}

test('a chat with a character the tokenizer encodes as <unk> is rejected by prepare as untokenizable, as a prompt/completion record is (was kept, and training refused it)', () => {
  const tok = noEuroTokenizer();
  const lines = [
    { conversations: [{ from: 'human', value: 'Price?' }, { from: 'gpt', value: 'It costs 5€.' }] },
    { prompt: 'Price? ', completion: 'It costs 5€.' },
    { conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello' }] },
  ];
  const f = writeFiles(dir, { 'euro.jsonl': lines.map((l) => JSON.stringify(l)).join('\n') + '\n' })['euro.jsonl']!;
  const out = path.join(dir, 'euro');
  prepare({ inputs: [f], outDir: out, tokenizer: tok, split: [1, 0, 0] });
  const rejected = readJsonl<{ reason: string; detail: string }>(path.join(out, 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => r.reason), ['untokenizable', 'untokenizable']);
  assert.match(rejected[0]!.detail, /conversations\[1\]\.value holds text the tokenizer encodes as the special token "<unk>"/);
  // what was kept loads, record by record
  const loaded = loadTokenRows(path.join(out, 'train.jsonl'), { tokenizer: tok });
  assert.equal(loaded.rows.length, 1);
});
