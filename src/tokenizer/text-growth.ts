// How much longer tokenizer.json's normalizer and pre-tokenizer can make a text (and its decoder the text of tokens),
// read from their steps at load, and the refusal of one that could make it too long. A Replace whose content is much longer than its pattern ({String:
// "a"} → 100,000 "b"s, in a 200 KB file) made a 10,000-character record a string past V8's limit (an uncaught
// RangeError with a stack trace), and smaller ratios grew memory without end; every encode path (the fast engine, the
// @huggingface/tokenizers one) runs the same steps, so the bound is on the steps, before either engine is built.
// Each step's worst case is a linear bound, length ≤ times·n + plus, and a Sequence composes them; the limits are far
// above any real tokenizer's (Mistral's and Llama's: 1·n + 1; a byte-level one: 3·n + 3; BERT's normalizer, 36·n).
import { UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import type { TokenizerJson } from './tokenizer-json.ts';

/** A bound on the length of a step's output for an input of n characters (UTF-16 code units): times·n + plus. */
export interface Growth {
  times: number;
  plus: number;
}

/** The most a tokenizer's normalizer and pre-tokenizer together may multiply a text's length by, and add to it. */
export const MAX_GROWTH_TIMES = 128;
export const MAX_GROWTH_PLUS = 4096;

const SAME: Growth = { times: 1, plus: 0 };

/** Unicode's own bounds on how much a normalization form lengthens UTF-16 text (UAX #15, "Stream-Safe Text Format"). */
const UNICODE_FORM_TIMES: Record<string, number> = { NFC: 3, NFD: 4, NFKC: 18, NFKD: 18 };
/** toLowerCase: a code unit becomes at most 2 ("İ" becomes "i̇"; checked over every code point in Node 20). */
const LOWERCASE_TIMES = 2;
/** The normalizer steps that only normalize or lowercase Unicode: a run of them is bounded as one (textGrowth). */
const UNICODE_STEPS = new Set(['NFC', 'NFD', 'NFKC', 'NFKD', 'StripAccents', 'Precompiled', 'Lowercase']);
/** A UTF-16 code unit is at most 3 UTF-8 bytes, each one character of the byte-level alphabet. */
const BYTE_LEVEL_TIMES = 3;

/** `first` then `then`. */
function compose(first: Growth, then: Growth): Growth {
  return { times: first.times * then.times, plus: first.plus * then.times + then.plus };
}

/**
 * The worst case of tokenizer.json's encode steps (normalizer, then pre-tokenizer) or, for 'decode', its decoder's (on
 * token texts of n characters in all: plus is per token), and of each step by its key path.
 */
export function textGrowth(json: Partial<Pick<TokenizerJson, 'normalizer' | 'pre_tokenizer' | 'decoder'>>, part: 'encode' | 'decode' = 'encode'): { total: Growth; steps: Array<{ where: string; growth: Growth }> } {
  const steps: Array<{ where: string; growth: Growth }> = [];
  const walk = (cfg: unknown, where: string, sequenceKey: string, own: (c: Record<string, unknown>, where: string) => Growth): Growth => {
    if (!isRecord(cfg)) return SAME;
    if (cfg['type'] === 'Sequence') {
      const list = cfg[sequenceKey];
      if (!Array.isArray(list)) return SAME;
      // a run of Unicode normalization steps is bounded as one (normalizing twice is no longer than once: NFKC after
      // NFKD is NFKC), its largest form times Lowercase's: transformers' own ALBERT and XLNet converters write
      // [NFKD, StripAccents, Lowercase, Precompiled], which multiplied step by step came to thousands·n
      let g = SAME, runForm = 0, runLower = false;
      const endRun = (): void => {
        if (runForm > 0 || runLower) g = compose(g, { times: Math.max(1, runForm) * (runLower ? LOWERCASE_TIMES : 1), plus: 0 });
        runForm = 0;
        runLower = false;
      };
      list.forEach((c, i) => {
        const step = walk(c, `${where}.${sequenceKey}[${i}]`, sequenceKey, own);
        const type = isRecord(c) ? String(c['type']) : '';
        if (sequenceKey === 'normalizers' && UNICODE_STEPS.has(type)) {
          if (type === 'Lowercase') runLower = true;
          else runForm = Math.max(runForm, step.times);
          return;
        }
        endRun();
        g = compose(g, step);
      });
      endRun();
      return g;
    }
    const growth = own(cfg, where);
    steps.push({ where: `${where} (${String(cfg['type'])})`, growth });
    return growth;
  };
  const total = part === 'decode'
    ? walk(json.decoder, 'decoder', 'decoders', decoderGrowth)
    : compose(walk(json.normalizer, 'normalizer', 'normalizers', normalizerGrowth), walk(json.pre_tokenizer, 'pre_tokenizer', 'pretokenizers', preTokenizerGrowth));
  return { total, steps };
}

function normalizerGrowth(cfg: Record<string, unknown>, where: string): Growth {
  const type = String(cfg['type']);
  if (type in UNICODE_FORM_TIMES) return { times: UNICODE_FORM_TIMES[type]!, plus: 0 };
  switch (type) {
    case 'Replace':
      return replaceGrowth(cfg);
    case 'Prepend':
      return { times: 1, plus: typeof cfg['prepend'] === 'string' ? cfg['prepend'].length : 0 };
    case 'Lowercase':
      return { times: LOWERCASE_TIMES, plus: 0 };
    case 'StripAccents': // NFD, then the marks removed: a Hangul syllable stays 3 jamo
      return { times: UNICODE_FORM_TIMES['NFD']!, plus: 0 };
    case 'Precompiled': // @huggingface/tokenizers runs NFKC in its place
      return { times: UNICODE_FORM_TIMES['NFKC']!, plus: 0 };
    case 'BertNormalizer': // a Chinese character gets a space either side, then lowercase and NFD (strip_accents)
      return { times: 3 * LOWERCASE_TIMES * UNICODE_FORM_TIMES['NFD']!, plus: 0 };
    default: // Strip and the rest shorten a text, or are no normalizer the engines run (the loader says so)
      return SAME;
  }
}

function preTokenizerGrowth(cfg: Record<string, unknown>, where: string): Growth {
  switch (cfg['type']) {
    case 'Replace':
      return replaceGrowth(cfg);
    case 'Metaspace': { // every space becomes str_rep, and one more may go before the text
      const replacement = typeof cfg['replacement'] === 'string' ? cfg['replacement'] : '\u2581';
      const rep = typeof cfg['str_rep'] === 'string' && cfg['str_rep'] !== '' ? cfg['str_rep'] : replacement;
      return { times: Math.max(1, rep.length), plus: rep.length };
    }
    case 'ByteLevel': // the bytes as characters, after a space that add_prefix_space may put before the text
      return { times: BYTE_LEVEL_TIMES, plus: BYTE_LEVEL_TIMES };
    default: // Split, Whitespace, Digits, …: pieces of the text, no longer than it
      return SAME;
  }
}

function decoderGrowth(cfg: Record<string, unknown>, where: string): Growth {
  switch (cfg['type']) {
    case 'Replace':
      return replaceGrowth(cfg);
    case 'WordPiece': // a space before each token but the first
      return { times: 1, plus: 1 };
    case 'Metaspace': // the replacement becomes a space: an empty one puts a space between every two characters
      return cfg['replacement'] === '' ? { times: 2, plus: 1 } : SAME;
    case 'BPEDecoder': // the suffix becomes a space, as Metaspace's replacement
      return cfg['suffix'] === '' ? { times: 2, plus: 1 } : { times: 1, plus: 1 };
    default: // ByteFallback, Fuse, Strip, ByteLevel, CTC: no longer than the tokens
      return SAME;
  }
}

/**
 * A Replace step (normalizer, pre-tokenizer or decoder): each match becomes `content`, literally (as HF tokenizers' Rust
 * puts it; literal-replace.ts has both engines do the same).
 */
function replaceGrowth(cfg: Record<string, unknown>): Growth {
  const literal = typeof cfg['content'] === 'string' ? cfg['content'].length : 0;
  const pattern = isRecord(cfg['pattern']) ? cfg['pattern'] : {};
  if (typeof pattern['String'] === 'string' && pattern['String'] !== '') {
    return { times: Math.max(1, literal / pattern['String'].length), plus: 0 };
  }
  // a regex may match nothing at each of the n + 1 places in the text: each then adds the content
  return { times: 1 + literal, plus: literal };
}

/**
 * Refuses (UserError naming `file` and the step) a tokenizer.json whose normalizer and pre-tokenizer could make a text
 * more than MAX_GROWTH_TIMES times longer, or add more than MAX_GROWTH_PLUS characters to it; or whose decoder could so
 * lengthen the text of the tokens (plus per token).
 */
export function checkTextGrowth(json: Pick<TokenizerJson, 'normalizer' | 'pre_tokenizer' | 'decoder'>, file: string): void {
  for (const part of ['encode', 'decode'] as const) {
    const { total, steps } = textGrowth(json, part);
    if (total.times <= MAX_GROWTH_TIMES && total.plus <= MAX_GROWTH_PLUS) continue;
    const worst = steps.reduce((a, b) => (b.growth.times > a.growth.times || (b.growth.times === a.growth.times && b.growth.plus > a.growth.plus) ? b : a));
    const n = (x: number): string => Math.round(x).toLocaleString('en-US');
    const [text, plus] = part === 'encode' ? ['a text of n characters', ''] : ['the text of k tokens of n characters', '·k'];
    throw new UserError(`${worst.where} can make ${text} ${n(total.times)}·n + ${n(total.plus)}${plus} long `
      + `(at most ${MAX_GROWTH_TIMES}·n + ${MAX_GROWTH_PLUS}${plus} is accepted: no real tokenizer comes near it); fix or remove that step`, file);
  }
}

/** The most characters the added tokens may come to once normalized (at load, to match them and to decode them). */
export const MAX_NORMALIZED_ADDED_CHARS = 1 << 24;

/**
 * Refuses (UserError naming `file`) added tokens (tokenizer.json's with tokenizer_config.json's, as loaded) whose texts,
 * through the normalizer, could come to more than MAX_NORMALIZED_ADDED_CHARS: each is normalized once at load, so a
 * normalizer within the limit on a text could still, over thousands of long added tokens, fill the memory.
 */
export function checkAddedTokenGrowth(json: Pick<TokenizerJson, 'normalizer' | 'added_tokens'>, file: string): void {
  if (json.normalizer === null || json.added_tokens.length === 0) return;
  const { times, plus } = textGrowth({ normalizer: json.normalizer, pre_tokenizer: null }).total;
  const chars = json.added_tokens.reduce((sum, t) => sum + t.content.length, 0);
  const most = chars * times + json.added_tokens.length * plus;
  if (most <= MAX_NORMALIZED_ADDED_CHARS) return;
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  throw new UserError(`added_tokens: ${n(json.added_tokens.length)} tokens of ${n(chars)} characters in all, through the normalizer (up to `
    + `${n(times)}·n + ${n(plus)} a text), could come to ${n(most)} characters (at most ${n(MAX_NORMALIZED_ADDED_CHARS)} is accepted); shorten them or fix the normalizer`, file);
}
