// The Jinja constructs of the jinja15 table render as transformers 5.17.0 renders them (jinja2 3.1.6,
// Python 3.11.7, autoescape off): the expected texts are what
// `HF_HUB_OFFLINE=1 python scripts/hf-check/jinja_constructs.py` printed in the PREAMBLE's HF venv
// (transformers' own _compile_jinja_template, one user and one assistant message).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatTemplate, chatTemplateRenderer, RENDER_LIMITS } from '../../src/tokenizer/chat-template.ts';
import { isUserError } from '../../src/util/errors.ts';

const MESSAGES = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Yo' }];

/** assert.throws' check of a UserError of one line whose message starts with `prefix`. */
function oneLineUserError(prefix: string): (e: unknown) => boolean {
  return (e) => isUserError(e) && !(e as Error).message.includes('\n') && (e as Error).message.startsWith(prefix);
}

function render(template: string): string {
  const out = chatTemplateRenderer(template)({ messages: MESSAGES, addGenerationPrompt: false, tokens: { bos_token: '<s>', eos_token: '</s>' }, limits: RENDER_LIMITS });
  if ('text' in out) return out.text;
  throw new Error('failed' in out ? out.failed : out.stopped);
}

/** [name, template, jinja2's text, or null where jinja2 fails] from scripts/hf-check/jinja_constructs.py. */
const CASES: [string, string, string | null][] = [
  ["truncate", "{{ 'hello world foo' | truncate(9) }}|{{ 'hello world foo' | truncate(9, True) }}|{{ 'hello world foo' | truncate(11, False, '>>', 0) }}|{{ 'hello' | truncate(9) }}|{{ 'hello world foo bar' | truncate(16) }}|{{ 'hello world foo bar' | truncate(length=12, killwords=true, end='~') }}",
   "hello...|hello ...|hello>>|hello|hello world foo bar|hello world~"],
  ["escape", "{{ '<a href=\"x\">&\\'</a>' | e }}|{{ '<b>' | escape }}|{{ 5 | e }}|{{ none | e }}|{{ ('<' | e) ~ '>' }}|{{ ('<' | e) + '>' }}|{{ ('<' | e) | length }}",
   "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;|&lt;b&gt;|5|None|&lt;>|&lt;&gt;|4"],
  ["escape-twice", "{{ '<' | e | e }}|{{ '<' | e | upper }}|{{ ['<'] | map('e') | join(',') }}",
   "&lt;|&LT;|&lt;"],
  ["divisibleby", "{{ 4 is divisibleby 2 }}|{{ 5 is divisibleby(2) }}|{{ 6 is divisibleby 3 }}|{% for m in [1,2,3,4] %}{% if loop.index is divisibleby 2 %}E{% else %}O{% endif %}{% endfor %}|{{ 4 is not divisibleby 3 }}",
   "True|False|True|OEOE|True"],
  ["divisibleby-in-expressions", "{{ 1 + 4 is divisibleby 2 }}|{{ [1, 2, 3, 4] | select('divisibleby', 2) | list }}|{{ 6 is divisibleby 2 and 6 is divisibleby(3) }}|{{ 'y' if 9 is divisibleby 3 else 'n' }}|{{ 7 is not divisibleby(7) }}|{{ 3 is eq 3 }}|{{ 'a' is in 'abc' }}|{{ messages[0].role is eq 'user' }}",
   "2|[2, 4]|True|y|False|True|True|True"],
  ["escape-concat", "{{ '>' + ('<' | e) }}|{% set x = '<' | e %}{{ x + '&' }}|{{ x ~ '&' }}|{{ x | string | e }}",
   "&gt;&lt;|&lt;&amp;|&lt;&|&lt;"],
  ["tuple-unpack", "{% for a, b in [(1, 2), (3, 4)] %}{{ a }}{{ b }};{% endfor %}",
   "12;34;"],
  ["unicode-text-filters", "{{ 'ééééé ééééé ééééé' | truncate(9) }}|{{ 'héllo wörld_x 3² ü' | wordcount }}|{{ 'é😀' | center(6) }}|",
   "ééééé...|4|  é😀  |"],
  ["loop-cycle", "{% for x in [1,2,3] %}{{ loop.cycle('a', 'b') }}{% endfor %}",
   "aba"],
  ["loop-changed", "{% for x in [1, 1, 2, 1] %}{{ loop.changed(x) }}{% set outer = loop %}{% for y in [0, 0] %}{{ outer.changed(x) }}{{ loop.changed(y, x) }}{% endfor %};{% endfor %}",
   "TrueFalseTrueFalseFalse;FalseFalseTrueFalseFalse;TrueFalseTrueFalseFalse;TrueFalseTrueFalseFalse;"],
  ["sameas", "{{ none is sameas none }}|{{ false is sameas false }}|{{ 0 is sameas false }}|{{ messages[5] is sameas none }}|{{ [none, 1, false] | select('sameas', none) | list }}|{{ true is not sameas(true) }}",
   "True|True|False|False|[None]|False"],
  ["percent-format", "{{ '%s-%d' % ('a', 3) }}|{{ '%05.2f' % 3.14159 }}|{{ '%s' % 'x' }}|{{ '%(k)s' % {'k': 1} }}",
   "a-3|03.14|x|1"],
  ["floordiv-pow", "{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7.5 // 2 }}|{{ 2 ** 10 }}|{{ 2 ** -1 }}|{{ 2.0 ** 2 }}|{{ 2 ** 3 ** 2 }}",
   "3|-4|3.0|1024|0.5|4.0|64"],
  ["wordcount", "{{ 'a b  c' | wordcount }}|{{ '' | wordcount }}|{{ 'one,two three-four' | wordcount }}",
   "3|0|4"],
  ["center", "{{ 'abc' | center(7) }}|{{ 'abc' | center(8) }}|{{ 'abcd' | center(7) }}|{{ 'abc' | center }}|",
   "  abc  |  abc   |  abcd |                                      abc                                       |"],
  ["indent", "{{ 'a\\n\\nb' | indent(2) }}|{{ 'a\\n\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(2, first=true, blank=true) }}|{{ 'a\\nb' | indent('> ') }}",
   "a\n\n  b|  a\n\n  b|  a\n  \n  b|a\n> b"],
  ["format-filter", "{{ '%s=%d' | format('a', 2) }}|{{ '%(x)s!' | format(x='y') }}|{{ '%.3f' | format(2.5) }}",
   "a=2|y!|2.500"],
  ["dictsort", "{% for k, v in {'b': 2, 'A': 1, 'c': 0} | dictsort %}{{ k }}{{ v }}{% endfor %}|{% for k, v in {'b': 2, 'A': 1, 'c': 0} | dictsort(true) %}{{ k }}{% endfor %}|{% for k, v in {'b': 2, 'a': 1, 'c': 0} | dictsort(by='value') %}{{ k }}{% endfor %}|{% for k, v in {'b': 2, 'a': 1} | dictsort(reverse=true) %}{{ k }}{% endfor %}",
   "A1b2c0|Abc|cab|ba"],
  ["groupby", "{% for g in [{'r': 'b', 'v': 1}, {'r': 'a', 'v': 2}, {'r': 'b', 'v': 3}] | groupby('r') %}{{ g.grouper }}:{{ g.list | map(attribute='v') | join(',') }};{% endfor %}|{% for r, items in [{'r': 'b'}, {'r': 'a'}] | groupby('r') %}{{ r }}{{ items | length }}{% endfor %}|{{ [{'r': 'b'}] | groupby('r') }}",
   "a:2;b:1,3;|a1b1|[('b', [{'r': 'b'}])]"],
  ["map-attribute", "{{ messages | map(attribute='role') | join(',') }}|{{ [{'a': {'b': 1}}, {'a': {'b': 2}}] | map(attribute='a.b') | list }}|{{ [{'a': 1}, {}] | map(attribute='a', default=0) | list }}",
   "user,assistant|[1, 2]|[1, 0]"],
  ["selectattr-equalto", "{{ [{'x': 1}, {'x': 2}, {'x': 1}] | selectattr('x', 'equalto', 1) | list | length }}|{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join }}|{{ [{'x': 1}, {'x': 2}] | rejectattr('x', 'eq', 1) | list }}",
   "2|Hi|[{'x': 2}]"],
  ["batch", "{{ [1, 2, 3, 4, 5] | batch(2) | list }}|{{ [1, 2, 3] | batch(2, 0) | list }}|{% for row in 'abcde' | batch(3, '.') %}{{ row | join }};{% endfor %}",
   "[[1, 2], [3, 4], [5]]|[[1, 2], [3, 0]]|abc;de.;"],
  ["slice", "{{ [1, 2, 3, 4, 5] | slice(2) | list }}|{{ [1, 2, 3, 4, 5] | slice(3, 0) | list }}|{{ [1, 2] | slice(3) | list }}",
   "[[1, 2, 3], [4, 5]]|[[1, 2], [3, 4], [5, 0]]|[[1], [2], []]"],
  ["sum-attribute", "{{ [{'n': 1}, {'n': 2.5}] | sum(attribute='n') }}|{{ [1, 2, 3] | sum(start=10) }}|{{ [] | sum }}",
   "3.5|16|0"],
  ["unique", "{{ ['a', 'A', 'b', 'a'] | unique | list }}|{{ ['a', 'A', 'b'] | unique(true) | list }}|{{ [{'k': 1}, {'k': 1}, {'k': 2}] | unique(attribute='k') | list }}",
   "['a', 'b']|['a', 'A', 'b']|[{'k': 1}, {'k': 2}]"],
  ["min-max", "{{ [3, 1, 2] | min }}|{{ [3, 1, 2] | max }}|{{ ['b', 'A', 'c'] | min }}|{{ ['b', 'A', 'c'] | max(case_sensitive=true) }}|{{ [{'n': 2}, {'n': 1}] | min(attribute='n') }}|{{ [] | max }}",
   "1|3|A|c|{'n': 1}|"],
  ["round", "{{ 2.5 | round }}|{{ 3.5 | round }}|{{ 2.675 | round(2) }}|{{ 2.1 | round(0, 'ceil') }}|{{ 2.9 | round(method='floor') }}|{{ 7 | round }}|{{ 1234 | round(-2) }}",
   "2.0|4.0|2.67|3.0|2.0|7|1200"],
  ["int-float-defaults", "{{ 'x' | int }}|{{ 'x' | int(7) }}|{{ '3.9' | int }}|{{ '0x1A' | int(0, 16) }}|{{ 'x' | float }}|{{ 'x' | float(1.5) }}|{{ '2' | float }}|{{ none | int(-1) }}",
   "0|7|3|26|0.0|1.5|2.0|-1"],
  ["round-negative-precision", "{{ 1234.5 | round(-2) }}|{{ 1250.0 | round(-2) }}|{{ -4.0 | round(-1) }}|{{ 25 | round(-1) }}|{{ 35 | round(-1) }}|{{ 0.125 | round(2) }}|{{ -0.4 | round }}",
   "1200.0|1200.0|-0.0|20|40|0.12|-0.0"],
  ["big-ints", "{{ 10 ** 20 }}|{{ 10 ** 21 }}|{{ 2 ** 53 }}|{{ 10 ** 22 * 3 }}|{{ 2 ** 64 }}",
   "100000000000000000000|1000000000000000000000|9007199254740992|30000000000000000000000|18446744073709551616"],
  // ints past 2**53 are exact (jinja-int-arithmetic.ts: they used to be refused)
  ["big-int-results", "{{ 3 ** 40 }}|{{ 2 ** 53 + 1 }}|{{ (2 ** 60) // 3 }}|{{ 2 ** 70 + 1 }}|{{ -(2 ** 70) }}|{{ (2 ** 64) == 18446744073709551616 }}",
   "12157665459056928801|9007199254740993|384307168202282325|1180591620717411303425|-1180591620717411303424|True"],
  // int literals too ({{ 9007199254740993 }} was refused; before that, it printed 9007199254740992)
  ["big-int-literals", "{{ 9007199254740993 }}|{{ [1, -12345678901234567890123] }}|{{ 9007199254740993 - 1 }}|{{ 9007199254740993 > 9007199254740992 }}|{{ messages[9007199254740993] }}",
   "9007199254740993|[1, -12345678901234567890123]|9007199254740992|True|"],
  // a double holds these quotients exactly (they used to be refused as past 2**53)
  ["big-int-floordiv", "{{ (2 ** 60) // 2 }}|{{ -(2 ** 61) // 4 }}|{{ (2 ** 60) // -2 }}|{{ (2 ** 64) // (2 ** 10) }}",
   "576460752303423488|-576460752303423488|-576460752303423488|18014398509481984"],
  ["pairs-print-as-tuples", "{{ {'b': 'X', 'a': 'y'} | dictsort(by='value') }}|{{ {2: 'a', 1: 'b'} | dictsort }}|{{ {'a': 1} | items | list }}|{{ {'a': 1}.items() | list }}|{% for k, v in {'a': 1}.items() %}{{ k }}{{ v }}{% endfor %}|{% for k, v in {'b': 1, 'a': 2} | dictsort %}{{ k }}{{ v }}{% endfor %}",
   "[('b', 'X'), ('a', 'y')]|[(1, 'b'), (2, 'a')]|[('a', 1)]|[('a', 1)]|a1|a2b1"],
  ["indent-of-a-non-str-fails", "{{ 5 | indent }}",
   null],
  ["tojson-indent", "{{ {'a': [1, 'b'], 'c': none} | tojson(indent=2) }}|{{ [1, 2] | tojson }}|{{ {'é': '<'} | tojson }}",
   "{\n  \"a\": [\n    1,\n    \"b\"\n  ],\n  \"c\": null\n}|[1, 2]|{\"é\": \"<\"}"],
  // Python sorts keys by code point: an emoji (UTF-16 surrogates, below U+E000 as code units) after U+FF01
  ["tojson-sort-keys-code-points", "{{ {'😀': 1, '！': 2, 'a': 3} | tojson(sort_keys=true) }}",
   "{\"a\": 3, \"！\": 2, \"😀\": 1}"],
  // map, select(attr), reject(attr), unique, items and reverse give a generator: no len(), no [i] (Undefined), no slice,
  // not reversible, not a sequence, not JSON, == only to itself; | list (or reverse, join, a loop) reads it
  ["generator-as-value", "[{{ (messages | selectattr('role', 'eq', 'user'))[0] }}]|{{ (messages | map(attribute='role')) == ['user', 'assistant'] }}|{{ (messages | map(attribute='role')) is sequence }}|{{ messages | map(attribute='role') | reverse | list | length }}|{{ messages | map(attribute='role') | list | length }}|{{ messages | reverse | reverse | length }}|{{ messages | map(attribute='role') | join(',') }}",
   "[]|False|False|2|2|2|user,assistant"],
  ["generator-has-no-len", "{{ messages | selectattr('role', 'eq', 'user') | length }}", null],
  // str.center/ljust/rjust take one fill character; a Markup's fill is escaped first ('<' is '&lt;': a TypeError)
  ["fill-of-two-characters", "{{ 'a'.center(5, 'xy') }}", null],
  ["fill-of-two-characters-ljust", "{{ 'a'.ljust(4, 'xy') }}", null],
  ["markup-fill-escaped-to-many", "{{ ('a'|e).center(5, '<') }}", null],
  ["markup-rjust-fill-escaped-to-many", "{{ ('a'|e).rjust(4, '&') }}", null],
  ["markup-fill-of-one", "{{ ('<'|e).center(6, '*') }}", "*&lt;*"],
  ["generator-count", "{{ messages | map(attribute='role') | count }}", null],
  ["generator-tojson", "{{ messages | map(attribute='role') | tojson }}", null],
  ["items-tojson", "{{ {'a': 1} | items | tojson }}", null],
  ["generator-last", "{{ messages | selectattr('role', 'eq', 'user') | last }}", null],
  ["generator-slice", "{{ (messages | map(attribute='role'))[1:] }}", null],
  ["dict-view-slice", "{{ {'a': 1}.items()[1:] }}", null],
  // a generator, a range and a dict view have no + and no * (Python's TypeError); they concatenated as lists
  ["generator-plus-list", "{{ (messages | map(attribute='role')) + ['a'] }}", null],
  ["list-plus-generator", "{{ ['a'] + (messages | map(attribute='role')) }}", null],
  ["generator-times-int", "{{ (messages | selectattr('role')) * 2 }}", null],
  ["range-plus-list", "{{ range(2) + [1] }}", null],
  ["dict-keys-plus-list", "{{ {'a': 1}.keys() + ['b'] }}", null],
  // a tuple's + and * are tuples (they printed as lists); a list and a tuple have no + (Python's TypeError)
  ["tuple-plus-and-times", "{{ (1, 2) + (3, 4) }}|{{ (1, 2) * 2 }}|{{ 2 * (1, 2) }}|{{ ((1, 2) + (3, 4)) | length }}|{% macro f() %}{{ varargs + (9, 8) }}{% endmacro %}{{ f(1) }}",
   "(1, 2, 3, 4)|(1, 2, 1, 2)|(1, 2, 1, 2)|4|(1, 9, 8)"],
  ["tuple-plus-list", "{{ (1, 2) + [3] }}", null],
  ["list-plus-tuple", "{{ [3] + (1, 2) }}", null],
  ["list-of-them-plus-list", "{{ (messages | map(attribute='role') | list) + ['a'] }}|{{ range(2) | list + [1] }}|{{ 2 * (messages | map(attribute='role') | list) }}",
   "['user', 'assistant', 'a']|[0, 1, 1]|['user', 'assistant', 'user', 'assistant']"],
  // Python's int(str, base) and float(str): exact digits past 2**53, base 0 reads the prefix, any Unicode decimal digit
  ["int-float-of-strs", "{{ '12345678901234567890' | int }}|{{ '-99999999999999999999' | int }}|{{ '0x1FFFFFFFFFFFFFFFF' | int(0, 16) }}|{{ '9007199254740993' | int }}|{{ '0b101' | int(0, 0) }}|{{ '0x1f' | int(0, 0) }}|{{ '0o17' | int(0, 0) }}|{{ '010' | int(0, 0) }}|{{ '٣' | int }}|{{ '１２' | int }}|{{ '٣.٥' | float }}|{{ '𝟗𝟘' | int }}|{{ '1e20' | int }}",
   "12345678901234567890|-99999999999999999999|36893488147419103231|9007199254740993|5|31|15|10|3|12|3.5|90|100000000000000000000"],
  // json.dumps's indent: a str is the indent itself, an int (a bool too) that many spaces, none below 0
  ["tojson-indent-kinds", "{{ {'a': [1, {}]} | tojson(indent='\\t') }}|{{ {'a': [1]} | tojson(indent=-1) }}|{{ {'a': 1} | tojson(indent='ab') }}|{{ {'a': 1} | tojson(indent=true) }}|{{ [1] | tojson(indent=false) }}",
   "{\n\t\"a\": [\n\t\t1,\n\t\t{}\n\t]\n}|{\n\"a\": [\n1\n]\n}|{\nab\"a\": 1\n}|{\n \"a\": 1\n}|[\n1\n]"],
  ["tojson-indent-float-fails", "{{ {'a': 1} | tojson(indent=1.5) }}", null],
  // int() and float() of jinja2's Undefined raise its UndefinedError, whatever the default (they gave 0 and 0.0)
  ["int-of-undefined-fails", "{{ messages[0].nope | int }}", null],
  ["int-default-of-undefined-fails", "{{ foo | int(5) }}", null],
  ["float-of-undefined-fails", "{{ foo | float }}", null],
  // a slice of a tuple (a macro's varargs) is a tuple (they printed as lists)
  ["tuple-slices", "{{ (1, 2, 3)[1:] }}|{{ (1, 2)[::-1] }}|{% macro f() %}{{ varargs[1:] }}{{ varargs[:1] }}{{ varargs[0] }}{% endmacro %}{{ f(1, 2, 3) }}",
   "(2, 3)|(2, 1)|(2, 3)(1,)1"],
  // jinja2 takes a trailing comma in a list, a dict, a tuple of two or more and a call's arguments (a parse error here)
  ["trailing-commas", "{{ [1, 2,] }}|{{ {'a': 1,} }}|{{ (1, 2,) }}|{{ [[1,], {'b': [2,],},] }}|{{ 'x{}'.format(1,) }}|{% macro f(a, b=2) %}{{ a }}{{ b }}{% endmacro %}{{ f(1,) }}{{ f(1, b=3,) }}|{% for x in [1, 2,] %}{{ x }}{% endfor %}|{% for x in (1, 2,) %}{{ x }}{% endfor %}|{{ messages | selectattr('role', 'eq', 'user',) | list | length }}",
   "[1, 2]|{'a': 1}|(1, 2)|[[1], {'b': [2]}]|x1|1213|12|12|1"],
  // where jinja2 refuses a trailing comma, so does the renderer: a subscript's and a macro's or call block's parameters
  ["trailing-comma-subscript-fails", "{{ [1, 2, 3][1,] }}", null],
  ["trailing-comma-slice-fails", "{{ 'abc'[0:2,] }}", null],
  ["trailing-comma-macro-parameters-fail", "{% macro f(a, b=1,) %}{{ a }}{% endmacro %}{{ f(1) }}", null],
  ["trailing-comma-call-block-parameters-fail", "{% macro f() %}{{ caller(1) }}{% endmacro %}{% call(a,) f() %}{{ a }}{% endcall %}", null],
  // inf and nan (a tool call's Infinity or NaN, read as Python's floats) formatted as Python formats them (they gave "Infinity");
  // made from the data, not a literal: jinja2 folds 'inf' | float at compile time into a name `inf` it cannot find (NameError)
  ["format-inf-nan", "{% set i = (messages[0].content ~ 'inf')[2:] | float %}{% set n = (messages[0].content ~ 'nan')[2:] | float %}{{ '%f|%F|%e|%E|%g|%G|%.2f|%+f|%5.1f' % (i, i, n, n, -i, n, i, n, i) }}|{{ '{:f}|{:F}|{:%}|{:e}|{:.1%}|{:G}|{:+}|{:g}'.format(i, n, i, -i, n, i, n, -i) }}",
   "inf|INF|nan|NAN|-inf|NAN|inf|+nan|  inf|inf|NAN|inf%|-inf|nan%|INF|+nan|-inf"],
  ["percent-d-of-inf-fails", "{{ '%d' % ((messages[0].content ~ 'inf')[2:] | float) }}", null],
  ["percent-d-of-nan-fails", "{{ '%i' % ((messages[0].content ~ 'nan')[2:] | float) }}", null],
  // format's 'n' is 'd' for an int and 'g' for a float (the C locale's: no grouping); a float printed as an int
  ["format-n", "{{ '{:n}|{:n}|{:n}|{:.3n}|{:8n}|{:n}'.format(1.5, 1e20, 1234567, 3.14159, 2.5, true) }}", "1.5|1e+20|1234567|3.14|     2.5|1"],
  // a generator is read once: a loop, | join, | list read it all, | first one item, `in` up to the item found
  ["generator-read-once", "{% set users = messages | selectattr('role', 'eq', 'user') %}{% for u in users %}a{% endfor %}|{% for u in users %}b{% endfor %}|{{ users | list | length }}|{% set r = messages | map(attribute='role') %}{{ r | join(',') }}|{{ r | join(',') }}|{% set r = messages | map(attribute='role') %}{{ r | first }}|{{ r | list }}|{% set r = messages | map(attribute='role') %}{{ 'user' in r }}|{{ 'user' in r }}|{{ 'assistant' in r }}|{% set r = messages | map(attribute='role') %}{{ 'assistant' in r }}|{{ r | list }}|{% set r = messages | reverse %}{{ r | map(attribute='role') | list }}{{ r | list }}|{% set r = messages | map(attribute='role') %}{% if r %}T{% endif %}{{ r | list }}{% if r %}T{% endif %}",
   "a||0|user,assistant||user|['assistant']|True|False|False|True|[]|['assistant', 'user'][]|T['user', 'assistant']T"],
];

