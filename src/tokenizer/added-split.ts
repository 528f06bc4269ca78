// Added tokens split out of a text as HF tokenizers (the Rust library under transformers) does it, in its
// added_vocabulary.rs (find_matches): the leftmost-longest match, then the next one after it (matches never overlap);
// a single_word token's match is dropped where a word character is beside it (Rust regex's Unicode \w), and the text
// it covered is not searched again (so "qxb" is not found in "zqxb" when "zqx" is dropped there); lstrip/rstrip take
// the whitespace beside a match (back to the previous split, no further) into it, but the next match is searched from
// the end of the match itself, inside the spaces an rstrip took, as HF does. Both engines split with it.
import type { TokenizerConfig } from './tokenizer-config.ts';
import type { AddedTokenSpec } from './tokenizer-json.ts';
import { forOnig } from './hf-unicode.ts';

/** A piece of the text: an added token (its `text` is what it matched, with the stripped spaces), or plain text. */
export interface Section {
  text: string;
  token: AddedTokenSpec | null;
}

/** The added tokens split out of a text: all but the special ones where split_special_tokens is true (HF's encode_special_tokens). */
export function splitOutTokens(tokens: readonly AddedTokenSpec[], config: Pick<TokenizerConfig, 'splitSpecialTokens'>): AddedTokenSpec[] {
  return config.splitSpecialTokens ? tokens.filter((t) => !t.special) : [...tokens];
}

/** Rust regex's \w: Alphabetic, marks, decimal digits, connector punctuation, joiners (of its Unicode: isWord). */
const WORD = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]$/u;
/** Rust regex's \s: White_Space (not U+FEFF, which JS's trim takes; U+0085 too). */
const SPACE = /^\p{White_Space}$/u;

/**
 * The added tokens' texts as an Aho-Corasick automaton over UTF-16 code units: a trie (node 0 the root) with, for each
 * node, the longest proper suffix of its text that is a node too (`fail`) and the nearest such suffix that is a token's
 * text (`dict`). One pass over a text finds every token's text ending at each position, so the longest one starting at
 * each, which the leftmost-longest scan then reads: work of the text's length plus the matches found. Walking the trie
 * from each position instead took the text's length times the longest token's: a tokenizer.json whose added token is
 * 100,000 "a"s and a "b" ran for minutes on a text of 200,000 "a"s (HF tokenizers' aho-corasick takes linear time).
 */
export class AddedTokenMatcher {
  private readonly next: Array<Map<number, number>> = [new Map()];
  private readonly token: Array<AddedTokenSpec | null> = [null];
  private readonly depth: number[] = [0];
  private readonly fail: number[] = [0];
  private readonly dict: number[] = [-1];
  readonly empty: boolean;

  /** `patterns`: the text each token is found by (its content, or its normalized content), a later one winning a tie. */
  constructor(patterns: ReadonlyArray<{ pattern: string; token: AddedTokenSpec }>) {
    for (const { pattern, token } of patterns) {
      if (pattern.length === 0) continue;
      let node = 0;
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern.charCodeAt(i);
        let child = this.next[node]!.get(c);
        if (child === undefined) {
          child = this.next.length;
          this.next[node]!.set(c, child);
          this.next.push(new Map());
          this.token.push(null);
          this.depth.push(this.depth[node]! + 1);
          this.fail.push(0);
          this.dict.push(-1);
        }
        node = child;
      }
      this.token[node] = token;
    }
    this.empty = this.next.length === 1;
    // breadth first, so that a node's suffixes (shallower) have their links when it gets its own
    const queue: number[] = [...this.next[0]!.values()];
    for (let q = 0; q < queue.length; q++) {
      const node = queue[q]!;
      for (const [c, child] of this.next[node]!) {
        queue.push(child);
        let f = this.fail[node]!;
        while (f !== 0 && !this.next[f]!.has(c)) f = this.fail[f]!;
        this.fail[child] = node === 0 ? 0 : (this.next[f]!.get(c) ?? 0);
        this.dict[child] = this.token[this.fail[child]!] !== null ? this.fail[child]! : this.dict[this.fail[child]!]!;
      }
    }
  }

  /** For each start in `text`, the node of the longest token text starting there (0 where none does). */
  private longestAt(text: string): Int32Array {
    const n = text.length;
    const longest = new Int32Array(n);
    let node = 0;
    for (let j = 0; j < n; j++) {
      const c = text.charCodeAt(j);
      while (node !== 0 && !this.next[node]!.has(c)) node = this.fail[node]!;
      node = this.next[node]!.get(c) ?? 0;
      // every token text ending at j: a longer one starts earlier, so each is the longest ending here from its start
      for (let t = this.token[node] !== null ? node : this.dict[node]!; t > 0; t = this.dict[t]!) {
        const start = j + 1 - this.depth[t]!;
        if (this.depth[t]! > this.depth[longest[start]!]!) longest[start] = t;
      }
    }
    return longest;
  }

  split(text: string): Section[] {
    if (this.empty) return [{ text, token: null }];
    const longest = this.longestAt(text);
    const out: Section[] = [];
    const n = text.length;
    let done = 0; // the end of the last split
    let i = 0;
    while (i < n) {
      const node = longest[i]!;
      if (node === 0) {
        i++;
        continue;
      }
      const token = this.token[node]!;
      const end = i + this.depth[node]!;
      if (token.single_word && (isWord(charBefore(text, i)) || isWord(charAt(text, end)))) {
        i = end; // dropped, and its text not searched again
        continue;
      }
      let start = i, stop = end;
      if (token.lstrip) {
        while (start > done && isSpace(charBefore(text, start))) start -= charBefore(text, start)!.length;
        start = Math.max(start, done); // a match inside the spaces the previous one's rstrip took starts where that ended
      }
      if (token.rstrip) while (stop < n && isSpace(charAt(text, stop))) stop += charAt(text, stop)!.length;
      if (start > done) out.push({ text: text.slice(done, start), token: null });
      out.push({ text: text.slice(start, stop), token });
      // the next match is searched from the end of this one's own text, as HF's find_iter: a token found in the spaces
      // its rstrip took is split out too ("<eot>  Hello" with "  " added: <eot>, "  ", Hello), and the split goes on
      // from that token's end, back inside those spaces ("<eot>   x": <eot>, "  ", " x")
      done = stop;
      i = end;
    }
    if (done < n) out.push({ text: text.slice(done), token: null });
    return out;
  }
}

/** The character (code point) ending just before UTF-16 index `i`, or null at the start. */
function charBefore(text: string, i: number): string | null {
  if (i <= 0) return null;
  const lo = text.charCodeAt(i - 1);
  const pair = lo >= 0xdc00 && lo <= 0xdfff && i >= 2 && (text.charCodeAt(i - 2) & 0xfc00) === 0xd800;
  return text.slice(pair ? i - 2 : i - 1, i);
}

/** The character (code point) starting at UTF-16 index `i`, or null at the end. */
function charAt(text: string, i: number): string | null {
  if (i >= text.length) return null;
  return String.fromCodePoint(text.codePointAt(i)!);
}

/**
 * Whether `c` is a word character as HF reads it: its regex tables (Unicode 16) lack the characters newer than them
 * (forOnig's, the same set: measured over every code point against tokenizers 0.23.2, "zqx\u0c5c" splits out "zqx"
 * there), which are then no word characters.
 */
function isWord(c: string | null): boolean {
  return c !== null && WORD.test(forOnig(c));
}

function isSpace(c: string | null): boolean {
  return c !== null && SPACE.test(c);
}
