// The fast engine: the encode pipeline of @huggingface/tokenizers (added tokens split out of the raw text,
// lstrip/rstrip, normalizer, Metaspace pre-tokenizer, BPE, fuse_unk) re-implemented step for step over
// a compiled FastSpec, with the BPE itself done by WordBpe (chunking + cache).
import type { EngineName, TokenizerEngine } from '../engine.ts';
import { WordBpe } from './bpe.ts';
import { decodeTokens } from './decode.ts';
import type { AddedTokenSpec } from '../tokenizer-json.ts';
import type { FastSpec } from './spec.ts';

export class FastEngine implements TokenizerEngine {
  readonly name: EngineName = 'fast';
  private readonly bpe: WordBpe;
  private readonly added: AddedSplitter;
  /** Added tokens by content (the last one wins, as in HF). */
  private readonly addedByContent = new Map<string, AddedTokenSpec>();

  constructor(private readonly spec: FastSpec) {
    const byteIds = spec.byteFallback ? new Int32Array(256).fill(-1) : null;
    if (byteIds) {
      for (let b = 0; b < 256; b++) byteIds[b] = spec.vocab.tokenToId.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`) ?? -1;
    }
    this.bpe = new WordBpe({
      vocabSize: spec.vocab.size,
      tokenToId: spec.vocab.tokenToId,
      idToToken: spec.vocab.idToToken,
      merges: spec.merges,
      byteIds,
      unkId: spec.unkId,
    });
    for (const t of spec.addedTokens) this.addedByContent.set(t.content, t);
    this.added = new AddedSplitter(spec.addedTokens.map((t) => t.content));
  }

  encode(text: string): number[] {
    const out: number[] = [];
    if (text.length === 0) return out;
    const sections = this.added.split(text);
    // lstrip / rstrip trim the neighbouring sections (in place, left to right, as HF does).
    for (let i = 0; i < sections.length; i++) {
      const t = this.addedByContent.get(sections[i]!);
      if (t === undefined) continue;
      if (t.lstrip && i > 0) sections[i - 1] = sections[i - 1]!.trimEnd();
      if (t.rstrip && i < sections.length - 1) sections[i + 1] = sections[i + 1]!.trimStart();
    }
    for (let si = 0; si < sections.length; si++) {
      let s = sections[si]!;
      if (s.length === 0) continue;
      const added = this.addedByContent.get(s);
      if (added !== undefined) {
        out.push(added.id);
        continue;
      }
      if (this.spec.normalizer) s = normalize(s, this.spec);
      if (s.length === 0) continue;
      const again = this.addedByContent.get(s);
      if (again !== undefined) {
        out.push(again.id);
        continue;
      }
      const ms = this.spec.metaspace;
      if (ms) {
        s = s.replaceAll(' ', ms.strRep);
        if (!s.startsWith(ms.replacement) && (ms.prependScheme === 'always' || (ms.prependScheme === 'first' && si === 0))) s = ms.strRep + s;
      }
      const from = out.length;
      this.bpe.encode(s, out);
      if (this.spec.fuseUnk && this.spec.unkId !== null) fuseUnk(out, from, this.spec.unkId);
    }
    return out;
  }

  decode(ids: readonly number[], skip: ReadonlySet<number> | null): string {
    const tokens: string[] = [];
    for (const id of ids) if (!skip || !skip.has(id)) tokens.push(this.spec.vocab.idToToken[id]!);
    return decodeTokens(tokens, this.spec.decoder, this.spec.cleanUpTokenizationSpaces);
  }
}

function normalize(text: string, spec: FastSpec): string {
  let s = text;
  for (const step of spec.normalizer!) s = step.kind === 'prepend' ? step.text + s : s.replaceAll(step.from, step.to);
  return s;
}

/** Collapses runs of unk ids in out[from..] into one. */
function fuseUnk(out: number[], from: number, unk: number): void {
  let w = from;
  for (let r = from; r < out.length; r++) {
    if (out[r] === unk && w > from && out[w - 1] === unk) continue;
    out[w++] = out[r]!;
  }
  out.length = w;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  end: string | null;
}

/** @huggingface/tokenizers' DictionarySplitter: longest match at each position, UTF-16 units. */
export class AddedSplitter {
  private readonly root: TrieNode = { next: new Map(), end: null };
  private readonly first = new Set<number>();

  constructor(words: readonly string[]) {
    for (const w of words) {
      let node = this.root;
      for (let i = 0; i < w.length; i++) {
        let child = node.next.get(w[i]!);
        if (!child) node.next.set(w[i]!, (child = { next: new Map(), end: null }));
        node = child;
      }
      node.end = w;
      if (w.length > 0) this.first.add(w.charCodeAt(0));
    }
  }

  split(text: string): string[] {
    const result: string[] = [];
    const n = text.length;
    let start = 0;
    let i = 0;
    while (i < n) {
      if (!this.first.has(text.charCodeAt(i))) {
        i++;
        continue;
      }
      let node: TrieNode | undefined = this.root;
      let match: string | null = null;
      for (let j = i; j < n; j++) {
        node = node.next.get(text[j]!);
        if (!node) break;
        if (node.end !== null) match = node.end;
      }
      if (match !== null) {
        if (i > start) result.push(text.slice(start, i));
        result.push(match);
        i += match.length;
        start = i;
      } else {
        i++;
      }
    }
    if (start < n) result.push(text.slice(start));
    return result;
  }
}
