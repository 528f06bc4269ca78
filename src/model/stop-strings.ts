// transformers' StopStringCriteria (stop_strings): generation stops after a token where a stop string ends inside that
// token's text (text after it in the same token allowed), the tokens before it running back over the rest of the
// string (the first may hold text before it). Matched on each token's own text as transformers cleans it — bytes
// where the tokenizer's decoder is byte-level or has byte fallback, else characters — not on the decoded text, so a
// stop string only in the prompt never stops it, and the token that completes one is kept in the output.
import { UserError } from '../util/errors.ts';
import { boundedListText } from '../util/bounded-json.ts';
import { maxOf } from '../util/reduce.ts';
import { BYTE_OF } from '../tokenizer/byte-level-decode.ts';
import type { Tokenizer } from '../tokenizer/types.ts';

/** How transformers 5.17 matches: bytes of byte-level tokens, bytes with "<0xNN>" tokens as their byte, or characters. */
export type StopStringMode = 'byte_level' | 'byte_fallback' | null;

/** StopStringCriteria._get_stop_string_matching_mode of a tokenizer.json's decoder: ByteLevel at the top, else ByteFallback anywhere, else ByteLevel anywhere. */
export function stopStringMode(decoder: unknown): StopStringMode {
  const has = (d: unknown, type: string): boolean =>
    Array.isArray(d) ? d.some((x) => has(x, type)) : typeof d === 'object' && d !== null && ((d as Record<string, unknown>).type === type || Object.values(d).some((x) => has(x, type)));
  if (typeof decoder !== 'object' || decoder === null) return null;
  if ((decoder as Record<string, unknown>).type === 'ByteLevel') return 'byte_level';
  if (has(decoder, 'ByteFallback')) return 'byte_fallback';
  return has(decoder, 'ByteLevel') ? 'byte_level' : null;
}

/** The matching mode of a tokenizer by its decoder as loaded (as transformers reads its backend's); characters where it has none. */
export function tokenizerStopStringMode(tok: Tokenizer): StopStringMode {
  return stopStringMode(tok.decoder ?? null);
}

const STATIC_PREFIX = 'abcdef';
const BYTE_TOKEN = /^<0x[0-9a-fA-F]{2}>$/;

/** Stops generation at any of `strings`, as StopStringCriteria does, each token's text computed once, when first met. */
export class StopStrings {
  private readonly stops: number[][];
  private readonly window: number;
  private readonly texts = new Map<number, number[] | null>();
  private prefixIds: number[] | null = null;

  constructor(private readonly tok: Tokenizer, strings: readonly string[], private readonly mode: StopStringMode) {
    const isStop = (s: unknown): boolean => typeof s === 'string' && s.length > 0;
    if (!Array.isArray(strings) || strings.length === 0 || !strings.every(isStop)) {
      throw new UserError(`stopStrings is ${boundedListText(strings, isStop)}: give a non-empty list of non-empty strings, e.g. ["\\n\\n", "User:"]`, 'generate');
    }
    this.stops = strings.map((s) => this.units(s));
    this.window = maxOf(this.stops, (s) => s.length); // not Math.max(...): 10^6 strings overflowed the call stack
  }

  /** Whether `seq` (prompt and new tokens) ends as a stop string does, matched at its last token. */
  matches(seq: readonly number[]): boolean {
    const last = seq.slice(-this.window).map((id) => this.text(id));
    return this.stops.some((stop) => endsWithStop(last, stop));
  }

  /** `s` as the units matched: UTF-8 bytes, or code points where the mode is characters (Python's str). */
  private units(s: string): number[] {
    return this.mode === null ? Array.from(s, (c) => c.codePointAt(0)!) : [...Buffer.from(s, 'utf8')];
  }

  /** StopStringCriteria.clean_tokenizer_vocab's text of one token; null for an id of no token (it matches nowhere, as transformers' dummy row). */
  private text(id: number): number[] | null {
    let t = this.texts.get(id);
    if (t !== undefined) return t;
    const token = this.tok.idToToken?.(id) ?? null;
    if (token === null) t = null;
    else if (this.mode === 'byte_level' && Array.from(token).every((c) => BYTE_OF.has(c))) t = Array.from(token, (c) => BYTE_OF.get(c)!); // GPT-2's bytes_to_unicode, inverted
    else if (this.mode === 'byte_fallback' && BYTE_TOKEN.test(token)) t = [parseInt(token.slice(3, 5), 16)];
    else {
      // the token's text after a fixed prefix, as transformers takes it (a decoder's leading-space rules apply to the prefix)
      this.prefixIds ??= this.tok.encode(STATIC_PREFIX);
      const s = this.tok.decode([...this.prefixIds, id], { skipSpecialTokens: false });
      const at = s.indexOf(STATIC_PREFIX);
      t = this.units(at >= 0 ? s.slice(at + STATIC_PREFIX.length) : s);
    }
    this.texts.set(id, t);
    return t;
  }
}

/** Whether `a` and `b` agree over their last `n` units (each at least that long). */
function sameTail(a: readonly number[], aEnd: number, b: readonly number[], bEnd: number, n: number): boolean {
  for (let k = 1; k <= n; k++) if (a[aEnd - k] !== b[bEnd - k]) return false;
  return true;
}

/**
 * StopStringCriteria's test of one stop string on the texts of the last tokens (oldest first): the last token, less 0
 * or more of its last units, ends as the stop string does (the units of it covered: an "end length"); each token before
 * it must end where the part still unmatched ends, the first of them may begin before the string does.
 */
function endsWithStop(texts: readonly (number[] | null)[], stop: readonly number[]): boolean {
  const L = stop.length;
  const w = texts.at(-1);
  if (!w) return false;
  for (let keep = w.length; keep >= 1; keep--) {
    const n = Math.min(keep, L);
    if (!sameTail(w, keep, stop, L, n)) continue;
    let matched = n;
    for (let j = texts.length - 2; j >= 0 && matched < L; j--) {
      const v = texts[j];
      if (!v) break;
      // a position inside the string (1 ≤ matched < L) where this token ends; an empty token fits anywhere
      const m = Math.min(v.length, L - matched);
      if (!sameTail(v, v.length, stop, L - matched, m)) break;
      matched += v.length;
    }
    if (matched >= L) return true;
  }
  return false;
}
