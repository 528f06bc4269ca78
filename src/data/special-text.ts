// The text of a special token as a record would write it: what prepare refuses in a text field, and what its messages quote.
import type { Tokenizer } from '../tokenizer/types.ts';
import { loneSurrogate } from './clean.ts';

/**
 * The text that is special token `id` in a record: its decoded text where that encodes as the token alone ("<s>", a
 * vocabulary word's), else the token's own content where that does, as HF's added vocabulary splits it out of a text,
 * else the decoded text. Decoding an added token is no such text on a byte-level tokenizer: its decoder reads every
 * token as bytes, so "héllo" decodes as "h�llo" (é is the byte 0xE9), in transformers 5.17 too, which no record writes.
 */
export function specialTokenText(tok: Tokenizer, id: number): string {
  const decoded = tok.decode([id], { skipSpecialTokens: false });
  const content = tok.idToToken?.(id) ?? null;
  const isToken = (text: string): boolean => {
    const ids = tok.encode(text);
    return ids.length === 1 && ids[0] === id;
  };
  // a content with half a surrogate pair (JSON can spell one) is no text a record holds, and encode refuses it
  const usable = content !== null && content !== decoded && loneSurrogate(content) < 0;
  return usable && !isToken(decoded) && isToken(content) ? content : decoded;
}
