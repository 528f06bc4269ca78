// RFC 7464 JSON text sequences (application/json-seq, what `jq --seq` writes): each JSON text is preceded by the
// record separator byte RS (0x1E) and ended by a newline. Its texts are JSON records, one a line (or pretty-printed,
// the RS before the "{" line), so JSON Lines reads them once the RS is taken off (jsonl.ts), as a BOM at the start
// of a line is; the reading is noted, with how many lines had one.
import type { Line } from '../../util/lines.ts';

/** The lines that started with RS, and the first of them. */
export type SeqTally = { lines: number; first: number };

/** `l` without the RS (or several: an empty text between two is none) it starts with, counted into `tally`; `l` itself when it has none. */
export function withoutRecordSeparator(l: Line, tally: SeqTally): Line {
  let i = 0;
  while (l.text.charCodeAt(i) === 0x1e) i++;
  if (i === 0) return l;
  tally.lines++;
  tally.first ||= l.lineNo;
  return { ...l, text: l.text.slice(i), from: (l.from ?? 0) + i };
}

/** Whether line `l` starts with RS, which starts a JSON text (one left open before it was cut short). */
export function startsText(l: Line): boolean {
  return !l.defect && l.text.charCodeAt(0) === 0x1e;
}

/** The note of a file whose lines started with RS, or null when none did. */
export function jsonSeqNote(tally: SeqTally): string | null {
  if (tally.lines === 0) return null;
  const n = tally.lines;
  return `${n === 1 ? '1 line starts' : `${n} lines start`} with the record separator byte RS (0x1E) of an RFC 7464 JSON text sequence (line ${tally.first}${n === 1 ? '' : ' first'}; ` +
    '`jq --seq`, application/json-seq): read as JSON Lines, the RS taken off';
}
