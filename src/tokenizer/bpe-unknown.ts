// HF tokenizers' BPE without an unk_token (models/bpe/model.rs merge_word) drops a character it has no piece for (nor,
// with byte_fallback, a <0xNN> piece for each of its UTF-8 bytes) before it merges: the characters beside it then merge
// across it ("a☃b" is "▁ab" where "a b" is a merge). Both engines kept such a character as a wall between its
// neighbours and dropped it after merging ("▁a", "b"). With ignore_merges a word that is a piece of the vocabulary is
// that piece, looked up before anything is dropped.
import { isRecord } from '../util/json-file.ts';

/**
 * For a BPE `model` (tokenizer.json's) without an unk_token: a word with the characters it cannot encode dropped (the
 * word itself where there are none). Null for a model with an unk_token, where such a character becomes that token.
 */
export function unknownCharDropper(model: Record<string, unknown>): ((word: string) => string) | null {
  const unk = model['unk_token'];
  if (unk !== undefined && unk !== null) return null;
  const vocab = isRecord(model['vocab']) ? model['vocab'] : {};
  const has = (piece: string): boolean => Object.hasOwn(vocab, piece);
  const byteFallback = model['byte_fallback'] === true, ignoreMerges = model['ignore_merges'] === true;
  const utf8 = new TextEncoder();
  const bytePiece = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
  const known = (c: string): boolean => has(c) || (byteFallback && Array.from(utf8.encode(c)).every((b) => has(bytePiece(b))));
  return (word) => {
    if (ignoreMerges && has(word)) return word;
    let out = '', from = 0, at = 0;
    for (const c of word) {
      if (!known(c)) {
        out += word.slice(from, at);
        from = at + c.length;
      }
      at += c.length;
    }
    return from === 0 ? word : out + word.slice(from);
  };
}
