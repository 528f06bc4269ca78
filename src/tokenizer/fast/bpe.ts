// BPE over one pre-token ("word"), fast: the word is cut into chunks that no merge can cross, and each
// chunk's ids are cached.
//
// Why the cut is exact: the first merge whose result covers two adjacent characters x|y joins a symbol
// ending in x with one starting in y, so some merge (a, b) has last(a) = x and first(b) = y. Where no merge
// has that (last, first) pair, the two sides never interact: no pair across the cut has a rank, and each
// side's merges happen in the same (rank, position) order as when it is encoded alone. For Mistral this
// cuts before every "▁" that follows another character (no piece has "x▁" inside), around digits and
// around characters that only byte fallback can encode, so chunks are words and cache well.
//
// Within a chunk: standard BPE, always merging the pair of lowest rank, leftmost first (the order of
// @huggingface/tokenizers and of the Rust tokenizers). Symbols are vocabulary ids; a character that is not
// in the vocabulary is -1 - codepoint, never merges, and becomes byte-fallback tokens (or unk) at the end.

// The cache is cleared when full: bounded memory (about 50 MB at worst) on text with many unique chunks.
const CACHE_MAX_ENTRIES = 200_000;
const CACHE_MAX_CHARS = 4_000_000;
const CACHE_MAX_CHUNK = 256;
/** Chunks up to this many symbols use the quadratic scan; longer ones a heap. */
const SCAN_MAX = 48;

export interface BpeTables {
  /** Size of the id space (largest id + 1). */
  vocabSize: number;
  tokenToId: ReadonlyMap<string, number>;
  idToToken: readonly (string | undefined)[];
  /** left id, right id, merged id: three a merge, in rank order. */
  merges: Int32Array;
  /** Ids of <0x00>..<0xFF>, or null when byte_fallback is off. */
  byteIds: Int32Array | null;
  unkId: number | null;
}

const encoder = new TextEncoder();

export class WordBpe {
  private readonly V: number;
  /** (left id * V + right id) -> rank; a pair listed twice keeps its last rank, as in HF. */
  private readonly rankOf = new Map<number, number>();
  /** merged id by rank */
  private readonly mergedId: Int32Array;
  private readonly bmpId: Int32Array;
  private readonly astralId = new Map<number, number>();
  // Chunk boundaries: classes of characters that end a merge's left part / start its right part.
  private readonly leftCls: Int32Array;
  private readonly rightCls: Int32Array;
  private readonly astralLeft = new Map<number, number>();
  private readonly astralRight = new Map<number, number>();
  private readonly nRight: number;
  private readonly joinable: Uint8Array;
  private readonly cache = new Map<string, number[]>();
  private cacheChars = 0;
  private readonly byteIds: Int32Array | null;
  private readonly unkId: number | null;
  // Scratch buffers for the scan merge.
  private sym = new Int32Array(SCAN_MAX);
  private rank = new Float64Array(SCAN_MAX);

