// Literals as jinja2's lexer reads them, where @huggingface/jinja's lexer reads them otherwise, rewritten in a
// template's text before the library lexes it:
// - number literals: the library reads only digits with one optional fraction, jinja2 also `1_000`, `0x10`, `0o17`,
//   `0b11` (ints), `1e3`, `2.5E-3`, `1_0.5` (floats). Each such literal inside a tag ({{ }}, {% %}) is written as the
//   plain decimal literal of the same value (1000, 16, 15, 3; 1000.0, 0.0025, 10.5), which the library reads as jinja2
//   reads the original: the same int (an int past 2**53 then goes to jinja-int-literals.ts) or the same float (a
//   float's shortest digits, spelled out without an exponent, read back to the same double). An int literal with a
//   leading zero (`007`) is refused, as jinja2 refuses it (two literals in a row), where the library would read 7;
// - string literals: a backslash before a newline is a line continuation, nothing in the string (Python's
//   unicode-escape, which jinja2 unescapes with), where the library refuses it;
// - raw blocks ({% raw %}…{% endraw %}) as jinja-raw-blocks.ts writes them;
// - a name jinja-refused.ts refuses (lipsum, self, | urlize, | random, {% with %}…) fails here, naming its line (a
//   global the template binds, as in {% set self = … %}, is left to the render-time check, which knows scope);
// - a statement that loads another template ({% include 'x' %}) is written as jinja-loader-tags.ts reads it (a form
//   jinja2's parser refuses fails here, naming its line).
// Text outside the tags, names (`x1e3`) and comments are left as they are.
import { rawBlockAt, rewriteRawBlock } from './jinja-raw-blocks.ts';
import { MAY_NAME_REFUSED, refusedName } from './jinja-refused.ts';
import { isLoaderStatement, loaderTagCode } from './jinja-loader-tags.ts';

