# Writes (to stdout) generated probe cases for jinja-probe.ts, in fixtures/jinja-cases.txt's format: whitespace
# control (- on every tag and expression side, with spaces, tabs and newlines around, comments, set blocks, macros)
# and str methods and filters over strings with Unicode whitespace, control characters, combining marks, emoji and
# case-mapping oddities. Deterministic (no randomness).
#   python3 test/tokenizer/jinja-probe-generate.py > /tmp/gen.txt && node --import tsx test/tokenizer/jinja-probe.ts /tmp/gen.txt
import json

TAGS = [("{%", "%}"), ("{%-", "%}"), ("{%", "-%}"), ("{%-", "-%}")]
EXPRS = [("{{", "}}"), ("{{-", "}}"), ("{{", "-}}"), ("{{-", "-}}")]
AROUND = ["", " ", "  \n", "\n  ", "\t\n\t", "x \n  "]
n = 0
for o, c in TAGS:
    for eo, ec in EXPRS:
        for p in AROUND:
            n += 1
            print(f"## ws-{n}")
            print(f"a{p}{o} if true {c}{p}b{p}{eo} 'e' {ec}{p}{o} endif {c}{p}c{p}{o} for x in [1,2] {c}{p}{eo} x {ec}{p}{o} endfor {c}{p}d")
for i, p in enumerate(AROUND):
    print(f"## ws-comment-{i}")
    print(f"a{p}{{# c #}}{p}b{p}{{#- c -#}}{p}c{p}{{#- c #}}{p}d")
    print(f"## ws-set-{i}")
    print(f"a{p}{{% set x = 1 %}}{p}b{p}{{% set y %}}{p}Y{p}{{% endset %}}{p}[{{{{ y }}}}]{p}{{%- macro m() -%}}{p}M{p}{{%- endmacro %}}{p}{{{{ m() }}}}{p}")
    print(f"## ws-text-{i}")
    print(f"   {{% if true %}}{p}  x{p}   {{% endif %}}   {p}{{% for m in messages %}}{p}  {{{{ m.role }}}}{p}{{% endfor %}}")

STRINGS = ["a\u00a0b", " \u3000x\u2028", "\x1c\x1d\x1e\x1fy\x85", "\ufeffz\u200b", "e\u0301", "\U0001F600x", "ß", "İ", "ǅa", "ΣΑΣ",
           "\t\v\f\r\n", "<b>&'\"", "\x00\x07\x1b", "\ud7ff", "a\\b", "Ⅻ", "١٢", "²", "ﬁ"]
OPS = ["{{ s | tojson }}", "{{ s | trim }}", "[{{ s.strip() }}]", "{{ s.split() }}", "{{ s.upper() }}", "{{ s.lower() }}",
       "{{ s.title() }}", "{{ s.capitalize() }}", "{{ s | length }}", "{{ s.isspace() }}", "{{ s.isdigit() }}", "{{ s.isalpha() }}",
       "{{ s.isalnum() }}", "{{ s.isnumeric() }}", "{{ s.isdecimal() }}", "{{ s.splitlines() }}", "{{ s | wordcount }}", "{{ [s] }}",
       "{{ s | capitalize }}", "{{ s | title }}", "{{ s | upper }}", "{{ s.swapcase() }}", "{{ s | center(9) }}", "{{ s[::-1] }}",
       "{{ s | reverse }}", "{{ s | list }}", "{{ s | tojson(ensure_ascii=true) }}", "{{ '%r' % s }}", "{{ '{!r}'.format(s) }}",
       "{{ s.isupper() }}|{{ s.islower() }}", "{{ s | escape }}", "{{ s.split(' ') }}", "{{ s.rstrip() }}|{{ s.lstrip() }}",
       "{{ s.zfill(5) }}", "{{ {s: 1} }}", "{{ s | replace('', '-') }}", "{{ s.find('x') }}", "{{ s < 'b' }}", "{{ [s, 'a'] | sort }}"]
for i, s in enumerate(STRINGS):
    # a template string literal: JSON's escapes, which jinja2 and the library read alike, but the real character
    # beyond the BMP (a JSON surrogate pair would be two lone surrogates in jinja2)
    literal = "".join(ch if ord(ch) > 0xFFFF else json.dumps(ch)[1:-1] for ch in s)
    for j, op in enumerate(OPS):
        print(f"## str-{i}-{j}")
        print('{% set s = "' + literal + '" %}' + op)
