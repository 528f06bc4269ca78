// A width, fill or repetition a template asks for past the render's output bound is refused before its text is built
// (src/tokenizer/jinja-room.ts): built first, '%-536000000s' | format took a GiB and seconds before the bound on values
// refused it, and a width of 2**30 — past V8's longest string — failed building it ("Invalid string length") rather
// than naming the bound. Each case here asks for 2**30 characters in a value the output never holds whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chatTemplateRenderer, RENDER_LIMITS } from '../../src/tokenizer/chat-template.ts';

/** Why the render of `template` stopped (a bound), or its text, or why it failed. */
function outcome(template: string): string {
  const out = chatTemplateRenderer(template)({ messages: [{ role: 'user', content: 'Hi' }], addGenerationPrompt: false, tokens: {}, limits: RENDER_LIMITS });
  return 'text' in out ? `text: ${out.text}` : 'failed' in out ? `failed: ${out.failed}` : `stopped: ${out.stopped}`;
}

const WIDE = 2 ** 30;
const CASES = [
  `{{ ('%-${WIDE}s|' | format('a')) | length }}`,
  `{{ ('%${WIDE}s' % 'a') | length }}`,
  `{{ ('%0${WIDE}d' % 5) | length }}`,
  `{{ ('%.${WIDE}d' % 5) | length }}`,
  `{{ '{:<${WIDE}}'.format('a') | length }}`,
  `{{ '{:0${WIDE}_d}'.format(5) | length }}`,
  `{{ ('a' | center(${WIDE})) | length }}`,
  `{{ 'a'.center(${WIDE}) | length }}`,
  `{{ 'a'.ljust(${WIDE}) | length }}`,
  `{{ 'a'.rjust(${WIDE}) | length }}`,
  `{{ 'a'.zfill(${WIDE}) | length }}`,
  `{{ 'a\\tb'.expandtabs(${WIDE}) | length }}`,
  `{{ ('a\\nb' | indent(${WIDE})) | length }}`,
  `{{ (('a\\n' * 1000) | indent(${WIDE / 1024})) | length }}`,
  `{{ ([[1]] | tojson(indent=${WIDE})) | length }}`,
  `{{ ([[[1]]] | tojson(indent=${WIDE / 2})) | length }}`,
  `{{ ((range(1000) | list) | tojson(indent=${WIDE / 1024})) | length }}`,
  `{{ ('ab' * ${WIDE}) | length }}`,
];

test('a width or repetition past the output bound is refused before its text is built, naming the bound', { timeout: 120_000 }, () => {
  const apart = CASES.flatMap((t) => {
    const got = outcome(t);
    return /^stopped: the output passed [\d,]+ characters$/.test(got) ? [] : [`${t} → ${got.slice(0, 160)}`];
  });
  assert.deepEqual(apart, []);
});

test('widths within the bound still render in full (jinja2 gives these lengths)', () => {
  assert.equal(outcome("{{ ('%-1000s|' | format('a')) | length }}|{{ 'a'.zfill(500) | length }}|{{ ('a\\nb' | indent(300)) | length }}|{{ ('ab' * 1000) | length }}"), 'text: 1001|500|303|2000');
  assert.equal(outcome("{{ ([[1]] | tojson(indent=3)) }}"), 'text: [\n   [\n      1\n   ]\n]');
  // the pads and indentation the output holds, not more: blank lines take none, an empty list none (jinja2's lengths)
  assert.equal(outcome("{{ ('\\n' * 300000) | indent(4) | length }}|{{ ('a\\n\\nb' * 100000) | indent(4) | length }}|{{ ([[]] | tojson(indent=600000)) | length }}"), 'text: 300000|800000|600006');
});

test('a list repeated past the output bound is refused before it is built, naming the bound; within it, built as jinja2 builds it', { timeout: 120_000 }, () => {
  for (const t of ['{{ ([1] * 100000000) | length }}', `{{ ([1, 2] * ${WIDE}) | length }}`, `{{ (${WIDE} * (1,)) | length }}`]) {
    assert.match(outcome(t), /^stopped: a list of [\d,]+ items, more than the [\d,]+ characters the output may hold$/, t);
  }
  assert.equal(outcome("{{ ([1, 2] * 1000) | length }}|{{ (3 * (1,)) }}|{{ [1] * -2 }}"), 'text: 2000|(1, 1, 1)|[]');
});

test('an empty list or text repeated any number of times is empty, built at once; past a Py_ssize_t, Python\'s OverflowError', () => {
  // [] * 10**8 built 10**8 empty copies first (the render's whole time, 800 MB); '' * 10**20 rendered '' where Python fails
  assert.equal(outcome('{{ ([] * 100000000) | length }}|{{ (() * 100000000) | length }}|{{ ([] * 9223372036854775807) | length }}|{{ (\'\' * 9223372036854775807) | length }}'), 'text: 0|0|0|0');
  for (const t of ["{{ '' * 100000000000000000000 }}", '{{ [] * 9223372036854775808 }}', "{{ 'a' * -100000000000000000000 }}"]) {
    assert.equal(outcome(t), "failed: cannot fit 'int' into an index-sized integer", t);
  }
});
