// jsonValueText quotes a value read from JSON in an error: a number past float64's range (1e309 in the file, read as
// Infinity) inside a list or an object is written Infinity there too, not null as JSON.stringify writes it
// ("rope_scaling.short_factor … got [null]", "layers_to_transform … got [0,null]" named values the file does not hold).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/model/config.ts';
import { jsonValueText } from '../../src/util/json-file.ts';

test('jsonValueText: non-finite numbers nested in lists and objects are written bare, the rest as JSON', () => {
  assert.equal(jsonValueText(JSON.parse('[2, 1e309]')), '[2,Infinity]');
  assert.equal(jsonValueText(JSON.parse('{"a": [-1e309, 1], "b": "x"}')), '{"a":[-Infinity,1],"b":"x"}');
  assert.equal(jsonValueText([1, 'Infinity', null]), '[1,"Infinity",null]', 'a string "Infinity" and a null stay as they are');
  assert.equal(jsonValueText(1e309), "Infinity (a number past float64's range, as 1e400)");
  assert.equal(jsonValueText('x'), '"x"');
});

test('parseConfig: a rope factor list holding 1e309 is quoted with Infinity', () => {
  const raw = JSON.parse('{"model_type": "mistral", "rope_scaling": {"rope_type": "longrope", "short_factor": [1e309], "long_factor": [1]}}') as unknown;
  assert.throws(() => parseConfig(raw, 'c.json'), { message: /^c\.json: rope_scaling\.short_factor: must be a list of head_dim \/ 2 = 64 positive numbers, got \[Infinity\]/ });
});
