// Lists of tokens in the tokenizer's messages, cut as every list in a message is (bounded-json.ts's boundedItemsText):
// the tokens past a model's embedding rows (model-fit.ts) and the added tokens HF tokenizers renumbers
// (tokenizer-json.ts). A megabyte token was echoed whole in either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tokensPastRows } from '../../src/tokenizer/model-fit.ts';
import { BUNDLED_TOKENIZER_DIR } from '../../src/tokenizer/load.ts';
import { parseTokenizerJson, warnRenumbered } from '../../src/tokenizer/tokenizer-json.ts';
import { captureStderr } from './helpers.ts';

const HUGE = 'x'.repeat(1 << 20);

test('tokens past the embedding rows: the first three named with their ids, a megabyte token cut to its start', () => {
  const tokens = [HUGE, 'b', 'c', 'd', 'e'];
  const said = tokensPastRows(15, 10, (id) => tokens[id - 10]);
  assert.match(said, /^5 tokens of the tokenizer have ids past the model's 10 embedding rows \(vocab_size\): "x+…" \(1048576 characters\) \(10\), "b" \(11\), "c" \(12\) and 2 more, up to id 14$/);
  assert.ok(said.length < 400, `${said.length} characters`);
  assert.equal(tokensPastRows(12, 10, (id) => (id === 11 ? 'b' : null)), 'a token of the tokenizer has an id past the model\'s 10 embedding rows (vocab_size): "b" (11)');
});

test('added tokens HF tokenizers renumbers: the first five named with both ids, a megabyte token cut to its start', () => {
  const doc = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  // written past a gap: each takes the next id from 32000 on
  const contents = [HUGE, ...Array.from({ length: 6 }, (_, i) => `<t${i}>`)];
  doc.added_tokens.push(...contents.map((content, i) => ({ id: 32010 + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })));
  const { stderr } = captureStderr(() => warnRenumbered(parseTokenizerJson(doc, 'tok.json'), 'tok.json'));
  assert.match(stderr, /tok\.json: added_tokens: HF tokenizers \(and transformers\) give "x+…" \(1048576 characters\) 32000, not 32010; "<t0>" 32001, not 32011; .*"<t3>" 32004, not 32014 and 2 more \(a vocabulary entry/);
  assert.ok(stderr.length < 800, `${stderr.length} characters`);
});
