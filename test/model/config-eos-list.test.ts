// config.json's eos_token_id as a list with a bad item is refused naming that item as the file has it: the whole
// list through JSON.stringify showed 1e309 (read as Infinity) as null, "got [2,null]", which the file does not say.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { parseConfig } from '../../src/model/config.ts';
import { generationEosIds } from '../../src/model/generation-config.ts';
import { jsonValueText } from '../../src/util/json-file.ts';

test('parseConfig: a bad item of an eos_token_id list is named by its place and value', () => {
  const parsed = JSON.parse('{"model_type": "mistral", "eos_token_id": [2, 1e309]}') as unknown;
  assert.throws(() => parseConfig(parsed, 'm/config.json'),
    { message: "m/config.json: eos_token_id: item 1 must be a token id, got Infinity (a number past float64's range, as 1e400)" });
  assert.throws(() => parseConfig({ model_type: 'mistral', eos_token_id: [2, -1.5] }, 'm/config.json'),
    { message: 'm/config.json: eos_token_id: item 1 must be a token id, got -1.5' });
  assert.throws(() => parseConfig({ model_type: 'mistral', eos_token_id: 'x' }, 'm/config.json'),
    { message: 'm/config.json: eos_token_id: must be a token id, a list of them or null, got "x"' });
  assert.deepEqual(parseConfig({ model_type: 'mistral', eos_token_id: [2, 7] }, 'm/config.json').eosTokenIds, [2, 7]);
});

test('config.json and generation_config.json refuse the same eos_token_id items, each naming the first by its place', () => {
  // one check for both (token-id-list.ts): before, config.json took any integer (2^53 was refused only as past
  // vocab_size, as if a token id) where generation_config.json took integers a float64 holds exactly
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-eos-list-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const generationEos = (eos: unknown): number[] => {
    fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: eos }));
    return generationEosIds(dir);
  };
  for (const bad of [2 ** 53, 1.5, -(2 ** 53), '2', null, true, [3]]) { // (a negative id, -1, is read: pad-negative.test.ts)
    const shown = jsonValueText(bad);
    assert.throws(() => parseConfig({ model_type: 'mistral', eos_token_id: [2, bad] }, 'm/config.json'),
      { message: `m/config.json: eos_token_id: item 1 must be a token id, got ${shown}` });
    assert.throws(() => generationEos([2, bad]), { message: `${path.join(dir, 'generation_config.json')}: eos_token_id must be a token id or a list of them, got a list whose item 1 is ${shown}` });
  }
  const top = 2 ** 53 - 2; // the largest id of the largest vocab_size (2^53 − 1): both take it
  assert.deepEqual(generationEos([2, top]), [2, top]);
  assert.deepEqual(parseConfig({ model_type: 'mistral', eos_token_id: [2, top], vocab_size: top + 1 }, 'm/config.json').eosTokenIds, [2, top]);
});
