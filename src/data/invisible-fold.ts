// What exact deduplication leaves out of a text's key (record-content.ts), and a class name (labels.ts' labelText):
// characters that render as nothing where they stand, so that copies a reader cannot tell apart are one content, one class. The text itself is kept as written (cleaning
// keeps them: a soft hyphen is where a word may break, a ZWJ joins an emoji sequence or Indic letters).
//  - the soft hyphen U+00AD (HTML's `&shy;`, hyphenation points a scraped page or a PDF's text keeps: `co\u00ADoperate`);
//  - a ZWJ U+200D after a Latin, Greek or Cyrillic letter, which joins nothing there (`b\u200Dc`, `х\u200Dх`); after an emoji (👨‍👩‍👧) or a letter of
//    a script that joins (Devanagari, Arabic) it is kept, as it changes what is shown. Soft hyphens, other such ZWJs and
//    combining marks may stand between the letter and the ZWJ (`co\u00AD\u200Doperate`, `b\u200D\u200Dc`, `q\u0301\u200Dx`):
//    folded too, as all of them render on or beside the letter; an emoji sequence's ZWJs stay however many follow. One
//    before a letter of another script (its marks and soft hyphens aside) is kept: it joins that letter (`x\u200D\u0645`,
//    an Arabic meem in its final form, as after an Arabic letter).

const JOINS_NOTHING = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]/u;
const STANDS_ON_LETTER = /[\p{M}\u00AD]/u; // marks and soft hyphens: looked past, before a ZWJ and after it
const LETTER = /\p{L}/u;

/**
 * `text` without the characters exact deduplication does not key on (see above); `text` itself when it holds none. One
 * pass each way over its code points (a regex lookbehind over the run of marks before each ZWJ was quadratic in that run:
 * a ZWJ after 32,000 combining marks took 4.7 s).
 */
export function invisibleFold(text: string): string {
  if (!text.includes('\u00AD') && !text.includes('\u200D')) return text;
  const chars = Array.from(text);
  // foreignAhead[i]: the first code point from i on, marks and soft hyphens passed over, is a letter of a script that joins
  const foreignAhead: boolean[] = new Array(chars.length + 1).fill(false);
  for (let i = chars.length - 1; i >= 0; i--) {
    const c = chars[i]!;
    foreignAhead[i] = STANDS_ON_LETTER.test(c) ? foreignAhead[i + 1]! : LETTER.test(c) && !JOINS_NOTHING.test(c);
  }
  let out = '';
  let afterJoinsNothing = false; // the last code point before here that is not a mark, soft hyphen or ZWJ joins nothing
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\u00AD') continue;
    if (c === '\u200D') {
      if (!(afterJoinsNothing && !foreignAhead[i + 1])) out += c;
      continue;
    }
    if (!STANDS_ON_LETTER.test(c)) afterJoinsNothing = JOINS_NOTHING.test(c);
    out += c;
  }
  return out;
}
