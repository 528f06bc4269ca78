// An int past 2**53 from the data (a tool call's argument 12345678901234567890, held as a bigint: python-numbers.ts)
// in the filters, tests and globals that take numbers, and in string formatting: rendered as jinja2 renders it for
// transformers, where | abs, is even/odd and range() failed ("Cannot convert a BigInt value to a number", "Cannot mix
// BigInt and other types"), is divisibleby(3) was False, | round, | sum, '%d' % x and '{}'.format(x) printed other
// digits (12345678901234567168, 12345678901234567000) and max, min, sort and the gt/lt tests did not see x + 1 > x.
// Each expected text is what jinja2 3.1 (transformers 5.17's _compile_jinja_template) renders with
// n = 12345678901234567890 (json.loads of the data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatTemplate } from '../../src/tokenizer/chat-template.ts';
import type { TemplateMessage } from '../../src/tokenizer/index.ts';

const message = { role: 'user', content: 'a', n: 12345678901234567890n } as unknown as TemplateMessage;

function render(expr: string): string {
  const t = new ChatTemplate(`{% set x = messages[0].n %}{{ ${expr} }}`, { bosToken: '<s>', eosToken: '</s>', source: 'test' });
  return t.render([message]);
}

const CASES: [string, string][] = [
  // abs, and the tests even, odd and divisibleby (Python's % on ints: exact; beside a float, the float's)
  ['x | abs', '12345678901234567890'],
  ['(-x) | abs', '12345678901234567890'],
  ['(-x) | abs | tojson', '12345678901234567890'],
  ['true | abs', '1'],
  ['-1.5 | abs', '1.5'],
  ['(-3) | abs', '3'],
  ['x is even', 'True'],
  ['x is odd', 'False'],
  ['(x + 1) is odd', 'True'],
  ['(-x - 1) is odd', 'True'],
  ['2.0 is even', 'True'],
  ['3.0 is odd', 'True'],
  ['2.5 is odd', 'False'],
  ['true is odd', 'True'],
  ['x is divisibleby(3)', 'True'],
  ['x is divisibleby(7)', 'False'],
  ['(x * 7) is divisibleby(7)', 'True'],
  ['(x + 1) is divisibleby(x + 1)', 'True'],
  ['10 is divisibleby(x)', 'False'],
  ['x is divisibleby(2.0)', 'True'],
  ['x is divisibleby(-x)', 'True'],
  // range() of such ints: exact items, printed as Python prints a range
  ['range(x, x + 3) | list', '[12345678901234567890, 12345678901234567891, 12345678901234567892]'],
  ['range(x, x + 3)', 'range(12345678901234567890, 12345678901234567893)'],
  ['range(x, x + 6, 2) | list', '[12345678901234567890, 12345678901234567892, 12345678901234567894]'],
  ['range(-x, -x - 2, -1) | list', '[-12345678901234567890, -12345678901234567891]'],
  ['range(x, 0) | list', '[]'],
  ['range(0, 3, x) | list', '[0]'],
  ['range(3, 0, x) | list', '[]'],
  ['range(x, x + 3) | length', '3'],
  // string and round (an int stays the same int; to tens, hundreds, …: halves to even, exact)
  ['x | string', '12345678901234567890'],
  ['(x * x) | string | length', '39'],
  ['x | round', '12345678901234567890'],
  ['x | round(2)', '12345678901234567890'],
  ['x | round(-1)', '12345678901234567890'],
  ['(x + 5) | round(-1)', '12345678901234567900'],
  ['(x + 15) | round(-1)', '12345678901234567900'],
  ['(-x - 5) | round(-1)', '-12345678901234567900'],
  ['x | round(-2)', '12345678901234567900'],
  ['9007199254740993 | round(-1)', '9007199254740990'],
  ["1.5 | round(0.5, 'floor')", '1.2649110640673518'], // jinja2's math.floor(1.5 * 10**0.5) / 10**0.5: a float precision is taken there
  ["5 | round(400, 'floor')", '5.0'],
  ["x | round(2, 'ceil')", '1.2345678901234567e+19'],
  ["true | round(3, 'floor')", '1.0'],
  // float, max, min, sort and the comparison tests see every digit
  ['x | float', '1.2345678901234567e+19'],
  ['[x, 1] | max', '12345678901234567890'],
  ['[x, x + 1] | max', '12345678901234567891'],
  ['[x + 1, x] | min', '12345678901234567890'],
  ['[x + 1, x, 3] | sort', '[3, 12345678901234567890, 12345678901234567891]'],
  ['[x + 1, x] | sort(reverse=true)', '[12345678901234567891, 12345678901234567890]'],
  ['(x + 1) is gt(x)', 'True'],
  ['x is lt(x + 1)', 'True'],
  ['(x + 1) is ge(x + 1)', 'True'],
  ['x is le(x - 1)', 'False'],
  // sum: exact while it adds ints, a float beside them makes it a float
  ['[x, 1] | sum', '12345678901234567891'],
  ['[x, x] | sum', '24691357802469135780'],
  ['[x, true] | sum', '12345678901234567891'],
  ['[x, 0.5] | sum', '1.2345678901234567e+19'],
  ['[] | sum(start=x)', '12345678901234567890'],
  ['[2, x] | sum(start=x)', '24691357802469135782'],
  // printf-style % and | format, str.format: every digit of an int; %f/%e/%g of its float
  ['"%d" % x', '12345678901234567890'],
  ['"%+d|%5d|%-25d|%025d" % (x, x, x, x)', '+12345678901234567890|12345678901234567890|12345678901234567890     |0000012345678901234567890'],
  ['"%x|%X|%o|%#x" % (x, x, x, -x)', 'ab54a98ceb1f0ad2|AB54A98CEB1F0AD2|1255245230635307605322|-0xab54a98ceb1f0ad2'],
  ['"%d" % (x * x)', '152415787532388367501905199875019052100'],
  ['"%s|%r" % (x, x)', '12345678901234567890|12345678901234567890'],
  ['"%f|%.2f|%e|%g" % (x, x, x, x)', '12345678901234567168.000000|12345678901234567168.00|1.234568e+19|1.23457e+19'],
  ['"%d" | format(x)', '12345678901234567890'],
  ['"{}".format(x)', '12345678901234567890'],
  ['"{:d}|{:,}|{:_}|{:x}|{:b}|{:#o}|{:n}".format(x, x, x, x, x, x, x)', '12345678901234567890|12,345,678,901,234,567,890|12_345_678_901_234_567_890|ab54a98ceb1f0ad2|1010101101010100101010011000110011101011000111110000101011010010|0o1255245230635307605322|12345678901234567890'],
  ['"{:>25}|{:+}|{:e}".format(x, x, x)', '     12345678901234567890|+12345678901234567890|1.234568e+19'],
  ['"{}".format(x * x)', '152415787532388367501905199875019052100'],
  // a float's integer presentation (%d) and fixed notation past 1e21: every digit of its exact value, as Python's
  ['"%d" % 1e30', '1000000000000000019884624838656'],
  ['"%d" % -1e22', '-10000000000000000000000'],
  ['"%f" % 1e22', '10000000000000000000000.000000'],
  ['"{:,.2f}".format(-1e22)', '-10,000,000,000,000,000,000,000.00'],
  ['"%.0f" % 1e21', '1000000000000000000000'],
  // an infinite or nan float in a float presentation: inf, nan (INF for %F/%E), as Python's (x * 1e300 is inf)
  ['"%f|%e|%g|%F|%.2f|%s" % (x*1e300, x*1e300, -x*1e300, x*1e300, (x*1e300)*0, x*1e300)', 'inf|inf|-inf|INF|nan|inf'],
  ['"{:f}|{:E}|{:%}|{}".format(x*1e300, -x*1e300, x*1e300, x*1e300)', 'inf|-INF|inf%|inf'],
  ['"%5.1f|%-6e|" % (x*1e300, x*1e300)', '  inf|inf   |'],
  // | int of nan is the default, as of a str that is no int ('inf' too: jinja2 catches int(float(s))'s OverflowError)
  ['((x*1e300)*0) | int(7)', '7'],
  ['(x*1e300) | string | int', '0'],
  ["1e307 | round(1, 'ceil')", '1e+307'],
  // a slice's bounds and step: past any str's or list's end, as Python clamps them
  ["'abc'[x:] ~ '|' ~ 'abc'[:x] ~ '|' ~ 'abc'[-x:] ~ '|' ~ 'abc'[:-x] ~ '|' ~ 'abc'[::x] ~ '|' ~ 'abc'[::-x]", '|abc|abc||a|c'],
  ['[1, 2, 3][x:] ~ [1, 2, 3][0:x] ~ [1, 2, 3][-x:2] ~ [1, 2, 3][::x] ~ [1, 2, 3][::-x]', '[][1, 2, 3][1, 2][1][3]'],
  ['(1, 2, 3)[-x:]', '(1, 2, 3)'],
  // printf's precision of an integer conversion is its least number of digits, zeros before them (a sign and 0x outside)
  ['"%.25d" % x', '0000012345678901234567890'],
  ['"%30.25d|" % -x', '    -0000012345678901234567890|'],
  ['"%.25x" % x', '000000000ab54a98ceb1f0ad2'],
  ['"%.3d|%.3d|%5.3d|%-8.3d|%+.3d|%05.3d" % (5, -5, 5, 5, 5, 5)', '005|-005|  005|005     |+005|00005'],
  ['"%.3x|%#.3o|%#.5x|%#.3X|%.3i|%.3u|%.2d|%.0d" % (10, 8, 255, -255, 7, 7, 1.7, 0)', '00a|0o010|0x000ff|-0X0FF|007|007|01|0'],
];

