// A Unigram model's best segmentation of a word as HF tokenizers finds it (models/unigram/model.rs, encode_optimized):
// for each end position, the best path over every token ending there, compared by its own score (ties: the earliest
// start), a character no token starts with as the unk piece (min score - 10), and runs of unk pieces fused into one
// within the word (model.rs tokenize then: such a run not in the vocabulary as its bytes' <0xNN> pieces with byte_fallback).
// @huggingface/tokenizers' lattice compares each path plus the next token's score, where rounding makes some paths
// equal that are not: "x" and 37 spaces came out as ▁▁▁▁▁ ▁×16 ▁×16 there, ▁×16 ▁▁▁▁▁ ▁×16 in transformers.
import { bytePiece } from './byte-fallback.ts';

/** What the search reads of the library's Unigram model: its trie of pieces (by code point). */
export interface UnigramTrie { common_prefix_search(chars: string[], start: number): Iterable<string> }

/** The pieces of `model` (tokenizer.json's [piece, score] list and unk_id) for `bestPieces`. */
export interface UnigramPieces {
  /** A piece's score by its text (the last entry of a piece listed twice, as HF looks it up). */
  score: Map<string, number>;
  /** The text that, matched, is the unk piece: null where its text is listed again later (that later id is matched). */
  unk: string | null;
  unkScore: number;
  /** byte_fallback: an unknown run is its UTF-8 bytes' <0xNN> pieces where the vocabulary has them all. */
  byteFallback: boolean;
  /** Whether the model has an unk_id: without one, HF fails where the unk piece would be on the best path so far. */
  hasUnkId: boolean;
}

/**
 * A character no piece starts with, in a model without an unk_id, where the unk piece would take the best path to the
 * character's end so far: HF tokenizers fails there ("Encountered an unknown token but `unk_id` is missing"), byte
 * fallback or not; a path through a longer piece that is better keeps it from failing ("xy" where "y" is no piece).
 */
export class MissingUnkId extends Error {
  constructor(readonly char: string) {
    super(`no unk_id for ${JSON.stringify(char)}`);
  }
}

export function unigramPieces(vocab: ReadonlyArray<readonly [string, number]>, unkId: number | null, byteFallback = false): UnigramPieces {
  const score = new Map<string, number>(), last = new Map<string, number>();
  let min = Infinity;
  vocab.forEach(([piece, s], id) => {
    score.set(piece, s);
    last.set(piece, id);
    if (s < min) min = s;
  });
  const unkText = unkId === null ? undefined : vocab[unkId]?.[0];
  return { score, unk: unkText !== undefined && last.get(unkText) === unkId ? unkText : null, unkScore: min - 10, byteFallback, hasUnkId: unkId !== null };
}

/**
 * `text`'s pieces on HF's best path; a run of characters no piece starts with (and the unk piece itself, matched as text)
 * is one piece of their text, which the model then reads as unknown, or their bytes' pieces (byteFallback).
 */
export function bestPieces(text: string, trie: UnigramTrie, pieces: UnigramPieces): string[] {
  if (text.length === 0) return [];
  const chars = Array.from(text), n = chars.length;
  const best = new Float64Array(n + 1); // best[e]: the best path's score over chars[0..e)
  const from = new Int32Array(n + 1).fill(-1); // its last piece's start
  const unkAt = new Uint8Array(n + 1); // whether that piece is the unk one
  const offer = (s: number, e: number, score: number, unk: boolean): void => {
    const candidate = score + best[s]!;
    if (from[e]! < 0 || candidate > best[e]!) {
      best[e] = candidate;
      from[e] = s;
      unkAt[e] = unk ? 1 : 0;
    }
  };
  for (let s = 0; s < n; s++) {
    let single = false;
    for (const piece of trie.common_prefix_search(chars, s)) {
      const score = pieces.score.get(piece);
      if (score === undefined) continue;
      const len = Array.from(piece).length;
      offer(s, s + len, score, piece === pieces.unk);
      if (len === 1) single = true;
    }
    if (!single) {
      if (!pieces.hasUnkId && (from[s + 1]! < 0 || pieces.unkScore + best[s]! > best[s + 1]!)) throw new MissingUnkId(chars[s]!);
      offer(s, s + 1, pieces.unkScore, true);
    }
  }
  const out: string[] = [];
  let fused = '';
  // pushed in reverse, as the path is read from its end
  const pushFused = (): void => {
    if (fused === '') return;
    const bytes = pieces.byteFallback && !pieces.score.has(fused) ? byteTokens(fused, pieces.score) : null;
    if (bytes) out.push(...bytes.reverse());
    else out.push(fused);
    fused = '';
  };
  for (let e = n; e > 0; e = from[e]!) {
    const piece = chars.slice(from[e]!, e).join('');
    if (unkAt[e]) {
      fused = piece + fused;
      continue;
    }
    pushFused();
    out.push(piece);
  }
  pushFused();
  return out.reverse();
}

/** `text`'s UTF-8 bytes as <0xNN> pieces, null where the vocabulary lacks one of them (the text is then unknown). */
function byteTokens(text: string, score: ReadonlyMap<string, number>): string[] | null {
  const tokens = Array.from(Buffer.from(text, 'utf8'), bytePiece);
  return tokens.every((t) => score.has(t)) ? tokens : null;
}
