// tokenizer.json's own "padding" and "truncation" (one saved after padding or truncation was turned on): transformers
// 5.17 takes the padding's pad_token as the tokenizer's pad token where tokenizer_config.json has no pad_token key, and
// the truncation's direction as truncation_side where it has none. Here neither was read: the pad token was none (a
// chat template's pad_token empty, decode kept it) and truncation_side "right". The expected values are transformers',
// in fixtures/json-defaults.json, written by fixtures/json-defaults-oracle.py (which builds the same tokenizers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { isUserError } from '../../src/util/errors.ts';
import { FIXTURES } from '../helpers.ts';
import { quietly, tempFolder } from './helpers.ts';

interface Case {
  json: Record<string, unknown>; config: Record<string, unknown>; removed: string[]; pad_token: string | null; pad_token_id: number | null;
  rendered: string; ids: number[]; decode: string; decode_keep: string; truncation_side: 'left' | 'right'; other: number[];
}
const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'json-defaults.json'), 'utf8')) as { template: string; cases: Record<string, Case> };
const tekken = path.join(FIXTURES, 'tekken-tiny');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(tekken, file), 'utf8')) as Record<string, unknown>;

function folder(jsonKeys: Record<string, unknown>, configKeys: Record<string, unknown>, removed: readonly string[]): string {
  const config = readJson('tokenizer_config.json');
  for (const k of removed) delete config[k];
  return tempFolder({ 'tokenizer.json': { ...readJson('tokenizer.json'), ...jsonKeys }, 'tokenizer_config.json': { ...config, ...configKeys, chat_template: oracle.template } });
}

for (const [name, c] of Object.entries(oracle.cases)) {
  test(`${name}: tokenizer.json's padding and truncation give the pad token and truncation side transformers 5.17 gives`, () => {
    const tok = quietly(() => loadTokenizer(folder(c.json, c.config, c.removed)));
    assert.equal(tok.padId, c.pad_token_id);
    assert.equal(tok.applyChatTemplate([{ role: 'user', content: 'hi' }]), c.rendered);
    assert.deepEqual([...tok.encode('x'), ...(tok.padId === null ? [] : [tok.padId]), ...tok.encode('y')], c.ids);
    assert.equal(tok.decode(c.ids), c.decode);
    assert.equal(tok.decode(c.ids, { skipSpecialTokens: false }), c.decode_keep);
    assert.equal(tok.truncationSide, c.truncation_side);
    assert.deepEqual(tok.encode('other thing'), c.other);
  });
}

test("a padding pad_token that is no token is refused, naming tokenizer.json's padding.pad_token (transformers adds a new token, which the model has no row for)", () => {
  const pad = { strategy: 'BatchLongest', direction: 'Right', pad_to_multiple_of: null, pad_id: 0, pad_type_id: 0, pad_token: 'zqxw' };
  const dir = folder({ padding: pad }, {}, ['pad_token']);
  assert.throws(() => quietly(() => loadTokenizer(dir)), (e: unknown) => isUserError(e) && e.message.includes('tokenizer.json: padding.pad_token') && e.message.includes('"zqxw"'));
  // the config's own pad_token is used, the padding's not read
  assert.equal(quietly(() => loadTokenizer(folder({ padding: pad }, {}, []))).padId, 10);
});
