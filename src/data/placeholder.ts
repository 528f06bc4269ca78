// Text that is a placeholder, not text: what an export writes for a missing value, or what a forum leaves of a
// removed post. Trained on, the model learns to answer "nan". Two kinds, told apart by who writes them:
// - artefacts, written by programs and by no one as text: pandas' "nan" (str(NaN), to_csv of an object column),
//   "-nan", "null", JavaScript's "undefined", pandas' "<NA>" and other NA spellings, Excel's "#N/A" and other error values, "[deleted]",
//   "[removed]", self-instruct's "<noinput>" (its mark of an instruction without an input). A field or a label that is one
//   is missing, wherever it is.
// - words, written by programs (Python's str(None), R's write.csv "NA") and by people as an answer ("Known side
//   effects?" "None"; "Visa needed?" "N/A"): missing where no answer is — a text, a prompt, a system or user turn, a
//   classification text, a label unless the class list names it — and text as a completion or an assistant turn.
// record-checks.ts applies this to text fields (reason `placeholder`, unless --keep-placeholders), labels.ts to labels.

/** Lower-cased, whole: an artefact; what each is, for the detail. */
const ARTEFACTS = new Map<string, 'missing' | 'removed' | 'no-input'>([
  // pandas' NA spellings (read_csv's na_values, NaN in any column) but its words: MSVC's printf of NaN ("1.#IND"), SAS's "#N/A N/A"
  ...['nan', '-nan', 'null', 'undefined', '<na>', '#n/a', '#na', '#n/a n/a', '1.#ind', '-1.#ind', '1.#qnan', '-1.#qnan',
    '#value!', '#ref!', '#name?', '#div/0!', '#null!', '#num!'].map((t) => [t, 'missing'] as const),
  ...['[deleted]', '[removed]'].map((t) => [t, 'removed'] as const),
  // self-instruct's (and the Alpaca seed tasks') mark of an instruction without an input
  ...['<noinput>', '<no input>'].map((t) => [t, 'no-input'] as const),
]);
/** Lower-cased, whole: a word that exports write for a missing value and people write as an answer. */
const WORDS = new Set(['none', 'n/a', 'na']);

export type PlaceholderKind = 'artefact' | 'word';

/**
 * Whether `text`, trimmed, in any case and in any character form (NFKC: full-width "ｎａｎ", "ＮＯＮＥ", "Ｎ/Ａ", as an
 * East Asian input method types them), is a placeholder, of which kind, and why (rejected.jsonl's detail); null when it
 * is text. The form is folded for the comparison only: the text is not changed.
 */
export function placeholderOf(text: string): { kind: PlaceholderKind; why: string } | null {
  const t = text.trim();
  if (t.length > 10) return null;
  const folded = /[^\x00-\x7f]/.test(t) ? t.normalize('NFKC').trim() : t;
  const lower = folded.toLowerCase();
  const artefact = ARTEFACTS.get(lower);
  if (artefact === undefined && !WORDS.has(lower)) return null;
  const said = JSON.stringify(t) + (folded === t ? '' : ` (${JSON.stringify(folded)} in full-width or other compatibility characters)`);
  const why = artefact === 'removed' ? `${said} is what a forum leaves of a removed post`
    : artefact === 'no-input' ? `${said} is self-instruct's mark of a missing input`
    : `${said} is what an export writes for a missing value (pandas' NaN, Python's None)`;
  return { kind: artefact ? 'artefact' : 'word', why };
}
