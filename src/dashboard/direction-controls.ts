// Unicode's direction controls written out as JSON escapes them, in text the dashboard writes around words of a run's
// file: JSON.parse's message quotes the text it failed on, and a right-to-left override in the quote reversed the page's
// words after it (a malformed metrics.jsonl line's reason, a damaged report.json's error); so does the yaml parser's of a
// config.yaml it refuses; and a lock's owner as its file names it.

/** Unicode's direction marks, embeddings, overrides and isolates: invisible, and they reorder the text after them. */
const DIRECTION_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with each direction control written as its JSON escape (`\u202e`). */
export function escapeDirectionControls(text: string): string {
  return text.replace(DIRECTION_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
