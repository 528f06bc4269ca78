// `{% for x in tree recursive %}` (with loop(x.children) and loop.depth), which jinja2 renders and @huggingface/jinja's
// parser has no form for: refused before parsing with a one-line error that names it (the parser's own error says
// only "Expected closing statement token"). No chat template we know uses a recursive loop.
import type { Token } from './jinja-int-literals.ts';

/** Words after which `recursive` is a name (`for x in recursive`, `… if recursive`), not the keyword. */
const OPERATORS = new Set(['in', 'if', 'not', 'and', 'or', 'is', 'else']);
/** Whether the token before `recursive` ends a value (the loop's iterable or its filter), so that it is the keyword. */
function endsValue(t: Token | undefined): boolean {
  if (t?.type === 'Identifier') return !OPERATORS.has(t.value);
  return ['CloseParen', 'CloseSquareBracket', 'CloseCurlyBracket', 'StringLiteral', 'NumericLiteral'].includes(t?.type ?? '');
}

/** Fails, naming the construct, where a {% for %} statement ends with the keyword `recursive`. */
export function refuseRecursiveLoops(tokens: readonly Token[]): void {
  let statementStart = -1;
  tokens.forEach((t, i) => {
    if (t.type === 'OpenStatement') statementStart = i;
    const isFor = statementStart >= 0 && tokens[statementStart + 1]?.type === 'Identifier' && tokens[statementStart + 1]!.value === 'for';
    if (isFor && t.type === 'Identifier' && t.value === 'recursive' && tokens[i + 1]?.type === 'CloseStatement' && endsValue(tokens[i - 1])) {
      throw new Error("a recursive loop ({% for … recursive %} with loop(…) and loop.depth) is not supported by mistral-tune's template renderer");
    }
  });
}
