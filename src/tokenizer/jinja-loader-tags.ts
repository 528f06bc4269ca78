// The statements that load another template ({% extends %}, {% include %}, {% import %}, {% from … import %}), which
// jinja2 fails on only where the render reaches them (transformers' environment has no loader): a template with
// {% if false %}{% extends 'base' %}{% endif %} renders. jinja-literals.ts writes each such tag as `{% KEYWORD LINE %}`
// (its own line in the template, its whitespace control kept); before parsing, that tag becomes
// `{% if LINE | no loader KEYWORD %}{% endif %}`, a filter no template can name (it has spaces), which jinja-python.ts
// runs as the failure that names the statement and its line.
import { LOADER_STATEMENTS } from './jinja-refused.ts';
import type { MakeToken, Token } from './jinja-int-literals.ts';

const FILTER_PREFIX = 'no loader ';

/** The code jinja-literals.ts writes inside the tag of a loader statement at `line` (whitespace control: `lead`, `trail`). */
export function loaderTagCode(keyword: string, line: number, lead: string, trail: string): string {
  return `${lead} ${keyword} ${line} ${trail}`;
}

/** Whether `name` starts a statement that loads another template. */
export const isLoaderStatement = (name: string): boolean => Object.hasOwn(LOADER_STATEMENTS, name);

/** The tokens with each `{% KEYWORD LINE %}` of a loader statement written as an if that fails where reached. */
export function failLoaderTags(tokens: Token[], make: MakeToken): Token[] {
  const at = (i: number, type: string) => tokens[i]?.type === type;
  if (!tokens.some((t, i) => t.type === 'Identifier' && isLoaderStatement(t.value) && at(i - 1, 'OpenStatement'))) return tokens;
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const keyword = tokens[i + 1];
    if (at(i, 'OpenStatement') && keyword?.type === 'Identifier' && isLoaderStatement(keyword.value) && at(i + 2, 'NumericLiteral') && at(i + 3, 'CloseStatement')) {
      out.push(tokens[i]!, make('if', 'Identifier'), tokens[i + 2]!, make('|', 'Pipe'), make(FILTER_PREFIX + keyword.value, 'Identifier'), tokens[i + 3]!);
      out.push(make('{%', 'OpenStatement'), make('endif', 'Identifier'), make('%}', 'CloseStatement'));
      i += 3;
    } else out.push(tokens[i]!);
  }
  return out;
}

/** The failure a rewritten loader statement stands for, where `name` is its filter (null for any other filter). */
export function loaderFailure(name: string, line: unknown): Error | null {
  if (!name.startsWith(FILTER_PREFIX)) return null;
  return new Error(`line ${String(line)}: ${LOADER_STATEMENTS[name.slice(FILTER_PREFIX.length)]}`);
}
