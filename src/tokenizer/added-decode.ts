// How HF tokenizers decodes the added tokens, as transformers 5.17 leaves them (test/fixtures/added-token-flags,
// added-tokens-decoder): a token that is normalized, or was in tokenizer.json before tokenizer_config.json's
// added_tokens_decoder made it raw, is given to the decoder as its normalized text (tokenizers keeps the text it
// normalized once: with Mistral's Prepend("▁") normalizer "zqx" decodes as "▁zqx", a space more); skip_special_tokens
// drops a token that is, or was in tokenizer.json, special, but not one given as its normalized text (the special set
// holds the content, which that text no longer is).
import type { AddedTokenSpec, TokenizerJson } from './tokenizer-json.ts';

export class AddedDecoding {
  /** id → the text the decoder is given, where it is not the token's content. */
  private readonly texts = new Map<number, string>();
  /** Ids tokenizer.json made special that the config made not: skipped all the same. */
  private readonly onceSpecial = new Set<number>();

  constructor(json: Pick<TokenizerJson, 'added_tokens' | 'flagsBefore'>, normalize: ((text: string) => string) | null) {
    for (const t of json.added_tokens) {
      const before = json.flagsBefore?.get(t.id);
      if (before?.special && !t.special) this.onceSpecial.add(t.id);
      if (normalize === null || !(t.normalized || before?.normalized)) continue;
      const text = normalize(t.content);
      if (text !== t.content) this.texts.set(t.id, text);
    }
  }

  /** The text `id` is decoded from: `token` (its vocabulary text) but for a normalized added token. */
  text(id: number, token: string): string {
    return this.texts.get(id) ?? token;
  }

  /** Whether a decode that drops the ids of `skip` (null: none) drops `id`. */
  skips(id: number, skip: ReadonlySet<number> | null): boolean {
    return skip !== null && (skip.has(id) || this.onceSpecial.has(id)) && !this.texts.has(id);
  }

  /** The added tokens decoded from another text than their content, for an engine that keeps its own table. */
  get renamed(): ReadonlyMap<number, string> {
    return this.texts;
  }
}

/** Whether `t`'s flags differ from `e`'s in what decoding keeps (config-added-tokens.ts records tokenizer.json's). */
export function decodingFlagsChange(t: AddedTokenSpec, e: Omit<AddedTokenSpec, 'id'>): boolean {
  return (t.normalized && !e.normalized) || (t.special && !e.special);
}