/** jinja2's integer_re and float_re (lexer.py), anchored at a position. */
const INTEGER = /0b(?:_?[01])+|0o(?:_?[0-7])+|0x(?:_?[\da-f])+|[1-9](?:_?\d)*|0(?:_?0)*/iy;
const FLOAT = /(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?e[+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/iy;
/** A name (jinja2's name_re: a Python identifier), skipped whole so that the digits in `x1e3` stay part of it. */
const NAME = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
const STRING = /'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*"/sy;
/** Where a tag, a comment or a raw block starts. */
const OPEN = /\{\{|\{%|\{#/g;

/** The plain decimal literal of a finite float: its shortest digits (JavaScript's, as Python's repr), no exponent. */
function floatLiteral(x: number, source: string): string {
  if (!Number.isFinite(x)) throw new Error(`the float literal ${source} is out of range: mistral-tune's template renderer cannot print it as jinja2 does (inf)`);
  if (Number.isInteger(x)) return `${BigInt(x)}.0`;
  const shortest = String(x);
  const m = /^(\d+)(?:\.(\d+))?e-(\d+)$/.exec(shortest);
  if (!m) return shortest;
  // d.ddde-N: N-1 zeros after the point, then the digits
  return `0.${'0'.repeat(Number(m[3]) - m[1]!.length)}${m[1]}${m[2] ?? ''}`;
}

/** The literal that starts at `i` of `code` (a digit there): [its length, what the library should read]. */
function numberAt(code: string, i: number): [number, string] {
  FLOAT.lastIndex = i;
  // jinja2's float_re does not start after a dot (x.1e3 is x.1 then e3), and is tried before integer_re
  const float = code[i - 1] === '.' ? null : FLOAT.exec(code);
  if (float) {
    const text = float[0];
    return [text.length, /[_e]/i.test(text) ? floatLiteral(Number(text.replace(/_/g, '')), text) : text];
  }
  INTEGER.lastIndex = i;
  const text = INTEGER.exec(code)![0];
  if (/\d/.test(code[i + text.length] ?? '')) {
    throw new Error(`the int literal ${/\d+/.exec(code.slice(i))![0]} has a leading zero, which jinja2 refuses (it reads two literals in a row)`);
  }
  return [text.length, /[_box]/i.test(text) ? BigInt(text.replace(/_/g, '')).toString() : text];
}

/** A string literal without its line continuations (a backslash, then a newline), each escape pair read as one. */
function withoutLineContinuations(literal: string): string {
  return literal.includes('\\\n') ? literal.replace(/\\([^])/g, (pair, c: string) => (c === '\n' ? '' : pair)) : literal;
}

/** `=` that assigns (not `==`), after spaces: the name before it is a keyword argument, a default or a set target. */
const ASSIGNS = /\s*=(?!=)/y;

/**
 * The end of the tag whose code starts at `i` (`}}` or `%}` outside brackets and strings), rewriting its numbers and
 * refusing the names jinja-refused.ts refuses (`bound`: the refused globals the template binds, so far).
 */
function rewriteTag(text: string, i: number, close: string, bound: Set<string>): [end: number, code: string] {
  let out = '';
  let depth = 0;
  const statement = close === '%}';
  let keyword: string | null = null;
  let names = 0;
  let previous = '';
  let inTargets = false; // {% set a, b = %} and {% for a, b in %}: the names before `=` / `in`
  let callParameters = false; // inside {% call(…) %}'s parameters
  const start = i;
  let loaderLine = 0; // a statement that loads another template: its line
  while (i < text.length) {
    const c = text[i]!;
    if (depth === 0 && text.startsWith(close, i)) {
      if (loaderLine === 0) return [i + close.length, out + close];
      const control = (at: number) => (/[-+]/.test(text[at] ?? '') ? text[at]! : '');
      const trail = i - 1 > start ? control(i - 1) : '';
      const code = out.slice(out.indexOf(keyword!) + keyword!.length, trail === '' ? undefined : -1); // after the keyword
      return [i + close.length, loaderTagCode(keyword!, loaderLine, code, control(start), trail) + close];
    }
    let len = 1;
    let replacement: string | null = null;
    if (c === "'" || c === '"') {
      STRING.lastIndex = i;
      len = STRING.exec(text)?.[0].length ?? text.length - i;
      replacement = withoutLineContinuations(text.slice(i, i + len));
    } else if (/[\d]/.test(c)) {
      [len, replacement] = numberAt(text, i);
    } else {
      NAME.lastIndex = i;
      const name = NAME.exec(text)?.[0];
      if (name) {
        len = name.length;
        if (inTargets && depth === 0 && name === 'in' && keyword === 'for') inTargets = false;
        ASSIGNS.lastIndex = i + len;
        // a macro's name and parameters, a call block's parameters ({% call(self) m() %})
        const binds = inTargets || (keyword === 'macro' && (depth > 0 || names === 1)) || (callParameters && depth > 0) || ASSIGNS.test(text);
        const refused = refusedName(name, { statement, keyword, afterKeyword: names === 1, previous, depth, binds }, bound);
        if (refused) throw new Error(`line ${text.slice(0, i).split('\n').length}: ${refused}`);
        if (statement && names++ === 0) {
          keyword = name;
          if (isLoaderStatement(name)) loaderLine = text.slice(0, i).split('\n').length;
          inTargets = name === 'set' || name === 'for';
        }
      } else if ('([{'.includes(c)) {
        if (c === '(' && keyword === 'call' && names === 1 && depth === 0) callParameters = true; // the ( right after `call`
        depth++;
      } else if (')]}'.includes(c)) {
        depth = Math.max(0, depth - 1);
        if (depth === 0) callParameters = false;
      }
      else if (c === '=' && depth === 0 && keyword === 'set') inTargets = false;
    }
    const code = replacement ?? text.slice(i, i + len);
    if (!/^\s+$/.test(code)) previous = code.at(-1)!;
    out += code;
    i += len;
  }
  return [i, out];
}

/** The template with each literal the library misreads written as it reads it (see the header). */
export function jinja2Literals(text: string): string {
  if (!/\d[_eExXoObB]|0\d|\\\n|\{%[-+]?\s*raw/.test(text) && !MAY_NAME_REFUSED.test(text)) return text; // the common case: nothing to rewrite
  const bound = new Set<string>();
  let out = '';
  let i = 0;
  for (OPEN.lastIndex = 0; ; ) {
    const open = OPEN.exec(text);
    if (!open) return out + text.slice(i);
    const at = open.index;
    out += text.slice(i, at);
    let end: number;
    let code: string;
    if (open[0] === '{#') {
      const close = text.indexOf('#}', at + 2);
      end = close < 0 ? text.length : close + 2;
      code = text.slice(at, end);
    } else if (open[0] === '{%' && rawBlockAt(text, at)) {
      [end, code] = rewriteRawBlock(text, at);
    } else {
      [end, code] = rewriteTag(text, at + 2, open[0] === '{{' ? '}}' : '%}', bound);
      code = open[0] + code;
    }
    out += code;
    i = end;
    OPEN.lastIndex = end;
  }
}
