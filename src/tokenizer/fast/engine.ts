// The fast engine: the encode pipeline of @huggingface/tokenizers (added tokens split out of the raw text as HF
// tokenizers does, lstrip/rstrip/single_word included: added-split.ts; normalizer, Metaspace pre-tokenizer, BPE,
// fuse_unk) re-implemented step for step over a compiled FastSpec, with the BPE itself done by WordBpe (chunking + cache).
import type { EngineName, TokenizerEngine } from '../engine.ts';
import { WordBpe } from './bpe.ts';
import { decodeTokens } from './decode.ts';
import { AddedTokenMatcher } from '../added-split.ts';
import { normalizeLed, type FastSpec } from './spec.ts';
import { inputLead } from '../first-aligned.ts';
import { bytePiece } from '../byte-fallback.ts';
import { metaspaceWords } from '../metaspace.ts';

export class FastEngine implements TokenizerEngine {
  readonly name: EngineName = 'fast';
  private readonly bpe: WordBpe;
  private readonly raw: AddedTokenMatcher;
  private readonly normalized: AddedTokenMatcher;

  constructor(private readonly spec: FastSpec) {
    const byteIds = spec.byteFallback ? new Int32Array(256).fill(-1) : null;
    if (byteIds) {
      for (let b = 0; b < 256; b++) byteIds[b] = spec.vocab.tokenToId.get(bytePiece(b)) ?? -1;
    }
    this.bpe = new WordBpe({
      vocabSize: spec.vocab.size,
      tokenToId: spec.vocab.tokenToId,
      idToToken: spec.vocab.idToToken,
      merges: spec.merges,
      byteIds,
      unkId: spec.unkId,
    });
    // as HF tokenizers: the tokens matched in the raw text first, then the normalized ones in the text between them
    // (as they are: the spec has them only without a normalizer)
    this.raw = new AddedTokenMatcher(spec.addedTokens.filter((t) => !t.normalized).map((t) => ({ pattern: t.content, token: t })));
    this.normalized = new AddedTokenMatcher(spec.addedTokens.filter((t) => t.normalized).map((t) => ({ pattern: t.content, token: t })));
  }

  encode(text: string): number[] {
    const out: number[] = [];
    if (text.length === 0) return out;
    const sections = this.raw.split(text);
    for (let si = 0; si < sections.length; si++) {
      const section = sections[si]!;
      if (section.token !== null) {
        out.push(section.token.id);
        continue;
      }
      if (section.text.length === 0) continue;
      // Metaspace's "first" prepends only to a piece whose first character HF aligns with the input's first one
      // (first-aligned.ts): not to the text after an added token, nor where the normalizer took that character away
      const { text: s, lead } = normalizeLed(section.text, this.spec.normalizer ?? [], si === 0 ? inputLead(section.text) : 0);
      if (s.length === 0) continue;
      let at = 0;
      for (const sub of this.normalized.split(s)) {
        if (sub.token !== null) out.push(sub.token.id);
        else if (sub.text.length > 0) this.encodeText(sub.text, at < lead, out);
        at += sub.text.length;
      }
    }
    return out;
  }

  /** Text without added tokens (`first`: it starts at the input's first character): Metaspace, BPE, fuse_unk, its ids onto `out`. */
  private encodeText(text: string, first: boolean, out: number[]): void {
    const ms = this.spec.metaspace;
    const from = out.length;
    // HF's Metaspace (metaspace.ts): with split, BPE runs on each word apart
    const drop = this.spec.dropUnknown;
    if (ms) for (const word of metaspaceWords(text, ms, first)) this.bpe.encode(drop ? drop(word) : word, out);
    else this.bpe.encode(drop ? drop(text) : text, out);
    if (this.spec.fuseUnk && this.spec.unkId !== null) fuseUnk(out, from, this.spec.unkId);
  }

  decode(ids: readonly number[], skip: ReadonlySet<number> | null): string {
    const tokens: string[] = [], added = this.spec.addedDecoding;
    for (const id of ids) if (!added.skips(id, skip)) tokens.push(added.text(id, this.spec.vocab.idToToken[id]!));
    return decodeTokens(tokens, this.spec.decoder, this.spec.cleanUpTokenizationSpaces);
  }
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