for (const [name, template, expected] of CASES) {
  test(`${name} renders as jinja2 renders it for transformers${expected === null ? ' (fails)' : ''}`, () => {
    if (expected === null) assert.throws(() => render(template));
    else assert.equal(render(template), expected);
  });
}

test('what jinja2 renders and we cannot is a one-line UserError naming the construct, never other text', () => {
  // jinja2: True (CPython shares small ints); select('sameas', x) used to lose the x; a power of more bits than we compute
  const source = 'model/tokenizer_config.json: chat_template';
  const refused: [string, string][] = [
    ['{{ 1 is sameas 1 }}', "the test 'sameas' on int and int depends on Python's object identity"],
    ["{{ ['a'] | select('sameas', 'a') | list }}", "the test 'sameas' on str and str depends on Python's object identity"],
    ['{{ 3 ** 200000 }}', '3 ** 200000: an int of more than 131072 bits, which mistral-tune\'s template renderer does not compute'],
    // jinja2 prints a method as <built-in method items of dict object at 0x7f…>; a dict's method comes before its key
    ["{% set d = {'items': 5} %}{{ d.items }}", 'printing the method dict.items is not supported'],
    ["{{ 'a'.encode ~ 'x' }}", 'printing the method str.encode is not supported'],
    // jinja2: <class 'dict'>; True (its globals, which the library lacks, were undefined here)
    ['{{ dict }}', 'printing the class dict is not supported'],
    ['{{ range(3)[1:] }}', 'a slice of a range() is not supported'], // jinja2: range(1, 3)
    // jinja2: <generator object sync_do_map at 0x7f…>
    ["{{ messages | map(attribute='role') }}", 'printing a generator is not supported'],
    // jinja2: <jinja2.utils.Cycler object at 0x7f…> (using one is supported: jinja-cases cycler)
    ["{% set c = cycler(1) %}{{ c }}", 'printing a cycler is not supported'],
    // jinja2: <jinja2.utils.Joiner object at 0x7f…> (calling one is supported: jinja-cases global-joiner)
    ["{% set j = joiner(', ') %}{{ j }}", 'printing a joiner is not supported'],
    // jinja2's pformat wraps a repr past 80 characters over lines
    ["{{ [messages[0].content * 90] | pprint }}", 'pprint: a list whose repr is longer than 80 characters'],
  ];
  for (const [template, why] of refused) {
    const t = new ChatTemplate(template, { bosToken: '<s>', eosToken: '</s>', source });
    assert.throws(() => t.render([{ role: 'user', content: 'a' }]), oneLineUserError(`${source}: chat template failed: ${why}`), template);
  }
});

