// The tuples of fewer than two items, which jinja2 writes `(x,)` and `()` and @huggingface/jinja's parser has no form
// for ('%s' % (name,), `x in ('a',)`, `{% set t = () %}`). Before parsing, such a group becomes `([x] | tuple literal)`
// (`([] | tuple literal)`), a filter no template can name (it has a space), which jinja-python.ts runs as Python's
// tuple of the list. A `(` that opens a call's arguments (`f()`, `caller()`) is left as it is, and so is a loop's or
// a set's target (`{% for (a,) in … %}`), which the library's parser refuses.
import { opensCall } from './jinja-trailing-commas.ts';
import type { MakeToken, Token } from './jinja-int-literals.ts';

/** The filter a short tuple's list is piped through. */
export const TUPLE_LITERAL = 'tuple literal';

/** Whether the `(` at `i` opens a tuple or a group: not a call's arguments, not a target after `for` or `set`. */
function opensValue(tokens: Token[], i: number): boolean {
  const before = tokens[i - 1];
  const target = before?.type === 'Identifier' && (before.value === 'for' || before.value === 'set') && tokens[i - 2]?.type === 'OpenStatement';
  return !target && !opensCall(tokens, i);
}

/** The tokens with each `(x,)` and `()` written as a list piped through TUPLE_LITERAL (see the header). */
export function markShortTuples(tokens: Token[], make: MakeToken): Token[] {
  // where the tokens change: what goes before the token at an index, and the indices whose token is replaced
  const before = new Map<number, Token[]>();
  const replaced = new Map<number, Token[]>();
  const open: { at: number; value: boolean; commas: number }[] = [];
  const tail = () => [make(']', 'CloseSquareBracket'), make('|', 'Pipe'), make(TUPLE_LITERAL, 'Identifier')];
  tokens.forEach((t, i) => {
    if (t.type === 'OpenParen' || t.type === 'OpenSquareBracket' || t.type === 'OpenCurlyBracket') {
      open.push({ at: i, value: t.type === 'OpenParen' && opensValue(tokens, i), commas: 0 });
    } else if (t.type === 'Comma') {
      if (open.length > 0) open.at(-1)!.commas++;
    } else if (t.type === 'CloseParen' || t.type === 'CloseSquareBracket' || t.type === 'CloseCurlyBracket') {
      const group = open.pop();
      if (!group?.value || t.type !== 'CloseParen') return;
      if (group.at === i - 1) before.set(i, [make('[', 'OpenSquareBracket'), ...tail()]);
      else if (group.commas === 1 && tokens[i - 1]?.type === 'Comma') {
        before.set(group.at + 1, [make('[', 'OpenSquareBracket')]);
        replaced.set(i - 1, tail());
      }
    }
  });
  if (before.size === 0) return tokens;
  return tokens.flatMap((t, i) => [...(before.get(i) ?? []), ...(replaced.get(i) ?? [t])]);
}
