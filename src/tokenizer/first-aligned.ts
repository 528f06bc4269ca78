// Which characters of a normalized text HF tokenizers aligns with the input's first character, for Metaspace's
// prepend_scheme "first": HF prepends the replacement to a piece only where the piece starts at original offset 0
// (metaspace.rs: offsets_original().0 == 0, the offset of the piece's first character as normalizer.rs's alignments
// give it). Those characters are taken to be a prefix of the normalized text, so one number says which: `lead`, how many
// UTF-16 units of it are aligned with offset 0 (NFD's canonical reordering can put a mark of a later character among
// them: "á\u0323" is "a\u0323\u0301", and HF's piece from U+0323 on starts at the second character; the lead then ends
// where the normal form of the first character stops being the text's prefix, at least its first unit). A Replace's content is aligned with the last character its match
// took (transform_range: each new character shares the alignment before it), so "He" → "" of "Hello" leaves "llo" at
// offset 2 (no "▁"), and "ab" → "q" puts "q" at the offset of "b"; a Prepend's text is aligned with the character it
// goes before; the other steps keep each character's own alignment (StripAccents drops a leading mark, and so its 0).

/** The lead of a text at the input's start before any normalizer: its first character (0 for an empty text). */
export function inputLead(text: string): number {
  if (text.length === 0) return 0;
  return String.fromCodePoint(text.codePointAt(0)!).length;
}

/**
 * The lead after a Replace whose matches in the text (each at `index`, `length` UTF-16 units, in order, not
 * overlapping) became `content`: the characters before the first match that reaches past the lead keep theirs; that
 * match's content, aligned with its last character (past the lead), is not aligned with offset 0.
 */
export function leadAfterReplace(matches: Iterable<{ index: number; length: number }>, content: string, lead: number): number {
  if (lead === 0) return 0;
  let shift = 0;
  for (const m of matches) {
    if (m.index + m.length > lead) return Math.min(m.index, lead) + shift;
    shift += content.length - m.length;
  }
  return lead + shift;
}

/**
 * The lead after a step that maps each character apart (Prepend, Lowercase, StripAccents, the Unicode normal forms)
 * made `normalized` of `text`: the length of what `step` makes of the characters aligned with offset 0, cut where that
 * stops being `normalized`'s prefix (canonical reordering), but not below 1 where it is not empty.
 */
export function leadAfterMap(text: string, normalized: string, lead: number, step: (text: string) => string): number {
  if (lead === 0) return 0;
  const head = step(text.slice(0, lead));
  let same = 0;
  while (same < head.length && head.charCodeAt(same) === normalized.charCodeAt(same)) same++;
  return Math.min(head.length, Math.max(1, same));
}
