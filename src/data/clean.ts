// Text normalisation applied to every string field of a record before validation and deduplication:
// mojibake undone where it is certain (mojibake.ts: "cafÃ©" → "café"), newlines (and VT, FF) to \n, terminal escape
// sequences, control and zero-width characters removed, exotic spaces to ' ', runs of spaces between words collapsed
// to one, trailing spaces on each line removed, runs of blank lines collapsed to one, then Unicode NFC (after the
// stripping, so the result is always NFC), and the whole field trimmed (a prompt only at its start and a
// completion only at its end: the whitespace between them is their separator).
// Indentation at the start of a line is kept (code), as are tabs, ZWJ (emoji sequences) and ZWNJ
// (Persian, Indic scripts), which change how text renders and reads; a field of only such invisible characters is
// empty. Inside a fenced code block (a line opening with ``` or ~~~, to its closing fence or the end) spaces and
// blank lines are kept as they are — a string literal's spaces, aligned columns, PEP 8's two blank lines —: only
// newlines, control and zero-width characters, exotic spaces and trailing spaces are normalised there.

import { repairMojibake } from './mojibake.ts';

// Terminal escape sequences, as logs and console output pasted into a dataset hold them, removed whole: removing only
// their ESC, as STRIP does, left the rest as text ("[31merror[0m"). ECMA-48's, in their 7-bit form (ESC …), which
// terminals write:
//  - CSI: ESC [, parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, a final byte 0x40–0x7E (colours ESC [ 31 m,
//    cursor moves ESC [ 2 K);
//  - control strings: OSC (ESC ]: a window title, an OSC 8 hyperlink), DCS (ESC P), SOS (ESC X), PM (ESC ^) and APC
//    (ESC _), each to its ST (ESC \ or U+009C) or a BEL, within 2,048 characters of one line;
//  - SS2 and SS3 (ESC N, ESC O: an arrow key in application mode, ESC O A) with the character they shift;
//  - ESC, intermediate bytes 0x21–0x2F, a final byte 0x30–0x7E (ESC ( B, which tput sgr0 writes);
//  - ESC and one byte 0x30–0x7E (ESC 7 and ESC 8 save and restore the cursor, ESC = and ESC > set the keypad, ESC c
//    resets), but for the introducers above.
// An introducer without its sequence's shape after it (ESC [ before no final byte, a control string with no end on its
// line) and an ESC before anything else (a space, a line break, a non-ASCII letter) lose only their ESC, through STRIP.
// The 8-bit introducers (U+009B CSI, U+009D OSC, U+0090 DCS, U+0098, U+009E, U+009F, U+008E/U+008F) are no sequence
// either, each removed alone by STRIP: they are what Latin-1 mojibake the repair leaves alone is made of (“ and ” read as
// Latin-1 end in U+009C and U+009D; Cyrillic Н and М in U+009D and U+009C), so read as sequences they ate the words up
// to the next U+009C, and scanning for that end from each of a run of them was quadratic. A stray ESC before text of a
// sequence's shape is read as the sequence, as a terminal reads it: "press ESC[Enter]" is "press nter]" (ESC [ E is
// CSI's cursor next line).
const ANSI_ESCAPES = /\x1B\[[0-?]*[ -/]*[@-~]|\x1B[\]PX^_][^\x07\x1B\x9C\r\n]{0,2048}(?:\x07|\x1B\\|\x9C)|\x1B[NO][ -~]|\x1B[!-/]+[0-~]|\x1B[0-OQ-WYZ\\`-~]/g;
// C0 controls except \t, \n and the line breaks VT, FF, FS, GS and RS, DEL, C1 controls except NEL (a newline), and the invisible
// zero-width characters: ZERO WIDTH SPACE, WORD JOINER, ZERO WIDTH NO-BREAK SPACE (a stray BOM), MONGOLIAN VOWEL SEPARATOR.
const STRIP = /[\x00-\x08\x0E-\x1B\x1F\x7F-\x84\x86-\x9F\u200B\u2060\uFEFF\u180E]/g;
// VT is PowerPoint's (python-pptx's) line break within a paragraph and FF pdftotext's page break: removed, they
// would join the words on either side ("line oneline two"); Unicode and Python's splitlines take both for line breaks, and
// FS, GS and RS too (the separators of a data dump: "five\x1Csix" was "fivesix")
const NEWLINES = /\r\n?|[\x0B\x0C\x1C-\x1E\u0085\u2028\u2029]/g;
const SPACES = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g;
const TRAILING = /[ \t]+\n/g;
const BLANK_RUNS = /\n{3,}/g;
const SPACE_RUNS = /(\S) {2,}/g; // runs of spaces after a word; indentation at line start is kept
// Anything that needs more than a trim: the fast path skips the regex passes for clean text.
const NEEDS_WORK = /[\x00-\x08\x0B-\x1F\x7F-\x9F\u00A0\u1680\u2000-\u200B\u2028\u2029\u202F\u205F\u2060\u3000\uFEFF\u180E]|[ \t]\n|\n\n\n|\S  /;
const NON_ASCII = /[^\x00-\x7F]/;
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The normalised form of one text field (see the file header). `trim` says which ends are trimmed: both
 * (default), or only the start (a prompt keeps its trailing separator) or only the end (a completion keeps
 * its leading one), since {prompt, completion} is tokenized as the two joined with nothing in between.
 */
export function normalizeText(s: string, trim: 'both' | 'start' | 'end' = 'both'): string {
  let t = NON_ASCII.test(s) ? repairMojibake(s) : s;
  if (NEEDS_WORK.test(t)) {
    t = t.replace(ANSI_ESCAPES, '').replace(NEWLINES, '\n').replace(STRIP, '').replace(SPACES, ' ').replace(TRAILING, '\n');
    t = FENCE.test(t) ? outsideFences(t, collapse) : collapse(t);
  }
  // NFC last: removing a zero-width or control character can bring a base and a combining mark together
  // ('e\u200B\u0301'), which only a later NFC composes; trimming spaces cannot undo a composition.
  if (NON_ASCII.test(t)) t = t.normalize('NFC');
  t = trim === 'both' ? t.trim() : trim === 'start' ? t.trimStart() : t.trimEnd();
  return NON_ASCII.test(t) && INVISIBLE_ONLY.test(t) ? '' : t;
}

// Characters that render as nothing (Unicode's default-ignorables: direction marks, ZWJ, variation selectors, the
// soft hyphen, Hangul fillers) are kept within text, where they shape it; a field of them alone holds no text: empty.
const INVISIBLE_ONLY = /^[\s\p{Default_Ignorable_Code_Point}]+$/u;

const FENCE = /^[ \t]*(?:```|~~~)/m;

