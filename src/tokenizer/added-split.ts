// Added tokens split out of a text as HF tokenizers (the Rust library under transformers) does it, in its
// added_vocabulary.rs (find_matches): the leftmost-longest match, then the next one after it (matches never overlap);
// a single_word token's match is dropped where a word character is beside it (Rust regex's Unicode \w), and the text
// it covered is not searched again (so "qxb" is not found in "zqxb" when "zqx" is dropped there); lstrip/rstrip take
// the whitespace beside a match (back to the previous split, no further) into it. Both engines split with it.
import type { AddedTokenSpec } from './tokenizer-json.ts';

/** A piece of the text: an added token (its `text` is what it matched, with the stripped spaces), or plain text. */
export interface Section {
  text: string;
  token: AddedTokenSpec | null;
}

/** Rust regex's \w: Alphabetic, marks, decimal digits, connector punctuation, joiners. */
const WORD = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]$/u;
/** Rust regex's \s: White_Space (not U+FEFF, which JS's trim takes; U+0085 too). */
const SPACE = /^\p{White_Space}$/u;

interface TrieNode {
  next: Map<string, TrieNode>;
  token: AddedTokenSpec | null;
}

export class AddedTokenMatcher {
  private readonly root: TrieNode = { next: new Map(), token: null };
  private readonly first = new Set<number>();
  readonly empty: boolean;

  /** `patterns`: the text each token is found by (its content, or its normalized content), a later one winning a tie. */
  constructor(patterns: ReadonlyArray<{ pattern: string; token: AddedTokenSpec }>) {
    for (const { pattern, token } of patterns) {
      if (pattern.length === 0) continue;
      let node = this.root;
      for (let i = 0; i < pattern.length; i++) {
        let child = node.next.get(pattern[i]!);
        if (!child) node.next.set(pattern[i]!, (child = { next: new Map(), token: null }));
        node = child;
      }
      node.token = token;
      this.first.add(pattern.charCodeAt(0));
    }
    this.empty = this.first.size === 0;
  }

  split(text: string): Section[] {
    if (this.empty) return [{ text, token: null }];
    const out: Section[] = [];
    const n = text.length;
    let done = 0; // the end of the last split
    let i = 0;
    while (i < n) {
      if (!this.first.has(text.charCodeAt(i))) {
        i++;
        continue;
      }
      let node: TrieNode | undefined = this.root;
      let token: AddedTokenSpec | null = null;
      let end = i;
      for (let j = i; j < n; j++) {
        node = node.next.get(text[j]!);
        if (!node) break;
        if (node.token !== null) {
          token = node.token;
          end = j + 1;
        }
      }
      if (token === null) {
        i++;
        continue;
      }
      if (token.single_word && (isWord(charBefore(text, i)) || isWord(charAt(text, end)))) {
        i = end; // dropped, and its text not searched again
        continue;
      }
      let start = i, stop = end;
      if (token.lstrip) while (start > done && isSpace(charBefore(text, start))) start -= charBefore(text, start)!.length;
      if (token.rstrip) while (stop < n && isSpace(charAt(text, stop))) stop += charAt(text, stop)!.length;
      if (start > done) out.push({ text: text.slice(done, start), token: null });
      out.push({ text: text.slice(start, stop), token });
      done = i = stop;
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

function isWord(c: string | null): boolean {
  return c !== null && WORD.test(c);
}

function isSpace(c: string | null): boolean {
  return c !== null && SPACE.test(c);
}
