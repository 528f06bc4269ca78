// {% raw %}…{% endraw %}, which @huggingface/jinja's lexer lacks: jinja-literals.ts hands each raw block here, and it
// becomes `{% if 1 %}{{ '…' }}{% endif %}`, the block's text as a string literal printed as it is, with jinja2's
// whitespace control around it: the tags keep their `-`, `+` and lstrip_blocks on their outer sides (the library applies
// them to the `if` and `endif` as jinja2 to `raw` and `endraw`, trim_blocks too after `endraw`), and their inner sides
// are applied here (Python's whitespace, as jinja2's `\s`): `raw -%}` strips the whitespace the text starts with, `{%- endraw` the whitespace it ends with,
// and a plain `{% endraw %}` (not `{%+ endraw`) alone on its line the indentation before it (lstrip_blocks). No newline after `raw %}` is
// trimmed, as in jinja2 (whose raw_begin has no trim_blocks).

import { WHITESPACE } from './jinja-str-classes.ts';

/** Python's whitespace (jinja2's `\s`), which strips here: `\x1c`, `\x85`, not `\ufeff`. */
const PY_SPACE = `[${WHITESPACE}]`;
const TRAILING = new RegExp(`${PY_SPACE}+$`);
/** The whitespace after the text's last newline (or all of it), before the tag. */
const LINE_INDENT = new RegExp(`(?:^|\n)((?:(?!\n)${PY_SPACE})+)$`);
/** jinja2's raw_begin (lexer.py), anchored: `{%`, its whitespace control, `raw`, `-%}` and the whitespace after, or `%}`. */
const RAW_BEGIN = new RegExp(`\\{%([-+]?)${PY_SPACE}*raw${PY_SPACE}*(?:-%\\}${PY_SPACE}*|%\\})`, 'y');
/** jinja2's raw_end: the first `{% endraw %}` after the text, with its whitespace control on either side. */
const RAW_END = new RegExp(`\\{%([-+]?)${PY_SPACE}*endraw${PY_SPACE}*(\\+%\\}|-%\\}|%\\})`, 'g');

/** Whether a raw block starts at `at` of `text`. */
export function rawBlockAt(text: string, at: number): boolean {
  RAW_BEGIN.lastIndex = at;
  return RAW_BEGIN.test(text);
}

/** The begin and end tags of the raw block that starts at `at` (rawBlockAt is true); end null where it has none. */
function rawTags(text: string, at: number): [begin: RegExpExecArray, end: RegExpExecArray | null] {
  RAW_BEGIN.lastIndex = at;
  const begin = RAW_BEGIN.exec(text)!;
  RAW_END.lastIndex = begin.index + begin[0].length;
  return [begin, RAW_END.exec(text)];
}

/** Where the raw block that starts at `at` (rawBlockAt is true) ends (after its {% endraw %}), or -1 where it does not. */
export function rawBlockEnd(text: string, at: number): number {
  const end = rawTags(text, at)[1];
  return end ? end.index + end[0].length : -1;
}

/** The raw block that starts at `at` (rawBlockAt is true) rewritten as the header says: [its end in `text`, the rewrite]. */
export function rewriteRawBlock(text: string, at: number): [end: number, code: string] {
  const line = text.slice(0, at).split('\n').length;
  const [begin, end] = rawTags(text, at);
  if (!end) throw new Error(`line ${line}: {% raw %} without its {% endraw %} (jinja2: Missing end of raw directive)`);
  let raw = text.slice(begin.index + begin[0].length, end.index);
  if (end[1] === '-') raw = raw.replace(TRAILING, '');
  else if (end[1] !== '+') {
    // lstrip_blocks: the whitespace before the tag on its line, where a newline is before it in the block, or the
    // block's start begins a line (its `raw -%}` ate whitespace ending in a newline)
    const indent = LINE_INDENT.exec(raw);
    if (indent && (indent.index > 0 || raw[0] === '\n' || begin[0].endsWith('\n'))) raw = raw.slice(0, raw.length - indent[1]!.length);
  }
  const literal = `'${raw.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return [end.index + end[0].length, `{%${begin[1]} if 1 %}{{ ${literal} }}{% endif ${end[2]}`];
}
