// Choosing the next token from logits: greedy, or sampled with temperature, top-k, top-p, min-p, typical-p, epsilon and
// eta (applied in that order, as transformers' logits warpers do), from a seeded RNG; options transformers refuses are refused.
import { UserError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';

export interface SamplingOptions {
  /** 0 (default) = greedy. */
  temperature?: number;
  /** Keep the k most likely tokens, and those tied with the k-th (0 = off). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 = off). */
  topP?: number;
  /** Keep the tokens at least min_p times as likely as the most likely one (0 = off): transformers' MinPLogitsWarper. */
  minP?: number;
  /** Keep the tokens of probability ≥ epsilon_cutoff, the most likely always (0 = off): transformers' EpsilonLogitsWarper. */
  epsilonCutoff?: number;
  /** Keep the tokens whose surprise is closest to the entropy, up to this mass (1 = off): transformers' TypicalLogitsWarper. */
  typicalP?: number;
  /** Keep the tokens of probability ≥ min(eta, √eta · e^−entropy), the most likely always (0 = off): transformers' EtaLogitsWarper. */
  etaCutoff?: number;
  /** transformers' repetition_penalty (1 = off): the logit of each token already in the sequence is divided by it where positive, multiplied where negative. */
  repetitionPenalty?: number;
}

/**
 * Throws a UserError for an option transformers' generate() refuses (its warpers raise ValueError): nothing sensible is
 * sampled from them — a NaN temperature made every probability NaN and picked the least likely token.
 */
export function requireSamplingOptions(opts: SamplingOptions): void {
  const { temperature = 0, topK = 0, topP = 1, minP = 0, epsilonCutoff = 0, typicalP = 1, etaCutoff = 0, repetitionPenalty = 1 } = opts;
  if (!(temperature >= 0)) throw new UserError(`temperature must be a number ≥ 0 (0 = greedy), got ${temperature}`);
  if (!Number.isInteger(topK) || topK < 0) throw new UserError(`topK must be an integer ≥ 0 (0 = off), got ${topK}`);
  // 0 too, as transformers' TopPLogitsWarper takes it (it refuses only < 0 or > 1): the most likely token alone
  if (!(topP >= 0 && topP <= 1)) throw new UserError(`topP must be in [0, 1] (1 = off), got ${topP}`);
  if (!(minP >= 0 && minP <= 1)) throw new UserError(`minP must be in [0, 1] (0 = off), got ${minP}`);
  if (!(epsilonCutoff >= 0 && epsilonCutoff < 1)) throw new UserError(`epsilonCutoff must be in [0, 1) (0 = off), got ${epsilonCutoff}`);
  if (!(typicalP > 0 && typicalP <= 1)) throw new UserError(`typicalP must be in (0, 1] (1 = off), got ${typicalP}`);
  if (!(etaCutoff >= 0 && etaCutoff < 1)) throw new UserError(`etaCutoff must be in [0, 1) (0 = off), got ${etaCutoff}`);
  if (!(repetitionPenalty > 0)) throw new UserError(`repetitionPenalty must be > 0 (1 = off), got ${repetitionPenalty}`);
}

/**
 * transformers' RepetitionPenaltyLogitsProcessor, in place on float32 logits: each token of `seen` (the prompt and
 * what was generated) gets logit / penalty where positive, logit · penalty where not — before temperature, top-k and
 * top-p, greedy too. On float32 logits the penalty is rounded to float32 first, as torch's scalar is, so each result is
 * the float32 quotient or product.
 */
export function applyRepetitionPenalty(logits: Float32Array | Float64Array, seen: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  const p = logits instanceof Float32Array ? Math.fround(penalty) : penalty;
  for (const id of seen) {
    const x = logits[id]!;
    logits[id] = x < 0 ? x * p : x / p;
  }
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/** The tokens sampling may pick, most likely first, with their weights (proportional to their probabilities). */
interface Kept {
  ids: number[];
  weights: number[];
}

/** `ids` sorted most likely first, the lower id first among equal logits (-Infinity ones too, whose difference is NaN). */
function byLogit(logits: ArrayLike<number>, ids: number[]): number[] {
  return byPackedKeys(logits, ids) ?? ids.sort((a, b) => logits[b]! - logits[a]! || a - b);
}

const ID_BITS = 2 ** 21;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * byLogit's order by a native numeric sort of one float64 key per id — the float32 logit's bits made to order as the
 * logit does, descending, then the id — where the comparator's sort took ~200 ms for a 131k vocabulary at each sampled
 * token; null (the comparator then) where a logit is NaN or no float32, or an id ≥ 2^21 (the key holds 53 bits).
 */
function byPackedKeys(logits: ArrayLike<number>, ids: number[]): number[] | null {
  const keys = new Float64Array(ids.length);
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j]!, x = logits[id]!;
    if (!(id < ID_BITS) || Math.fround(x) !== x) return null; // NaN too
    f32[0] = x === 0 ? 0 : x; // -0 ties with 0, as their difference is 0
    const b = u32[0]!;
    const ascending = b >= 0x80000000 ? 0xffffffff - b : b + 0x80000000;
    keys[j] = (0xffffffff - ascending) * ID_BITS + id;
  }
  keys.sort();
  for (let j = 0; j < ids.length; j++) ids[j] = (keys[j]! % ID_BITS) | 0;
  return ids;
}

