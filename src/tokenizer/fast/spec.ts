// Decides whether the fast engine can run a tokenizer.json, and compiles what it needs. The fast engine
// mirrors @huggingface/tokenizers exactly for this class of tokenizer: a BPE model (merges with ranks,
// optional byte_fallback and fuse_unk), a normalizer made of Prepend/Replace(String) steps, no
// pre-tokenizer or a Metaspace one (Mistral, Llama 2 and their relatives), and a decoder made of
// Replace(String)/ByteFallback/Fuse/Strip/Metaspace steps. Anything else returns the reason it is not
// supported, and the loader falls back to @huggingface/tokenizers.
import { isRecord } from '../../util/json-file.ts';
import { decodeCleansUp, type TokenizerConfig } from '../tokenizer-config.ts';
import { AddedDecoding } from '../added-decode.ts';
import { splitOutTokens } from '../added-split.ts';
import type { AddedTokenSpec, ComponentConfig, TokenizerJson } from '../tokenizer-json.ts';
import type { Vocab } from '../vocab.ts';
import { readMetaspace, type MetaspaceConfig, type PrependScheme } from '../metaspace.ts';
import { leadAfterReplace } from '../first-aligned.ts';
import { MERGE_OVER_FALLBACK_PIECE, mergeOverFallbackPiece, unknownCharDropper } from '../bpe-unknown.ts';
import { boundedJsonText } from '../../util/bounded-json.ts';

export type NormalizerStep = { kind: 'prepend'; text: string } | { kind: 'replace'; from: string; to: string };

/** The Metaspace pre-tokenizer (metaspace.ts). */
export type MetaspaceSpec = MetaspaceConfig;

export type DecoderStep =
  | { kind: 'replace'; from: string; to: string }
  | { kind: 'byteFallback' }
  | { kind: 'fuse' }
  | { kind: 'strip'; content: string; start: number; stop: number }
  | { kind: 'metaspace'; replacement: string; prependScheme: PrependScheme };

export interface FastSpec {
  /** null: no normalizer at all (matters for where "normalized" added tokens are matched). */
  normalizer: NormalizerStep[] | null;
  metaspace: MetaspaceSpec | null;
  /** null: tokens are joined with spaces, as @huggingface/tokenizers does without a decoder. */
  decoder: DecoderStep[] | null;
  /** left id, right id, merged id: three a merge, in rank order. */
  merges: Int32Array;
  byteFallback: boolean;
  unkId: number | null;
  fuseUnk: boolean;
  /** The added tokens split out of a text (not the special ones where split_special_tokens is true: splitOutTokens). */
  addedTokens: AddedTokenSpec[];
  /** The texts and skipping of added tokens in decoding (HF tokenizers': a normalized one decodes as its normalized text). */
  addedDecoding: AddedDecoding;
  vocab: Vocab;
  /** Whether decode cleans up tokenization spaces (decodeCleansUp: only where the config insists, for BPE). */
  cleanUpTokenizationSpaces: boolean;
  /** Without an unk_token: a word without the characters the model cannot encode, which HF drops before merging (bpe-unknown.ts). */
  dropUnknown: ((word: string) => string) | null;
}

/** `at`: the JSON path in tokenizer.json of what the fast engine cannot run, where one part is to blame (model.merges[3]). */
export type CompileResult = { ok: true; spec: FastSpec } | { ok: false; reason: string; at?: string };

class Unsupported extends Error {
  constructor(reason: string, readonly at?: string) {
    super(reason);
  }
}

function fail(reason: string, at?: string): never {
  throw new Unsupported(reason, at);
}

/** `text` through the normalizer's steps: a Prepend puts nothing before an empty text (one a Replace emptied), as HF's. */
export function normalizeText(text: string, steps: readonly NormalizerStep[]): string {
  return normalizeLed(text, steps, 0).text;
}

/**
 * `text` through the normalizer's steps (normalizeText), and how many of its first UTF-16 units HF aligns with the
 * input's first character (first-aligned.ts), from `lead`, that number before the steps.
 */
