// A template's tags ({{ … }}, {% … %}, {# … #}, raw blocks) found as jinja2's lexer (lexer.py, 3.1) finds them: a tag
// opens at the first `{{`, `{%` or `{#` of the text around tags, with its whitespace control (`-`, `+`) after it; a
// {{ }} or {% %} ends at the first `}}` / `%}` (`-}}`, `-%}`, `+%}`) outside its string literals and brackets, a
// comment at its first `#}` (`-#}`, `+#}`), a raw block at its {% endraw %}. So a `{% generation %}`, a `%}` or a
// newline in a string literal (`{{ '{% generation %}' }}`, `{{ 'a%}\nb' }}`) or in a comment is not a tag's.
import { rawBlockAt, rawBlockEnd } from './jinja-raw-blocks.ts';

export interface JinjaTag {
  /** `{{`, `{%`, `{#`, or `raw` for a whole {% raw %}…{% endraw %} block. */
  open: '{{' | '{%' | '{#' | 'raw';
  /** Where the tag starts (its `{`) and ends (after its `}}`, `%}`, `#}`). */
  start: number;
  end: number;
  /** The tag's code (a comment's text) between its whitespace controls. */
  code: string;
  /** The whitespace control after the opening and before the closing: '-', '+' or '' (raw: ''). */
  left: string;
  right: string;
}

const OPEN = /\{\{|\{%|\{#/g;
/** jinja2's string_re, anchored. */
const STRING = /'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*"/sy;

/** The tags of `text` in order (see the header); none after a tag that does not end (jinja2 fails there). */
export function* jinjaTags(text: string): Generator<JinjaTag> {
  for (OPEN.lastIndex = 0; ; ) {
    const found = OPEN.exec(text);
    if (!found) return;
    const start = found.index;
    const tag = found[0] === '{%' && rawBlockAt(text, start) ? rawTag(text, start) : found[0] === '{#' ? commentAt(text, start) : codeTagAt(text, start, found[0] as '{{' | '{%');
    if (!tag) return;
    yield tag;
    OPEN.lastIndex = tag.end;
  }
}

/** The whitespace control at `i` of `text` ('-', '+' or ''). */
function control(text: string, i: number): string {
  return text[i] === '-' || text[i] === '+' ? text[i]! : '';
}

function rawTag(text: string, start: number): JinjaTag | null {
  const end = rawBlockEnd(text, start);
  return end < 0 ? null : { open: 'raw', start, end, code: text.slice(start, end), left: '', right: '' };
}

function commentAt(text: string, start: number): JinjaTag | null {
  const left = control(text, start + 2);
  const from = start + 2 + left.length;
  const close = text.indexOf('#}', from);
  if (close < 0) return null;
  const right = close > from ? control(text, close - 1) : '';
  return { open: '{#', start, end: close + 2, code: text.slice(from, close - right.length), left, right };
}

function codeTagAt(text: string, start: number, open: '{{' | '{%'): JinjaTag | null {
  const left = control(text, start + 2);
  const from = start + 2 + left.length;
  const close = open === '{{' ? '}}' : '%}';
  let depth = 0;
  for (let i = from; i < text.length; ) {
    const c = text[i]!;
    if (depth === 0) {
      // jinja2 tries the end first at each token: `-%}` / `+%}` (blocks only) / `%}`, `-}}` / `}}`
      const right = control(text, i);
      if (text.startsWith(close, i + right.length) && (right !== '+' || open === '{%')) {
        return { open, start, end: i + right.length + 2, code: text.slice(from, i), left, right };
      }
    }
    if (c === "'" || c === '"') {
      STRING.lastIndex = i;
      const literal = STRING.exec(text);
      if (!literal) return null;
      i += literal[0].length;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
    i++;
  }
  return null;
}