/** The k-th largest of `logits` (0 < k ≤ its length), counting equal values apart: a min-heap of the k largest seen. */
export function kthLargest(logits: ArrayLike<number>, k: number): number {
  const heap = new Float64Array(k);
  const siftDown = (i: number): void => {
    const x = heap[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= k) break;
      if (c + 1 < k && heap[c + 1]! < heap[c]!) c++;
      if (!(heap[c]! < x)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = x;
  };
  for (let i = 0; i < k; i++) heap[i] = logits[i]!;
  for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(i);
  for (let i = k; i < logits.length; i++) {
    if (logits[i]! > heap[0]!) {
      heap[0] = logits[i]!;
      siftDown(0);
    }
  }
  return heap[0]!;
}

/**
 * The ids top-k keeps, most likely first: transformers removes the logits below the k-th largest, so the tokens tied
 * with it stay. Those at or above the k-th largest are picked in one pass and only they are sorted (not the whole
 * vocabulary, 131k ids, for every sampled token): the same ids in the same order as the full sort's first ones.
 */
export function topKIds(logits: ArrayLike<number>, k: number): number[] {
  const kth = kthLargest(logits, k);
  const ids: number[] = [];
  for (let i = 0; i < logits.length; i++) if (logits[i]! >= kth) ids.push(i);
  return byLogit(logits, ids);
}

/** The tokens left after top-k, temperature, top-p, min-p, typical-p, epsilon and eta, and their unnormalized probabilities (temperature > 0). */
function keptTokens(logits: ArrayLike<number>, temperature: number, opts: SamplingOptions): Kept {
  const V = logits.length;
  const topK = opts.topK ?? 0;
  const order = topK > 0 && topK < V ? topKIds(logits, topK) : byLogit(logits, Array.from({ length: V }, (_, i) => i));
  // scaled as differences from the largest logit: a tiny temperature (5e-324) then sends the others to -Infinity
  // (probability 0, greedy); logit / temperature overflowed to ±Infinity, and Infinity - Infinity made every one NaN
  const top = logits[order[0]!]!;
  // every probability would be NaN (-Infinity less -Infinity), and the last token drawn without a word
  if (top === -Infinity) throw new UserError("every token's logit is -Infinity (each banned): nothing can be sampled, as transformers' sampling fails on it");
  const probs = order.map((i) => Math.exp((logits[i]! - top) / temperature));
  const total = probs.reduce((a, b) => a + b, 0);
  const topP = opts.topP ?? 1;
  let keep = order.length;
  // transformers' TopPLogitsWarper removes, from the least likely, the tokens whose float32 cumulative mass is ≤ 1 − p:
  // the same count but where the mass reaches p exactly, where its float32 softmax's rounding decides (4 of 10,000
  // tie-heavy cases, either way; float32 emulation fixed some and broke others). Of tokens tied at the cut it keeps
  // those its torch.sort puts last: stable up to 16 tokens (the higher ids), unspecified past (CPU, 32k: the lower).
  if (topP < 1) {
    let cum = 0;
    for (let j = 0; j < order.length; j++) {
      cum += probs[j]! / total;
      if (cum >= topP) {
        keep = j + 1;
        break;
      }
    }
  }
  // min-p: each kept token's probability against the most likely one's (weight 1 here, as the softmax's total cancels)
  const minP = opts.minP ?? 0;
  if (minP > 0) {
    let above = 1; // the most likely is always kept (transformers' min_tokens_to_keep 1)
    while (above < keep && probs[above]! >= minP) above++;
    keep = above;
  }
  // the places in `order` kept so far, most likely first (typical-p keeps a band, not always the most likely)
  let kept = Array.from({ length: keep }, (_, j) => j);
  const typicalP = opts.typicalP ?? 1;
  if (typicalP < 1) kept = typicalKept(kept, probs, typicalP);
  // epsilon: the probabilities of the tokens left so far (transformers' softmax of its processed scores); the tokens
  // tied with the most likely left are kept, as transformers keeps those not below the top score (min_tokens_to_keep 1)
  const epsilon = opts.epsilonCutoff ?? 0;
  if (epsilon > 0) kept = aboveCutoff(kept, probs, logits, order, () => epsilon);
  // eta: epsilon's cut at min(eta, √eta · e^−H), H the entropy of the tokens left (eta a float32, as torch holds it)
  const eta = Math.fround(opts.etaCutoff ?? 0);
  if (eta > 0) kept = aboveCutoff(kept, probs, logits, order, (p) => Math.min(eta, Math.sqrt(eta) * Math.exp(-entropy(p))));
  return { ids: kept.map((j) => order[j]!), weights: kept.map((j) => probs[j]!) };
}

/** The entropy (nats) of the distribution `p` (summing to 1); a zero probability adds nothing, as torch's nansum and Categorical do. */
function entropy(p: readonly number[]): number {
  return -p.reduce((h, x) => (x > 0 ? h + x * Math.log(x) : h), 0);
}

/**
 * TypicalLogitsWarper on the places `kept` of weights `probs`: the tokens sorted by how far their surprise (−log p) is
 * from the entropy, the closest first; those no farther than the one where the cumulative probability reaches `mass`
 * stay (the closest always). In the order of `kept`.
 */
function typicalKept(kept: number[], probs: readonly number[], mass: number): number[] {
  const z = kept.reduce((a, j) => a + probs[j]!, 0);
  const p = kept.map((j) => probs[j]! / z);
  const h = entropy(p);
  const shifted = p.map((x) => Math.abs(-Math.log(x) - h));
  const byShift = kept.map((_, i) => i).sort((a, b) => shifted[a]! - shifted[b]! || a - b);
  let cum = 0, last = 0;
  while (last < byShift.length - 1) {
    cum += p[byShift[last]!]!;
    if (!(cum < mass)) break;
    last++;
  }
  const limit = shifted[byShift[last]!]!;
  return kept.filter((_, i) => shifted[i]! <= limit || i === byShift[0]);
}

/**
 * Epsilon's and eta's cut on the places `kept` (most likely first): a token stays where its probability among those
 * left is ≥ cutoff(probabilities), or its logit is the top one left (transformers keeps those not below the top score).
 */
function aboveCutoff(kept: number[], probs: readonly number[], logits: ArrayLike<number>, order: readonly number[], cutoff: (p: number[]) => number): number[] {
  const z = kept.reduce((a, j) => a + probs[j]!, 0);
  const p = kept.map((j) => probs[j]! / z);
  const c = cutoff(p);
  const top = logits[order[kept[0]!]!];
  return kept.filter((j, i) => p[i]! >= c || logits[order[j]!] === top);
}

/**
 * The distribution sampleToken draws the next token from, after the repetition penalty (applyRepetitionPenalty):
 * the kept tokens, most likely first, and their probabilities (summing to 1) — transformers' softmax of its
 * LogitsProcessorList's scores, less the tokens it sets to -inf. Greedy (temperature 0): the argmax alone.
 */
export function samplingProbabilities(logits: ArrayLike<number>, opts: SamplingOptions): { ids: number[]; probs: number[] } {
  const temperature = opts.temperature ?? 0;
  if (temperature <= 0) return { ids: [argmax(logits)], probs: [1] };
  const { ids, weights } = keptTokens(logits, temperature, opts);
  const z = weights.reduce((a, b) => a + b, 0);
  return { ids, probs: weights.map((w) => w / z) };
}

export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions, rng: Rng): number {
  const temperature = opts.temperature ?? 0;
  if (temperature <= 0) return argmax(logits);
  const { ids, weights } = keptTokens(logits, temperature, opts);
  const z = weights.reduce((a, b) => a + b, 0);
  let u = rng.next() * z;
  for (let j = 0; j < ids.length; j++) {
    u -= weights[j]!;
    if (u <= 0) return ids[j]!;
  }
  return ids.at(-1)!;
}
