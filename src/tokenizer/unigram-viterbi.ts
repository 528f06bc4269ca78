// A Unigram model's best segmentation of a word as HF tokenizers finds it (models/unigram/model.rs, encode_optimized):
// for each end position, the best path over every token ending there, compared by its own score (ties: the earliest
// start), a character no token starts with as the unk piece (min score - 10), and runs of unk pieces fused into one.
// @huggingface/tokenizers' lattice compares each path plus the next token's score, where rounding makes some paths
// equal that are not: "x" and 37 spaces came out as ▁▁▁▁▁ ▁×16 ▁×16 there, ▁×16 ▁▁▁▁▁ ▁×16 in transformers.

/** What the search reads of the library's Unigram model: its trie of pieces (by code point). */
export interface UnigramTrie { common_prefix_search(chars: string[], start: number): Iterable<string> }

/** The pieces of `model` (tokenizer.json's [piece, score] list and unk_id) for `bestPieces`. */
export interface UnigramPieces {
  /** A piece's score by its text (the last entry of a piece listed twice, as HF looks it up). */
  score: Map<string, number>;
  unk: string | null;
  unkScore: number;
}

export function unigramPieces(vocab: ReadonlyArray<readonly [string, number]>, unkId: number | null): UnigramPieces {
  const score = new Map<string, number>();
  let min = Infinity;
  for (const [piece, s] of vocab) {
    score.set(piece, s);
    if (s < min) min = s;
  }
  return { score, unk: unkId === null ? null : vocab[unkId]?.[0] ?? null, unkScore: min - 10 };
}

/**
 * `text`'s pieces on HF's best path; a run of characters no piece starts with (and the unk piece itself, matched as text)
 * is one piece of their text, which the model then reads as unknown.
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
    if (!single) offer(s, s + 1, pieces.unkScore, true);
  }
  const out: string[] = [];
  let fused = '';
  for (let e = n; e > 0; e = from[e]!) {
    const piece = chars.slice(from[e]!, e).join('');
    if (unkAt[e]) {
      fused = piece + fused;
      continue;
    }
    if (fused !== '') out.push(fused);
    fused = '';
    out.push(piece);
  }
  if (fused !== '') out.push(fused);
  return out.reverse();
}
