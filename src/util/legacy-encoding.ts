// Which encoding of Chinese, Japanese or Korean text a line that is not UTF-8 reads as (GB18030, Big5, Shift-JIS,
// EUC-JP, EUC-KR; UTF-16 without a byte-order mark for a file of one line), for the tip that says how to convert it:
// the Windows-1252 conversion that suits Latin text turns such bytes into accented-Latin soup ("ÄãºÃ" for 你好).
// Short texts read cleanly in several of them (GBK, Big5 and EUC-KR share their byte ranges): all are named then, never
// one guessed; and bytes that read as Latin text name none.

/** An encoding tried: its iconv name, its WHATWG decoder, the readings it takes (reading), and where its common characters lie. */
interface Legacy {
  name: string;
  label: string;
  takes: readonly Reading[];
  /** Whether a double-byte character starting `lead`, `trail` is in the encoding's common part (GB2312's, KS X 1001's area), where its text's characters nearly all lie. */
  common?: (lead: number, trail: number) => boolean;
}

const upper = (c: number): boolean => c >= 0xa1 && c <= 0xfe;
// the decoders are Windows' supersets (CP932, CP949, Big5-HKSCS), as iconv names them
const LEGACY: readonly Legacy[] = [
  { name: 'GB18030', label: 'gb18030', takes: ['han'], common: (l, t) => upper(l) && l <= 0xf7 && upper(t) },
  { name: 'BIG5-HKSCS', label: 'big5', takes: ['han'] },
  { name: 'CP932', label: 'shift_jis', takes: ['ja', 'han'] },
  { name: 'EUC-JP', label: 'euc-jp', takes: ['ja', 'han'] },
  { name: 'CP949', label: 'euc-kr', takes: ['ko'], common: (l, t) => upper(l) && upper(t) },
];
const UTF16: readonly Legacy[] = [
  { name: 'UTF-16LE', label: 'utf-16le', takes: ['ja', 'ko', 'han'] },
  { name: 'UTF-16BE', label: 'utf-16be', takes: ['ja', 'ko', 'han'] },
];

/**
 * The encodings (iconv's names) in which `bytes`, a line that is not UTF-8, read as Chinese, Japanese or Korean text,
 * else none (Latin text among them: readsAsLatin); UTF-16LE and UTF-16BE too where the line is a `wholeFile`, a file of
 * one line too short for notUtf8Text to name (a longer one, or one of several lines, is refused as UTF-16). Bytes read
 * as an encoding when its decoder takes them all (no U+FFFD), and the text is of a language the encoding writes (reading:
 * kana for Japanese, Hangul for Korean, Han alone for any but Korean) with its characters in the encoding's common part.
 * Where one encoding's reading is strong (a Korean sentence, Japanese with kana and kanji: distinct) it alone is named.
 * Measured on lines of real text cut at random (1 to 80 characters, alone or in JSON or CSV): no line in one of these
 * encodings named another alone; 8 of 3,000 Windows-1252 fragments of 1 to 4 characters named one (none longer).
 */
export function legacyEncodingGuess(bytes: Uint8Array, wholeFile = false): string[] {
  const latin = readsAsLatin(bytes);
  const found: Array<{ name: string; strong: boolean }> = [];
  const take = (enc: Legacy, text: string | null) => {
    const r = text === null ? null : reading(text);
    if (r !== null && enc.takes.includes(r.lang) && (enc.common === undefined || mostlyCommon(bytes, enc.common))) found.push({ name: enc.name, strong: r.strong });
  };
  if (!latin) for (const enc of LEGACY) take(enc, decoded(enc.label, bytes));
  if (wholeFile && bytes.length % 2 === 0 && !(latin && asciiPairs(bytes) * 4 >= bytes.length)) {
    // either byte order that reads as text: "hi" in UTF-16BE (00 68 00 69) reads as Han in UTF-16LE (栀椀)
    const before = found.length;
    const ascii = UTF16.filter((enc) => /^[\t\r\x20-\x7e]+$/.test(decoded(enc.label, bytes) ?? '\0'));
    for (const enc of UTF16) take(enc, decoded(enc.label, bytes));
    if (found.length > before) found.push(...ascii.map((enc) => ({ name: enc.name, strong: false })));
  }
  const strong = found.filter((f) => f.strong);
  return (strong.length === 1 ? strong : found).map((f) => f.name);
}

/**
 * `bytes` decoded by the WHATWG decoder `label`, or null where it takes them not all: where it writes U+FFFD for bytes
 * it cannot decode (as a fatal decoder throws, which costs a hundred times a decoding, once a line of a large file).
 */
function decoded(label: string, bytes: Uint8Array): string | null {
  let decoder = DECODERS.get(label);
  if (decoder === undefined) DECODERS.set(label, (decoder = new TextDecoder(label)));
  const text = decoder.decode(bytes);
  return text.includes('\ufffd') ? null : text;
}
const DECODERS = new Map<string, InstanceType<typeof TextDecoder>>();

type Reading = 'han' | 'ja' | 'ko';

const OTHER = /^[\p{L}\p{Co}\p{Cc}\p{Cn}]$/u; // a letter of another script, private use, control or unassigned

