// Whether generation-blocks.ts's marks can find a chat template's {% generation %} blocks where transformers does.
// Its AssistantTracker counts a block from the length of what the template has written (jinja2 has yielded) when the
// block runs. The output of a macro call, a {% call %}, a {% filter %} or a {% set %}…{% endset %} body is written only
// once it ends, wherever the template puts it: the marks follow a block in a macro only where the macro's output is
// written where it is called, as the whole of a {{ … }} outside any such body (or with `| trim`, `| safe`, `| string`,
// `| default`, `| join`, parentheses, `if … else …`; by its name or a {% set f = turn %}'s) — not a macro called by
// another (passed to it too), by {% call %}, stored with {% set %} and written later, or joined to other text
// ({{ '<A>' ~ turn(m) }}), nor a block inside one of those bodies:
// there the blocks are counted from where the template ran the call, which the marks do not see, and are not followed
// (train_on assistant is refused, as docs/data.md says). Only code is read: a `{% macro %}` in a comment or raw block,
// a `turn(` in the text around tags or in a string literal is none.

import { jinjaTags } from './jinja-tags.ts';

const STRING = String.raw`'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"`;
/** A tag's inside up to its `-%}` or `%}`, a `%}` within a string (a macro's default argument) kept in it. */
export const TAG_INSIDE = String.raw`(?:${STRING}|[^'"%]|%(?!}))*?`;
const GENERATION = /{%-?\s*(end)?generation\s*-?%}/;
const MACRO = new RegExp(String.raw`{%-?\s*macro\s+(\w+)${TAG_INSIDE}-?%}([\s\S]*?){%-?\s*endmacro\s*-?%}`, 'g');
// the tags of bodies whose output is written once they end: {% call %}, {% filter %}, {% set name %}, and their ends
const BUFFERING = new RegExp(String.raw`{%-?\s*(end)?(call|filter|set)\b(${TAG_INSIDE})-?%}`, 'g');

// what may follow a macro's call in its {{ … }} with the output still written whole where it is called, as the
// tracker counts it: the filters that give its text back unchanged — `| safe`, `| string` (transformers 5.17 marks the
// same characters as without them), `| default` with one argument (a macro's output is never undefined; with a second,
// `true`, an empty output would be replaced), `| join` with no separator or '' (a string joined by its characters) and
// `| trim` (the marks keep its ends from being trimmed: where it trims some, the chat's text with the marks left out is
// not the chat's, and generationSpans gives null) —, the parentheses opened before the call closed, and an
// ` if … else …` that writes the call or not. Not `| upper` (ß → SS), `| e`, `| join(', ')`, …: they change the text
const SAME_TEXT_FILTER = /^\s*\|\s*(trim|safe|string|default|d|join)\b\s*/;
const CLOSE_PAREN = /^\s*\)/;
const IF_ELSE_END = new RegExp(String.raw`^\s*(?:if\b(?:${STRING}|[^'"{}])*)?-?}}`);

/**
 * True where `filter` given `args` (the text between its parentheses, string literals blanked: codeOnly) gives a
 * macro's output back unchanged.
 */
function keepsText(filter: string, args: string): boolean {
  if (filter === 'join') return /^\s*(?:''|"")?\s*$/.test(args);
  if (filter !== 'default' && filter !== 'd') return args.trim() === '';
  // one argument: no comma outside brackets (the strings' insides are blanked)
  let depth = 0;
  for (const c of args) {
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) return false;
  }
  return true;
}

/** True where `after`, the text after a macro call's ")" whose {{ opened `parens` parentheses before it, writes its output whole. */
function writtenWhole(after: string, parens: number): boolean {
  let rest = after;
  let open = parens;
  for (;;) {
    const paren = CLOSE_PAREN.exec(rest);
    if (paren !== null) {
      if (--open < 0) return false;
      rest = rest.slice(paren[0].length);
      continue;
    }
    const filter = SAME_TEXT_FILTER.exec(rest);
    if (filter === null) break;
    rest = rest.slice(filter[0].length);
    if (!rest.startsWith('(')) continue;
    const close = closingParen(rest, 1);
    if (close < 0 || !keepsText(filter[1]!, rest.slice(1, close))) return false;
    rest = rest.slice(close + 1);
  }
  return open === 0 && IF_ELSE_END.test(rest);
}

