// Character 5-gram shingles of lower-cased text, their exact Jaccard similarity, and a 128-value MinHash
// signature by one-permutation hashing (one hash per shingle, binned by its top bits) with (optimal)
// densification for empty bins — the cost is one hash per character rather than one per (character, hash
// function), which keeps near-duplicate detection cheap on hundreds of megabytes.

export const SHINGLE = 5;
export const SIG_SIZE = 128;
const BIN_BITS = 7; // 2^7 = SIG_SIZE bins
const VALUE_BITS = 32 - BIN_BITS;
/** Probes of densification for an empty bin before it takes the next non-empty bin (see minhashSignature). */
const MAX_PROBES = 1024;

/** The set of character (code point) 5-grams of `text`; a shorter non-empty text is its own single shingle. */
export function shingleSet(text: string): Set<string> {
  const starts: number[] = [];
  for (let i = 0; i < text.length; i++) {
    starts.push(i);
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) i++;
  }
  const set = new Set<string>();
  const n = starts.length;
  if (n === 0) return set;
  if (n < SHINGLE) {
    set.add(text);
    return set;
  }
  for (let k = 0; k + SHINGLE <= n; k++) {
    const end = k + SHINGLE < n ? starts[k + SHINGLE]! : text.length;
    set.add(text.slice(starts[k]!, end));
  }
  return set;
}

/** |A ∩ B| / |A ∪ B| (1 for two empty sets). */
export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let inter = 0;
  for (const s of small) if (large.has(s)) inter++;
  return jaccardOf(inter, a.size, b.size);
}

/** The Jaccard similarity of sets of sizes a and b sharing `inter` elements, as jaccard computes it: it never decreases as inter grows. */
export function jaccardOf(inter: number, a: number, b: number): number {
  return a === 0 && b === 0 ? 1 : inter / (a + b - inter);
}

/**
 * The shingles of `text` (shingleSet's) as a sorted list of hashes, one per distinct shingle, so that its length
 * is shingleSet(text).size: distinct shingles of the text that share a hash (told apart by their text) keep a value
 * each. Two texts' lists then share, as multisets, at least as many values as the texts share shingles — more only
 * where shingles of the two collide — so jaccardAtMost of the lists is never below the exact jaccard, for any
 * number of hash bits (fewer only in tests, to make collisions common).
 */
export function shingleHashes(text: string, bits = 32): Uint32Array {
  const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
  const starts = new Int32Array(text.length + 1);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    starts[n++] = i;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) i++;
  }
  starts[n] = text.length;
  if (n === 0) return new Uint32Array(0);
  if (n < SHINGLE) return Uint32Array.of((hashRange(text, 0, text.length) & mask) >>> 0);
  const m = n - SHINGLE + 1;
  if (m >= 1 << 21) return shingleHashesOfLong(text, starts, m, mask);
  // hash · 2^21 + shingle number (< 2^53, exact in a double): sorted by hash, a run of equal hashes keeps its
  // shingles' numbers, which tell apart a shingle that the text repeats from a collision
  const keyed = new Float64Array(m);
  for (let k = 0; k < m; k++) keyed[k] = ((hashRange(text, starts[k]!, starts[k + SHINGLE]!) & mask) >>> 0) * (1 << 21) + k;
  keyed.sort();
  const out = new Uint32Array(m);
  let size = 0;
  for (let i = 0; i < m;) {
    const h = Math.floor(keyed[i]! / (1 << 21));
    let j = i + 1;
    while (j < m && Math.floor(keyed[j]! / (1 << 21)) === h) j++;
    if (j - i === 1) out[size++] = h;
    else {
      const distinct = new Set<string>();
      for (let r = i; r < j; r++) {
        const k = keyed[r]! % (1 << 21);
        distinct.add(text.slice(starts[k]!, starts[k + SHINGLE]!));
      }
      for (let c = distinct.size; c > 0; c--) out[size++] = h;
    }
    i = j;
  }
  return out.subarray(0, size);
}