/** What a character beyond ASCII is, by its code point `c`: kana, a Hangul syllable or jamo, a Han letter, neutral (CJK punctuation, full-width forms, a symbol), or foreign. */
function kindOf(c: number, ch: string): 'kana' | 'syllable' | 'jamo' | 'han' | 'neutral' | 'foreign' {
  if (c >= 0x3040 && c <= 0x30ff) return c === 0x30fb ? 'neutral' : 'kana'; // ・ is punctuation
  if (c >= 0x4e00 && c <= 0x9fff) return 'han';
  if (c >= 0xac00 && c <= 0xd7a3) return 'syllable';
  if (c >= 0x3000 && c <= 0x303f) return 'neutral'; // 、。「」 and 々 〇, Han but no letters
  if ((c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffef)) return 'neutral'; // full-width forms, but the half-width ones stray bytes read as in Shift-JIS
  if ((c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x3ffff)) return 'han';
  if ((c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f)) return 'jamo';
  if (c >= 0x31f0 && c <= 0x31ff) return 'kana';
  return c >= 0xff61 && c <= 0xffdc ? 'foreign' : OTHER.test(ch) ? 'foreign' : 'neutral';
}

/**
 * What language `text` reads as: Korean (9 in 10 of its letters Hangul syllables), Japanese (kana, no Hangul), Han alone
 * (Chinese, or Japanese kanji); null where it holds a letter of another script, a control character, a half-width
 * form or no letter beyond ASCII. Strong: a Korean sentence (8 syllables and nothing else, a space between two words:
 * Chinese and Japanese write none) or Japanese with kanji and 4 kana, a third of its letters at least, which text in
 * another encoding does not read as by chance.
 */
function reading(text: string): { lang: Reading; strong: boolean } | null {
  let kana = 0, hangul = 0, syllables = 0, han = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) {
      if (c < 0x20 && c !== 0x09 && c !== 0x0d) return null;
      continue;
    }
    const kind = kindOf(c, ch);
    if (kind === 'foreign') return null;
    if (kind === 'kana') kana++;
    else if (kind === 'han') han++;
    else if (kind === 'syllable' || kind === 'jamo') {
      hangul++;
      if (kind === 'syllable') syllables++;
    }
  }
  const letters = kana + hangul + han;
  if (letters === 0) return null;
  if (syllables * 10 >= letters * 9) return { lang: 'ko', strong: syllables >= 8 && syllables === letters && /[\uac00-\ud7a3] +[\uac00-\ud7a3]/.test(text) };
  if (hangul > 0) return null;
  return kana > 0 ? { lang: 'ja', strong: kana >= 4 && kana * 3 >= letters && han > 0 } : { lang: 'han', strong: false };
}

/** Whether 3 in 4 of the double-byte characters of `b` (each byte from 0x80 with the next) are in an encoding's `common` part. */
function mostlyCommon(b: Uint8Array, common: (lead: number, trail: number) => boolean): boolean {
  let pairs = 0, inside = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i]! < 0x80) continue;
    pairs++;
    if (common(b[i]!, b[i + 1] ?? 0)) inside++;
    i++;
  }
  return inside * 4 >= pairs * 3;
}

const isAsciiLetter = (c: number | undefined): boolean => c !== undefined && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const isAsciiPrintable = (c: number | undefined): boolean => c !== undefined && c >= 0x20 && c < 0x7f;
/** Windows-1252's letters (À–ÿ but × and ÷, and Š Œ Ž š œ ž Ÿ) and typographic marks (€ … ‘ ’ “ ” – — « » ° £, the no-break space). */
const LATIN_LETTERS = new Set([0x8a, 0x8c, 0x8e, 0x9a, 0x9c, 0x9e, 0x9f]);
const LATIN_MARKS = new Set([0x80, 0x85, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97, 0xab, 0xbb, 0xb0, 0xa3, 0xa0]);
const isLatinLetter = (c: number): boolean => (c >= 0xc0 && c !== 0xd7 && c !== 0xf7) || LATIN_LETTERS.has(c);

/**
 * Whether `b` reads as Latin text in Windows-1252: half its bytes from 0x80 at least are letters beside an ASCII letter
 * ("café", "Größe") or typographic marks beside an ASCII character ("“Smart”"). The bytes of Chinese, Japanese or Korean
 * text come in runs, read so as "ÄãºÃ".
 */
function readsAsLatin(b: Uint8Array): boolean {
  let high = 0, latin = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c < 0x80) continue;
    high++;
    if (isLatinLetter(c) ? isAsciiLetter(b[i - 1]) || isAsciiLetter(b[i + 1]) : LATIN_MARKS.has(c) && (isAsciiPrintable(b[i - 1]) || isAsciiPrintable(b[i + 1]))) latin++;
  }
  return latin * 2 >= high;
}

/** How many of the byte pairs of `b` are two printable ASCII characters: most of Latin text's, read as UTF-16, a quarter of CJK text's. */
function asciiPairs(b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i + 1 < b.length; i += 2) if (isAsciiPrintable(b[i]) && isAsciiPrintable(b[i + 1])) n++;
  return n;
}
