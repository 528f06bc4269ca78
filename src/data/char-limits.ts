// How long a record may be before it is tokenized: prepare's default --max-chars (a record's text fields together,
// in characters), and the raw text (a JSON line, a CSV row) that can hold that many, past which a record is
// rejected unparsed — so that one giant line costs no more memory than its own text, in prepare and in every
// command that reads records itself (train, eval and classify on a raw file).

/** prepare's --max-chars when none is given. */
export const DEFAULT_MAX_CHARS = 1_000_000;

/** The longest raw text of a record within `maxChars`: a character may be spelled in up to 12 (an escaped surrogate pair), plus keys and labels. */
export function maxRawCharsFor(maxChars: number): number {
  return 12 * maxChars + (1 << 20);
}
