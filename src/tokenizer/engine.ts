// The two ways to run a tokenizer.json behind the Tokenizer class: our fast BPE (fast/) and
// @huggingface/tokenizers (hf-engine.ts), which is the reference and the fallback for features the fast
// path does not implement.

export type EngineName = 'fast' | 'huggingface';

export interface TokenizerEngine {
  readonly name: EngineName;
  /** Ids of `text` without post-processing (no BOS/EOS); added tokens in the text become their ids. */
  encode(text: string): number[];
  /** Ids that are all known to be in range; `skip` holds the ids to drop (special tokens) or is null. */
  decode(ids: readonly number[], skip: ReadonlySet<number> | null): string;
}
