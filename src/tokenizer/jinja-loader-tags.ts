// The statements that load another template ({% extends %}, {% include %}, {% import %}, {% from … import %}), which
// jinja2 fails on only where the render reaches them (transformers' environment has no loader): a template with
// {% if false %}{% extends 'base' %}{% endif %} renders. One written in a form jinja2's parser refuses
// ({% include %}, {% from 'x' %}) is refused when the template loads, as jinja2 refuses it. jinja-literals.ts writes
// each such tag as `{% KEYWORD LINE NAME %}` (its line in the template, the expression naming the template to load,
// its whitespace control kept); before parsing, that tag becomes `{% if LINE | no loader KEYWORD %}{{ NAME }}{% endif %}`,
// a filter no template can name (it has spaces), which jinja-python.ts runs as the failure that names the statement
// and its line (the parser still checks that NAME is an expression, as jinja2's does; it is never evaluated).
import { LOADER_STATEMENTS } from './jinja-refused.ts';
import type { MakeToken, Token } from './jinja-int-literals.ts';

const FILTER_PREFIX = 'no loader ';

/** Each statement as jinja2's parser reads it (parser.py: parse_extends, parse_include, parse_import, parse_from). */
const FORMS: Readonly<Record<string, string>> = {
  extends: "{% extends 'name' %}",
  include: "{% include 'name' [ignore missing] [with context|without context] %}",
  import: "{% import 'name' as lib [with context|without context] %}",
  from: "{% from 'name' import a, b as c [with context|without context] %}",
};
/** jinja2's name_re; true, false and none (any case jinja2 gives them) are constants, not names one can bind. */
const NAME = String.raw`(?!(?:true|false|none|True|False|None)(?![\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]))[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*`;
const CONTEXT = String.raw`(?:with|without)\s+context`;
/** A name {% from %} imports (not one starting with `_`, which jinja2 refuses), with its alias. */
const IMPORTED = String.raw`(?!_)${NAME}(?:\s+as\s+${NAME})?`;
/** What a statement has after the expression naming the template, and the word that ends that expression. */
const AFTER_NAME: Readonly<Record<string, { rest: RegExp; ends: RegExp }>> = {
  extends: { rest: /^$/, ends: /^(?:ignore|with|without|as|import)$/ }, // a word another statement takes there
  include: { rest: new RegExp(String.raw`^(?:ignore\s+missing(?:\s+|$))?(?:${CONTEXT})?$`, 'u'), ends: /^(?:ignore|with|without)$/ },
  import: { rest: new RegExp(String.raw`^as\s+${NAME}(?:\s+${CONTEXT})?$`, 'u'), ends: /^as$/ },
  from: { rest: new RegExp(String.raw`^import\s+(?:${CONTEXT}|${IMPORTED}(?:\s*,\s*${IMPORTED})*(?:\s*,\s*${CONTEXT}|\s+${CONTEXT})?)$`, 'u'), ends: /^import$/ },
};
const STRING = /'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*"/sy;
const WORD = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;

/** Where the expression at the start of `code` ends (a word `ends` matches outside brackets), and whether it has a comma outside them. */
function expressionEnd(code: string, ends: RegExp): { end: number; comma: boolean } {
  let depth = 0;
  let comma = false;
  for (let i = 0; i < code.length; ) {
    const c = code[i]!;
    const pattern = c === "'" || c === '"' ? STRING : /[\p{L}_]/u.test(c) ? WORD : null;
    if (pattern) {
      pattern.lastIndex = i;
      const token = pattern.exec(code)?.[0] ?? c;
      if (pattern === WORD && depth === 0 && ends.test(token) && code[i - 1] !== '.') return { end: i, comma };
      i += token.length;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) comma = true;
    i++;
  }
  return { end: code.length, comma };
}

/**
 * The code jinja-literals.ts writes inside the tag of a loader statement at `line`, whose code after its keyword is
 * `code` (whitespace control: `lead`, `trail`); a form jinja2's parser refuses fails here.
 */
export function loaderTagCode(keyword: string, line: number, code: string, lead: string, trail: string): string {
  const { rest, ends } = AFTER_NAME[keyword]!;
  const { end, comma } = expressionEnd(code, ends);
  const name = code.slice(0, end);
  if (name.trim() === '' || comma || !rest.test(code.slice(end).trim())) {
    const what = LOADER_STATEMENTS[keyword]!.slice(0, LOADER_STATEMENTS[keyword]!.indexOf('%}') + 2);
    throw new Error(`line ${line}: ${what} is not written as jinja2 reads it, which refuses the template where it loads: write ${FORMS[keyword]}`);
  }
  return `${lead} ${keyword} ${line} ${name} ${trail}`;
}

/** Whether `name` starts a statement that loads another template. */
export const isLoaderStatement = (name: string): boolean => Object.hasOwn(LOADER_STATEMENTS, name);

/** The tokens with each `{% KEYWORD LINE NAME %}` of a loader statement written as an if that fails where reached. */
export function failLoaderTags(tokens: Token[], make: MakeToken): Token[] {
  const at = (i: number, type: string) => tokens[i]?.type === type;
  if (!tokens.some((t, i) => t.type === 'Identifier' && isLoaderStatement(t.value) && at(i - 1, 'OpenStatement'))) return tokens;
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const keyword = tokens[i + 1];
    if (at(i, 'OpenStatement') && keyword?.type === 'Identifier' && isLoaderStatement(keyword.value) && at(i + 2, 'NumericLiteral')) {
      let close = i + 3;
      while (close < tokens.length && !at(close, 'CloseStatement')) close++;
      out.push(tokens[i]!, make('if', 'Identifier'), tokens[i + 2]!, make('|', 'Pipe'), make(FILTER_PREFIX + keyword.value, 'Identifier'), tokens[close]!);
      out.push(make('{{', 'OpenExpression'), ...tokens.slice(i + 3, close), make('}}', 'CloseExpression'));
      out.push(make('{%', 'OpenStatement'), make('endif', 'Identifier'), make('%}', 'CloseStatement'));
      i = close;
    } else out.push(tokens[i]!);
  }
  return out;
}

/** The failure a rewritten loader statement stands for, where `name` is its filter (null for any other filter). */
export function loaderFailure(name: string, line: unknown): Error | null {
  if (!name.startsWith(FILTER_PREFIX)) return null;
  return new Error(`line ${String(line)}: ${LOADER_STATEMENTS[name.slice(FILTER_PREFIX.length)]}`);
}