export function normalizeLed(text: string, steps: readonly NormalizerStep[], lead: number): { text: string; lead: number } {
  let s = text;
  for (const step of steps) {
    if (step.kind === 'prepend') {
      if (s.length > 0 && lead > 0) lead += step.text.length;
      s = s.length === 0 ? s : step.text + s;
    } else {
      if (lead > 0) lead = leadAfterReplace(literalMatches(s, step.from), step.to, lead);
      s = s.replaceAll(step.from, () => step.to); // the content literally, as HF (literal-replace.ts)
    }
  }
  return { text: s, lead };
}

/** Where replaceAll finds `pattern` (not empty) in `text`: each match, left to right, not overlapping. */
function* literalMatches(text: string, pattern: string): Generator<{ index: number; length: number }> {
  for (let at = text.indexOf(pattern); at >= 0; at = text.indexOf(pattern, at + pattern.length)) yield { index: at, length: pattern.length };
}

export function compileFastSpec(json: TokenizerJson, config: TokenizerConfig, vocab: Vocab): CompileResult {
  try {
    return { ok: true, spec: compile(json, config, vocab) };
  } catch (e) {
    if (e instanceof Unsupported) return e.at === undefined ? { ok: false, reason: e.message } : { ok: false, reason: e.message, at: e.at };
    throw e;
  }
}

function compile(json: TokenizerJson, config: TokenizerConfig, vocab: Vocab): FastSpec {
  const m = json.model;
  if (m['type'] !== 'BPE') fail(`model type ${boundedJsonText(m['type'] ?? null)} (the fast path runs BPE)`);
  for (const key of ['continuing_subword_prefix', 'end_of_word_suffix', 'continuing_subword_suffix']) {
    if (m[key] !== undefined && m[key] !== null && m[key] !== '') fail(`BPE ${key}`);
  }
  if (m['ignore_merges'] === true) fail('BPE ignore_merges');
  if (typeof m['dropout'] === 'number' && m['dropout'] > 0) fail('BPE dropout');
  const over = mergeOverFallbackPiece(m);
  if (over >= 0) fail(MERGE_OVER_FALLBACK_PIECE, `model.merges[${over}]`);
  if (config.raw['remove_space'] === true || config.raw['do_lowercase_and_remove_accent'] === true) fail('tokenizer_config remove_space / do_lowercase_and_remove_accent');

  for (const [tok, id] of vocab.tokenToId) if (vocab.idToToken[id] !== tok) fail('tokens that share an id');
  const normalizer = json.normalizer === null ? null : normalizerSteps(json.normalizer);
  if (normalizer !== null && json.added_tokens.some((t) => t.normalized)) fail('added tokens matched after normalization');
  const metaspace = preTokenizer(json.pre_tokenizer);
  const decoder = json.decoder === null ? null : decoderSteps(json.decoder);

  const unkToken = m['unk_token'];
  let unkId: number | null = null;
  if (typeof unkToken === 'string') {
    const id = vocab.tokenToId.get(unkToken);
    if (id === undefined) fail(`unk_token ${boundedJsonText(unkToken)} is not in the vocabulary`);
    unkId = id;
  }
  return {
    normalizer,
    metaspace,
    decoder,
    merges: compileMerges(m['merges'], vocab),
    byteFallback: m['byte_fallback'] === true,
    unkId,
    fuseUnk: m['fuse_unk'] === true,
    addedTokens: splitOutTokens(json.added_tokens, config),
    addedDecoding: new AddedDecoding(json, normalizer === null ? null : (text) => normalizeText(text, normalizer)),
    vocab,
    cleanUpTokenizationSpaces: decodeCleansUp(json, config),
    dropUnknown: unknownCharDropper(m),
  };
}

/**
 * Merges as "a b" strings (split like @huggingface/tokenizers: at the first space) or [a, b] pairs: (a, b, a + b) ids,
 * three a merge in rank order (one typed array, not an array per merge: a tokenizer of 60k merges loads faster).
 */
