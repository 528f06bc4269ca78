// What a file's first bytes say it is when it is not UTF-8 text, in one sentence, else null: a UTF-32 or UTF-16
// byte-order mark, a compressed container (gzip, zip, xz, zstd, 7z), or UTF-16 without a mark. The line reader
// (data files) and the JSON reader (config.json, tokenizer and adapter files, --messages) refuse a file so, in the
// same words: read on as UTF-8, such a file is "invalid UTF-8 at byte 1", which says neither what it is nor how to
// convert it (a Windows tool, PowerShell's `>` or Notepad's "Unicode", writes UTF-16 with a mark).

/** The sentence that refuses a file starting with `first` (its first bytes, up to a few KiB), or null for text that may be UTF-8. */
export function notUtf8Text(first: Uint8Array): string | null {
  const n = first.length;
  // UTF-32's marks first: FF FE 00 00 starts with UTF-16LE's
  const utf32 = n >= 4 && first[0] === 0xff && first[1] === 0xfe && first[2] === 0 && first[3] === 0 ? 'UTF-32LE'
    : n >= 4 && first[0] === 0 && first[1] === 0 && first[2] === 0xfe && first[3] === 0xff ? 'UTF-32BE' : null;
  if (utf32) return `this is ${utf32} text (it starts with a UTF-32 byte-order mark): convert it to UTF-8 first (iconv -f ${utf32} -t UTF-8)`;
  if (n >= 2 && ((first[0] === 0xff && first[1] === 0xfe) || (first[0] === 0xfe && first[1] === 0xff))) {
    return 'this is UTF-16 text (it starts with a UTF-16 byte-order mark): convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8: the mark gives the byte order)';
  }
  const packed = compressedBy(first);
  if (packed) return `this is ${packed} (by its first bytes), whatever its name: decompress it first`;
  const utf16 = utf16WithoutBom(first);
  if (utf16) return `this looks like ${utf16} text without a byte-order mark (every other byte is 0): convert it to UTF-8 first (iconv -f ${utf16} -t UTF-8)`;
  return null;
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

/** How many of a file's first bytes binaryData judges (git looks at its first 8000). */
export const BINARY_SAMPLE_BYTES = 8192;

/**
 * Why the start of a file (up to BINARY_SAMPLE_BYTES of `first`) says it is binary data as a whole, not text with a
 * stray bad byte, else null: it holds a NUL byte (the `binary` defect, which text never holds: git's test) and at least
 * 1 in 32 of its bytes are control bytes that text does not hold (NUL, C0 controls but tab, line ends, form feed and
 * escape, and DEL), as random bytes, an image or compressed data have (about 1 in 10), and a text file with a NUL or
 * two, or in an 8-bit encoding (Latin-1, KOI8-R: no control bytes), does not. UTF-16 is notUtf8Text's to name first.
 */
export function binaryData(first: Uint8Array): string | null {
  const b = first.subarray(0, BINARY_SAMPLE_BYTES);
  if (b.indexOf(0) < 0) return null;
  let control = 0;
  for (const c of b) if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0b && c !== 0x0c && c !== 0x0d && c !== 0x1b) || c === 0x7f) control++;
  if (control * 32 < b.length) return null;
  return `${control} of its first ${b.length} bytes are NUL or other control bytes that text does not hold`;
}
