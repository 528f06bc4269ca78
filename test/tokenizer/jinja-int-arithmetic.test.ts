// An int past 2**53 from the data (a tool call's argument 12345678901234567890, held as a bigint: python-numbers.ts)
// in a template's arithmetic and comparisons: rendered as jinja2 renders it for transformers (Python's exact ints,
// an int beside a float converted to that float), where `x + 1` failed ("Cannot mix BigInt and other types") and
// `x == 12345678901234567890.0` was True. Each expected text is what jinja2 3.1 (transformers 5.17's) renders with
// n = 12345678901234567890 and f = 2.0 (json.loads of the data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatTemplate } from '../../src/tokenizer/chat-template.ts';
import type { TemplateMessage } from '../../src/tokenizer/index.ts';

const message = { role: 'user', content: 'a', n: 12345678901234567890n, f: new Number(2) } as unknown as TemplateMessage;

function render(expr: string): string {
  const t = new ChatTemplate(`{% set x = messages[0].n %}{% set f = messages[0].f %}{{ ${expr} }}`, { bosToken: '<s>', eosToken: '</s>', source: 'test' });
  return t.render([message]);
}

const CASES: [string, string][] = [
  ['x + 1', '12345678901234567891'],
  ['x - 1', '12345678901234567889'],
  ['x * 2', '24691357802469135780'],
  ['x + x', '24691357802469135780'],
  ['x - x', '0'],
  ['-x + x', '0'],
  ['true + x', '12345678901234567891'],
  ['x // 7', '1763668414462081127'],
  ['x // -7', '-1763668414462081128'],
  ['-x // 7', '-1763668414462081128'],
  ['x % 7', '1'],
  ['x % -7', '-6'],
  ['x // x', '1'],
  ['x ** 2', '152415787532388367501905199875019052100'],
  ['x ** 0', '1'],
  ['x ** -1', '8.100000072900001e-20'],
  ['x ** 0.5', '3513641828.820144'],
  ['x / 10', '1.2345678901234568e+18'],
  ['x / x', '1.0'],
  ['(x * 3) / 7', '5.291005243386243e+18'],
  ['(x * x) / x', '1.2345678901234567e+19'],
  ['1 / x', '8.100000072900001e-20'],
  ['x + 0.5', '1.2345678901234567e+19'],
  ['x - 0.5', '1.2345678901234567e+19'],
  ['x * f', '2.4691357802469134e+19'],
  ['x // 2.5', '4.938271560493827e+18'],
  ['x % 2.5', '0.5'],
  ['x * 1e300', 'inf'],
  ['-x', '-12345678901234567890'],
  ['(-x) | tojson', '-12345678901234567890'],
  ['(x + 1) | tojson', '12345678901234567891'],
  ['10 ** 400 + x', `1${'0'.repeat(380)}12345678901234567890`],
  // comparisons are exact, as Python compares an int with a float
  ['x > 1', 'True'],
  ['x > f', 'True'],
  ['x > 12345678901234567889', 'True'], // an int literal past 2**53 was refused
  ['x - 12345678901234567000', '890'],
  ['x == 12345678901234567890.0', 'False'],
  ['x != 12345678901234567890.0', 'True'],
  ['x >= 12345678901234567168.0', 'True'],
  ['x <= 12345678901234567168.0', 'False'],
  ['x < 1.5e19', 'True'],
  ['x == x + 0', 'True'],
  ['(x + 1) - 1 == x', 'True'],
  ['(x * x) // x == x', 'True'],
  ['10 ** 400 == 1e308', 'False'],
  ['(10 ** 400) > 1e308', 'True'],
  ['(2 ** 64) == 18446744073709551616', 'True'],
];

for (const [expr, expected] of CASES) {
  test(`{{ ${expr} }} with an int past 2**53 renders as jinja2 renders it`, () => {
    assert.equal(render(expr), expected);
  });
}

test('what Python refuses on such ints fails here too', () => {
  for (const [expr, why] of [
    ['x // 0', /integer division or modulo by zero/],
    ['x % 0', /modulo by zero/],
    ['x / 0', /division by zero/],
    ['(10 ** 400) + 0.5', /int too large to convert to float/],
    ['(10 ** 400) / x', /integer division result too large for a float/],
  ] as const) {
    assert.throws(() => render(expr), why, expr);
  }
});

// An int past 2**53 handed to what computes on doubles: an arithmetic result (2 ** 64 + 1) was refused where it was
// made, and now reaches these. Each expected text is jinja2 3.1's (transformers 5.17's).
const EXACT_ELSEWHERE: [string, string][] = [
  ["'%d' % (2 ** 64 + 1)", '18446744073709551617'],
  ["'%i|%5d|%x|%#o' % (x, x, x, x)", '12345678901234567890|12345678901234567890|ab54a98ceb1f0ad2|0o1255245230635307605322'],
  ["'%d' | format(-x - 1)", '-12345678901234567891'],
  ["'{:,}'.format(x)", '12,345,678,901,234,567,890'],
  ['(2 ** 64 + 1).real', '18446744073709551617'],
  ['x.numerator', '12345678901234567890'],
];

for (const [expr, expected] of EXACT_ELSEWHERE) {
  test(`{{ ${expr} }} formats or reads an int past 2**53 exactly, as jinja2 does`, () => {
    assert.equal(render(expr), expected);
  });
}

test('a dict key that is an int past 2**53 is refused by name, where it failed with a JavaScript TypeError', () => {
  for (const expr of ["{2 ** 64 + 1: 'a'}", '{x: 1} | tojson']) {
    assert.throws(() => render(expr), /a dict key of type int past 2\*\*53 is not supported/, expr);
  }
  assert.equal(render("x in {'a': 1}"), 'False');
  assert.equal(render("{'a': 1}.get(x, 2)"), '2');
});
