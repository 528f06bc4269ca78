// pprint.pformat of a str, as jinja2's pprint filter gives it (CPython 3.11's PrettyPrinter._pprint_str at width 80):
// its repr when that fits in 80 characters; else each line (splitlines(True)) whose repr fits, the others cut after
// runs of whitespace (re.findall(r'\S*\s*')) into pieces whose reprs fit, printed one repr a line inside ( ), or the
// one repr alone where nothing was cut (a long word).
import { WHITESPACE } from './jinja-str-classes.ts';
import { V, pyRepr } from './jinja-values.ts';

/** pformat's default width. */
export const PPRINT_WIDTH = 80;
/** Python's line boundaries (str.splitlines), a line's end kept. */
const LINE = /[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])?/gu;
/** re.findall(r'\S*\s*') with Python's \s: a run of non-space then a run of space. */
const PART = new RegExp(`[^${WHITESPACE}]*[${WHITESPACE}]*`, 'gu');

const repr = (s: string): string => pyRepr(V.str(s));
const width = (s: string): number => [...s].length;

export function pformatStr(text: string): string {
  const whole = repr(text);
  if (text === '' || width(whole) <= PPRINT_WIDTH) return whole;
  // at the top level pformat indents one column for '(' and keeps one for ')' after the last piece
  const indent = 1;
  const allowance = 1;
  const maxWidth = PPRINT_WIDTH - indent;
  const lines = (text.match(LINE) ?? []).filter((l) => l !== '');
  const chunks: string[] = [];
  lines.forEach((line, i) => {
    const last = i === lines.length - 1;
    const rep = repr(line);
    if (width(rep) <= maxWidth - (last ? allowance : 0)) {
      chunks.push(rep);
      return;
    }
    const parts = (line.match(PART) ?? []).filter((p) => p !== '');
    let current = '';
    parts.forEach((part, j) => {
      const candidate = current + part;
      const limit = maxWidth - (last && j === parts.length - 1 ? allowance : 0);
      if (width(repr(candidate)) > limit) {
        if (current !== '') chunks.push(repr(current));
        current = part;
      } else {
        current = candidate;
      }
    });
    if (current !== '') chunks.push(repr(current));
  });
  if (chunks.length === 1) return chunks[0]!;
  return `(${chunks.join('\n' + ' '.repeat(indent))})`;
}
