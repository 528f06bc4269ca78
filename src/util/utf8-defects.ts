// What is wrong with a line's bytes where they are not UTF-8 text (readLines' LineDefect): each NUL byte and each
// ill-formed sequence, at its byte and the character it decodes as, with what encoding the line reads as instead;
// and whether its one defect is a character its bytes end inside (a file cut short: LineDefect.cutShort; a whole file read
// at once: fileEndsInsideCharacter), and what such a file is told.
import { isUtf8 } from 'node:buffer';
import { legacyEncodingGuess } from './legacy-encoding.ts';

export interface LineDefect {
  /** invalid_utf8: a byte sequence that is not UTF-8; binary: a NUL byte, which text never holds. */
  kind: 'invalid_utf8' | 'binary';
  /** 1-based byte position in the physical line of the first offending byte. */
  byte: number;
  /** Index in the line's `text` of the character that byte became (U+FFFD, or NUL for binary). */
  char: number;
  /** What the rejection says instead of the byte and line: the lines of binary data to a file's end, read as one, or a file cut short (readLines). */
  detail?: string;
  /**
   * binary: the line's NUL bytes (two or more) fall at every other byte, as the high bytes of UTF-16 text's ASCII
   * characters do, which a short file without a byte-order mark is not recognised as (notUtf8Text) — said as a hint.
   */
  everyOtherNul?: true;
  /** The encodings of Chinese, Japanese or Korean text the line reads as (legacy-encoding.ts), for the tip on converting it. */
  readsAs?: readonly string[];
  /**
   * invalid_utf8: the file ends inside a UTF-8 character, which is the line's one defect (the line ends the file: its last
   * bytes begin a character whose other bytes are missing), and no line before holds a defect: a file cut short (a
   * `head -c`, an interrupted copy), not one in another encoding, which converting would garble. Set by readLines, with
   * the `detail` saying so and no readsAs; a record holding it is rejected as truncated.
   */
  cutShort?: true;
  /**
   * cutShort: the Windows-1252 (Latin-1) character its byte is, where that byte is a lone lead byte and the file's one
   * byte that is not ASCII (latin1Reading): as likely Latin-1 text whose one accented letter ends it (`café`).
   */
  latin1?: string;
}

/**
 * What is wrong with one line's bytes, or undefined when they are UTF-8 text. A NUL byte (binary) is
 * reported before an invalid sequence: a binary file usually has both, and "binary" says more.
 */
export function lineDefect(bytes: Buffer): LineDefect | undefined {
  if (bytes.indexOf(0) < 0 && isUtf8(bytes)) return undefined;
  return firstDefect(lineDefects(bytes));
}

/** The defect a line is reported by: its first NUL byte, else its first ill-formed sequence. */
export function firstDefect(all: readonly LineDefect[]): LineDefect | undefined {
  return all.find((d) => d.kind === 'binary') ?? all[0];
}

/**
 * Every defect of one line's bytes: each NUL byte (binary) and each ill-formed sequence (invalid_utf8), with the
 * index of the character it became in the line's decoded text (one U+FFFD per maximal ill-formed subpart, as
 * Node's decoder and the WHATWG Encoding standard do), and what encoding the line reads as (UTF-16 too where it is
 * the `wholeFile`, one line).
 */
export function lineDefects(bytes: Uint8Array, wholeFile = false): LineDefect[] {
  const out: LineDefect[] = [];
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 1 : 0; // cleanLine drops the BOM
  const wide = nulsAtEveryOtherByte(bytes) ? { everyOtherNul: true as const } : {};
  // what the line reads as, guessed at its first defect and given each defect as it is made: a field added to each
  // afterwards, to millions of them on a long line, took three times the scan's time and memory
  let guess: { readsAs?: readonly string[] } | undefined;
  const readsAs = () => (guess ??= ((r) => (r.length > 0 ? { readsAs: r } : {}))(legacyEncodingGuess(bytes, wholeFile)));
  let char = -bom;
  for (let b = 0; b < bytes.length;) {
    const seq = sequenceAt(bytes, b);
    if (bytes[b] === 0) out.push({ kind: 'binary', byte: b + 1, char, ...wide, ...readsAs() });
    else if (!seq.ok) out.push({ kind: 'invalid_utf8', byte: b + 1, char, ...readsAs() });
    char += seq.ok && seq.length === 4 ? 2 : 1; // a character above U+FFFF is two UTF-16 units
    b += seq.length;
  }
  return out;
}

/**
 * Whether the NUL bytes of `bytes` fall at every other byte (LineDefect.everyOtherNul): all at even or all at odd
 * offsets, two of them with one byte between (`h 00 i 00`: two ASCII characters in UTF-16), as stray NULs seldom are.
 */
