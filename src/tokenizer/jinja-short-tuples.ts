// The tuples of fewer than two items, which jinja2 writes `(x,)` and `()` and @huggingface/jinja's parser has no form
// for ('%s' % (name,), `x in ('a',)`, `{% set t = () %}`). Before parsing, such a group becomes `([x] | tuple literal)`
// (`([] | tuple literal)`), a filter no template can name (it has a space), which jinja-python.ts runs as Python's
// tuple of the list. A `(` that opens a call's arguments (`f()`, `caller()`) is left as it is. A loop's or a set's
// target (`{% for (a,) in … %}`, `{% set () = … %}`) is padded to two names with TARGET_PAD, which the parser reads as
// a tuple of names and padTargets then drops from the parsed template.
import { opensCall } from './jinja-trailing-commas.ts';
import type { MakeToken, Token } from './jinja-int-literals.ts';

/** The filter a short tuple's list is piped through. */
export const TUPLE_LITERAL = 'tuple literal';

/** A name no template can write (it has a space), which pads a short tuple target. */
const TARGET_PAD = 'short target';

/** Whether the `(` at `i` opens a loop's or a set's target (right after `{% for` or `{% set`). */
function opensTarget(tokens: Token[], i: number): boolean {
  const before = tokens[i - 1];
  return before?.type === 'Identifier' && (before.value === 'for' || before.value === 'set') && tokens[i - 2]?.type === 'OpenStatement';
}

type Opening = 'value' | 'target' | null;

/** The tokens with each `(x,)` and `()` written as a list piped through TUPLE_LITERAL (see the header). */
export function markShortTuples(tokens: Token[], make: MakeToken): Token[] {
  // where the tokens change: what goes before the token at an index, and the indices whose token is replaced
  const before = new Map<number, Token[]>();
  const replaced = new Map<number, Token[]>();
  const open: { at: number; opens: Opening; commas: number }[] = [];
  const tail = () => [make(']', 'CloseSquareBracket'), make('|', 'Pipe'), make(TUPLE_LITERAL, 'Identifier')];
  const pad = () => make(TARGET_PAD, 'Identifier');
  tokens.forEach((t, i) => {
    if (t.type === 'OpenParen' || t.type === 'OpenSquareBracket' || t.type === 'OpenCurlyBracket') {
      const opens: Opening = t.type !== 'OpenParen' ? null : opensTarget(tokens, i) ? 'target' : opensCall(tokens, i) ? null : 'value';
      open.push({ at: i, opens, commas: 0 });
    } else if (t.type === 'Comma') {
      if (open.length > 0) open.at(-1)!.commas++;
    } else if (t.type === 'CloseParen' || t.type === 'CloseSquareBracket' || t.type === 'CloseCurlyBracket') {
      const group = open.pop();
      if (!group?.opens || t.type !== 'CloseParen') return;
      const short = group.at === i - 1 ? 'empty' : group.commas === 1 && tokens[i - 1]?.type === 'Comma' ? 'one' : null;
      if (group.opens === 'target') {
        if (short) before.set(i, short === 'empty' ? [pad(), make(',', 'Comma'), pad()] : [pad()]); // (a, PAD), (PAD, PAD)
      } else if (short === 'empty') before.set(i, [make('[', 'OpenSquareBracket'), ...tail()]);
      else if (short === 'one') {
        before.set(group.at + 1, [make('[', 'OpenSquareBracket')]);
        replaced.set(i - 1, tail());
      }
    }
  });
  if (before.size === 0) return tokens;
  return tokens.flatMap((t, i) => [...(before.get(i) ?? []), ...(replaced.get(i) ?? [t])]);
}

interface Target { type: string; value: { type: string; value: unknown }[] }

/** The parsed template (`node`, walked) with TARGET_PAD dropped from each loop's and set's tuple target. */
export function padTargets(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  for (const key of ['loopvar', 'assignee']) {
    const target = (node as Record<string, Target | undefined>)[key];
    if (target?.type === 'TupleLiteral') target.value = target.value.filter((x) => !(x.type === 'Identifier' && x.value === TARGET_PAD));
  }
  for (const child of Object.values(node)) padTargets(child);
}
