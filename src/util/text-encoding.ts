// What a file's first bytes say it is when it is not UTF-8 text, in one sentence, else null: a UTF-32 or UTF-16
// byte-order mark, a compressed container (gzip, zip, xz, zstd, 7z), or UTF-32 or UTF-16 without a mark. The line reader
// (data files) and the JSON reader (config.json, tokenizer and adapter files, --messages) refuse a file so, in the
// same words: read on as UTF-8, such a file is "invalid UTF-8 at byte 1", which says neither what it is nor how to
// convert it (a Windows tool, PowerShell's `>` or Notepad's "Unicode", writes UTF-16 with a mark).
import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import { shellPath } from './shell-quote.ts';

/**
 * The sentence that refuses `file` (named in its iconv command, as prepare's encoding tip names it), starting with
 * `first` (its first bytes, up to a few KiB), or null for text that may be UTF-8.
 */
export function notUtf8Text(first: Uint8Array, file?: string): string | null {
  const n = first.length;
  // the whole command, output file included: "iconv -f UTF-16 -t UTF-8" alone prints the text to the terminal
  const iconv = (from: string): string => `iconv -f ${from} -t UTF-8${file === undefined ? '' : ` ${shellPath(file)} > converted${path.extname(file)}`}`;
  // UTF-32's marks first: FF FE 00 00 starts with UTF-16LE's
  const utf32 = n >= 4 && first[0] === 0xff && first[1] === 0xfe && first[2] === 0 && first[3] === 0 ? 'UTF-32LE'
    : n >= 4 && first[0] === 0 && first[1] === 0 && first[2] === 0xfe && first[3] === 0xff ? 'UTF-32BE' : null;
  if (utf32) return `this is ${utf32} text (it starts with a UTF-32 byte-order mark): convert it to UTF-8 first (${iconv(utf32)})`;
  if (n >= 2 && ((first[0] === 0xff && first[1] === 0xfe) || (first[0] === 0xfe && first[1] === 0xff))) {
    return `this is UTF-16 text (it starts with a UTF-16 byte-order mark): convert it to UTF-8 first (${iconv('UTF-16')}: the mark gives the byte order)`;
  }
  const packed = compressedBy(first);
  if (packed) return `this is ${packed} (by its first bytes), whatever its name: decompress it first`;
  const wide32 = utf32WithoutBom(first);
  if (wide32) return `this looks like ${wide32} text without a byte-order mark (read 4 bytes at a time, its every unit is a character): convert it to UTF-8 first (${iconv(wide32)})`;
  const utf16 = utf16WithoutBom(first);
  if (utf16) return `this looks like ${utf16} text without a byte-order mark (every other byte is 0): convert it to UTF-8 first (${iconv(utf16)})`;
  const wide = utf16ByLineEnds(first);
  if (wide) return `this looks like ${wide.order} text without a byte-order mark (${WIDE_EVIDENCE[wide.by](wide.order)}, and it reads as ${wide.order} text throughout): re-save it as UTF-8, or convert it first (${iconv(wide.order)})`;
  return null;
}

/** What showed a file to be UTF-16 without a mark (utf16ByLineEnds), in the words of the refusal. */
type WideEvidence = 'line ends' | 'ascii' | 'script';
const WIDE_EVIDENCE: Record<WideEvidence, (order: string) => string> = {
  'line ends': (order) => `its line ends are ${order}'s`,
  ascii: (order) => `its spaces, digits and punctuation are ${order}'s`,
  script: (order) => `its characters are Chinese, Japanese or Korean in ${order}`,
};

/** How many of a file's first bytes utf16ByLineEnds judges. */
export const WIDE_SAMPLE_BYTES = 65536;

/**
 * How many ASCII characters (U+0020–U+007E: a space, a digit, a quote, each an `xx 00` unit) stand in for a line end in
 * a sample that holds none (one long line: minified JSON, a paragraph): an 8-bit text has a 0 byte beside a character in
 * the right place by chance once or twice (a stray NUL), not 16 times, and a UTF-16 text in any script holds them.
 */
const MIN_ASCII_UNITS = 16;

