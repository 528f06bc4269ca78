// Lone CRs inside an LF line of JSON Lines (CR-ended records appended to a file that readLines ends at LF): where
// they end records, and where they are whitespace inside one (JSON has no raw CR in a string, so one outside every
// bracket ends a record; inside brackets it depends on what is open and what follows).
import { isTurn } from './json-object-scan.ts';

/**
 * `text` cut at its lone CRs outside strings and brackets, or null when it has none (a CR in a record is whitespace).
 * A CR inside brackets cuts too when a "{" or "[" follows it that cannot go on the value: one that follows no ":", ","
 * or "[" (`{bad` CR `{"text": …}`), or a "," in an object, where a key must come (`{"a": 1,` CR `{"text": …}`): the
 * next record after one left open, which would otherwise be lost with it. After a "," in an array (or a ":", or a
 * "[") a "{" may be the next element (a chat's turns written a line each), so that CR stays whitespace, unless the
 * piece it is in is left open at its end: then the first such CR after which the piece's brackets close exactly, the
 * value there not being a chat turn, cuts it (`{"tags": [1,` CR `{"text": …}` CR): the broken record is rejected alone.
 */
export function crPieces(text: string): string[] | null {
  if (!text.includes('\r')) return null;
  const pieces: string[] = [];
  let from = 0, depth = 0, inString = false, escape = false; // closeIndex's scan, inline: a line may be 500 MB
  let last = 0; // the last character outside strings that is not whitespace (a string's closing quote included)
  const open: number[] = []; // the brackets open, innermost last ("{" or "[")
  // the CRs kept as whitespace before a "{" or "[" whose depth the piece has not gone below since (so the text after
  // each, up to a point of the same depth, is whole values), and where the value after each closes (-1 while open):
  // their depths never decrease, innermost last
  const kept: Kept[] = [];
  const endPiece = (to: number, unclosed: boolean): void => {
    const cut = unclosed ? recordCut(text, depth, kept) : -1;
    if (cut < 0) pieces.push(text.slice(from, to));
    else pieces.push(text.slice(from, cut), ...crPieces(text.slice(cut + 1, to)) ?? [text.slice(cut + 1, to)]);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escape) escape = false;
      else if (c === 0x5c) escape = true;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x0d) {
      const opens = depth > 0 && opensAfter(text, i + 1);
      if (depth <= 0 || (opens && !valueMayFollow(last, open[open.length - 1]))) {
        endPiece(i, depth > 0);
        from = i + 1;
        depth = 0;
        open.length = 0;
        kept.length = 0;
        last = 0;
      } else if (opens) kept.push({ at: i, depth, close: -1 });
      continue; // whitespace where it does not cut
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      open.push(c);
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      open.pop();
      while (kept.length > 0 && kept[kept.length - 1]!.depth > depth) kept.pop();
      const top = kept[kept.length - 1];
      if (top?.depth === depth && top.close < 0) top.close = i; // its first value (any before at this depth closed theirs)
    }
    if (c !== 0x20 && c !== 0x09) last = c;
  }
  endPiece(text.length, !inString && depth > 0);
  return pieces.length === 1 ? null : pieces;
}

/**
 * Where a piece of `text` left open at its end (at `depth`) is cut: at the first CR of `kept` after which its brackets
 * close exactly (the CR's depth is the piece's at its end) and the value that opens there is not a chat turn (an
 * element of the broken record, not a record), else -1.
 */
function recordCut(text: string, depth: number, kept: readonly Kept[]): number {
  let k = kept.length;
  while (k > 0 && kept[k - 1]!.depth === depth) k--;
  // their values lie one after another: each is read once
  for (; k < kept.length; k++) if (!isTurnText(text.slice(kept[k]!.at + 1, kept[k]!.close + 1))) return kept[k]!.at;
  return -1;
}

/** A CR read as whitespace before a "{" or "[" at `depth`, and the index of the bracket that closes that value (-1 while open). */
interface Kept {
  at: number;
  depth: number;
  close: number;
}

/** Whether `t` is the JSON text of an object with a chat turn's keys. */
function isTurnText(t: string): boolean {
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'object' && v !== null && !Array.isArray(v) && isTurn(new Set(Object.keys(v)));
  } catch {
    return false;
  }
}

/** Whether a value (an object or array) may come after `last` inside the bracket `inner`: after ":", "[", or a "," in an array. */
function valueMayFollow(last: number, inner: number | undefined): boolean {
  return last === 0x3a || last === 0x5b || (last === 0x2c && inner === 0x5b);
}

/** Whether the first character from `i` that is not a space or tab opens an object or an array. */
function opensAfter(text: string, i: number): boolean {
  while (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09) i++;
  const c = text.charCodeAt(i);
  return c === 0x7b || c === 0x5b;
}
