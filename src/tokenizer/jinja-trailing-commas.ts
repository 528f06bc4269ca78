// A trailing comma, which jinja2's parser takes and @huggingface/jinja's refuses: `[1, 2,]`, `{'a': 1,}`, a call's
// `f(a, b,)` and a tuple's `(1, 2,)`. Before parsing, such a comma is dropped. A comma that makes a one-item tuple
// (`(1,)`) stays, for jinja-short-tuples.ts, not read as `(1)`; so does one that jinja2 refuses in a subscript (`x[1,]`), and one in the parameters of `{% macro m(a,) %}` or
// `{% call(a,) m() %}`, which the library's parser would take, is refused here.
import type { Token } from './jinja-int-literals.ts';

const CLOSER: Record<string, string> = { OpenParen: 'CloseParen', OpenSquareBracket: 'CloseSquareBracket', OpenCurlyBracket: 'CloseCurlyBracket' };
/** Words before `(` that do not name a callee (`in (1,)`, `if (a, b)`): the `(` opens a group or a tuple. */
const KEYWORDS = new Set(['in', 'and', 'or', 'not', 'if', 'elif', 'else', 'is', 'for', 'set', 'recursive']);

/** Whether the `(` at `i` opens a call's arguments (after a name, `)` or `]`), not a group or a tuple. */
export function opensCall(tokens: Token[], i: number): boolean {
  const before = tokens[i - 1];
  if (before?.type === 'Identifier') return !KEYWORDS.has(before.value);
  return before?.type === 'CloseParen' || before?.type === 'CloseSquareBracket';
}

/** Whether the `(` at `i` opens a macro's or a call block's parameters, where jinja2 takes no trailing comma. */
function opensSignature(tokens: Token[], i: number): boolean {
  const [a, b, c] = [tokens[i - 1], tokens[i - 2], tokens[i - 3]];
  if (a?.type === 'Identifier' && a.value === 'call' && b?.type === 'OpenStatement') return true;
  return a?.type === 'Identifier' && b?.type === 'Identifier' && b.value === 'macro' && c?.type === 'OpenStatement';
}

/** Whether the `[` at `i` opens a subscript (after a value: x[1], 'ab'[0], f()[0]), not a list. */
function opensSubscript(tokens: Token[], i: number): boolean {
  const before = tokens[i - 1];
  if (before?.type === 'Identifier') return !KEYWORDS.has(before.value);
  return ['CloseParen', 'CloseSquareBracket', 'CloseCurlyBracket', 'StringLiteral', 'NumericLiteral'].includes(before?.type ?? '');
}

/** The tokens without the trailing commas jinja2 allows (see the header). */
export function dropTrailingCommas(tokens: Token[]): Token[] {
  const drop = new Set<number>();
  // each open bracket: its closer, whether it is a call's, whether its trailing comma stays (jinja2 refuses it), and
  // how many commas it holds at its own level
  const open: { closer: string; call: boolean; signature: boolean; keep: boolean; commas: number }[] = [];
  tokens.forEach((t, i) => {
    if (CLOSER[t.type]) {
      const paren = t.type === 'OpenParen';
      const signature = paren && opensSignature(tokens, i);
      const keep = signature || (t.type === 'OpenSquareBracket' && opensSubscript(tokens, i));
      open.push({ closer: CLOSER[t.type]!, call: paren && opensCall(tokens, i), signature, keep, commas: 0 });
    } else if (t.type === 'Comma' && open.length > 0) {
      open.at(-1)!.commas++;
    } else if (t.type === open.at(-1)?.closer) {
      const group = open.pop()!;
      const trailing = tokens[i - 1]?.type === 'Comma';
      // the library's parser takes this one: refused here, as jinja2 refuses it
      if (trailing && group.signature) throw new Error("a trailing comma in a macro's or call block's parameters (jinja2: expected token 'name', got ')')");
      if (trailing && !group.keep && (t.type !== 'CloseParen' || group.call || group.commas > 1)) drop.add(i - 1);
    }
  });
  return drop.size === 0 ? tokens : tokens.filter((_, i) => !drop.has(i));
}
