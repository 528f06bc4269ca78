// What applyChatTemplate may be given: data, as from JSON. A library caller's function, symbol, Map, Date or a value
// that holds itself is refused naming where it is (it failed on the render worker as "could not be cloned", rendered
// as {}, or was reported as a template's endless macro); Python's numbers (a boxed Number, a bigint) and one object
// used twice are data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadTokenizer, type TemplateMessage } from '../../src/tokenizer/index.ts';
import { isUserError } from '../../src/util/errors.ts';
import { quietly, tekkenTinyWith } from './helpers.ts';

// a model's template (rendered on the worker thread) that prints every field of each message, and the built-in one
const PRINTS_ALL = '{% for m in messages %}{{ m | tojson }}\n{% endfor %}{% if tools is not none %}{{ tools | tojson }}{% endif %}';
const withTemplate = tekkenTinyWith(PRINTS_ALL);
const builtIn = quietly(() => loadTokenizer(path.join(import.meta.dirname, '..', '..', 'models', 'mistral-tune-tiny')));

const cycle: Record<string, unknown> = { role: 'user', content: 'hi' };
cycle.self = cycle;
const refused: Array<[string, unknown[], unknown, RegExp]> = [
  ['a function', [{ role: 'user', content: 'hi', f: () => 1 }], undefined, /messages\[0\]\.f is a function/],
  ['a symbol', [{ role: 'user', content: 'hi', s: Symbol('x') }], undefined, /messages\[0\]\.s is a symbol/],
  ['a Date', [{ role: 'user', content: 'hi', meta: { 'sent at': new Date(0) } }], undefined, /messages\[0\]\.meta\["sent at"\] is a Date/],
  ['a Map', [{ role: 'user', content: 'hi', m: new Map([[1, 2]]) }], undefined, /messages\[0\]\.m is a Map/],
  ['a cycle', [cycle], undefined, /messages\[0\]\.self holds itself/],
  ['a function in tools', [{ role: 'user', content: 'hi' }], [{ type: 'function', function: { name: 'f', run: () => 1 } }], /options\.tools\[0\]\.function\.run is a function/],
];

for (const [tokName, tok] of [['a model template (worker)', withTemplate], ['the built-in template', builtIn]] as const) {
  for (const [what, messages, tools, where] of refused) {
    if (tools !== undefined && tok === builtIn) continue; // the built-in template refuses any tools first
    test(`applyChatTemplate refuses ${what} in the chat, naming where, with ${tokName}`, () => {
      assert.throws(() => tok.applyChatTemplate(messages as TemplateMessage[], { tools: tools as unknown[] | undefined }), (e: unknown) => {
        assert.ok(isUserError(e), String(e));
        assert.match((e as Error).message, where);
        assert.match((e as Error).message, /^applyChatTemplate: .*hold data, as from JSON/);
        return true;
      });
    });
  }
}

test("Python's numbers and one object given twice are data: rendered as transformers renders them", () => {
  const shared = { unit: 'C' };
  const messages = [{ role: 'user', content: 'hi', a: shared, b: shared, x: new Number(1), n: 12345678901234567890n }] as unknown as TemplateMessage[];
  assert.equal(withTemplate.applyChatTemplate(messages),
    '{"role": "user", "content": "hi", "a": {"unit": "C"}, "b": {"unit": "C"}, "x": 1.0, "n": 12345678901234567890}\n');
});

test('a sparse array is data as before, not a TypeError of the check: a field the template does not read changes nothing', () => {
  const plain = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'ok' }] as TemplateMessage[];
  // eslint-disable-next-line no-sparse-arrays
  const sparse = [{ ...plain[0], extra: [, 1] }, plain[1]] as unknown as TemplateMessage[];
  for (const tok of [builtIn, withTemplate]) assert.doesNotThrow(() => tok.applyChatTemplate(sparse));
  assert.equal(builtIn.applyChatTemplate(sparse), builtIn.applyChatTemplate(plain));
});
