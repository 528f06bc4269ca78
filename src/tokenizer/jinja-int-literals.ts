// An int literal a JS number cannot hold ({{ 9007199254740993 }}: jinja2 prints it exactly, a JS number reads it as
// 9007199254740992). Before parsing, such a literal becomes `('9007199254740993' | int literal)`, a filter no template
// can name (it has a space), which jinja-python.ts runs as Python's int of those digits: a bigint, as an arithmetic
// result past 2**53 is (jinja-int-arithmetic.ts). A literal whose digits a number holds exactly (2**64's) stays a
// number, and prints every digit (jinja-values.ts).

/** A lexer token of @huggingface/jinja, and how to make one of its class. */
export type Token = { value: string; type: string };
export type MakeToken = (value: string, type: string) => Token;

/** The filter an inexact int literal is piped through. */
export const INEXACT_INT = 'int literal';

/** Whether the digits of an int literal ("-12", "9007199254740993") are those of the number JavaScript reads. */
function exact(digits: string): boolean {
  const n = Number(digits);
  return Number.isSafeInteger(n) || (Number.isFinite(n) && BigInt(n) === BigInt(digits));
}

/** The tokens with each int literal a number cannot hold exactly piped through INEXACT_INT (see the header). */
export function markInexactInts(tokens: Token[], make: MakeToken): Token[] {
  return tokens.flatMap((t) => {
    if (t.type !== 'NumericLiteral' || t.value.includes('.') || exact(t.value)) return [t];
    return [make('(', 'OpenParen'), make(t.value, 'StringLiteral'), make('|', 'Pipe'), make(INEXACT_INT, 'Identifier'), make(')', 'CloseParen')];
  });
}