function nulsAtEveryOtherByte(bytes: Uint8Array): boolean {
  const first = bytes.indexOf(0);
  let alternate = false;
  for (let i = first, last = -1; i >= 0; last = i, i = bytes.indexOf(0, i + 1)) {
    if ((i - first) % 2 !== 0) return false;
    if (last >= 0 && i - last === 2) alternate = true;
  }
  return alternate;
}

/** The bytes the decoder takes at `i`: a whole character (ok), or the maximal ill-formed subpart that becomes one U+FFFD. */
function sequenceAt(b: Uint8Array, i: number): { length: number; ok: boolean } {
  const c = b[i]!;
  if (c < 0x80) return { length: 1, ok: true };
  let need: number, lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) need = 1;
  else if (c >= 0xe0 && c <= 0xef) {
    need = 2;
    if (c === 0xe0) lo = 0xa0; // no overlong forms
    if (c === 0xed) hi = 0x9f; // no surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 3;
    if (c === 0xf0) lo = 0x90;
    if (c === 0xf4) hi = 0x8f; // nothing above U+10FFFF
  } else return { length: 1, ok: false };
  let k = 1;
  for (; k <= need; k++) {
    const ck = b[i + k];
    if (ck === undefined || ck < (k === 1 ? lo : 0x80) || ck > (k === 1 ? hi : 0xbf)) break;
  }
  return { length: k, ok: k === need + 1 };
}

/**
 * Whether the one defect of a line's `bytes` (`defects`, lineDefects') is a character they end inside (before a CR that
 * ends them: a CRLF line's): a UTF-8 lead byte and as many of its continuation bytes as there are, the rest missing.
 */
export function endsInsideCharacter(bytes: Uint8Array, defects: readonly LineDefect[]): boolean {
  const d = defects.length === 1 ? defects[0]! : undefined;
  if (d?.kind !== 'invalid_utf8') return false;
  const end = bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  const at = d.byte - 1, lead = bytes[at]!;
  return lead >= 0xc2 && lead <= 0xf4 && at + sequenceAt(bytes.subarray(0, end), at).length === end;
}

/**
 * Whether a whole file's `bytes`, whose first ill-formed sequence begins at `at` (firstInvalidUtf8), end inside that
 * character (before a last LF or CRLF), as readLines marks a file's last line (LineDefect.cutShort): the file cut short.
 */
export function fileEndsInsideCharacter(bytes: Uint8Array, at: number): boolean {
  const end = bytes[bytes.length - 1] === 0x0a ? bytes.length - 1 : bytes.length;
  const tail = bytes.subarray(at, end); // cut short, a lead byte, at most two of its continuation bytes and a CR
  return tail.length <= 4 && endsInsideCharacter(tail, lineDefects(tail));
}

/**
 * What a file that ends inside a UTF-8 character is told (LineDefect.cutShort): the byte and line where that character
 * begins, that the file was cut short, and `then`; no encoding to convert it from, which would garble it.
 */
export function cutShortText(byte: number, line: number, then = 'An incomplete download or copy: download or copy it again', latin1?: string): string {
  return `the file ends inside a UTF-8 character (byte ${byte} of line ${line} begins one, whose other bytes are missing): cut short? ${then}` +
    windows1252Hint(latin1);
}

/** What a file cut short is told beside it where it may be Windows-1252 text ending in `latin1` (LineDefect.latin1); '' when not. */
export function windows1252Hint(latin1: string | undefined, subject = 'it'): string {
  return latin1 === undefined ? '' : ` — or ${subject} is Windows-1252 text ending in '${latin1}' (its one byte that is not ASCII): convert it, iconv -f WINDOWS-1252 -t UTF-8`;
}

/**
 * The Windows-1252 character that the character a file was cut inside (LineDefect.cutShort), at `lead`, reads as where
 * that reading is as likely: no continuation byte follows the lead byte (`next`, the byte after it, if any) and
 * `asciiBefore` says no byte before it is other than ASCII, as in a Latin-1 file whose one accented letter ends it; else
 * undefined. (Windows-1252 and Latin-1 agree on the lead bytes C2–F4.)
 */
export function latin1Reading(lead: number, next: number | undefined, asciiBefore: () => boolean): string | undefined {
  const lone = next === undefined || next < 0x80 || next > 0xbf;
  return lone && asciiBefore() ? String.fromCharCode(lead) : undefined;
}

/** Index of the first byte that does not begin a well-formed UTF-8 sequence (Unicode Table 3-7), or −1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const seq = sequenceAt(b, i);
    if (!seq.ok) return i;
    i += seq.length;
  }
  return -1;
}