/**
 * A character of Chinese, Japanese or Korean text: Han, kana, Hangul, their punctuation (U+3000–U+303F) and full-width
 * forms (U+FF00–U+FFEF). A sample with no line end and fewer than MIN_ASCII_UNITS ASCII characters (a paragraph of
 * CJK text alone) is UTF-16 when, read so, at least 9 in 10 of its characters are these or ASCII and MIN_EAST_ASIAN of
 * them are these. Random bytes so read land in those blocks 6 times in 10: with a NUL among them, 1 in 1,000 samples of
 * 16 to 32 units passed that bar at 16 such characters, none of 300,000 of 64 to 80 units at 64. The same text in the other byte order (its low bytes, evenly spread,
 * become the high ones) is as random. Text in GBK, Big5, Shift-JIS or EUC-KR reads so too (GB2312's as Hangul, in
 * UTF-16BE), and holds no 0 byte but a stray one: each of its characters starts with a byte from 0x81 (LEGACY_LEAD), as
 * fewer than half the units of Chinese or Japanese UTF-16 text do in either order, and when 9 in 10 units of a sample do,
 * it is not taken for UTF-16 (nor is Korean in UTF-16BE without a space, whose Hangul units all start so). Shorter CJK
 * text alone stays unrecognised (a NUL byte in it: binary).
 */
const MIN_EAST_ASIAN = 64;
const LEGACY_LEAD = 0x81;
const EAST_ASIAN = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]$/u;

/**
 * 'UTF-16LE' or 'UTF-16BE' when the start of a file is UTF-16 text without a byte-order mark in a script beyond Latin
 * (Chinese, Japanese, Korean, Cyrillic: few bytes are 0, so utf16WithoutBom misses it), else null. Read as UTF-8 such a
 * file is cut at 0x0A bytes that are halves of its characters (上 is 0A 4E) into records rejected as binary. It is
 * UTF-16 in one byte order when, read so, its first 64 KiB (an even count of bytes) hold a line end (U+000A, the bytes
 * 0A 00 or 00 0A on an even offset: no text in an 8-bit encoding or in UTF-8 holds a 0 byte) — or, holding none (a long
 * line: minified JSON, a paragraph; it was read as UTF-8, each 0A byte of a character cutting it), MIN_ASCII_UNITS ASCII
 * characters, `xx 00` on an even offset, or else Chinese, Japanese or Korean text alone (EAST_ASIAN), where its 0A bytes are no evidence —, no NUL, no other control
 * character but tab, CR and form feed, no surrogate that is not paired (random bytes hold one in 32 units), no
 * noncharacter (U+FFFE, U+FFFF), at most 1 in 100 characters unassigned, and a 0A byte that is no line end's (上's)
 * at most 32 times as often as a line end; and not so in the other byte order. Text that is UTF-8 but for its NUL
 * bytes (a stray NUL after a line end: `0A 00`) is not UTF-16 (utf8WithNuls).
 */
function utf16ByLineEnds(b: Uint8Array): { order: 'UTF-16LE' | 'UTF-16BE'; by: WideEvidence } | null {
  const n = Math.min(b.length, WIDE_SAMPLE_BYTES) & ~1;
  if (n < 16 || b.subarray(0, n).indexOf(0) < 0 || utf8WithNuls(b.subarray(0, n))) return null;
  const le = readsAsUtf16(b, n, true), be = readsAsUtf16(b, n, false);
  if (le !== null && be === null) return { order: 'UTF-16LE', by: le };
  if (be !== null && le === null) return { order: 'UTF-16BE', by: be };
  return null;
}

/**
 * Whether `b` is UTF-8 text but for its NUL bytes: valid UTF-8 (a sequence the sample's end cuts aside) in which control
 * bytes but tab, line ends and form feed are rare (fewer than 1 in 16: a terminal's colour codes, a Ctrl-Z). Text with a
 * stray NUL beside a line end (`0A 00`) is that, and no UTF-16 text beyond Latin is: its characters' bytes are not UTF-8
 * (CJK, Hangul), or are control bytes, one a character (Cyrillic's 04).
 */
