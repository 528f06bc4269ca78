// Mojibake: UTF-8 text that was once decoded as Windows-1252 (or Latin-1) and saved again — "cafÃ©" for "café",
// "donâ€™t" for "don't", "ðŸ˜€" for an emoji —, which spreadsheets and scrapers leave in data. It is undone where it
// is certain: each run of characters that Windows-1252 writes as bytes 0x80–0xFF is turned back into those bytes
// and read as UTF-8, and the text is repaired only when every lead byte among them starts a well-formed character
// (a text with one correct "é" — the lone lead byte E9 — is left as it is; a lone "½" or no-break space, bytes
// that start nothing, stays; but a Windows-1252 punctuation mark alone, such as a “, shows text typed as it is)
// and no character it gives is one that mojibake does not make: an accented capital or ß
// before a quote or an ellipsis ("Spaß…", "“CAFÉ”") is two such bytes too (see implausible). Twice-garbled text is
// undone twice. Called by normalizeText before anything else (its control-character stripping would cut the C1
// characters some of these runs hold).

/** Windows-1252's characters for bytes 0x80–0x9F; its five undefined bytes are the C1 control of that byte, as decoders that fall back to Latin-1 give. */
export const CP1252_80_9F = '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
  '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

/** Character code → the byte Windows-1252 (or, for U+0080–U+009F, Latin-1) writes it as. */
const BYTE_OF = new Map<number, number>();
for (let b = 0x80; b < 0xa0; b++) BYTE_OF.set(b, b);
for (let b = 0x80; b < 0xa0; b++) BYTE_OF.set(CP1252_80_9F.charCodeAt(b - 0x80), b);
for (let b = 0xa0; b < 0x100; b++) BYTE_OF.set(b, b);

/** A UTF-8 lead byte's character (Â … ô) followed by a continuation byte's: the mark of mojibake, tested first. */
const MARK = new RegExp(`[\\u00C2-\\u00F4][\\u0080-\\u00BF${CP1252_80_9F.replace(/[\u0080-\u009F]/g, '')}]`);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

let repairs = 0;

/** How many texts repairMojibake has changed in this process (detectRecord reads it before and after a record). */
export function mojibakeRepairs(): number {
  return repairs;
}

/** `s` with its mojibake undone (see the file header), or `s` itself. */
export function repairMojibake(s: string): string {
  let t = s;
  for (let pass = 0; pass < 3 && MARK.test(t); pass++) {
    const fixed = undoOnce(t);
    if (fixed === null) break;
    t = fixed;
  }
  if (t !== s) repairs++;
  return t;
}

/**
 * `s` with each run of Windows-1252 high characters decoded as UTF-8 where it is: a byte that cannot start a
 * character (a lone continuation byte: the "½" of "½ cup", a no-break space after the garbled word) stays the
 * character it was, but a lead byte that does not start a well-formed character ("é" of "café": E9 alone) means the
 * text is not mojibake, and null is returned; null too when nothing was decoded, or when a character it gives is one
 * mojibake does not make (implausible).
 */
function undoOnce(s: string): string | null {
  let out = '', i = 0, decodedAny = false;
  const twoByte: number[] = []; // where in `out` a character decoded from two bytes is: checked once its neighbours are known
  while (i < s.length) {
    let j = i;
    while (j < s.length && !BYTE_OF.has(s.charCodeAt(j))) j++;
    out += s.slice(i, j);
    if (j === s.length) break;
    const bytes: number[] = [];
    for (i = j; j < s.length && BYTE_OF.has(s.charCodeAt(j)); j++) bytes.push(BYTE_OF.get(s.charCodeAt(j))!);
    for (let k = 0; k < bytes.length;) {
      const n = sequenceLength(bytes[k]!);
      if (n === 0) {
        // Windows-1252's own punctuation standing alone (the “ of "“IRMÃ”"), typed as it is: mojibake would have
        // garbled it too ("â€œ"), so the text around it is correct (its "Ã”" Portuguese, not an "Ô")
        if (s.charCodeAt(i + k) > 0xff) return null;
        out += s[i + k]; // not a lead byte: the character stays
        k++;
        continue;
      }
      let ch: string;
      try {
        if (k + n > bytes.length) throw new RangeError('cut short');
        ch = UTF8.decode(Uint8Array.from(bytes.slice(k, k + n)));
      } catch {
        return null; // a lead byte without its continuation: a letter in its own right, not mojibake
      }
      if (n === 2) twoByte.push(out.length);
      out += ch;
      decodedAny = true;
      k += n;
    }
    i = j;
  }
  if (twoByte.some((p) => implausible(out[p]!, out[p - 1] ?? '', out[p + 1] ?? ''))) return null;
  return decodedAny ? out : null;
}

/** A Latin letter: next to one, a decoded Greek, Cyrillic, Hebrew or Arabic letter is an accident (see implausible). */
const LATIN = /\p{Script=Latin}/u;
const LETTER_OR_MARK = /[\p{L}\p{M}]/u;

/**
 * Whether a character decoded from two bytes (one UTF-16 unit) shows that its bytes were never mojibake but an
 * accented capital (or ß) before a quote, a dash or an ellipsis, which Windows-1252 writes as a continuation byte:
 * "Spaß…" is not "Spa߅", "“CAFÉ”" not "“CAFɔ", "ACABÓ”" not "ACABӔ". The letters that UTF-8 text read as Windows-1252 garbles are in other
 * blocks: IPA and the end of Latin Extended-B (from É, Ê), the rarer combining marks and archaic Greek (from Í), and
 * Syriac, Thaana and N'Ko (from Ü, Ý, Þ, ß) are taken for such accidents; so is a Greek, Cyrillic, Armenian, Hebrew or
 * Arabic letter or mark beside a Latin letter (`before` and `after`: the characters around it), where text in those
 * scripts is garbled a word at a time. Characters of three and four bytes (’, “, CJK, emoji) are never implausible.
 */
function implausible(ch: string, before: string, after: string): boolean {
  const c = ch.codePointAt(0)!;
  if ((c >= 0x240 && c < 0x2b0) || (c >= 0x340 && c < 0x380) || (c >= 0x700 && c < 0x800)) return true;
  return c >= 0x380 && c < 0x700 && LETTER_OR_MARK.test(ch) && (LATIN.test(before) || LATIN.test(after));
}

/** The length of the UTF-8 sequence a lead byte starts (2–4), or 0 for a byte that starts none. */
function sequenceLength(b: number): number {
  return b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
}