/** shingleHashes of a text of 2^21 shingles or more: the same, with the runs' shingles found through a map. */
function shingleHashesOfLong(text: string, starts: Int32Array, m: number, mask: number): Uint32Array {
  const h = new Uint32Array(m);
  for (let k = 0; k < m; k++) h[k] = (hashRange(text, starts[k]!, starts[k + SHINGLE]!) & mask) >>> 0;
  const sorted = h.slice().sort();
  const groups = new Map<number, Set<string>>();
  for (let i = 1; i < m; i++) if (sorted[i] === sorted[i - 1]) groups.set(sorted[i]!, new Set());
  for (let k = 0; k < m; k++) groups.get(h[k]!)?.add(text.slice(starts[k]!, starts[k + SHINGLE]!));
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue;
    for (let c = groups.get(sorted[i]!)?.size ?? 1; c > 0; c--) out.push(sorted[i]!);
  }
  return Uint32Array.from(out);
}

/**
 * An upper bound of the exact Jaccard similarity of two texts from their shingleHashes lists: the jaccard of
 * sets of their sizes sharing as many elements as the lists share values (counted as multisets).
 */
export function jaccardAtMost(a: Uint32Array | Uint16Array, b: Uint32Array | Uint16Array): number {
  const na = a.length, nb = b.length;
  let inter = 0;
  for (let i = 0, j = 0; i < na && j < nb;) {
    const x = a[i]!, y = b[j]!;
    if (x < y) i++;
    else if (x > y) j++;
    else {
      inter++;
      i++;
      j++;
    }
  }
  return jaccardOf(inter, na, nb);
}

/** A hash of the UTF-16 code units text[start, end). */
function hashRange(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const BASE = 0x01000193;
const BASE4 = Math.imul(Math.imul(BASE, BASE), Math.imul(BASE, BASE));

/**
 * MinHash signature of the 5-gram shingles of `text` (already lower-cased), written into `out` (SIG_SIZE
 * 32-bit values). Equal shingle sets give equal signatures; the fraction of equal values estimates Jaccard.
 */
export function minhashSignature(text: string, out: Uint32Array): void {
  minhashSignatureOfParts([text], out);
}

/**
 * MinHash signature of the shingles of a record's `parts` (a prompt and its completion) told apart: each part's
 * hashes are mixed with a tag of its position (none for the first, so that one part gives minhashSignature's), so
 * two records' signatures estimate the Jaccard of these disjoint unions, which is at least their least alike part's
 * (the intersections and the unions add up): a pair whose every part reaches a threshold reaches it here too. The
 * parts joined by a newline had shingles across the join, which two short parts that end differently do not share:
 * 'q: what is the currency of fopo?' and '…fovi?', both completed by 'rabar', are 0.81 and 1 alike, joined 0.7.
 */
export function minhashSignatureOfParts(parts: readonly string[], out: Uint32Array): void {
  const mins = new Uint32Array(SIG_SIZE).fill(0xffffffff);
  for (let k = 0; k < parts.length; k++) shingleMins(parts[k]!, k === 0 ? 0 : fmix32(Math.imul(k, 0x2c1b3c6d)), mins);
  densify(mins, out);
}

/** Lowers the bins' minima (`mins`) by the shingles of `text`, their hashes mixed with `tag`. */
function shingleMins(text: string, tag: number, mins: Uint32Array): void {
  const ring = new Int32Array(SHINGLE);
  let count = 0;
  let h = 0; // polynomial rolling hash of the last SHINGLE code points, mod 2^32
  const add = (x: number): void => {
    const f = fmix32(x ^ tag ^ 0x9747b28c);
    const bin = f >>> VALUE_BITS;
    const val = f & ((1 << VALUE_BITS) - 1);
    if (val < mins[bin]!) mins[bin] = val;
  };
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
        i++;
      }
    }
    const slot = count % SHINGLE;
    if (count >= SHINGLE) h = (h - Math.imul(ring[slot]!, BASE4)) | 0;
    h = (Math.imul(h, BASE) + cp) | 0;
    ring[slot] = cp;
    count++;
    if (count >= SHINGLE) add(h);
  }
  if (count > 0 && count < SHINGLE) add(h);
}

