// HF tokenizers' BPE without an unk_token (models/bpe/model.rs merge_word) drops a character it has no piece for (nor,
// with byte_fallback, a <0xNN> piece for each of its UTF-8 bytes) before it merges: the characters beside it then merge
// across it ("a☃b" is "▁ab" where "a b" is a merge). Both engines kept such a character as a wall between its
// neighbours and dropped it after merging ("▁a", "b"). With ignore_merges a word that is a piece of the vocabulary is
// that piece, looked up before anything is dropped.
import { isRecord } from '../util/json-file.ts';
import { bytePiece } from './byte-fallback.ts';

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

const BYTE_PIECE = /^<0x[0-9A-F]{2}>$/;

/** What both engines say they refuse where mergeOverFallbackPiece finds a merge (at model.merges[i]). */
export const MERGE_OVER_FALLBACK_PIECE = 'a BPE merge over its unk_token or a byte-fallback piece <0xNN>';

/**
 * The index in a BPE `model`'s merges of the first merge over a piece that stands for what it cannot encode: its
 * unk_token, or with byte_fallback a <0xNN> piece; -1 where there is none. HF puts those pieces in the word before it
 * merges (merge_word), so "☃" is "<0xE2><0x98>" "<0x83>" under a merge "<0xE2> <0x98>"; both engines here put them in
 * after merging, and refuse such a model (hf-steps.ts) rather than give other ids.
 */
export function mergeOverFallbackPiece(model: Record<string, unknown>): number {
  const merges = Array.isArray(model['merges']) ? model['merges'] : [];
  const unk = typeof model['unk_token'] === 'string' ? model['unk_token'] : null, byteFallback = model['byte_fallback'] === true;
  const stands = (p: unknown): boolean => p === unk || (byteFallback && typeof p === 'string' && BYTE_PIECE.test(p));
  return merges.findIndex((m: unknown) => {
    const [a, b] = typeof m === 'string' ? [m.slice(0, m.indexOf(' ')), m.slice(m.indexOf(' ') + 1)] : Array.isArray(m) ? m : [];
    return stands(a) || stands(b);
  });
}
