# The Jinja constructs of jinja15's table rendered by transformers' own chat-template environment
# (transformers.utils.chat_template_utils._compile_jinja_template: jinja2's ImmutableSandboxedEnvironment with
# trim_blocks, lstrip_blocks, loopcontrols, its tojson and raise_exception), each with apply_chat_template's
# keyword arguments for one user and one assistant message. Prints one JSON line per case, {name, template, text} or
# {name, template, error}, then the versions: the expected strings of test/tokenizer/jinja-constructs.test.ts come from here.
# Run: HF_HUB_OFFLINE=1 /tmp/hfvenv-NAME/bin/python scripts/hf-check/jinja_constructs.py   (venv recipe: PREAMBLE)
import json, sys
import jinja2, transformers
from transformers.utils.chat_template_utils import _compile_jinja_template

CASES = {
    "truncate": "{{ 'hello world foo' | truncate(9) }}|{{ 'hello world foo' | truncate(9, True) }}|{{ 'hello world foo' | truncate(11, False, '>>', 0) }}|{{ 'hello' | truncate(9) }}|{{ 'hello world foo bar' | truncate(16) }}|{{ 'hello world foo bar' | truncate(length=12, killwords=true, end='~') }}",
    "escape": "{{ '<a href=\"x\">&\\'</a>' | e }}|{{ '<b>' | escape }}|{{ 5 | e }}|{{ none | e }}|{{ ('<' | e) ~ '>' }}|{{ ('<' | e) + '>' }}|{{ ('<' | e) | length }}",
    "escape-twice": "{{ '<' | e | e }}|{{ '<' | e | upper }}|{{ ['<'] | map('e') | join(',') }}",
    "divisibleby": "{{ 4 is divisibleby 2 }}|{{ 5 is divisibleby(2) }}|{{ 6 is divisibleby 3 }}|{% for m in [1,2,3,4] %}{% if loop.index is divisibleby 2 %}E{% else %}O{% endif %}{% endfor %}|{{ 4 is not divisibleby 3 }}",
    "divisibleby-in-expressions": "{{ 1 + 4 is divisibleby 2 }}|{{ [1, 2, 3, 4] | select('divisibleby', 2) | list }}|{{ 6 is divisibleby 2 and 6 is divisibleby(3) }}|{{ 'y' if 9 is divisibleby 3 else 'n' }}|{{ 7 is not divisibleby(7) }}|{{ 3 is eq 3 }}|{{ 'a' is in 'abc' }}|{{ messages[0].role is eq 'user' }}",
    "escape-concat": "{{ '>' + ('<' | e) }}|{% set x = '<' | e %}{{ x + '&' }}|{{ x ~ '&' }}|{{ x | string | e }}",
    "tuple-unpack": "{% for a, b in [(1, 2), (3, 4)] %}{{ a }}{{ b }};{% endfor %}",
    "unicode-text-filters": "{{ 'ééééé ééééé ééééé' | truncate(9) }}|{{ 'héllo wörld_x 3² ü' | wordcount }}|{{ 'é😀' | center(6) }}|",
    "loop-cycle": "{% for x in [1,2,3] %}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "loop-changed": "{% for x in [1, 1, 2, 1] %}{{ loop.changed(x) }}{% set outer = loop %}{% for y in [0, 0] %}{{ outer.changed(x) }}{{ loop.changed(y, x) }}{% endfor %};{% endfor %}",
    "sameas": "{{ none is sameas none }}|{{ false is sameas false }}|{{ 0 is sameas false }}|{{ messages[5] is sameas none }}|{{ [none, 1, false] | select('sameas', none) | list }}|{{ true is not sameas(true) }}",
    "percent-format": "{{ '%s-%d' % ('a', 3) }}|{{ '%05.2f' % 3.14159 }}|{{ '%s' % 'x' }}|{{ '%(k)s' % {'k': 1} }}",
    "floordiv-pow": "{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7.5 // 2 }}|{{ 2 ** 10 }}|{{ 2 ** -1 }}|{{ 2.0 ** 2 }}|{{ 2 ** 3 ** 2 }}",
    "wordcount": "{{ 'a b  c' | wordcount }}|{{ '' | wordcount }}|{{ 'one,two three-four' | wordcount }}",
    "center": "{{ 'abc' | center(7) }}|{{ 'abc' | center(8) }}|{{ 'abcd' | center(7) }}|{{ 'abc' | center }}|",
    "indent": "{{ 'a\\n\\nb' | indent(2) }}|{{ 'a\\n\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(2, first=true, blank=true) }}|{{ 'a\\nb' | indent('> ') }}",
    "format-filter": "{{ '%s=%d' | format('a', 2) }}|{{ '%(x)s!' | format(x='y') }}|{{ '%.3f' | format(2.5) }}",
    "dictsort": "{% for k, v in {'b': 2, 'A': 1, 'c': 0} | dictsort %}{{ k }}{{ v }}{% endfor %}|{% for k, v in {'b': 2, 'A': 1, 'c': 0} | dictsort(true) %}{{ k }}{% endfor %}|{% for k, v in {'b': 2, 'a': 1, 'c': 0} | dictsort(by='value') %}{{ k }}{% endfor %}|{% for k, v in {'b': 2, 'a': 1} | dictsort(reverse=true) %}{{ k }}{% endfor %}",
    "groupby": "{% for g in [{'r': 'b', 'v': 1}, {'r': 'a', 'v': 2}, {'r': 'b', 'v': 3}] | groupby('r') %}{{ g.grouper }}:{{ g.list | map(attribute='v') | join(',') }};{% endfor %}|{% for r, items in [{'r': 'b'}, {'r': 'a'}] | groupby('r') %}{{ r }}{{ items | length }}{% endfor %}|{{ [{'r': 'b'}] | groupby('r') }}",
    "map-attribute": "{{ messages | map(attribute='role') | join(',') }}|{{ [{'a': {'b': 1}}, {'a': {'b': 2}}] | map(attribute='a.b') | list }}|{{ [{'a': 1}, {}] | map(attribute='a', default=0) | list }}",
    "selectattr-equalto": "{{ [{'x': 1}, {'x': 2}, {'x': 1}] | selectattr('x', 'equalto', 1) | list | length }}|{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join }}|{{ [{'x': 1}, {'x': 2}] | rejectattr('x', 'eq', 1) | list }}",
    "batch": "{{ [1, 2, 3, 4, 5] | batch(2) | list }}|{{ [1, 2, 3] | batch(2, 0) | list }}|{% for row in 'abcde' | batch(3, '.') %}{{ row | join }};{% endfor %}",
    "slice": "{{ [1, 2, 3, 4, 5] | slice(2) | list }}|{{ [1, 2, 3, 4, 5] | slice(3, 0) | list }}|{{ [1, 2] | slice(3) | list }}",
    "sum-attribute": "{{ [{'n': 1}, {'n': 2.5}] | sum(attribute='n') }}|{{ [1, 2, 3] | sum(start=10) }}|{{ [] | sum }}",
    "unique": "{{ ['a', 'A', 'b', 'a'] | unique | list }}|{{ ['a', 'A', 'b'] | unique(true) | list }}|{{ [{'k': 1}, {'k': 1}, {'k': 2}] | unique(attribute='k') | list }}",
    "min-max": "{{ [3, 1, 2] | min }}|{{ [3, 1, 2] | max }}|{{ ['b', 'A', 'c'] | min }}|{{ ['b', 'A', 'c'] | max(case_sensitive=true) }}|{{ [{'n': 2}, {'n': 1}] | min(attribute='n') }}|{{ [] | max }}",
    "round": "{{ 2.5 | round }}|{{ 3.5 | round }}|{{ 2.675 | round(2) }}|{{ 2.1 | round(0, 'ceil') }}|{{ 2.9 | round(method='floor') }}|{{ 7 | round }}|{{ 1234 | round(-2) }}",
    "int-float-defaults": "{{ 'x' | int }}|{{ 'x' | int(7) }}|{{ '3.9' | int }}|{{ '0x1A' | int(0, 16) }}|{{ 'x' | float }}|{{ 'x' | float(1.5) }}|{{ '2' | float }}|{{ none | int(-1) }}",
    "round-negative-precision": "{{ 1234.5 | round(-2) }}|{{ 1250.0 | round(-2) }}|{{ -4.0 | round(-1) }}|{{ 25 | round(-1) }}|{{ 35 | round(-1) }}|{{ 0.125 | round(2) }}|{{ -0.4 | round }}",
    "big-ints": "{{ 10 ** 20 }}|{{ 10 ** 21 }}|{{ 2 ** 53 }}|{{ 10 ** 22 * 3 }}|{{ 2 ** 64 }}",
    "pairs-print-as-tuples": "{{ {'b': 'X', 'a': 'y'} | dictsort(by='value') }}|{{ {2: 'a', 1: 'b'} | dictsort }}|{{ {'a': 1} | items | list }}|{{ {'a': 1}.items() | list }}|{% for k, v in {'a': 1}.items() %}{{ k }}{{ v }}{% endfor %}|{% for k, v in {'b': 1, 'a': 2} | dictsort %}{{ k }}{{ v }}{% endfor %}",
    "indent-of-a-non-str-fails": "{{ 5 | indent }}",
    "tojson-indent": "{{ {'a': [1, 'b'], 'c': none} | tojson(indent=2) }}|{{ [1, 2] | tojson }}|{{ {'é': '<'} | tojson }}",
    "tojson-sort-keys-code-points": "{{ {'😀': 1, '！': 2, 'a': 3} | tojson(sort_keys=true) }}",
    "generator-as-value": "[{{ (messages | selectattr('role', 'eq', 'user'))[0] }}]|{{ (messages | map(attribute='role')) == ['user', 'assistant'] }}|{{ (messages | map(attribute='role')) is sequence }}|{{ messages | map(attribute='role') | reverse | list | length }}|{{ messages | map(attribute='role') | list | length }}|{{ messages | reverse | reverse | length }}|{{ messages | map(attribute='role') | join(',') }}",
    "generator-has-no-len": "{{ messages | selectattr('role', 'eq', 'user') | length }}",
    "generator-count": "{{ messages | map(attribute='role') | count }}",
    "generator-tojson": "{{ messages | map(attribute='role') | tojson }}",
    "items-tojson": "{{ {'a': 1} | items | tojson }}",
    "generator-last": "{{ messages | selectattr('role', 'eq', 'user') | last }}",
    "generator-slice": "{{ (messages | map(attribute='role'))[1:] }}",
    "dict-view-slice": "{{ {'a': 1}.items()[1:] }}",
    "generator-plus-list": "{{ (messages | map(attribute='role')) + ['a'] }}",
    "list-plus-generator": "{{ ['a'] + (messages | map(attribute='role')) }}",
    "generator-times-int": "{{ (messages | selectattr('role')) * 2 }}",
    "range-plus-list": "{{ range(2) + [1] }}",
    "dict-keys-plus-list": "{{ {'a': 1}.keys() + ['b'] }}",
    "tuple-plus-and-times": "{{ (1, 2) + (3, 4) }}|{{ (1, 2) * 2 }}|{{ 2 * (1, 2) }}|{{ ((1, 2) + (3, 4)) | length }}|{% macro f() %}{{ varargs + (9, 8) }}{% endmacro %}{{ f(1) }}",
    "tuple-plus-list": "{{ (1, 2) + [3] }}",
    "list-plus-tuple": "{{ [3] + (1, 2) }}",
    "list-of-them-plus-list": "{{ (messages | map(attribute='role') | list) + ['a'] }}|{{ range(2) | list + [1] }}|{{ 2 * (messages | map(attribute='role') | list) }}",
    "int-float-of-strs": "{{ '12345678901234567890' | int }}|{{ '-99999999999999999999' | int }}|{{ '0x1FFFFFFFFFFFFFFFF' | int(0, 16) }}|{{ '9007199254740993' | int }}|{{ '0b101' | int(0, 0) }}|{{ '0x1f' | int(0, 0) }}|{{ '0o17' | int(0, 0) }}|{{ '010' | int(0, 0) }}|{{ '٣' | int }}|{{ '１２' | int }}|{{ '٣.٥' | float }}|{{ '𝟗𝟘' | int }}|{{ '1e20' | int }}",
    "tojson-indent-kinds": "{{ {'a': [1, {}]} | tojson(indent='\\t') }}|{{ {'a': [1]} | tojson(indent=-1) }}|{{ {'a': 1} | tojson(indent='ab') }}|{{ {'a': 1} | tojson(indent=true) }}|{{ [1] | tojson(indent=false) }}",
    "tojson-indent-float-fails": "{{ {'a': 1} | tojson(indent=1.5) }}",
    "int-of-undefined-fails": "{{ messages[0].nope | int }}",
    "int-default-of-undefined-fails": "{{ foo | int(5) }}",
    "float-of-undefined-fails": "{{ foo | float }}",
    "tuple-slices": "{{ (1, 2, 3)[1:] }}|{{ (1, 2)[::-1] }}|{% macro f() %}{{ varargs[1:] }}{{ varargs[:1] }}{{ varargs[0] }}{% endmacro %}{{ f(1, 2, 3) }}",
    "trailing-commas": "{{ [1, 2,] }}|{{ {'a': 1,} }}|{{ (1, 2,) }}|{{ [[1,], {'b': [2,],},] }}|{{ 'x{}'.format(1,) }}|{% macro f(a, b=2) %}{{ a }}{{ b }}{% endmacro %}{{ f(1,) }}{{ f(1, b=3,) }}|{% for x in [1, 2,] %}{{ x }}{% endfor %}|{% for x in (1, 2,) %}{{ x }}{% endfor %}|{{ messages | selectattr('role', 'eq', 'user',) | list | length }}",
    "generator-read-once": "{% set users = messages | selectattr('role', 'eq', 'user') %}{% for u in users %}a{% endfor %}|{% for u in users %}b{% endfor %}|{{ users | list | length }}|{% set r = messages | map(attribute='role') %}{{ r | join(',') }}|{{ r | join(',') }}|{% set r = messages | map(attribute='role') %}{{ r | first }}|{{ r | list }}|{% set r = messages | map(attribute='role') %}{{ 'user' in r }}|{{ 'user' in r }}|{{ 'assistant' in r }}|{% set r = messages | map(attribute='role') %}{{ 'assistant' in r }}|{{ r | list }}|{% set r = messages | reverse %}{{ r | map(attribute='role') | list }}{{ r | list }}|{% set r = messages | map(attribute='role') %}{% if r %}T{% endif %}{{ r | list }}{% if r %}T{% endif %}",
}

env = _compile_jinja_template("{{ '' }}").environment
for name, template in CASES.items():
    row = {"name": name, "template": template}
    try:
        row["text"] = _compile_jinja_template(template).render(
            messages=[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}],
            tools=None, documents=None, add_generation_prompt=False, bos_token="<s>", eos_token="</s>")
    except Exception as e:
        row["error"] = f"{type(e).__name__}: {e}"
    print(json.dumps(row, ensure_ascii=False))
print(json.dumps({"versions": {"transformers": transformers.__version__, "jinja2": jinja2.__version__, "python": sys.version.split()[0],
                               "autoescape": env.autoescape}}))
