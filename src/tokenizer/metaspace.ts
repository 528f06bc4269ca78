// HF tokenizers' Metaspace (pre_tokenizers/metaspace.rs, tokenizers 0.23), for both engines: the pre-tokenizer (spaces
// become the replacement, one goes before the text as prepend_scheme says, and with `split` each replacement starts a
// word), and the decoder (each replacement a space again, except in the first token, where every one is dropped unless
// prepend_scheme is "never"). @huggingface/tokenizers ignores `split` and drops only the first token's leading space.
export type PrependScheme = 'always' | 'first' | 'never';

export interface MetaspaceConfig {
  replacement: string;
  prependScheme: PrependScheme;
  /** true where the key is absent, as tokenizers deserialises it. */
  split: boolean;
}

/**
 * A Metaspace pre-tokenizer's or decoder's config as HF tokenizers reads it (str_rep, which it has not, ignored), or the
 * key that is malformed.
 */
export function readMetaspace(cfg: Record<string, unknown>): MetaspaceConfig | { bad: string } {
  const replacement = typeof cfg['replacement'] === 'string' ? cfg['replacement'] : '\u2581';
  if ([...replacement].length !== 1) return { bad: `replacement ${JSON.stringify(replacement)} (one character)` };
  const scheme = cfg['prepend_scheme'] ?? 'always';
  if (scheme !== 'always' && scheme !== 'first' && scheme !== 'never') return { bad: `prepend_scheme ${JSON.stringify(scheme)}` };
  const split = cfg['split'] ?? true;
  if (typeof split !== 'boolean') return { bad: `split ${JSON.stringify(split)}` };
  return { replacement, prependScheme: scheme, split };
}

/**
 * `text` (with no added tokens in it) pre-tokenized: `first` says whether it starts the input (prepend_scheme "first"
 * prepends only there). With split, the text is cut before each replacement (MergedWithNext): "a▁▁b" is "a", "▁", "▁b".
 */
export function metaspaceWords(text: string, ms: MetaspaceConfig, first: boolean): string[] {
  let s = text.replaceAll(' ', ms.replacement);
  if (!s.startsWith(ms.replacement) && (ms.prependScheme === 'always' || (ms.prependScheme === 'first' && first))) s = ms.replacement + s;
  if (!ms.split) return [s];
  const parts = s.split(ms.replacement);
  const words = parts[0]!.length > 0 ? [parts[0]!] : [];
  for (let w = 1; w < parts.length; w++) words.push(ms.replacement + parts[w]!);
  return words;
}

/** The Metaspace decoder's step over token texts. */
export function metaspaceDecode(tokens: readonly string[], replacement: string, prependScheme: PrependScheme): string[] {
  return tokens.map((t, i) => t.replaceAll(replacement, i === 0 && prependScheme !== 'never' ? '' : ' '));
}
