// config.json's eos_token_id as a list with a bad item is refused naming that item as the file has it: the whole
// list through JSON.stringify showed 1e309 (read as Infinity) as null, "got [2,null]", which the file does not say.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/model/config.ts';

test('parseConfig: a bad item of an eos_token_id list is named by its place and value', () => {
  const parsed = JSON.parse('{"model_type": "mistral", "eos_token_id": [2, 1e309]}') as unknown;
  assert.throws(() => parseConfig(parsed, 'm/config.json'),
    { message: "m/config.json: eos_token_id: item 1 must be a token id, got Infinity (a number past float64's range, as 1e400)" });
  assert.throws(() => parseConfig({ model_type: 'mistral', eos_token_id: [2, -1] }, 'm/config.json'),
    { message: 'm/config.json: eos_token_id: item 1 must be a token id, got -1' });
  assert.throws(() => parseConfig({ model_type: 'mistral', eos_token_id: 'x' }, 'm/config.json'),
    { message: 'm/config.json: eos_token_id: must be a token id, a list of them or null, got "x"' });
  assert.deepEqual(parseConfig({ model_type: 'mistral', eos_token_id: [2, 7] }, 'm/config.json').eosTokenIds, [2, 7]);
});
