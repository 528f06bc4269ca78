// The byte-level pre-tokenizer regexes that llama.cpp implements (llm_tokenizer_bpe, src/llama-vocab.cpp), each as a
// tokenizer.json's Split writes it, with the name convert_hf_to_gguf.py gives it. Two readers: the GGUF export picks
// tokenizer.ggml.pre by the regex, and regex-bound.ts lets these published patterns (worst case quadratic) run
// unbounded on short texts. The tokenizer owns the table: it is a fact about tokenizer.json, and the tokenizer must
// not depend on the exporter.

export interface KnownPre {
  /** tokenizer.ggml.pre, the name convert_hf_to_gguf.py writes for it. */
  name: string;
  /** The Split regex as tokenizer.json writes it; null: ByteLevel's own (GPT-2's) regex. */
  regex: string | null;
  /** Whether llama.cpp looks a pre-tokenized word up whole before merging (llama-vocab.cpp sets ignore_merges). */
  ignoreMerges: boolean;
}

const CONTRACTIONS = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)`;
const CASED_WORD = String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+`;
const UPPER_WORD = String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*`;

/** The pre-tokenizers of llama.cpp's llm_tokenizer_bpe (src/llama-vocab.cpp) whose tokenizer.json regex it quotes. */
export const KNOWN_PRE: readonly KnownPre[] = [
  { name: 'tekken', ignoreMerges: true, regex: String.raw`${CASED_WORD}|${UPPER_WORD}|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+` },
  { name: 'llama-bpe', ignoreMerges: true, regex: String.raw`${CONTRACTIONS}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+` },
  { name: 'qwen2', ignoreMerges: false, regex: String.raw`${CONTRACTIONS}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+` },
  { name: 'gpt-4o', ignoreMerges: false, regex: String.raw`${CASED_WORD}${CONTRACTIONS}?|${UPPER_WORD}${CONTRACTIONS}?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+` },
  { name: 'gpt-2', ignoreMerges: false, regex: null },
];