/**
 * How a chat template whose {% generation %} blocks the marks cannot follow is made trainable as TRL trains it: the
 * way out of both refusals (chat-template.ts generationMarkerProblem, data/turn-spans.ts).
 */
export const FOLLOWABLE_BLOCKS_WAY_OUT = 'write each {% generation %} block outside {% call %}, {% filter %} and {% set %} bodies, and each call of a macro '
  + 'holding one as the whole of a {{ … }} ({{ turn(m) }}; `| safe`, `| string`, `| default(…)`, `| join` with no separator, parentheses, '
  + '`if … else …` and a `| trim` that cuts none of its output may stand with it), or train with train_on: all';

/**
 * The most (characters that start a scan) × characters that unfollowedBlock scans: each "{" (a macro, a tag, a
 * {% set %} body), each "(" (a call) and each quote (a string) may be followed to the template's end where it is not
 * closed (in a comment too: `{# {% set {% set … #}`), so a template of thousands of them, which no real one comes near
 * (TRL's training templates, the largest 20 kB: under 0.04 of it; at it, under 1 s), would take minutes.
 */
export const MAX_FOLLOW_WORK = 1 << 29;

/** Why following the blocks of `text` is refused (too much work: MAX_FOLLOW_WORK), or null. */
export function followWorkProblem(text: string): string | null {
  let starts = 0;
  for (let i = 0; i < text.length; i++) if ('{(\'"'.includes(text[i]!)) starts++;
  if (starts * text.length <= MAX_FOLLOW_WORK) return null;
  const n = (x: number) => x.toLocaleString('en-US');
  return `a chat template with {% generation %} blocks and ${n(starts)} "{", "(" and quotes in ${n(text.length)} characters: `
    + `its blocks are followed only where their number × characters is at most ${n(MAX_FOLLOW_WORK)}; shorten the template`;
}

/**
 * Where a {% generation %} block of `text` stands where the marks do not find it as transformers counts it — what
 * stands there and its line —, or null where every block is followed.
 */
