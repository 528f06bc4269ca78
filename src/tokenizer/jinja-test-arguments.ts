// A test with an argument (`n is divisibleby 2`, `x is divisibleby(3)`, `a is eq b`), which jinja2 parses and
// @huggingface/jinja's parser refuses: before parsing, `is [not] NAME ARG` becomes the filter call
// `| is NAME(ARG)` (`| is not NAME(ARG)`), a name no template can write, which jinja-python.ts's applyFilter runs as
// the test. ARG is what jinja2's parse_test takes: call arguments in parentheses, or one primary (a name, a
// literal, a bracketed group) with its .attr / [i] / (call) suffixes. Filters and tests bind alike in both parsers,
// so the rewrite keeps the expression's shape. testArgument reads such a test's argument as jinja2's test function takes it.
import { refuseRecursiveLoops } from './jinja-recursive-loops.ts';
import { Template, parse, tokenize } from '@huggingface/jinja';
import { markInexactInts, type MakeToken, type Token } from './jinja-int-literals.ts';
import { jinja2Literals } from './jinja-literals.ts';
import { jinja2Whitespace } from './jinja-whitespace.ts';
import { markCompareChains } from './jinja-compare-chains.ts';
import { dropTrailingCommas } from './jinja-trailing-commas.ts';
import { markShortTuples, padTargets } from './jinja-short-tuples.ts';
import { failLoaderTags } from './jinja-loader-tags.ts';
import type { Value } from './jinja-values.ts';

/** The filter name a rewritten test goes by, and the test it stands for. */
const TEST_FILTER = /^is (not )?(\S+)$/;
export function testOfFilter(name: string): { test: string; negate: boolean } | null {
  const m = TEST_FILTER.exec(name);
  return m ? { test: m[2]!, negate: m[1] !== undefined } : null;
}

/**
 * The name jinja2's test function gives its argument, where a template may pass it by keyword (`x is divisibleby(num=2)`);
 * the comparison tests (eq, lt, …) are the operator module's, which take it only by position.
 */
export const TEST_KEYWORDS: Record<string, string> = { divisibleby: 'num', sameas: 'other', in: 'seq' };

/** The one argument of a test, given by position or by the keyword jinja2's test function names it with (TEST_KEYWORDS). */
export function testArgument(name: string, args: Value[], kwargs: Map<string, Value>): Value | undefined {
  const keyword = Object.hasOwn(TEST_KEYWORDS, name) ? TEST_KEYWORDS[name]! : null;
  for (const k of kwargs.keys()) {
    if (k !== keyword) throw new Error(`the test '${name}' ${keyword === null ? 'takes no keyword arguments' : `has no argument '${k}' (its argument is '${keyword}')`}`);
  }
  if (args.length > 0 && kwargs.size > 0) throw new Error(`the test '${name}' got two values for its argument '${keyword}'`);
  if (args.length > 1) throw new Error(`the test '${name}' takes one argument here`);
  return keyword === null ? args[0] : (args[0] ?? kwargs.get(keyword));
}

const OPEN: Record<string, string> = { OpenParen: 'CloseParen', OpenSquareBracket: 'CloseSquareBracket', OpenCurlyBracket: 'CloseCurlyBracket' };

/** The index after the bracketed group that opens at `i`. */
function groupEnd(tokens: Token[], i: number): number {
  const stack: string[] = [];
  for (let j = i; j < tokens.length; j++) {
    const t = tokens[j]!.type;
    if (OPEN[t]) stack.push(OPEN[t]!);
    else if (t === stack.at(-1)) {
      stack.pop();
      if (stack.length === 0) return j + 1;
    }
  }
  throw new Error('unclosed bracket in a test argument');
}

/** The index after jinja2's parse_primary + parse_postfix from `i`, or `i` when no argument starts there. */
function argumentEnd(tokens: Token[], i: number): number {
  const t = tokens[i];
  if (!t) return i;
  let j: number;
  if (OPEN[t.type]) j = groupEnd(tokens, i);
  else if (t.type === 'NumericLiteral') j = i + 1;
  else if (t.type === 'StringLiteral') for (j = i + 1; tokens[j]?.type === 'StringLiteral'; j++);
  else if (t.type === 'Identifier' && !['else', 'or', 'and', 'is'].includes(t.value)) j = i + 1;
  else return i;
  for (;;) {
    const next = tokens[j];
    if (next?.type === 'Dot' && tokens[j + 1]?.type === 'Identifier') j += 2;
    else if (next?.type === 'OpenSquareBracket' || next?.type === 'OpenParen') j = groupEnd(tokens, j);
    else return j;
  }
}

/** The tokens with each test that has an argument rewritten as a filter call (see the header). */
function rewriteTests(tokens: Token[], make: MakeToken): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const isTest = t.type === 'Identifier' && t.value === 'is' && tokens[i - 1]?.type !== 'Dot';
    const negate = isTest && tokens[i + 1]?.type === 'Identifier' && tokens[i + 1]!.value === 'not';
    const nameAt = i + (negate ? 2 : 1);
    const name = tokens[nameAt];
    if (!isTest || name?.type !== 'Identifier') {
      out.push(t);
      continue;
    }
    const argAt = nameAt + 1;
    const callForm = tokens[argAt]?.type === 'OpenParen';
    const end = callForm ? groupEnd(tokens, argAt) : argumentEnd(tokens, argAt);
    if (end === argAt) {
      out.push(t);
      continue;
    }
    out.push(make('|', 'Pipe'), make(`is ${negate ? 'not ' : ''}${name.value}`, 'Identifier'));
    if (callForm) out.push(...tokens.slice(argAt, end));
    else out.push(make('(', 'OpenParen'), ...tokens.slice(argAt, end), make(')', 'CloseParen'));
    i = end - 1;
  }
  return out;
}

/**
 * A template parsed as jinja2 parses it for transformers (lstrip_blocks, trim_blocks: jinja-whitespace.ts), tests with arguments too, number
 * and string literals and raw blocks the library misreads written as it reads them (jinja-literals.ts), trailing commas dropped
 * (jinja-trailing-commas.ts), loader statements made to fail where reached (jinja-loader-tags.ts), `(x,)` and `()` marked, as values and as targets (jinja-short-tuples.ts), int literals past 2**53 marked (jinja-int-literals.ts) and chained comparisons marked
 * (jinja-compare-chains.ts).
 */
export function parseJinja(text: string): Template {
  const tokens = dropTrailingCommas(tokenize(jinja2Whitespace(jinja2Literals(text)), {}) as Token[]);
  refuseRecursiveLoops(tokens);
  const make: MakeToken = (value, type) => Object.assign(Object.create(Object.getPrototypeOf(tokens[0])) as Token, { value, type });
  const template = new Template('');
  template.parsed = parse(markCompareChains(markShortTuples(rewriteTests(markInexactInts(failLoaderTags(tokens, make), make), make), make)) as never);
  padTargets(template.parsed);
  return template;
}