  constructor(t: BpeTables) {
    const idToToken = t.idToToken;
    this.V = t.vocabSize;
    this.byteIds = t.byteIds;
    this.unkId = t.unkId;
    const merges = t.merges, n = merges.length / 3;
    this.mergedId = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      this.rankOf.set(merges[3 * k]! * this.V + merges[3 * k + 1]!, k);
      this.mergedId[k] = merges[3 * k + 2]!;
    }
    this.bmpId = new Int32Array(0x10000).fill(-1);
    // Initial symbols are single code points looked up in the vocabulary (added tokens included).
    for (const [tok, id] of t.tokenToId) {
      const cp = tok.codePointAt(0);
      if (cp === undefined || tok.length !== (cp > 0xffff ? 2 : 1)) continue;
      if (cp < 0x10000) this.bmpId[cp] = id;
      else this.astralId.set(cp, id);
    }
    // Boundary classes.
    const lastCp = (id: number): number => {
      const s = idToToken[id]!;
      const c = s.codePointAt(s.length - 1)!;
      return c >= 0xdc00 && c <= 0xdfff && s.length >= 2 ? s.codePointAt(s.length - 2)! : c;
    };
    const firstCp = (id: number): number => idToToken[id]!.codePointAt(0)!;
    const lcls = new Map<number, number>(), rcls = new Map<number, number>();
    const pairs = new Int32Array(2 * n); // (left class, right class) of each merge
    for (let k = 0; k < n; k++) {
      const x = lastCp(merges[3 * k]!), y = firstCp(merges[3 * k + 1]!);
      let l = lcls.get(x);
      if (l === undefined) lcls.set(x, (l = lcls.size));
      let r = rcls.get(y);
      if (r === undefined) rcls.set(y, (r = rcls.size));
      pairs[2 * k] = l;
      pairs[2 * k + 1] = r;
    }
    this.nRight = Math.max(1, rcls.size);
    this.joinable = new Uint8Array(Math.ceil((Math.max(1, lcls.size) * this.nRight) / 8));
    for (let k = 0; k < n; k++) {
      const bit = pairs[2 * k]! * this.nRight + pairs[2 * k + 1]!;
      this.joinable[bit >> 3]! |= 1 << (bit & 7);
    }
    this.leftCls = new Int32Array(0x10000).fill(-1);
    this.rightCls = new Int32Array(0x10000).fill(-1);
    for (const [cp, c] of lcls) cp < 0x10000 ? (this.leftCls[cp] = c) : this.astralLeft.set(cp, c);
    for (const [cp, c] of rcls) cp < 0x10000 ? (this.rightCls[cp] = c) : this.astralRight.set(cp, c);
  }

  /** Appends the ids of `word` to `out`. */
  encode(word: string, out: number[]): void {
    const n = word.length;
    let start = 0;
    let prevL = -1;
    let i = 0;
    while (i < n) {
      let c = word.charCodeAt(i);
      let w = 1;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = word.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          w = 2;
        }
      }
      if (i > start) {
        const r = c < 0x10000 ? this.rightCls[c]! : (this.astralRight.get(c) ?? -1);
        if (prevL < 0 || r < 0 || !this.isJoinable(prevL, r)) {
          this.encodeChunk(word, start, i, out);
          start = i;
        }
      }
      prevL = c < 0x10000 ? this.leftCls[c]! : (this.astralLeft.get(c) ?? -1);
      i += w;
    }
    if (n > start) this.encodeChunk(word, start, n, out);
  }

  private isJoinable(l: number, r: number): boolean {
    const bit = l * this.nRight + r;
    return (this.joinable[bit >> 3]! & (1 << (bit & 7))) !== 0;
  }

  private encodeChunk(word: string, s: number, e: number, out: number[]): void {
    const c0 = word.charCodeAt(s);
    if (e - s === 1 && (c0 < 0xd800 || c0 > 0xdfff)) {
      // One BMP character: no merges possible.
      const id = this.bmpId[c0]!;
      if (id >= 0) out.push(id);
      else this.fallback(c0, out);
      return;
    }
    const key = s === 0 && e === word.length ? word : word.slice(s, e);
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      for (let k = 0; k < hit.length; k++) out.push(hit[k]!);
      return;
    }
    const ids = this.bpe(key);
    if (key.length <= CACHE_MAX_CHUNK) {
      if (this.cache.size >= CACHE_MAX_ENTRIES || this.cacheChars >= CACHE_MAX_CHARS) {
        this.cache.clear();
        this.cacheChars = 0;
      }
      this.cache.set(key, ids);
      this.cacheChars += key.length;
    }
    for (let k = 0; k < ids.length; k++) out.push(ids[k]!);
  }

  /** Initial symbols of a chunk: ids, or -1 - codepoint for characters outside the vocabulary. */
  private symbols(chunk: string): number[] {
    const syms: number[] = [];
    for (const ch of chunk) {
      const cp = ch.codePointAt(0)!;
      const id = cp < 0x10000 ? this.bmpId[cp]! : (this.astralId.get(cp) ?? -1);
      syms.push(id >= 0 ? id : -1 - cp);
    }
    return syms;
  }

  private pairRank(a: number, b: number): number {
    if (a < 0 || b < 0) return Infinity;
    return this.rankOf.get(a * this.V + b) ?? Infinity;
  }

  private bpe(chunk: string): number[] {
    const syms = this.symbols(chunk);
    const merged = syms.length <= SCAN_MAX ? this.mergeScan(syms) : this.mergeHeap(syms);
    const out: number[] = [];
    for (const s of merged) {
      if (s >= 0) out.push(s);
      else this.fallback(-1 - s, out);
    }
    return out;
  }

  /** Quadratic but allocation-free: fine for the short chunks that make up almost all text. */
  private mergeScan(input: number[]): number[] {
    let n = input.length;
    const sym = this.sym, rank = this.rank;
    for (let i = 0; i < n; i++) sym[i] = input[i]!;
    for (let i = 0; i + 1 < n; i++) rank[i] = this.pairRank(sym[i]!, sym[i + 1]!);
    for (;;) {
      let best = -1, bestRank = Infinity;
      for (let i = 0; i + 1 < n; i++) {
        if (rank[i]! < bestRank) {
          bestRank = rank[i]!;
          best = i;
        }
      }
      if (best < 0) break;
      sym[best] = this.mergedId[bestRank]!;
      for (let i = best + 1; i + 1 < n; i++) {
        sym[i] = sym[i + 1]!;
        rank[i] = rank[i + 1]!;
      }
      n--;
      if (best > 0) rank[best - 1] = this.pairRank(sym[best - 1]!, sym[best]!);
      if (best + 1 < n) rank[best] = this.pairRank(sym[best]!, sym[best + 1]!);
    }
    return Array.from(sym.subarray(0, n));
  }

  /** Linked list + binary heap of (rank, position) with lazy deletion, for long chunks. */
  private mergeHeap(input: number[]): number[] {
    const n = input.length;
    const sym = Int32Array.from(input);
    const next = new Int32Array(n), prev = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    const heap = new MinHeap();
    const POS = 2 ** 26; // positions are below this (chunks are much shorter)
    if (n >= POS) throw new Error(`BPE chunk of ${n} characters is too long`);
    const push = (i: number): void => {
      const j = next[i]!;
      if (j < 0) return;
      const r = this.pairRank(sym[i]!, sym[j]!);
      if (r !== Infinity) heap.push(r * POS + i);
    };
    for (let i = 0; i + 1 < n; i++) push(i);
    while (heap.size > 0) {
      const top = heap.pop();
      const r = Math.floor(top / POS), i = top - r * POS;
      const j = next[i]!;
      if (sym[i]! === -0x7fffffff || j < 0 || this.pairRank(sym[i]!, sym[j]!) !== r) continue; // stale
      sym[i] = this.mergedId[r]!;
      // unlink j
      const k = next[j]!;
      next[i] = k;
      if (k >= 0) prev[k] = i;
      sym[j] = -0x7fffffff; // dead
      if (prev[i]! >= 0) push(prev[i]!);
      push(i);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0; i = next[i]!) out.push(sym[i]!);
    return out;
  }

  /** Byte fallback (every byte token must exist) or unk, like @huggingface/tokenizers. */
  private fallback(cp: number, out: number[]): void {
    if (this.byteIds) {
      const bytes = encoder.encode(String.fromCodePoint(cp));
      let ok = true;
      for (const b of bytes) if (this.byteIds[b]! < 0) ok = false;
      if (ok) {
        for (const b of bytes) out.push(this.byteIds[b]!);
        return;
      }
    }
    if (this.unkId !== null) out.push(this.unkId);
  }
}

/** A binary min-heap of numbers. */
class MinHeap {
  private a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    let i = a.length;
    a.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= v) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      const n = a.length;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && a[c + 1]! < a[c]!) c++;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
