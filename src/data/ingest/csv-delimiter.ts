// Which delimiter a .csv file is read with when its header line suggests another than the comma (European Excel's
// `;`, a tab), and the delimiter's name in notes.
import { readDataLines } from '../../util/lines.ts';

/** Lines sampled after the header to check a sniffed delimiter against. */
const SNIFF_SAMPLE = 10;

/**
 * For a .csv file: `;` or a tab when the header line holds no comma outside quotes but one of them, else a comma —
 * unless the header holds a comma and `;` or a tab too (a comma inside a column name, as `Text;Label, category`), and
 * that other one splits more of the `rows` after the header into as many fields as the header than the comma does.
 */
export function sniffDelimiter(header: string, rows: readonly string[] = []): string {
  const outside = new Set<string>();
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted) outside.add(ch);
  }
  if (!outside.has(',')) return outside.has(';') ? ';' : outside.has('\t') ? '\t' : ',';
  let best = ',', bestScore = agreeing(',', header, rows);
  for (const d of [';', '\t']) {
    if (!outside.has(d)) continue;
    const score = agreeing(d, header, rows);
    if (score > bestScore) [best, bestScore] = [d, score];
  }
  return best;
}

/**
 * The delimiter other than `used` (a comma, `;` or a tab) that splits `header`, read with `used` as one column, into
 * more, and at least half of `rows` into as many: a file an Excel `sep=X` line names the wrong delimiter of; else undefined.
 * With no `rows` (a header-only file, which holds no records anyway) the header alone is no evidence against the line.
 */
export function otherDelimiter(header: string, rows: readonly string[], used: string): string | undefined {
  if (rows.length === 0) return undefined;
  return [',', ';', '\t'].find((d) => d !== used && fieldCount(d, header) > 1 && 2 * agreeing(d, header, rows) >= rows.length);
}

/** How many of `rows` `d` splits into as many fields as `header` (counted outside quotes, line by line). */
function agreeing(d: string, header: string, rows: readonly string[]): number {
  const want = fieldCount(d, header);
  return rows.filter((r) => fieldCount(d, r) === want).length;
}

/** How many fields `d` splits `line` into, counted outside double quotes (a doubled quote, "", is two toggles: no change). */
export function fieldCount(d: string, line: string): number {
  let n = 1, quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === d && !quoted) n++;
  }
  return n;
}

/** Up to SNIFF_SAMPLE non-blank lines of `file` after line `lineNo`. */
export function linesAfter(file: string, lineNo: number): string[] {
  const out: string[] = [];
  for (const { text, lineNo: n } of readDataLines(file)) {
    if (n <= lineNo || text.trim() === '') continue;
    out.push(text);
    if (out.length >= SNIFF_SAMPLE) break;
  }
  return out;
}

export const delimiterName = (d: string): string => (d === '\t' ? 'tab' : JSON.stringify(d));