/** The signature's values from its bins' minima (`mins`, 0xffffffff: empty), written into `out`. */
function densify(mins: Uint32Array, out: Uint32Array): void {
  // Densification (Shrivastava's "optimal" one): an empty bin takes the value of the first non-empty bin of a probe
  // sequence fixed for that bin, mixed with the number of probes so that borrowed values differ from native ones.
  // Every text probes the same bins, so two agree there with probability the Jaccard, as in a native bin; the
  // rotation's next bin to the right made a text of fewer shingles than bins (most short records) fill a band of
  // 6 from one or two native values, so that texts a third alike shared whole bands: every short record over a
  // small vocabulary in the same band buckets, near-dedup then quadratic.
  let any = false;
  for (let b = 0; b < SIG_SIZE; b++) if (mins[b] !== 0xffffffff) any = true;
  for (let b = 0; b < SIG_SIZE; b++) {
    let v = mins[b]!;
    if (v === 0xffffffff && any) {
      let probe = 1, j = b;
      for (; probe <= MAX_PROBES; probe++) {
        j = fmix32(Math.imul(b + 1, 0x85ebca6b) ^ Math.imul(probe, 0x9e3779b9)) & (SIG_SIZE - 1);
        if (mins[j] !== 0xffffffff) break;
      }
      // past MAX_PROBES (a text of one or two shingles, rarely), the next non-empty bin to the right
      if (probe > MAX_PROBES) while (mins[(j = (j + 1) & (SIG_SIZE - 1))] === 0xffffffff);
      v = (mins[j]! ^ Math.imul(probe, 0x2545f491)) >>> 0;
    }
    out[b] = fmix32(v);
  }
}

/**
 * Fraction of equal positions of two signatures: an estimate of the Jaccard similarity. Signatures kept
 * for later may be truncated to their low 8 bits (Uint8Array), which adds about 1/256 to the estimate.
 */
export function estimateJaccard(a: Uint32Array | Uint8Array, b: Uint32Array | Uint8Array): number {
  let eq = 0;
  const mask = a instanceof Uint8Array || b instanceof Uint8Array ? 0xff : 0xffffffff;
  for (let i = 0; i < SIG_SIZE; i++) if (((a[i]! ^ b[i]!) & mask) === 0) eq++;
  return eq / SIG_SIZE;
}

/**
 * LSH banding for a threshold: the most rows per band (fewest false candidates: unrelated texts share
 * common 5-grams, so their similarity is rarely near 0) whose bands still catch a pair at the threshold
 * with probability ≥ 0.9999. At 0.8: 25 bands of 5 rows (a pair at 0.2-0.4, short texts over a small vocabulary,
 * shares one with probability about 0.5%); 21 bands of 6 rows (≥ 0.995) miss 1 in 600 pairs at the threshold:
 * 10 of 208 near duplicates of `bench:near-dedup`'s prompt/completion input at 20k.
 */
export function bandsFor(threshold: number): { bands: number; rows: number } {
  for (let rows = 12; rows >= 1; rows--) {
    const bands = Math.floor(SIG_SIZE / rows);
    const p = 1 - (1 - threshold ** rows) ** bands;
    if (p >= 0.9999) return { bands, rows };
  }
  return { bands: SIG_SIZE, rows: 1 };
}

/** The LSH key of band `band` (of `rows` values) of a signature. */
export function bandKey(sig: Uint32Array, band: number, rows: number): number {
  let h = Math.imul(band + 1, 0x27d4eb2f);
  for (let r = band * rows; r < (band + 1) * rows; r++) {
    h = Math.imul(h ^ sig[r]!, 0x01000193);
    h ^= h >>> 15;
  }
  return h | 0;
}