test('a construct the renderer refuses (lipsum, self, | urlize, | random, {% with %}, {% autoescape %}, {% block %}, {% filter a|b %}) is a one-line UserError when the template is loaded, naming its line', () => {
  const source = 'model/tokenizer_config.json: chat_template';
  const refused: [string, string][] = [
    // random output: a training text must be the same each time
    ["{{ 'a' }}\n\n{{ [1, 2] | random }}", "line 3: the random filter is refused: a chat template must render the same text each time"],
    ["{% if x %}\r\n{{ lipsum(1) }}{% endif %}", "line 2: jinja2's global lipsum is refused: a chat template must render the same text each time"],
    ["{% for m in messages %}\n{{ m.content|urlize }}{% endfor %}", 'line 2: the urlize filter is not supported'],
    ['{% filter urlize %}a{% endfilter %}', 'line 1: the urlize filter is not supported'],
    ['{{ self }}', "line 1: jinja2's global self is not supported"],
    // statements the library's parser lacks (it said "Unknown statement type: with" or "Pipe !== CloseStatement")
    ['a\n{%- with a = 1 %}{{ a }}{% endwith %}', "line 2: {% with %} is not supported"],
    ['{% autoescape true %}{{ x }}{% endautoescape %}', "line 1: {% autoescape %} is not supported"],
    ['{% for m in messages %}\n{% block c scoped %}{{ m.role }}{% endblock %}{% endfor %}', 'line 2: {% block %} is not supported'],
    ["\n\n{% filter upper | replace('A', 'b') %}a{% endfilter %}", 'line 3: a chain of filters in {% filter a|b %} is not supported'],
  ];
  for (const [template, why] of refused) {
    assert.throws(() => new ChatTemplate(template, { bosToken: '<s>', eosToken: '</s>', source }), oneLineUserError(`${source}: cannot parse the chat template: ${why}`), template);
  }
  // the same words as text, in a string, a comment, an attribute or a variable the template sets render as jinja2's
  assert.equal(render("self lipsum {{ 'self | random' }}{# lipsum #}{{ {'self': 1}.self }}{% set random = 3 %}{{ random }}"), 'self lipsum self | random13');
  assert.equal(render("with {% set with = 'w' %}{{ with }}{% filter upper %}{{ with|trim }}{% endfilter %}{% set filter = [1] %}{{ filter|length }}"), 'with wW1');
});

