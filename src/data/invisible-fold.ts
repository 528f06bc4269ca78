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

const FOLDED = /\u00AD|(?<=[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}][\p{M}\u00AD\u200D]*)\u200D(?![\p{M}\u00AD]*(?![\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])\p{L})/gu;

/** `text` without the characters exact deduplication does not key on (see above); `text` itself when it holds none. */
export function invisibleFold(text: string): string {
  return text.includes('\u00AD') || text.includes('\u200D') ? text.replace(FOLDED, '') : text;
}
