// The steps of tokenizer.json that @huggingface/tokenizers (the fallback engine) runs otherwise than HF tokenizers (the
// Rust library transformers runs, 0.23; scripts/hf-check/tokenizer_variants.py and the probe found them), with ours in
// their place: Metaspace's pre-tokenizer (its split) and decoder (metaspace.ts), Split's behaviours and invert, Prepend
// (nothing before an empty text), Digits (at every numeric character, not ASCII digits only), Lowercase (a character at a time: no final sigma), the regexes' \s and \S (Oniguruma's:
// U+0085 a space, U+FEFF not) in Split, ByteLevel and Replace, which also read the characters added to Unicode since HF's
// regex tables as unknown ones (forOnig), the Unicode normal forms and StripAccents on HF's older
// tables (hf-unicode.ts). A step that is neither checked
// against HF tokenizers nor ours is refused by name (refuseUncheckedSteps), so a tokenizer.json runs as transformers
// runs it or not at all.
import type { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import { forOnig, hfNormalize, hfStripAccents } from './hf-unicode.ts';
import { metaspaceDecode, metaspaceWords, readMetaspace } from './metaspace.ts';
import { leadAfterMap, leadAfterReplace } from './first-aligned.ts';
import { MERGE_OVER_FALLBACK_PIECE, mergeOverFallbackPiece } from './bpe-unknown.ts';

/** A numeric character as HF's Digits reads it (Rust's char::is_numeric). */
const NUMERIC = /\p{N}/gu;
const SPLIT_BEHAVIORS = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/** The step types the probe found the library (with our steps below) to run as HF tokenizers does. */
const CHECKED: Record<'normalizer' | 'pre_tokenizer' | 'decoder', ReadonlySet<string>> = {
  normalizer: new Set(['Sequence', 'Prepend', 'Replace', 'NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase', 'StripAccents']),
  pre_tokenizer: new Set(['Sequence', 'Metaspace', 'Split', 'ByteLevel', 'Digits']),
  decoder: new Set(['Sequence', 'Replace', 'ByteFallback', 'Fuse', 'Strip', 'Metaspace', 'ByteLevel']),
};

/** The step types of HF tokenizers 0.23 (its normalizers/, pre_tokenizers/ and decoders/ serde tags): another does not load there. */
const HF_TYPES: Record<'normalizer' | 'pre_tokenizer' | 'decoder', ReadonlySet<string>> = {
  normalizer: new Set(['BertNormalizer', 'Strip', 'StripAccents', 'NFC', 'NFD', 'NFKC', 'NFKD', 'Sequence', 'Lowercase', 'Nmt', 'Precompiled', 'Replace', 'Prepend', 'ByteLevel']),
  pre_tokenizer: new Set(['BertPreTokenizer', 'ByteLevel', 'CharDelimiterSplit', 'Metaspace', 'Whitespace', 'Sequence', 'Split', 'Punctuation', 'WhitespaceSplit', 'Digits', 'UnicodeScripts', 'FixedLength']),
  decoder: new Set(['BPEDecoder', 'ByteLevel', 'WordPiece', 'Metaspace', 'CTC', 'Sequence', 'Replace', 'Fuse', 'Strip', 'ByteFallback']),
};

/**
 * Refuses (UserError naming `file` and the step) what the fallback would run otherwise than HF tokenizers: a step
 * type outside CHECKED, a malformed Metaspace, a Metaspace with prepend_scheme "first" after another pre-tokenizer
 * (HF prepends only to the piece at the text's first character), and a BPE that splits words with a subword prefix or
 * suffix, or drops merges at random (dropout). The error names the part's JSON path (normalizer.normalizers[1].type).
 */
export function refuseUncheckedSteps(json: Record<string, unknown>, file: string): void {
  // `at`: the refused part's JSON path in tokenizer.json (normalizer.normalizers[1], model.dropout)
  const refuse = (what: string, at: string): never => {
    throw new UserError(`uses ${what}, which neither engine here runs as HF tokenizers (transformers) does: its ids would differ from ` +
      'transformers\' ids, so it is not loaded (the fast engine runs BPE with Prepend/Replace normalizers and a Metaspace pre-tokenizer)', `${file}: ${at}`);
  };
  for (const key of ['normalizer', 'pre_tokenizer', 'decoder'] as const) {
    const listKey = { normalizer: 'normalizers', pre_tokenizer: 'pretokenizers', decoder: 'decoders' }[key];
    const walk = (step: unknown, after: boolean, at: string): void => {
      if (step === null || step === undefined) return;
      if (!isRecord(step)) return refuse(`a malformed ${key}`, at);
      const type = String(step['type']);
      if (!HF_TYPES[key].has(type)) throw new UserError(`${JSON.stringify(step['type'] ?? null)} is not a ${key} of HF tokenizers, which refuses to load it`, `${file}: ${at}.type`);
      if (!CHECKED[key].has(type)) refuse(`${key} ${type}`, `${at}.type`);
      if (type === 'Split' && !SPLIT_BEHAVIORS.includes(String(step['behavior']))) refuse(`pre_tokenizer Split behavior ${JSON.stringify(step['behavior'] ?? null)}`, `${at}.behavior`);
      if (type === 'Metaspace') {
        const ms = readMetaspace(step);
        if ('bad' in ms) refuse(`${key} Metaspace ${ms.bad}`, at);
        else if (key === 'pre_tokenizer' && after && ms.prependScheme === 'first') refuse('pre_tokenizer Metaspace with prepend_scheme "first" after another pre-tokenizer', `${at}.prepend_scheme`);
      }
      const list = step[listKey];
      if (type === 'Sequence') (Array.isArray(list) ? list : []).forEach((s, i) => walk(s, after || i > 0, `${at}.${listKey}[${i}]`));
    };
    walk(json[key], false, key);
  }
  const model = isRecord(json['model']) ? json['model'] : {};
  if (model['type'] === 'BPE') {
    for (const key of ['continuing_subword_prefix', 'end_of_word_suffix']) if (typeof model[key] === 'string' && model[key] !== '') refuse(`BPE ${key}`, `model.${key}`);
    if (typeof model['dropout'] === 'number' && model['dropout'] > 0) refuse('BPE dropout (HF\'s ids are random then)', 'model.dropout');
    const over = mergeOverFallbackPiece(model);
    if (over >= 0) refuse(`${MERGE_OVER_FALLBACK_PIECE} (HF merges those pieces, put in a word for what the vocabulary lacks)`, `model.merges[${over}]`);
  }
}

type Step = Record<string, unknown>;

/**
 * The library's pipeline of `tok` (loaded from `json`) with our step in place of each of its steps that HF tokenizers
 * runs otherwise.
 */
export function useOurSteps(tok: HfTokenizer, json: Record<string, unknown>, file: string): void {
  // a regex's \s and \S as Oniguruma's (HF's regex engine) read them, in each step that has one
  const onig = (step: Step, where: string): void => {
    if (!(step['pattern'] instanceof RegExp)) return;
    const re = onigSpaces(step['pattern']);
    if (re === null) throw new UserError(`uses ${where} with a regex that has \\S inside [...], which this engine cannot run as HF tokenizers does (its \\s is not JavaScript's)`, file);
    step['pattern'] = re;
  };
  eachStep(tok.normalizer, json['normalizer'], ['normalizers', 'normalizers'], (n, cfg) => {
    if (cfg['type'] === 'Replace') {
      onig(n, 'normalizer Replace');
      if (n['pattern'] instanceof RegExp) {
        const pattern = n['pattern'], content = String(cfg['content'] ?? '');
        n['normalize'] = (text: string): string => replaceAsOnig(text, pattern, content);
      }
    }
    if (cfg['type'] === 'Prepend') {
      const prepend = String(cfg['prepend'] ?? '');
      n['normalize'] = (text: string): string => (text.length === 0 ? text : prepend + text);
    }
    if (cfg['type'] === 'Lowercase') n['normalize'] = (text: string): string => lowerEachCharacter(text);
    const form = cfg['type'];
    if (form === 'NFC' || form === 'NFD' || form === 'NFKC' || form === 'NFKD') n['normalize'] = (text: string): string => hfNormalize(text, form);
    if (cfg['type'] === 'StripAccents') n['normalize'] = hfStripAccents;
  });
  eachStep(tok.pre_tokenizer, json['pre_tokenizer'], ['tokenizers', 'pretokenizers'], (p, cfg) => {
    if (cfg['type'] === 'Split' || cfg['type'] === 'ByteLevel') onig(p, `pre_tokenizer ${cfg['type']}`);
    if (cfg['type'] === 'Metaspace') {
      const ms = readMetaspace(cfg);
      if ('bad' in ms) return; // the library's own
      p['pre_tokenize_text'] = (text: string, options?: { section_index?: number }): string[] => metaspaceWords(text, ms, options?.section_index === 0);
    }
    if (cfg['type'] === 'Split' && p['pattern'] instanceof RegExp && SPLIT_BEHAVIORS.includes(String(cfg['behavior']))) {
      const pattern = p['pattern'], behavior = String(cfg['behavior']), invert = cfg['invert'] === true;
      p['pre_tokenize_text'] = (text: string): string[] => splitPieces(text, pattern, behavior, invert);
    }
    if (cfg['type'] === 'Digits') {
      // HF splits at char::is_numeric (every \p{N}, checked over all code points with tokenizers 0.23.2 and node 20),
      // the library at \d (ASCII digits only); Rust's tables know the numerals Oniguruma's do not (U+1CCF0), so no forOnig
      const behavior = cfg['individual_digits'] === true ? 'Isolated' : 'Contiguous';
      p['pre_tokenize_text'] = (text: string): string[] => splitPieces(text, NUMERIC, behavior, false, (t) => t);
    }
    if (cfg['type'] === 'ByteLevel' && p['pattern'] instanceof RegExp && p['byte_encoder'] !== undefined) {
      // the library's step with its regex matched as HF's (forOnig), each piece then written in the byte-level alphabet
      const pattern = new RegExp(p['pattern'].source, 'gu'), bytes = p['byte_encoder'] as Record<number, string>;
      const prefix = p['add_prefix_space'] === true, useRegex = p['use_regex'] !== false, utf8 = new TextEncoder();
      p['pre_tokenize_text'] = (text: string): string[] => {
        const t = prefix && !text.startsWith(' ') ? ` ${text}` : text;
        const pieces = useRegex ? [...forOnig(t).matchAll(pattern)].map((m) => t.slice(m.index, m.index + m[0].length)) : [t];
        return pieces.map((piece) => Array.from(utf8.encode(piece), (b) => bytes[b]!).join(''));
      };
    }
  });
  eachStep(tok.decoder, json['decoder'], ['decoders', 'decoders'], (d, cfg) => {
    if (cfg['type'] === 'Replace') {
      onig(d, 'decoder Replace');
      if (d['pattern'] instanceof RegExp) {
        const pattern = d['pattern'], content = String(cfg['content'] ?? '');
        d['decode_chain'] = (tokens: string[]): string[] => tokens.map((t) => replaceAsOnig(t, pattern, content));
      }
    }
    if (cfg['type'] !== 'Metaspace') return;
    const ms = readMetaspace(cfg);
    if (!('bad' in ms)) d['decode_chain'] = (tokens: string[]): string[] => metaspaceDecode(tokens, ms.replacement, ms.prependScheme);
  });
}

/**
 * `f` on the library's `step` with its config `cfg` from tokenizer.json and, for a Sequence, on each of its steps (the
 * library's list `lists[0]`, tokenizer.json's `lists[1]`, in the same order).
 */
function eachStep(step: unknown, cfg: unknown, lists: [string, string], f: (s: Step, cfg: Record<string, unknown>) => void): void {
  if (step === null || (typeof step !== 'function' && typeof step !== 'object') || !isRecord(cfg)) return;
  const s = step as Step;
  f(s, cfg);
  const mine = s[lists[0]], theirs = cfg[lists[1]];
  if (cfg['type'] === 'Sequence' && Array.isArray(mine) && Array.isArray(theirs)) mine.forEach((x, i) => eachStep(x, theirs[i], lists, f));
}

/** Oniguruma's \s (HF tokenizers' regexes): JavaScript's without U+FEFF, with U+0085 (NEL). */
const ONIG_SPACE = String.raw`\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;

/**
 * `re` with each \s and \S read as Oniguruma reads them (ONIG_SPACE), outside a class and inside one; null where a \S
 * is inside a class (a class cannot hold the complement of a set). "a \ufeff b" is split at the spaces only, as HF does.
 */
export function onigSpaces(re: RegExp): RegExp | null {
  const src = re.source;
  let out = '', inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      const e = src[++i]!;
      if (e === 's') out += inClass ? ONIG_SPACE : `[${ONIG_SPACE}]`;
      else if (e === 'S') {
        if (inClass) return null;
        out += `[^${ONIG_SPACE}]`;
      } else out += c + e;
      continue;
    }
    if (c === '[' && !inClass && (src.startsWith('[\\s\\S]', i) || src.startsWith('[\\S\\s]', i))) {
      out += '[^]'; // any character (the library writes $ and \\z with it)
      i += 5;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  return out === src ? re : new RegExp(out, re.flags);
}

/** Each match of `pattern` in `text` (as HF's regex reads it: forOnig) replaced by `content`, taken literally as HF takes it. */
function replaceAsOnig(text: string, pattern: RegExp, content: string): string {
  let out = '', prev = 0;
  for (const m of onigMatches(text, pattern)) {
    out += text.slice(prev, m.index) + content;
    prev = m.index + m.length;
  }
  return out + text.slice(prev);
}

/** The matches of `pattern` in `text` as HF's regex finds them (forOnig), left to right. */
function* onigMatches(text: string, pattern: RegExp): Generator<{ index: number; length: number }> {
  for (const m of forOnig(text).matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))) {
    yield { index: m.index, length: m[0].length };
  }
}

/**
 * `text` through the library's normalizer `step` (tokenizer.json's `cfg`; with our steps in it: useOurSteps), and how
 * many of its first UTF-16 units HF aligns with the input's first character (first-aligned.ts), from `lead`, that
 * number before it: Metaspace's prepend_scheme "first" reads it.
 */
export function normalizeLed(step: unknown, cfg: unknown, text: string, lead: number): { text: string; lead: number } {
  if (step === null || (typeof step !== 'function' && typeof step !== 'object') || !isRecord(cfg)) return { text, lead };
  const s = step as Step, list = s['normalizers'], cfgs = cfg['normalizers'];
  if (cfg['type'] === 'Sequence' && Array.isArray(list) && Array.isArray(cfgs)) {
    return list.reduce((acc: { text: string; lead: number }, x: unknown, i) => normalizeLed(x, cfgs[i], acc.text, acc.lead), { text, lead });
  }
  const normalize = (t: string): string => (s['normalize'] as (t: string) => string).call(s, t);
  const pattern = s['pattern'];
  if (cfg['type'] === 'Replace' && pattern instanceof RegExp) {
    return { text: normalize(text), lead: leadAfterReplace(onigMatches(text, pattern), String(cfg['content'] ?? ''), lead) };
  }
  const out = normalize(text);
  return { text: out, lead: leadAfterMap(text, out, lead, normalize) };
}

/** HF's Lowercase: each character lowercased alone (Rust's char::to_lowercase), not JavaScript's final-sigma rule. */
function lowerEachCharacter(text: string): string {
  let out = '';
  for (const c of text) out += c.toLowerCase();
  return out;
}

/**
 * HF tokenizers' Split (NormalizedString::split, utils/pattern.rs): `pattern`'s matches are the delimiters (with invert,
 * the text between them is), and `behavior` says what becomes of them: Removed, Isolated (a piece each),
 * MergedWithPrevious / MergedWithNext (joined to the piece before / after), Contiguous (runs of delimiters, and of
 * non-delimiters, one piece each). Empty pieces are dropped. `readAs`: the text as the pattern is matched on it (HF's
 * regexes: forOnig), of the same length.
 */
export function splitPieces(text: string, pattern: RegExp, behavior: string, invert: boolean, readAs: (text: string) => string = forOnig): string[] {
  const spans: Array<[number, number, boolean]> = [];
  let prev = 0;
  for (const m of readAs(text).matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))) {
    if (prev !== m.index) spans.push([prev, m.index, invert]);
    spans.push([m.index, m.index + m[0].length, !invert]);
    prev = m.index + m[0].length;
  }
  if (prev !== text.length) spans.push([prev, text.length, invert]);
  let pieces: Array<[number, number]>;
  switch (behavior) {
    case 'Removed':
      pieces = spans.filter((s) => !s[2]).map(([a, b]) => [a, b]);
      break;
    case 'Isolated':
      pieces = spans.map(([a, b]) => [a, b]);
      break;
    case 'Contiguous':
    case 'MergedWithPrevious': {
      pieces = [];
      let previous = false;
      for (const [a, b, isMatch] of spans) {
        const join = behavior === 'Contiguous' ? isMatch === previous : isMatch && !previous;
        if (join && pieces.length > 0) pieces[pieces.length - 1]![1] = b;
        else pieces.push([a, b]);
        previous = isMatch;
      }
      break;
    }
    case 'MergedWithNext': {
      pieces = [];
      let previous = false;
      for (let i = spans.length - 1; i >= 0; i--) {
        const [a, b, isMatch] = spans[i]!;
        if (isMatch && !previous && pieces.length > 0) pieces[pieces.length - 1]![0] = a;
        else pieces.push([a, b]);
        previous = isMatch;
      }
      pieces.reverse();
      break;
    }
    default: // not called for another (SPLIT_BEHAVIORS)
      throw new Error(`Split behavior ${behavior}`);
  }
  return pieces.filter(([a, b]) => b > a).map(([a, b]) => text.slice(a, b));
}