function utf8WithNuls(b: Uint8Array): boolean {
  const text = Buffer.from(b).filter((c) => c !== 0);
  if (![0, 1, 2, 3].some((cut) => cut <= text.length && isUtf8(text.subarray(0, text.length - cut)))) return false;
  let control = 0;
  for (const c of text) if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) control++;
  return control * 16 < text.length;
}

/**
 * Whether the first `n` (even) bytes of `b` read as UTF-16 text in that byte order, as utf16ByLineEnds has it: what
 * shows it (line ends, ASCII characters, or East Asian text alone), else null.
 */
function readsAsUtf16(b: Uint8Array, n: number, little: boolean): WideEvidence | null {
  let lineEnds = 0, strayLf = 0, ascii = 0;
  const units = new Uint16Array(n >> 1);
  for (let i = 0; i < units.length; i++) {
    const u = little ? b[2 * i]! | (b[2 * i + 1]! << 8) : (b[2 * i]! << 8) | b[2 * i + 1]!;
    if ((u & 0xff) === 0x0a || u >> 8 === 0x0a) strayLf++;
    if (u >= 0x20 && u < 0x7f) ascii++;
    if (u === 0x0a) lineEnds++;
    else if ((u < 0x20 && u !== 0x09 && u !== 0x0c && u !== 0x0d) || (u >= 0x7f && u < 0xa0) || u === 0xfffe || u === 0xffff) return null;
    units[i] = u;
  }
  // text in an 8-bit encoding with a stray `0A 00`, read so: one line end, and on each of its lines a 0A byte that is none
  strayLf -= lineEnds;
  if (lineEnds > 0 && lineEnds * 32 < strayLf) return null;
  const by: WideEvidence = lineEnds > 0 ? 'line ends' : ascii >= MIN_ASCII_UNITS ? 'ascii' : 'script';
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    if (u >= 0xd800 && u < 0xdc00) {
      const next = units[i + 1];
      if (next === undefined) break; // the sample ends inside the pair
      if (next < 0xdc00 || next >= 0xe000) return null;
      i++;
    } else if (u >= 0xdc00 && u < 0xe000) return null;
  }
  const text = new TextDecoder(little ? 'utf-16le' : 'utf-16be').decode(units.length > 0 && units[units.length - 1]! >= 0xd800 && units[units.length - 1]! < 0xdc00 ? b.subarray(0, n - 2) : b.subarray(0, n));
  let chars = 0, unassigned = 0, eastAsian = 0;
  for (const ch of text) {
    chars++;
    if (UNASSIGNED.test(ch)) unassigned++;
    else if (EAST_ASIAN.test(ch)) eastAsian++;
  }
  if (unassigned * 100 > chars) return null;
  if (by === 'script') {
    if (eastAsian < MIN_EAST_ASIAN || (eastAsian + ascii) * 10 < chars * 9) return null;
    let legacyLeads = 0;
    for (let i = 0; i < n; i += 2) if (b[i]! >= LEGACY_LEAD) legacyLeads++;
    if (legacyLeads * 10 >= units.length * 9) return null;
  }
  return by;
}

const UNASSIGNED = /^\p{Cn}$/u;

/**
 * 'UTF-32LE' or 'UTF-32BE' when the start of a file (its first 4 KiB, whole 4-byte units) is text in that encoding without
 * a byte-order mark, else null: read so, every unit is a character (at most U+10FFFF, no surrogate, no noncharacter
 * U+FFFE or U+FFFF), none a control character but tab, line ends and form feed, at most 1 in 100 unassigned (as
 * utf16ByLineEnds has it), an ASCII character among them (a record's JSON, a space, a line end: 32-bit token ids of a
 * vocabulary's words, 259 … 32000, hold none, and as Han characters bound words), plausible text (plausibleText), and
 * not so in the other byte order. Read as UTF-8, its three 0 bytes a Latin character made it binary data. No UTF-8 text holds a 0 byte; UTF-16 text's units pair into
 * values past U+10FFFF; binary data (32-bit integers) reads as control characters, values past it, unassigned ones,
 * or letters of a script each with nothing between them (a small file of them was named UTF-32 text).
 */
