// Python's printf (`fmt % args`) and str.format where they fail, with Python 3.11's messages (jinja-python.json holds
// only that jinja2 fails: its cases percent-star-*, format-*-sign-refused), and the precision bound of
// jinja-float-digits.ts: Python prints any precision; past MAX_PRECISION digits ours says so in one line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentFormat, strFormat } from '../../src/tokenizer/jinja-format.ts';
import { MAX_PRECISION, toFixedEven } from '../../src/tokenizer/jinja-float-digits.ts';
import { V } from '../../src/tokenizer/jinja-values.ts';

const fails = (f: () => unknown, message: string) => assert.throws(f, (e: unknown) => (e as Error).message === message, message);

test("printf's `*` width and precision are taken from the arguments, as Python's", () => {
  // '%-*s' was "unsupported format character"
  assert.equal(percentFormat('%-*s|', V.tuple([V.int(-5), V.str('x')])), 'x    |');
  assert.equal(percentFormat('%*.*f|', V.tuple([V.int(8), V.int(2), V.float(3.14159)])), '    3.14|');
  fails(() => percentFormat('%*s', V.tuple([V.str('a'), V.str('x')])), '* wants int');
  fails(() => percentFormat('%*s', V.tuple([V.int(5)])), 'not enough arguments for format string');
  fails(() => percentFormat('%(a)*s', V.dict(new Map([['a', V.int(1)]]))), 'not enough arguments for format string');
  fails(() => percentFormat('%5%', V.int(1)), "unsupported format character '%' (0x25) at index 2");
});

test("str.format refuses a sign for a str or None, a '-' too, as Python's", () => {
  // '{:<-5}' rendered 'x    '
  fails(() => strFormat('{:<-5}', [V.str('x')], new Map()), 'Sign not allowed in string format specifier');
  fails(() => strFormat('{:-}', [V.none()], new Map()), 'unsupported format string passed to NoneType.__format__');
  assert.equal(strFormat('{:-}|{}', [V.bool(true), V.bool(true)], new Map()), '1|True');
});

test('a float prints its exact digits past 100 of precision; past MAX_PRECISION a one-line refusal', () => {
  // '%.150f' % 1.5 failed "toFixed() digits argument must be between 0 and 100"
  assert.equal(percentFormat('%.150f', V.float(1.5)), `1.5${'0'.repeat(149)}`);
  assert.equal(strFormat('{:.60f}', [V.float(0.1)], new Map()), '0.100000000000000005551115123125782702118158340454101562500000');
  assert.equal(toFixedEven(2.5, 0), '2');
  assert.equal(percentFormat(`%.${MAX_PRECISION}f`, V.float(1)).length, MAX_PRECISION + 2);
  for (const f of [() => percentFormat(`%.${MAX_PRECISION + 1}f`, V.float(1.5)), () => strFormat(`{:.${MAX_PRECISION + 1}e}`, [V.float(1.5)], new Map())]) {
    fails(f, `a precision of ${MAX_PRECISION + 1} digits is past the 10,000 that mistral-tune's template renderer prints (Python prints them)`);
  }
});
