// The GGUF tokenizer's warnings that name added tokens (tokenizer.ts: lstrip/rstrip, single_word, "▁", normalized;
// tokenizer-table.ts: a NUL in a token) cut each token as every list in a message is cut (bounded-json.ts): an added
// token of a megabyte was echoed whole, up to three times a warning.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { tokenizerMetadata } from '../../src/export/gguf/tokenizer.ts';
import { BUNDLED_TOKENIZER_DIR } from '../../src/tokenizer/load.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

test('a megabyte added token is named cut to its start in each GGUF tokenizer warning, the words after it kept', () => {
  const dir = tempDir('mt-gguf-lists-');
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  const huge = `\u2581${'x'.repeat(1 << 20)}\u0000`;
  json.added_tokens.push({ id: 32000, content: huge, single_word: true, lstrip: true, rstrip: false, normalized: true, special: false });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'mistral' }));
  const lines = captureStderr(() => tokenizerMetadata(dir, 32001)).stderr.split('\n').filter((l) => l.includes('x'.repeat(100)));
  for (const said of [/does not strip the spaces .* \(▁x+… \(\d+ characters\) lstrip\)/, /\(single_word: ▁x+… \(\d+ characters\)\)/,
    /decodes each "▁" in it as a space \("▁x+…" \(\d+ characters\)\)/, /of normalized true .* \("▁x+…" \(\d+ characters\)\)/, /holding one \(id 32000 "▁x+…" \(\d+ characters\)\)/]) {
    assert.ok(lines.some((l) => said.test(l)), `${said} among ${lines.map((l) => l.slice(0, 120)).join(' | ')}`);
  }
  for (const l of lines) assert.ok(l.length < 1000, `${l.length} characters: ${l.slice(0, 200)}`);
});