function utf32WithoutBom(b: Uint8Array): 'UTF-32LE' | 'UTF-32BE' | null {
  const units = Math.min(b.length, 4096) >> 2;
  if (units < 4) return null;
  const reads = (little: boolean): boolean => {
    let unassigned = 0;
    const chars: string[] = [];
    for (let i = 0; i < units; i++) {
      const [b0, b1, b2, b3] = [b[4 * i]!, b[4 * i + 1]!, b[4 * i + 2]!, b[4 * i + 3]!];
      const u = little ? b0 | (b1 << 8) | (b2 << 16) | (b3 << 24) : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
      if (u < 0 || u > 0x10ffff || (u >= 0xd800 && u < 0xe000) || (u & 0xfffe) === 0xfffe) return false;
      if ((u < 0x20 && u !== 0x09 && u !== 0x0a && u !== 0x0c && u !== 0x0d) || (u >= 0x7f && u < 0xa0)) return false;
      const ch = String.fromCodePoint(u);
      if (UNASSIGNED.test(ch)) unassigned++;
      chars.push(ch);
    }
    return unassigned * 100 <= units && chars.some((ch) => ch < '\x80') && plausibleText(chars);
  };
  const le = reads(true), be = reads(false);
  return le === be ? null : le ? 'UTF-32LE' : 'UTF-32BE';
}

/**
 * Whether `chars` (a sample's characters, each a code point of text: utf32WithoutBom) read as text, not as numbers that
 * happen to be characters (a small file of 32-bit integers: 1000, 2000, 3000 are Coptic, N'Ko and Tamil): no private-use
 * character; letters in runs of one writing system (Chinese and Japanese one), changing at most once per
 * RUN_LETTERS letters on average (a multilingual record's fields change at each field); and words parted by spaces, line
 * ends, punctuation or symbols (emoji), at least one per SEPARATOR_EVERY characters, where a character of a script
 * written without spaces (Chinese, Japanese, Thai…) is a word's bound itself. Integers, read so, change script at
 * nearly every letter, or (small ones) are Latin letters in a run with nothing between them.
 */
function plausibleText(chars: readonly string[]): boolean {
  let separators = 0, letters = 0, switches = 0, last = '';
  for (const ch of chars) {
    if (PRIVATE_USE.test(ch)) return false;
    if (SEPARATOR.test(ch) || UNSPACED.test(ch)) separators++;
    if (LETTER.test(ch)) {
      const system = LATIN.test(ch) ? 'Latin' : writingSystem(ch);
      if (letters++ > 0 && system !== last) switches++;
      last = system;
    }
  }
  return separators > 0 && separators * SEPARATOR_EVERY >= chars.length && switches * RUN_LETTERS <= letters;
}

const RUN_LETTERS = 3;
const SEPARATOR_EVERY = 64;
const PRIVATE_USE = /^\p{Co}$/u;
const SEPARATOR = /^[\s\p{P}\p{S}]$/u;
const UNSPACED = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]$/u;
const LETTER = /^\p{L}$/u;
const LATIN = /^\p{Script=Latin}$/u;
/** The scripts told apart (a letter of another is told by its 256-code-point block); Chinese and Japanese's as one system. */
const SCRIPTS: ReadonlyArray<[string, RegExp]> = [
  ['CJK', /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}]$/u],
  ...['Hangul', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Devanagari', 'Bengali', 'Gurmukhi', 'Gujarati', 'Oriya',
    'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao', 'Tibetan', 'Myanmar', 'Georgian', 'Ethiopic', 'Khmer', 'Mongolian']
    .map((name): [string, RegExp] => [name, new RegExp(`^\\p{Script=${name}}$`, 'u')]),
];

function writingSystem(letter: string): string {
  for (const [name, re] of SCRIPTS) if (re.test(letter)) return name;
  return `block ${letter.codePointAt(0)! >> 8}`;
}

/**
 * 'UTF-16LE' or 'UTF-16BE' when the start of a file is mostly text in that encoding without a byte-order mark
 * (Latin text: nearly every high or low byte of each pair 0, and nearly no other), else null. UTF-8 text has no
 * 0 byte; a binary file's zeros do not fall on one side of the pairs alone.
 */
