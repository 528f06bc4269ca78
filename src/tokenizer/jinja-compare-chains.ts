// Chained comparisons as jinja2 reads them: `a < b < c` is `a < b and b < c` (b evaluated once), as in Python, where
// @huggingface/jinja's parser makes `(a < b) < c` (`3 > 2 > 1` would print False where jinja2 prints True). The
// parser builds both from the same loop, so the chain is found in the tokens: a comparison operator (== != < <= > >=
// in) whose left operand ends at another comparison operator of the same bracket level, with nothing between them
// that binds looser (and, or, not, if, else, a comma, ...), continues a chain. Its token is marked, and
// jinja-python.ts evaluates a marked comparison as the next link of its left one. `(a < b) < c` stays unmarked.
import type { Token } from './jinja-int-literals.ts';

/** The operator tokens that continue a chain (the parser keeps the token as the BinaryExpression's operator). */
const CHAINED = new WeakSet<object>();

/** Whether a BinaryExpression's operator continues a chain of comparisons (see the header). */
export function continuesChain(operator: object): boolean {
  return CHAINED.has(operator);
}

const OPENING = new Set(['OpenParen', 'OpenSquareBracket', 'OpenCurlyBracket']);
const CLOSING = new Set(['CloseParen', 'CloseSquareBracket', 'CloseCurlyBracket']);
/** Tokens that end a comparison's left operand (what binds looser than a comparison, or ends the expression). */
const BOUNDARY_TYPES = new Set(['Comma', 'Colon', 'Equals', 'OpenExpression', 'CloseExpression', 'OpenStatement', 'CloseStatement', 'Text', 'Comment']);
const BOUNDARY_WORDS = new Set(['and', 'or', 'not', 'if', 'else', 'elif', 'set', 'for', 'recursive']);

/** Whether the `in` at `i` is a for loop's (`{% for a, b in …`), not the membership operator. */
function forLoopIn(tokens: Token[], i: number): boolean {
  let k = i - 1;
  while (k > 0 && ['Identifier', 'Comma', 'OpenParen', 'CloseParen'].includes(tokens[k]!.type) && tokens[k]!.value !== 'for') k--;
  return tokens[k]?.value === 'for' && tokens[k]?.type === 'Identifier' && tokens[k - 1]?.type === 'OpenStatement';
}

/** Whether the token at `i` is a comparison operator: == != < <= > >=, `in` (also of `not in`). */
function isComparison(tokens: Token[], i: number): boolean {
  const t = tokens[i]!;
  return t.type === 'ComparisonBinaryOperator' || (t.type === 'Identifier' && t.value === 'in' && !forLoopIn(tokens, i));
}

/** Whether the comparison operator at `j` follows another one in the same chain (scanning its left operand). */
function continues(tokens: Token[], j: number): boolean {
  let depth = 0;
  for (let k = j - 1; k >= 0; k--) {
    const t = tokens[k]!;
    if (CLOSING.has(t.type)) depth++;
    else if (OPENING.has(t.type)) {
      if (depth === 0) return false;
      depth--;
    } else if (depth === 0) {
      if (isComparison(tokens, k)) return true;
      if (BOUNDARY_TYPES.has(t.type)) return false;
      // `x is not none < y`: a test's `not` is part of the operand
      if (t.type === 'Identifier' && BOUNDARY_WORDS.has(t.value) && !(t.value === 'not' && tokens[k - 1]?.value === 'is')) return false;
    }
  }
  return false;
}

/** Marks each comparison operator that continues a chain (see the header); a chain continued by `not in` is refused. */
export function markCompareChains(tokens: Token[]): Token[] {
  tokens.forEach((t, j) => {
    const notIn = t.type === 'Identifier' && t.value === 'not' && tokens[j + 1]?.type === 'Identifier' && tokens[j + 1]!.value === 'in';
    if (!(notIn || isComparison(tokens, j)) || !continues(tokens, j)) return;
    // the parser makes a new token for `not in`, which no mark can follow
    if (notIn) throw new Error("a chained comparison continued by 'not in' is not supported by mistral-tune's template renderer");
    CHAINED.add(t);
  });
  return tokens;
}
