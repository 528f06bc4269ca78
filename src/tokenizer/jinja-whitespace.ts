// jinja2's whitespace control, as transformers' environment has it (trim_blocks, lstrip_blocks), applied to a
// template's text before @huggingface/jinja lexes it, the tags found as jinja2's lexer finds them (jinja-tags.ts). The
// library's own (preprocess with those options) runs over the whole text, string literals and comments too:
// `{{ 'a%}\nb' }}` lost its newline and `{{ '{% generation %}' }}` its text. Here, as in jinja2's lexer.py:
// - `{%-`, `{{-`, `{#-` strip all the whitespace (Python's str.isspace) before the tag; `-%}`, `-}}`, `-#}` all after it;
// - lstrip_blocks: a `{%` or `{#` (not `{{`, not `{%+`) with only whitespace before it on its line loses it;
// - trim_blocks: one newline right after a `%}` or `#}` (not `+%}`, `+#}`) is dropped;
// and the text is written with those applied, the controls left out and the comments dropped, so the library's
// preprocess finds nothing to do (it is called without the options): a `{%` in a string literal is written `\x7b%`, which
// its {% generation %} rule does not match, and the one trailing newline jinja2 drops is dropped here.
import { jinjaTags } from './jinja-tags.ts';
import { WHITESPACE } from './jinja-str-classes.ts';

const TRAILING_SPACE = new RegExp(`[${WHITESPACE}]+$`);
const LEADING_SPACE = new RegExp(`[${WHITESPACE}]*`, 'y');
const ONLY_SPACE = new RegExp(`^[${WHITESPACE}]+$`);
/** A string literal, or a `{` before a `%` (outside one: the library's lexer reads the rest). */
const IN_CODE = /'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*"/gs;

/** A tag's code with each `{%` inside its string literals written `\x7b%` (the same string to the library's lexer). */
function hideTagOpenings(code: string): string {
  if (!code.includes('{%')) return code;
  return code.replace(IN_CODE, (literal) => literal.replace(/(\\[^]|[^\\])/g, (c, _x, at: number) => (c === '{' && literal[at + 1] === '%' ? '\\x7b' : c)));
}

/** `text` with jinja2's whitespace control applied, as the header says. */
export function jinja2Whitespace(text: string): string {
  if (!/[{%#]/.test(text)) return text;
  if (text.endsWith('\n')) text = text.slice(0, -1); // keep_trailing_newline=False: before lexing, as jinja2
  const out: string[] = [];
  // text and tags joined where jinja2 strips what stood between them or drops a comment: a `{` before a `{`, `%`
  // or `#` would open a tag in the library's lexer (`:{` then `{%- if`), so it is written as a tag printing it
  const append = (piece: string) => {
    if (piece === '') return;
    const last = out.at(-1);
    if (last?.endsWith('{') && /^[{%#]/.test(piece)) out[out.length - 1] = `${last.slice(0, -1)}{{ '{' }}`;
    out.push(piece);
  };
  let pos = 0;
  let lineStarting = true; // jinja2's line_starting: the last tag's end (with what it trimmed) ended a line
  for (const tag of jinjaTags(text)) {
    let before = text.slice(pos, tag.start);
    if (tag.left === '-') before = before.replace(TRAILING_SPACE, '');
    else if (tag.left !== '+' && tag.open !== '{{') {
      const lineStart = before.lastIndexOf('\n') + 1;
      if ((lineStart > 0 || lineStarting) && ONLY_SPACE.test(before.slice(lineStart))) before = before.slice(0, lineStart);
    }
    append(before);
    if (tag.open === 'raw') append(tag.code);
    else if (tag.open !== '{#') append(`${tag.open}${hideTagOpenings(tag.code)}${tag.open === '{{' ? '}}' : '%}'}`);
    pos = tag.end;
    let trimmed = '';
    if (tag.right === '-') {
      LEADING_SPACE.lastIndex = pos;
      trimmed = LEADING_SPACE.exec(text)![0];
    }
    else if (tag.right === '' && tag.open !== '{{' && tag.open !== 'raw' && text[pos] === '\n') trimmed = '\n';
    pos += trimmed.length;
    lineStarting = trimmed.endsWith('\n');
  }
  const rest = text.slice(pos);
  const unclosed = /\{\{|\{%|\{#/.exec(rest);
  if (unclosed) {
    // jinja2 fails here too (unexpected end of template, Missing end of comment tag); left to the library, the text
    // would render: its {% generation %} rule would strip `{%- endgeneration %}` out of `{{%- endgeneration %}`
    const line = text.slice(0, pos + unclosed.index).split('\n').length;
    throw new Error(`line ${line}: the ${unclosed[0]} opened here is not closed (jinja2: unexpected end of template)`);
  }
  append(rest);
  // a newline the text ends with now (before a dropped comment or a trimmed tag) is jinja2's: an empty comment after
  // it keeps the library's preprocess from dropping it as the template's last
  if (out.at(-1)?.endsWith('\n')) out.push('{##}');
  return out.join('');
}