/** Runs of blank lines to one, runs of spaces after a word to one. */
function collapse(t: string): string {
  return t.replace(BLANK_RUNS, '\n\n').replace(SPACE_RUNS, '$1 ');
}

/**
 * `t` with `f` applied to the text outside fenced code blocks (CommonMark's: a fence line opens with three or more
 * backticks or tildes, and the block ends at a line opening with the same character repeated as often, or at the end);
 * the fence lines and what is between them are left as they are.
 */
function outsideFences(t: string, f: (s: string) => string): string {
  const lines = t.split('\n');
  let out = '', prose = '';
  let fence: string | null = null;
  lines.forEach((line, k) => {
    const text = k < lines.length - 1 ? `${line}\n` : line; // a prose run keeps the newline before a fence
    const m = /^[ \t]*(`{3,}|~{3,})/.exec(line);
    if (fence === null && !m) {
      prose += text;
      return;
    }
    if (fence === null) {
      out += f(prose);
      prose = '';
      fence = m![1]!;
    } else if (m && m[1]![0] === fence[0] && m[1]!.length >= fence.length) fence = null;
    out += text;
  });
  return out + f(prose);
}

/** Length in Unicode code points (a surrogate pair is one character). */
export function charLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Index of the first lone surrogate (half of a pair without the other half), or −1 when `s` is well formed. */
export function loneSurrogate(s: string): number {
  if (!SURROGATE.test(s)) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/** Why field `key`'s text `s` is not Unicode text (a lone surrogate, which JSON can spell), or null when it is. */
export function loneSurrogateDetail(key: string, s: string): string | null {
  const lone = loneSurrogate(s);
  return lone < 0 ? null : `"${key}" holds a lone surrogate \\u${s.charCodeAt(lone).toString(16)} at character ${lone + 1}: not Unicode text`;
}