export function unfollowedBlock(template: string): string | null {
  const text = codeOnly(template);
  const line = (at: number) => text.slice(0, at).split('\n').length;
  const macros = [...text.matchAll(MACRO)].map((m) => ({ name: m[1]!, at: m.index, end: m.index + m[0].length, body: m[2]! }));
  const buffered = bufferedBodies(text);
  const inBody = buffered.find((b) => GENERATION.test(b.body));
  if (inBody !== undefined) return `a {% generation %} block inside a {% call %}, {% filter %} or {% set %} body (line ${line(inBody.at)})`;
  const inside = (at: number) => [...macros, ...buffered].some((m) => at > m.at && at < m.end);
  const strings = new RegExp(STRING, 'g');
  const codes = [...text.matchAll(/{{[\s\S]*?}}|{%[\s\S]*?%}/g)].map((tag) => tag[0].replace(strings, "''"));
  for (const macro of macros.filter((m) => GENERATION.test(m.body))) {
    const names = callNames(codes, macro.name);
    if (names === null) return `macro ${macro.name} (line ${line(macro.at)}), which holds a {% generation %} block, named otherwise than in a call (passed to another macro, or aliased twice)`;
    const headerEnd = text.indexOf('%}', macro.at);
    for (const call of text.matchAll(new RegExp(String.raw`(?<![\w.])(?:${names.join('|')})\s*\(`, 'g'))) {
      if (call.index > macro.at && call.index < headerEnd) continue; // its own header
      const close = closingParen(text, call.index + call[0].length);
      const opened = /{{-?\s*((?:\(\s*)*)$/.exec(text.slice(0, call.index));
      if (inside(call.index) || close < 0 || opened === null || !writtenWhole(text.slice(close + 1), opened[1]!.split('(').length - 1)) {
        return `a call of macro ${macro.name}, which holds a {% generation %} block, not written whole where it is called (line ${line(call.index)}: `
          + 'inside another macro, a {% call %}, {% filter %} or {% set %} body or a comment, or joined to other text or passed through a filter that may change it)';
      }
    }
  }
  return null;
}

/**
 * `template` with all but its code blanked, its newlines kept (so places and lines are the template's): the text around
 * tags, comments and raw blocks, and the insides of the string literals in {{ … }} and {% … %} (their quotes kept). So
 * a `{% macro turn(m) %}` in a comment, a `turn(` in the text or in `{{ 'turn(' }}` and a `{% generation %}` or
 * `{% endmacro %}` in a string literal are none: jinja2 reads them as text.
 */
function codeOnly(template: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  const strings = new RegExp(STRING, 'g');
  let text = '';
  let from = 0;
  for (const tag of jinjaTags(template)) {
    const inside = template.slice(tag.start, tag.end);
    text += blank(template.slice(from, tag.start))
      + (tag.open === '{#' || tag.open === 'raw' ? blank(inside) : inside.replace(strings, (s) => s[0] + blank(s.slice(1, -1)) + s[0]));
    from = tag.end;
  }
  return text + blank(template.slice(from));
}

/**
 * The names macro `name` is called by (`codes`: the template's tags, their strings emptied): its own and those of a `{% set f = name %}` (its calls followed as the macro's),
 * or null where a tag names it otherwise than so or as a call — passed to another macro, aliased twice — whose calls
 * are not seen.
 */
function callNames(codes: readonly string[], name: string): string[] | null {
  const bare = (n: string) => new RegExp(String.raw`(?<![\w.])${n}\b(?!\s*\()`);
  const names = [name];
  const bareName = bare(name);
  for (const code of codes) {
    if (!bareName.test(code)) continue;
    const alias = new RegExp(String.raw`^{%-?\s*set\s+(\w+)\s*=\s*${name}\s*-?%}$`).exec(code);
    if (alias === null) return null;
    names.push(alias[1]!);
  }
  // an alias named otherwise than in a call: its calls are not seen
  const aliased = names.slice(1).map((a) => ({ bare: bare(a), set: new RegExp(String.raw`^{%-?\s*set\s+${a}\s*=\s*${name}\s*-?%}$`) }));
  for (const code of codes) {
    if (aliased.some((a) => a.bare.test(code) && !a.set.test(code))) return null;
  }
  return names;
}

/** The index of the ")" that closes the call whose arguments start at `from` (after its "("), strings skipped; -1 if none. */
function closingParen(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const quoted = new RegExp(STRING, 'y');
      quoted.lastIndex = i;
      if (!quoted.test(text)) return -1;
      i = quoted.lastIndex - 1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * The {% call %}, {% filter %} and {% set name %} bodies of `text` (not an inline {% set name = … %}, which has none),
 * each from its tag to its end tag, a body inside another of its kind ended by its own end tag, not the outer one's.
 */
function bufferedBodies(text: string): Array<{ at: number; end: number; body: string }> {
  const open: Array<{ kind: string; at: number; bodyAt: number }> = [];
  const bodies: Array<{ at: number; end: number; body: string }> = [];
  for (const tag of text.matchAll(BUFFERING)) {
    const kind = tag[2]!;
    if (tag[1] === undefined) {
      if (kind !== 'set' || !/^[\w\s.,()]*=/.test(tag[3]!)) open.push({ kind, at: tag.index, bodyAt: tag.index + tag[0].length });
      continue;
    }
    const i = open.findLastIndex((o) => o.kind === kind);
    if (i < 0) continue;
    const { at, bodyAt } = open[i]!;
    open.length = i;
    bodies.push({ at, end: tag.index + tag[0].length, body: text.slice(bodyAt, tag.index) });
  }
  return bodies;
}