function compileMerges(raw: unknown, vocab: Vocab): Int32Array {
  if (!Array.isArray(raw)) fail('BPE merges missing');
  const out = new Int32Array(3 * raw.length);
  raw.forEach((entry: unknown, k) => {
    let a: unknown, b: unknown;
    if (typeof entry === 'string') {
      const at = entry.indexOf(' ');
      [a, b] = at < 0 ? [entry, undefined] : [entry.slice(0, at), entry.slice(at + 1, entry.indexOf(' ', at + 1) >>> 0)];
    } else if (Array.isArray(entry)) [a, b] = entry;
    else fail('a merge that is neither "a b" nor [a, b]');
    if (typeof a !== 'string' || typeof b !== 'string') fail('a malformed merge');
    const ia = vocab.tokenToId.get(a), ib = vocab.tokenToId.get(b), ir = vocab.tokenToId.get(a + b);
    // A merge over pieces outside the vocabulary could fire on unknown characters; leave those to HF.
    if (ia === undefined || ib === undefined || ir === undefined) fail(`merge ${boundedJsonText(a)} + ${boundedJsonText(b)} outside the vocabulary`);
    // Symbols are ids here and strings in HF: the same only if each id has exactly one token text.
    if (vocab.idToToken[ia] !== a || vocab.idToToken[ib] !== b || vocab.idToToken[ir] !== a + b) fail('tokens that share an id');
    out[3 * k] = ia;
    out[3 * k + 1] = ib;
    out[3 * k + 2] = ir;
  });
  return out;
}

function stringPattern(cfg: Record<string, unknown>, what: string): string {
  const p = cfg['pattern'];
  if (!isRecord(p) || typeof p['String'] !== 'string' || p['String'] === '') fail(`${what} with a regex or empty pattern`);
  return p['String'];
}

function normalizerSteps(cfg: Record<string, unknown>): NormalizerStep[] {
  switch (cfg['type']) {
    case 'Sequence': {
      const list = cfg['normalizers'];
      if (!Array.isArray(list)) fail('normalizer Sequence without a list');
      return list.flatMap((n: unknown) => (n === null ? [] : isRecord(n) ? normalizerSteps(n) : fail('a malformed normalizer')));
    }
    case 'Prepend':
      if (typeof cfg['prepend'] !== 'string') fail('Prepend normalizer without a string');
      return [{ kind: 'prepend', text: cfg['prepend'] }];
    case 'Replace':
      return [{ kind: 'replace', from: stringPattern(cfg, 'Replace normalizer'), to: typeof cfg['content'] === 'string' ? cfg['content'] : '' }];
    default:
      return fail(`normalizer ${String(cfg['type'])}`);
  }
}

function preTokenizer(cfg: ComponentConfig): MetaspaceSpec | null {
  if (cfg === null) return null;
  if (cfg['type'] !== 'Metaspace') fail(`pre-tokenizer ${String(cfg['type'])}`);
  const ms = readMetaspace(cfg);
  if ('bad' in ms) fail(`Metaspace ${ms.bad}`);
  return ms;
}

function decoderSteps(cfg: Record<string, unknown>): DecoderStep[] {
  switch (cfg['type']) {
    case 'Sequence': {
      const list = cfg['decoders'];
      if (!Array.isArray(list)) fail('decoder Sequence without a list');
      return list.flatMap((d: unknown) => (isRecord(d) ? decoderSteps(d) : fail('a malformed decoder')));
    }
    case 'Replace':
      return [{ kind: 'replace', from: stringPattern(cfg, 'Replace decoder'), to: typeof cfg['content'] === 'string' ? cfg['content'] : '' }];
    case 'ByteFallback':
      return [{ kind: 'byteFallback' }];
    case 'Fuse':
      return [{ kind: 'fuse' }];
    case 'Strip': {
      const num = (k: string): number => (typeof cfg[k] === 'number' ? (cfg[k] as number) : 0);
      return [{ kind: 'strip', content: typeof cfg['content'] === 'string' ? cfg['content'] : '', start: num('start'), stop: num('stop') }];
    }
    case 'Metaspace': {
      const ms = readMetaspace(cfg);
      if ('bad' in ms) fail(`Metaspace decoder ${ms.bad}`);
      return [{ kind: 'metaspace', replacement: ms.replacement, prependScheme: ms.prependScheme }];
    }
    default:
      return fail(`decoder ${String(cfg['type'])}`);
  }
}
