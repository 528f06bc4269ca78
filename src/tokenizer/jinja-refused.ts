// The jinja2 names a chat template may use that mistral-tune's renderer refuses: the globals lipsum (random words)
// and self (the template's blocks), the filters urlize (its URL and e-mail detection is not matched) and random, the
// statements {% with %}, {% autoescape %}, {% block %} and a chain of filters in {% filter a|b %}, which the library's
// parser lacks. The statements that load another template fail where a render reaches them (LOADER_STATEMENTS).
// jinja-literals.ts refuses each where the template names it, when the template is loaded, with its line; the
// render-time checks (jinja-globals.ts, jinja-filters-html.ts) give the same messages.

export const REFUSED_GLOBALS: Readonly<Record<string, string>> = {
  lipsum: "jinja2's global lipsum is refused: a chat template must render the same text each time (jinja2's lipsum picks its words at random)",
  self: "jinja2's global self is not supported by mistral-tune's template renderer",
};

export const REFUSED_FILTERS: Readonly<Record<string, string>> = {
  urlize: "the urlize filter is not supported by mistral-tune's template renderer (its URL and e-mail detection is not matched here)",
  random: 'the random filter is refused: a chat template must render the same text each time (jinja2 picks an item at random)',
};

const NO_LOADER = "(transformers' jinja2 environment has no loader: TypeError: no loader for this environment specified)";

const REFUSED_STATEMENTS: Readonly<Record<string, string>> = {
  with: "{% with %} is not supported by mistral-tune's template renderer (set the names with {% set %} instead)",
  autoescape: "{% autoescape %} is not supported by mistral-tune's template renderer (| e escapes a value)",
  block: "{% block %} is not supported by mistral-tune's template renderer (a chat template is one template: write the block's text as it is)",
};

/**
 * The statements that load another template, which jinja2 fails on where the render reaches them (transformers'
 * environment has no loader) and skips where it does not ({% if false %}{% extends 'x' %}{% endif %} renders):
 * jinja-loader-tags.ts makes each fail where it is reached, with this message.
 */
export const LOADER_STATEMENTS: Readonly<Record<string, string>> = {
  extends: `{% extends %} names another template, which a chat template cannot load ${NO_LOADER}`,
  include: `{% include %} names another template, which a chat template cannot load ${NO_LOADER}`,
  import: `{% import %} names another template, which a chat template cannot load ${NO_LOADER}`,
  from: `{% from … import %} names another template, which a chat template cannot load ${NO_LOADER}`,
};
const FILTER_CHAIN = "a chain of filters in {% filter a|b %} is not supported by mistral-tune's template renderer (nest {% filter %} blocks instead)";

/** Any of the names above, as a word (the loader's quick test before it scans the tags). */
export const MAY_NAME_REFUSED = /\b(?:lipsum|self|urlize|random|with|autoescape|filter|block|extends|include|import|from)\b/;

/** Where a name stands in its tag, as jinja-literals.ts's scan tracks it (no look at the code before it: a long tag stays linear). */
export interface NameAt {
  /** in a {% %} tag */
  statement: boolean;
  /** the tag's first name ({% filter … %}: 'filter'), or null where this is the first */
  keyword: string | null;
  /** this name comes right after the keyword */
  afterKeyword: boolean;
  /** the last character of code before it, spaces skipped ('' at the tag's start) */
  previous: string;
  /** brackets open around it */
  depth: number;
  /** the name is assigned here: a set or loop target, a macro parameter, a keyword argument (`self=`) */
  binds: boolean;
}

/**
 * Why the name `name` in a tag is refused, or null: a refused statement's keyword, a filter chained in {% filter %}
 * (a `|` outside its arguments), a refused filter after `|` or `{% filter`, a refused global where it is a name (not
 * `x.self`) the template has not bound (`bound` collects those it binds: from there on, whether a use is the global
 * depends on scope, which the render-time check in jinja-globals.ts knows).
 */
export function refusedName(name: string, at: NameAt, bound: Set<string>): string | null {
  if (at.statement && at.keyword === null && Object.hasOwn(REFUSED_STATEMENTS, name)) return REFUSED_STATEMENTS[name]!;
  if (at.keyword === 'filter' && at.statement && at.previous === '|' && at.depth === 0) return FILTER_CHAIN;
  if (Object.hasOwn(REFUSED_FILTERS, name) && (at.previous === '|' || (at.keyword === 'filter' && at.afterKeyword))) return REFUSED_FILTERS[name]!;
  if (Object.hasOwn(REFUSED_GLOBALS, name) && at.previous !== '.') {
    if (at.binds) bound.add(name);
    if (!bound.has(name)) return REFUSED_GLOBALS[name]!;
  }
  return null;
}
