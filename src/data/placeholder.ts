// Text fields that are a placeholder, not text: what exports write for a missing value (pandas' "nan", Python's
// "None", "null", Excel's "#N/A") and what forums leave of a removed post ("[deleted]", "[removed]"). Trained on, the
// model learns to answer "nan"; prepare rejects such a record (reason `placeholder`) unless --keep-placeholders.

/** The placeholders, lower-cased; a field is one when, trimmed and lower-cased, it is one of these whole. */
const MISSING_VALUES = ['nan', 'none', 'null', 'undefined', 'n/a', '#n/a', '#value!', '#ref!', '#name?', '#div/0!', '#null!', '#num!'];
const REMOVED_POSTS = ['[deleted]', '[removed]'];

/** Why `text` is a placeholder (for rejected.jsonl's detail), or null when it is text. */
export function placeholderWhy(text: string): string | null {
  const t = text.trim().toLowerCase();
  if (t.length > 10) return null;
  if (MISSING_VALUES.includes(t)) return `${JSON.stringify(text.trim())} is what an export writes for a missing value, not text (--keep-placeholders keeps it)`;
  if (REMOVED_POSTS.includes(t)) return `${JSON.stringify(text.trim())} is what a forum leaves of a removed post, not text (--keep-placeholders keeps it)`;
  return null;
}