for (const [expr, expected] of CASES) {
  test(`{{ ${expr} }} with an int past 2**53 renders as jinja2 renders it`, () => {
    assert.equal(render(expr), expected);
  });
}

test('what Python refuses of such ints fails here too', () => {
  for (const [expr, why] of [
    ['"%d" % (x*1e300)', /cannot convert float infinity to integer/],
    ['"%c" % x', /%c arg not in range\(0x110000\)/],
    ['"%c" % 1114112', /%c arg not in range\(0x110000\)/],
    ['(10 ** 400) | float', /int too large to convert to float/],
    ['"%f" % (10 ** 400)', /int too large to convert to float/],
    ['x is divisibleby(0)', /integer division or modulo by zero/],
    ['"a" | abs', /bad operand type for abs\(\): 'str'/],
    ['none is even', /unsupported operand type\(s\) for %: 'NoneType' and 'int'/],
    // | int of an infinite float, and round's ceil and floor of an infinite or nan one (math.floor's), fail as jinja2's
    ['(x*1e300) | int', /cannot convert float infinity to integer/],
    ["(x*1e300) | round(0, 'floor')", /cannot convert float infinity to integer/],
    ["1e308 | round(1, 'floor')", /cannot convert float infinity to integer/],
    ["((x*1e300)*0) | round(1, 'ceil')", /cannot convert float NaN to integer/],
    ["1.5 | round(0, 'trunc')", /method must be common, ceil or floor/],
    // a float precision (Python's round takes an int: was "The number 0.5 cannot be converted to a BigInt"), and ceil or
    // floor's 10**precision past float's range either way (was nan for 10**-10**9: jinja2's 0 / 0.0)
    ['1.5 | round(0.5)', /'float' object cannot be interpreted as an integer/],
    ['5 | round(0.5)', /'float' object cannot be interpreted as an integer/],
    ["1.5 | round(-10**9, 'floor')", /float division by zero/],
    ["1.5 | round(-400.5, 'ceil')", /float division by zero/],
    ["1.5 | round(309, 'floor')", /int too large to convert to float/],
    ["1.5 | round(400.5, 'floor')", /\(34, 'Numerical result out of range'\)/],
    ["(10**400) | round(2, 'floor')", /integer division result too large for a float/],
    // str.format takes no precision for an int (printf does), nor 's' for anything but a str
    ['"{:.3}".format(x)', /Precision not allowed in integer format specifier/],
    ['"{:.3d}".format(5)', /Precision not allowed in integer format specifier/],
    ['"{:.2x}".format(true)', /Precision not allowed in integer format specifier/],
    ['"{:s}".format(x)', /Unknown format code 's' for object of type 'int'/],
    ['"{:s}".format(1.5)', /Unknown format code 's' for object of type 'float'/],
  ] as const) {
    assert.throws(() => render(expr), why, expr);
  }
});