test('a statement that loads another template fails where the render reaches it, as jinja2 fails without a loader (a one-line UserError naming its line), and renders nothing where it is not reached', () => {
  const source = 'model/tokenizer_config.json: chat_template';
  // transformers' environment has no loader: jinja2's TypeError, not TemplateNotFound
  const why = "names another template, which a chat template cannot load (transformers' jinja2 environment has no loader: TypeError: no loader for this environment specified)";
  const reached: [string, string][] = [
    ["{% include 'other.jinja' %}", 'line 1: {% include %}'],
    ["a\n\n  {%- extends 'base.jinja' -%}\n", 'line 3: {% extends %}'],
    ["{% if messages %}\n{% import 'lib' as lib %}{% endif %}", 'line 2: {% import %}'],
    ["{% for m in messages %}\r\n\r\n{% from 'lib' import a with context %}{% endfor %}", 'line 3: {% from … import %}'],
  ];
  for (const [template, where] of reached) {
    const t = new ChatTemplate(template, { bosToken: '<s>', eosToken: '</s>', source });
    assert.throws(() => t.render([{ role: 'user', content: 'a' }]), (e: unknown) =>
      isUserError(e) && (e as Error).message === `${source}: chat template failed: ${where} ${why}`, template);
  }
  assert.equal(render("{% if false %}{% extends 'base' %}{% endif %}{% macro m() %}{% include 'x' %}{% endmacro %}a\n  {% if not messages %}\n{% include 'x' %}\n{% endif %}\nb"), 'a\nb');
});