function utf16WithoutBom(b: Uint8Array): 'UTF-16LE' | 'UTF-16BE' | null {
  const pairs = Math.min(b.length, 4096) >> 1;
  if (pairs < 8) return null;
  let evenZero = 0, oddZero = 0;
  for (let i = 0; i < pairs; i++) {
    if (b[2 * i] === 0) evenZero++;
    if (b[2 * i + 1] === 0) oddZero++;
  }
  if (oddZero >= 0.9 * pairs && evenZero <= 0.1 * pairs) return 'UTF-16LE';
  if (evenZero >= 0.9 * pairs && oddZero <= 0.1 * pairs) return 'UTF-16BE';
  return null;
}

/**
 * The container whose signature starts `b` (gzip, zip, xz, zstd, 7z), else null: a compressed file under a text name
 * (data.jsonl that is gzip's output) would be read as lines of bytes, each rejected as binary, none saying why. Each
 * signature holds bytes that no text starts with (0x8b, 0x03 0x04, 0xfd, 0xb5, 0xbc), so no text file is taken for one.
 */
function compressedBy(b: Uint8Array): string | null {
  const starts = (...sig: number[]) => b.length >= sig.length && sig.every((x, i) => b[i] === x);
  if (starts(0x1f, 0x8b)) return 'gzip-compressed data';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'a zip archive (as .xlsx, .docx and .ods files are)';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz-compressed data';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd-compressed data';
  if (starts(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return 'a 7z archive';
  return null;
}

/** How many bytes binaryData judges at once: a file's first 8 KiB (git looks at its first 8000), then each 8 KiB after them (BinaryWatch). */
export const BINARY_SAMPLE_BYTES = 8192;

/** A byte that text does not hold: NUL, a C0 control but tab, line ends, form feed and escape, or DEL. */
function isControl(c: number): boolean {
  return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0b && c !== 0x0c && c !== 0x0d && c !== 0x1b) || c === 0x7f;
}

/**
 * Why `bytes` (up to BINARY_SAMPLE_BYTES of a file, from its byte `offset`: 0, its start) say it is binary data, not text
 * with a stray bad byte, else null: at least 1 in 32 of them are control bytes that text does not hold (isControl), as
 * random bytes, an image or compressed data have (about 1 in 10), and they hold a NUL byte (the `binary` defect, which
 * text never holds: git's test) among MIN_BINARY_CONTROLS such bytes, or, without a NUL (random bytes of a few KiB hold
 * none 1 time in 2^(size/177)), are no UTF-8 and hold MIN_CONTROL_KINDS different control bytes. A text file with a NUL
 * or two, or in an 8-bit encoding (Latin-1, KOI8-R: no control bytes; a Hive export's 0x01 and 0x02 separators), does
 * not. UTF-16 is notUtf8Text's to name first.
 */
export function binaryData(bytes: Uint8Array, offset = 0): string | null {
  const b = bytes.subarray(0, BINARY_SAMPLE_BYTES);
  let control = 0;
  const kinds = new Set<number>();
  for (const c of b) {
    if (!isControl(c)) continue;
    control++;
    kinds.add(c);
  }
  if (control * 32 < b.length) return null;
  if (b.indexOf(0) >= 0 ? control < MIN_BINARY_CONTROLS : kinds.size < MIN_CONTROL_KINDS || isUtf8Within(b)) return null;
  const which = offset === 0 ? `its first ${b.length} bytes` : `the ${b.length} bytes from its byte ${offset + 1}`;
  return `${control} of ${which} are NUL or other control bytes that text does not hold`;
}

/**
 * The fewest control bytes binaryData takes for binary data: a small text file with a stray NUL is 1 in 32 of its bytes
 * (a 30-byte JSON Lines file with one), and read as binary data as a whole, its other records would be lost with it.
 */
const MIN_BINARY_CONTROLS = 16;

/**
 * The fewest different control bytes binaryData takes for binary data without a NUL: random bytes hold 8 of the 26 in
 * their first hundred, a text with control bytes one to three (a Hive export's 0x01 to 0x03, a man page's backspaces).
 */
const MIN_CONTROL_KINDS = 8;

/** Whether `b`, a window of a file, is UTF-8 but for the characters its ends may cut (up to 3 bytes each). */
function isUtf8Within(b: Uint8Array): boolean {
  let from = 0;
  while (from < 3 && from < b.length && (b[from]! & 0xc0) === 0x80) from++; // the end of a character cut at the start
  let to = b.length;
  for (let i = b.length - 1; i >= Math.max(from, b.length - 3); i--) {
    if ((b[i]! & 0xc0) === 0x80) continue;
    const need = b[i]! >= 0xf0 ? 4 : b[i]! >= 0xe0 ? 3 : b[i]! >= 0xc0 ? 2 : 1;
    if (b.length - i < need) to = i; // a character cut at the end
    break;
  }
  return isUtf8(b.subarray(from, to));
}

/** The longest run of text bytes between two control bytes that binary data is taken to hold (random bytes: 1 in 10^12). */
const BINARY_GAP = 256;

/**
 * Where a file read as a stream of chunks turns into binary data, each byte judged once as it is read (no second read):
 * each BINARY_SAMPLE_BYTES of it in turn by binaryData (a short last one with the bytes before it, as a short file is
 * judged whole). A text file with an image or an archive appended after its first 8 KiB, or binary data under a text
 * header longer than that, was cut at its 0x0A bytes into records of garbage, a few short ones kept as training text.
 * The binary data starts at the first control byte of the window found binary, or before it at the first of the control
 * bytes that lead up to it with no more than BINARY_GAP text bytes between two (the start of the blob, where it began
 * before the window), or at the file's start when that is as near it: a small text with an image appended is read as
 * text up to the image, not taken for binary data as a whole.
 */
export class BinaryWatch {
  private judged = 0; // bytes judged, before the chunk being judged
  private last: Uint8Array = new Uint8Array(0); // the last bytes judged, up to a window of them (for a short chunk)

  /**
   * Where `chunk`, the file's next bytes, turns binary (an index of it; below 0: before its start, `endsBack` line ends
   * (0x0A) before it), and why; else null.
   */
  judge(chunk: Uint8Array): { at: number; endsBack: number; why: string } | null {
    const W = BINARY_SAMPLE_BYTES;
    const before = this.judged, prev = this.last;
    // a short chunk after others is judged with the bytes before it, as a window
    const bytes = chunk.length < W && before > 0 ? concat(prev.subarray(Math.max(0, prev.length - (W - chunk.length))), chunk) : chunk;
    const shift = bytes.length - chunk.length; // bytes[i] is chunk[i - shift]
    this.judged += chunk.length;
    // a copy (a Buffer's slice is a view of the reader's buffer, which the next read overwrites)
    this.last = chunk.length >= W ? new Uint8Array(chunk.subarray(chunk.length - W)) : concat(prev, chunk).subarray(-W);
    for (let off = 0; off < bytes.length; off += W) {
      const from = Math.max(0, Math.min(off, bytes.length - W)); // a short last window: the last W bytes
      const window = bytes.subarray(from, from + W);
      const fileOffset = before - shift + from;
      const why = binaryData(window, fileOffset);
      if (why === null) continue;
      // where it starts, looked for back into the window of bytes before the chunk too (whose last lines readLines holds)
      const view = concat(prev, chunk), base = prev.length; // chunk[i] is view[base + i]
      let at = base - shift + from + window.findIndex(isControl);
      for (let i = at - 1; i >= 0 && at - i <= BINARY_GAP; i--) if (isControl(view[i]!)) at = i;
      // as near the file's start as that: from its start (a PNG's "\x89PNG\r" line is its signature, no text)
      const fromStart = before - base + at;
      if (fromStart < BINARY_GAP) at = Math.max(0, at - fromStart);
      let endsBack = 0;
      for (let i = at; i < base; i++) if (view[i] === 0x0a) endsBack++;
      return { at: at - base, endsBack, why };
    }
    return null;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
