// A time bound on running a tokenizer.json's own regular expressions: encode's (a Split pre-tokenizer's or a Replace
// normalizer's `{Regex: …}`) and decode's (a Replace decoder's). @huggingface/tokenizers runs them as JavaScript RegExps,
// which backtrack: a pattern such as `(a|aa)+$` takes exponential time on one text of 60 characters, and the command
// would hang without a word. node:vm's timeout interrupts a running regex (V8 terminates the execution and the call
// throws), so an encode or decode over such a tokenizer runs through it and, past the bound, stops with one line naming
// the file and the patterns.
// The bound costs a watchdog thread per call (~0.25 ms on a loaded 2-core VM: a third to a half more CPU time for
// prepare with a byte-level tokenizer), so the published pre-tokenizer patterns (Tekken's, Llama 3's, …: the ones
// llama.cpp implements), whose worst case is quadratic (a run of whitespace for `\s+(?!\S)`), run unbounded on
// texts up to UNBOUNDED_PUBLISHED_CHARS. (Their list, known-pre-tokenizers.ts, is llama.cpp's.) A decoder's pattern is
// no published one (the Mistral and Llama decoders replace strings): a decode over one is always bounded.
import vm from 'node:vm';
import { KNOWN_PRE } from './known-pre-tokenizers.ts';
import { UserError } from '../util/errors.ts';
import { isRecord, oneLine } from '../util/json-file.ts';

/** A regular expression of tokenizer.json: where it is (`pre_tokenizer.pretokenizers[0].pattern`) and its source. */
export interface RegexSite { where: string; pattern: string }

/** The steps of tokenizer.json that encode runs; decode runs DECODE_STEPS. */
export const ENCODE_STEPS: readonly string[] = ['normalizer', 'pre_tokenizer'];
export const DECODE_STEPS: readonly string[] = ['decoder'];

/** The `{Regex: …}` patterns of tokenizer.json's `steps` (encode's: the normalizer and pre-tokenizer), in file order. */
export function regexSites(raw: Record<string, unknown>, steps = ENCODE_STEPS): RegexSite[] {
  const sites: RegexSite[] = [];
  const walk = (v: unknown, where: string): void => {
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${where}[${i}]`));
    else if (isRecord(v)) {
      for (const [k, sub] of Object.entries(v)) {
        if (k === 'pattern' && isRecord(sub) && typeof sub['Regex'] === 'string') sites.push({ where: `${where}.pattern`, pattern: sub['Regex'] });
        else walk(sub, `${where}.${k}`);
      }
    }
  };
  for (const key of steps) walk(raw[key], key);
  return sites;
}

const PUBLISHED = new Set(KNOWN_PRE.flatMap((p) => (p.regex === null ? [] : [p.regex])));

/** Texts up to this length run unbounded where every pattern is a published one: their quadratic worst, 20,000 spaces, ~0.6 s. */
export const UNBOUNDED_PUBLISHED_CHARS = 20_000;

/** Whether an encode of `chars` characters over `sites` runs bounded: an unknown pattern, or a text long enough to matter. */
export function needsBound(sites: readonly RegexSite[], chars: number): boolean {
  return sites.some((s) => !PUBLISHED.has(s.pattern)) || (sites.length > 0 && chars > UNBOUNDED_PUBLISHED_CHARS);
}

/**
 * How long one encode (or decode) of `chars` characters may take: 5 s, and 20 µs more per character (a million
 * characters, prepare's default --max-chars, 25 s), several times what @huggingface/tokenizers takes at the most on a
 * loaded 2-core machine (about 4 µs per character with Tekken's regex), so that only a pattern that backtracks without
 * end reaches it.
 */
export function regexLimitMs(chars: number): number {
  return 5000 + chars * 0.02;
}

/** The context and script a bounded call runs through, made at the first one (most tokenizers never need one). */
let runner: { context: vm.Context; script: vm.Script } | null = null;

/**
 * `job()` (an encode of a text of `chars` characters), bounded where needsBound says so: stopped after
 * `limitMs(chars)` with a UserError naming `file` and `sites`, the patterns that may backtrack. An error `job` throws
 * passes through as it is.
 */
export function encodeWithinLimit<T>(job: () => T, chars: number, sites: readonly RegexSite[], file: string, limitMs = regexLimitMs): T {
  if (!needsBound(sites, chars)) return job();
  return withinLimit(job, `encoding a text of ${chars.toLocaleString('en-US')} characters`, limitMs(chars), sites, file);
}

/**
 * `job()` (a decode of `tokens` tokens whose texts have `chars` characters), bounded where the decoder has regular
 * expressions (`sites`), as encodeWithinLimit.
 */
export function decodeWithinLimit<T>(job: () => T, tokens: number, chars: number, sites: readonly RegexSite[], file: string, limitMs = regexLimitMs): T {
  if (sites.length === 0) return job();
  const n = (k: number): string => k.toLocaleString('en-US');
  return withinLimit(job, `decoding ${n(tokens)} token${tokens === 1 ? '' : 's'} (${n(chars)} characters)`, limitMs(chars), sites, file);
}

/** `job()` stopped after `limit` ms with a UserError: `doing` took longer, one of `sites` of `file` backtracks. */
function withinLimit<T>(job: () => T, doing: string, limit: number, sites: readonly RegexSite[], file: string): T {
  const ms = Math.ceil(limit);
  runner ??= { context: vm.createContext({ job: null }), script: new vm.Script('job()') };
  const { context, script } = runner;
  context['job'] = job;
  try {
    return script.runInContext(context, { timeout: ms }) as T;
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw e;
    const named = sites.map((s) => `${s.where} ${JSON.stringify(s.pattern.length > 120 ? `${s.pattern.slice(0, 120)}…` : s.pattern)}`).join(', ');
    throw new UserError(oneLine(`${doing} took longer than ${(ms / 1000).toFixed(1)} s: `
      + `a regular expression of this tokenizer.json backtracks without end on it (${named}); fix the pattern or use another tokenizer`), file);
  } finally {
    context['job'] = null;
  }
}