test('a refused global\'s name that the template binds (a set, a loop variable, a macro or call block parameter, a keyword argument) and a filter inside {% filter %}\'s arguments render as jinja2 renders them, not refused at load', () => {
  assert.equal(render("{% set self = 'me' %}{{ self }}"), 'me');
  assert.equal(render('{% for self in [1, 2] %}{{ self }}{% endfor %}'), '12');
  assert.equal(render('{% macro f(self) %}{{ self }}{% endmacro %}{{ f(7) }}'), '7');
  assert.equal(render("{% macro m() %}[{{ caller('me') }}]{% endmacro %}{% call(self) m() %}{{ self }}{% endcall %}"), '[me]');
  // a call block's arguments are not its parameters: there, self is the global
  assert.throws(() => render('{% macro m(x) %}{{ caller(1) }}{% endmacro %}{% call(a) m(self) %}{{ a }}{% endcall %}'), /line 1: jinja2's global self is not supported/);
  assert.equal(render('{{ dict(self=1, lipsum=2) }}'), "{'self': 1, 'lipsum': 2}");
  assert.equal(render("{% filter replace('a', 'b'|upper) %}abc{% endfilter %}"), 'Bbc');
  assert.equal(render('{% filter indent(2, first=([1]|length > 0)) %}a\nb{% endfilter %}'), '  a\n  b');
  // bound only in a loop: a use after it is the global, refused when the render reaches it (the same message)
  assert.throws(() => render('{% for self in [1] %}{% endfor %}{{ self }}'), /jinja2's global self is not supported/);
});

test('a test with an argument keeps the neighbouring syntax: x.is, `is` then else/and/or, an unclosed bracket', () => {
  assert.equal(render("{% set d = {'is': 1} %}{{ d.is }}|{{ 'a' if 1 is odd else 'b' }}|{{ 2 is even and 3 is odd }}"), '1|a|True');
  assert.throws(() => render('{{ 4 is divisibleby (2 }}'), /./);
});

test('a statement that loads another template, written in a form jinja2 refuses, is refused at load naming it and its line, as jinja2 refuses the template, even where the render would not reach it', () => {
  const source = 'model/tokenizer_config.json: chat_template';
  // each refused by jinja2 3.1.6's parser (TemplateSyntaxError, or TemplateAssertionError for an imported _name)
  const malformed: [string, string][] = [
    ['{% if false %}{% include %}{% endif %}ok', 'line 1: {% include %}'],
    ["{% if false %}\n{% from 'x' %}{% endif %}ok", 'line 2: {% from … import %}'],
    ["a\n\n{% if false %}{% import 'x' %}{% endif %}", 'line 3: {% import %}'],
    ['{% if false %}{%- extends -%}{% endif %}', 'line 1: {% extends %}'],
    ["{% if false %}{% include 'a', 'b' %}{% endif %}", 'line 1: {% include %}'],
    ["{% if false %}{% include 'a' ignore %}{% endif %}", 'line 1: {% include %}'],
    ["{% if false %}{% include 'a' with context ignore missing %}{% endif %}", 'line 1: {% include %}'],
    ["{% if false %}{% extends 'a' with context %}{% endif %}", 'line 1: {% extends %}'],
    ["{% if false %}{% import 'x' as l.m %}{% endif %}", 'line 1: {% import %}'],
    ["{% if false %}{% import 'x' as true %}{% endif %}", 'line 1: {% import %}'],
    ["{% if false %}{% from 'x' import %}{% endif %}", 'line 1: {% from … import %}'],
    ["{% if false %}{% from 'x' import a, %}{% endif %}", 'line 1: {% from … import %}'],
    ["{% if false %}{% from 'x' import _a %}{% endif %}", 'line 1: {% from … import %}'],
    ["{% if false %}{% from 'x' import a b %}{% endif %}", 'line 1: {% from … import %}'],
    ["{% if false %}{% from 'x' import a with %}{% endif %}", 'line 1: {% from … import %}'],
  ];
  for (const [template, where] of malformed) {
    assert.throws(() => new ChatTemplate(template, { bosToken: '<s>', eosToken: '</s>', source }), oneLineUserError(`${source}: cannot parse the chat template: ${where} is not written as jinja2 reads it`), template);
  }
  // an expression the parser refuses, as anywhere else in the template
  assert.throws(() => new ChatTemplate("{% if false %}{% include 'a' + %}{% endif %}", { bosToken: '<s>', eosToken: '</s>', source }), (e: unknown) => isUserError(e));
  // the forms jinja2 reads still load, and render where not reached
  const fine = ["{% include ['a', 'b'] ignore missing without context %}", '{% include x if y else z %}', "{% include 'a' 'b' %}", '{% include a.b[1] | e %}',
    "{% import 'x' as _l with context %}", "{% import 'x' as with %}", "{% from 'x' import a, b as c %}", "{% from 'x' import a, with context %}",
    "{% from 'x' import with %}", "{% from x.y import a as _b without context %}", "{% extends ('a',) | first %}", "{% include 'a'\n %}"];
  for (const statement of fine) assert.equal(render(`{% if false %}${statement}{% endif %}ok`), 'ok', statement);
});

test('a one-item or empty tuple as a for or set target ((a,), ()) unpacks as jinja2 unpacks it, where the parser refused it', () => {
  // jinja2 3.1.6: 1|x|1;2;|x|y
  assert.equal(render("{% set (a,) = [1] %}{{ a }}|{% set (b,) = 'x' %}{{ b }}|{% for (c,) in [[1], (2,)] %}{{ c }};{% endfor %}|{% set () = [] %}x|{% for () in [[], ()] %}{% endfor %}y"), '1|x|1;2;|x|y');
  // too many values to unpack, as jinja2 fails (ValueError)
  assert.throws(() => render('{% set (a,) = [1, 2] %}'), /Too many items to unpack/);
  assert.throws(() => render("{% for (a,) in ['xy'] %}{% endfor %}"), /Too many items to unpack/);
  assert.throws(() => render('{% set () = [1] %}'), /Too many items to unpack/);
});

test("a slice's bound none is no bound and a bool is the int 0 or 1, as in Python; an undefined or float bound fails as jinja2's TypeError", () => {
  // jinja2 3.1.6: [1, 2]|[2, 3]|[]|abc|cba|b|(2,)
  assert.equal(render("{% set l = [1, 2, 3] %}{{ l[none:2] }}|{{ l[true:] }}|{{ l[:false] }}|{{ 'abc'[none:none:none] }}|{{ 'abc'[none:none:-1] }}|{{ ('abc' | safe)[true:2] }}|{{ (1, 2)[true:none] }}"),
    '[1, 2]|[2, 3]|[]|abc|cba|b|(2,)');
  for (const template of ['{% set l = [1, 2] %}{{ l[:undefined_name] }}', "{{ 'abc'[undefined_name:] }}", '{% set l = [1, 2] %}{{ l[1.0:] }}', "{{ messages[::'x'] }}"]) {
    assert.throws(() => render(template), /slice indices must be integers or None/, template);
  }
});
