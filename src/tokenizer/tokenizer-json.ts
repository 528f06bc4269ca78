// An HF tokenizer.json, checked enough that both engines can rely on its shape: a `model` object, the
// pipeline keys (null when absent) and well-formed added tokens, at the ids HF tokenizers gives them. Errors name
// the file and the key.
import { UserError } from '../util/errors.ts';
import { isRecord, readJsonFile } from '../util/json-file.ts';
import { warnOnce } from '../util/log.ts';
import { boundedItemsText } from '../util/bounded-json.ts';
import { AddedIds } from './added-ids.ts';
import { specialIdsAround, templateSpecialIds, templateSpecialName } from './post-processor-ids.ts';
import { checkTextGrowth } from './text-growth.ts';

export interface AddedTokenSpec {
  id: number;
  content: string;
  special: boolean;
  /** Matched in the normalized text (HF's default for non-special tokens) rather than the raw text. */
  normalized: boolean;
  lstrip: boolean;
  rstrip: boolean;
  single_word: boolean;
}

export interface RenumberedToken { content: string; written: number; id: number }

/** A component config ({type: ..., ...}) or null. */
export type ComponentConfig = Record<string, unknown> | null;

export interface TokenizerJson {
  model: Record<string, unknown>;
  normalizer: ComponentConfig;
  pre_tokenizer: ComponentConfig;
  post_processor: ComponentConfig;
  decoder: ComponentConfig;
  added_tokens: AddedTokenSpec[];
  /** Added tokens the file writes at another id than HF tokenizers gives them (added_tokens has that one). */
  renumbered: RenumberedToken[];
  /**
   * Flags tokenizer.json gave added tokens (by id) that tokenizer_config.json's added_tokens_decoder then took away
   * (normalized, special): HF tokenizers keeps decoding such a token as before (added-decode.ts). Absent: none.
   */
  flagsBefore?: ReadonlyMap<number, { normalized: boolean; special: boolean }>;
  /** The parsed document with the pipeline keys filled in, as @huggingface/tokenizers expects it. */
  raw: Record<string, unknown>;
}

export function readTokenizerJson(file: string): TokenizerJson {
  return parseTokenizerJson(readJsonFile(file), file);
}

export function parseTokenizerJson(doc: unknown, file: string): TokenizerJson {
  if (!isRecord(doc)) throw new UserError('expected a JSON object (an HF tokenizer.json)', file);
  const model = doc['model'];
  if (!isRecord(model)) throw new UserError('missing or invalid "model" (an HF tokenizer.json has a model object)', `${file}: model`);
  // BPE (Mistral, Llama) and Unigram (SentencePiece) tokenize any text; WordPiece/WordLevel models turn what they
  // do not know into <unk>, which would surface later as a misleading "special token in the data" error
  if (model['type'] !== undefined && model['type'] !== 'BPE' && model['type'] !== 'Unigram') {
    throw new UserError(`${JSON.stringify(model['type'] ?? null)} is not supported (a BPE or Unigram model, as Mistral-architecture tokenizers are)`, `${file}: model.type`);
  }
  if (!isRecord(model['vocab']) && !Array.isArray(model['vocab'])) throw new UserError('missing or invalid vocab', `${file}: model.vocab`);
  // booleans to @huggingface/tokenizers (another value fails to load there); read as === true here, "true" was off
  for (const key of ['byte_fallback', 'fuse_unk', 'ignore_merges']) {
    const v = model[key];
    if (v !== undefined && v !== null && typeof v !== 'boolean') throw new UserError(`expected true or false, got ${JSON.stringify(v)}`, `${file}: model.${key}`);
  }
  // a model without a type is BPE to @huggingface/tokenizers when it has merges
  if (isBpeModel(model)) checkMerges(model['merges'], file);
  if (model['type'] === 'Unigram') checkUnkId(model, file);
  const component = (key: string): ComponentConfig => {
    const v = doc[key];
    if (v === undefined || v === null) return null;
    refuseUntypedSteps(v, key, file, key);
    if (!isRecord(v) || typeof v['type'] !== 'string') throw new UserError('expected null or an object with a "type"', `${file}: ${key}`);
    return v;
  };
  const rawAdded = doc['added_tokens'] ?? [];
  if (!Array.isArray(rawAdded)) throw new UserError('expected an array', `${file}: added_tokens`);
  const written = rawAdded.map((t, i) => addedToken(t, `${file}: added_tokens[${i}]`));
  const { added_tokens, renumbered } = addedTokenIds(written, model);
  const pipeline = {
    normalizer: component('normalizer'),
    pre_tokenizer: component('pre_tokenizer'),
    post_processor: checkPostProcessor(component('post_processor'), file),
    decoder: component('decoder'),
  };
  // before any engine (or the GGUF export's added-token normalization) runs the steps over a text
  checkTextGrowth(pipeline, file);
  return { model, ...pipeline, added_tokens, renumbered, raw: { ...doc, ...pipeline, added_tokens: added_tokens === written ? rawAdded : added_tokens } };
}

/**
 * `tokens` at the ids HF tokenizers gives them (added-ids.ts; a written id that differs is only a Rust log warning there,
 * off in Python), which transformers 5.17 uses too: a content of the model's vocabulary takes its id there (a "hello"
 * written as 32000 is vocabulary entry 21558, and the vocabulary stays 32,000 tokens), a content added before takes that
 * one (the later flags win), any other the next id after the vocabulary and the added tokens so far (32000, 32005, 32002
 * written are 32000, 32001, 32002: a gap closes). `tokens` itself where every id is as written; `renumbered`, those
 * whose id is not as written, for the loader to say where these ids are used (warnRenumbered).
 */
function addedTokenIds(tokens: AddedTokenSpec[], model: Record<string, unknown>): { added_tokens: AddedTokenSpec[]; renumbered: RenumberedToken[] } {
  if (tokens.length === 0) return { added_tokens: tokens, renumbered: [] };
  const ids = new AddedIds(model);
  const out: AddedTokenSpec[] = [], at = new Map<string, number>(); // content → its index in out
  for (const t of tokens) {
    const before = at.get(t.content);
    if (before !== undefined) {
      out[before] = { ...t, id: out[before]!.id };
      continue;
    }
    at.set(t.content, out.length);
    out.push({ ...t, id: ids.add(t.content) });
  }
  const renumbered = tokens.flatMap((t) => {
    const id = out[at.get(t.content)!]!.id;
    return id === t.id ? [] : [{ content: t.content, written: t.id, id }];
  });
  return { added_tokens: renumbered.length === 0 && out.length === tokens.length ? tokens : out, renumbered };
}

/**
 * Said once where `json`'s added tokens are used as HF tokenizers numbers them (not where transformers drops them for
 * the config's list, config-added-tokens.ts): those whose written id is not that one.
 */
export function warnRenumbered(json: TokenizerJson, file: string): void {
  const moved = json.renumbered;
  if (moved.length === 0) return;
  const list = boundedItemsText(moved, { shown: 5, say: (t) => t.content, quote: true, after: (t) => ` ${t.id}, not ${t.written}`, separator: '; ' });
  warnOnce(`${file}: added_tokens: HF tokenizers (and transformers) give ${list} ` +
    '(a vocabulary entry keeps its id, a new token takes the next one): their ids are used; write them so in the file to silence this');
}

/** Whether `model` is a BPE model: its type says so, or it has none but has merges (as HF tokenizers reads it). */
export function isBpeModel(model: Record<string, unknown>): boolean {
  return model['type'] === 'BPE' || (model['type'] === undefined && model['merges'] !== undefined);
}

/** The key of a Sequence's steps, by the part of tokenizer.json it is. */
const SEQUENCE_LISTS: Record<string, string> = { normalizer: 'normalizers', pre_tokenizer: 'pretokenizers', decoder: 'decoders', post_processor: 'processors' };

/**
 * Refuses `step`, the part `key` of tokenizer.json at the JSON path `at` (a Sequence's steps too), where it has no
 * "type". HF tokenizers 0.23 reads a few such steps by their keys alone (a Prepend, Replace, Strip or Sequence
 * normalizer, a Replace or Strip decoder, a TemplateProcessing; no pre-tokenizer, and {} nowhere); this library does
 * not guess which step is meant, and says so rather than that HF refuses it.
 */
function refuseUntypedSteps(step: unknown, key: string, file: string, at: string): void {
  if (!isRecord(step)) return;
  const what = key === 'post_processor' ? 'post-processor' : key;
  if (!Object.hasOwn(step, 'type')) {
    throw new UserError(`the ${what} has no "type": HF tokenizers guesses the type of a few steps from their keys, this library does not and refuses it; add its "type"`, `${file}: ${at}`);
  }
  const listKey = SEQUENCE_LISTS[key]!, list = step[listKey];
  if (step['type'] === 'Sequence' && Array.isArray(list)) list.forEach((s: unknown, i) => refuseUntypedSteps(s, key, file, `${at}.${listKey}[${i}]`));
}

/** The post-processor types of HF tokenizers (another does not load there, "did not match any variant"). */
const POST_PROCESSORS = ['TemplateProcessing', 'ByteLevel', 'BertProcessing', 'RobertaProcessing', 'Sequence'];

/**
 * `p` when it is null, or a post-processor HF tokenizers knows (a Sequence's too) that it can run on a text
 * (post-processor-ids.ts), else a UserError naming the step in `file`.
 */
function checkPostProcessor(p: ComponentConfig, file: string): ComponentConfig {
  if (p === null) return p;
  checkPostProcessorStep(p, `${file}: post_processor`);
  const around = specialIdsAround(p);
  if ('refused' in around) throw new UserError(around.refused, `${file}: ${around.at}`);
  return p;
}

function checkPostProcessorStep(p: Record<string, unknown>, where: string): void {
  if (!POST_PROCESSORS.includes(p['type'] as string)) {
    throw new UserError(`${JSON.stringify(p['type'])} is not a post-processor of HF tokenizers (${POST_PROCESSORS.join(', ')}), which refuses to load it`, `${where}.type`);
  }
  if (p['type'] === 'TemplateProcessing') checkTemplateSpecials(p, where);
  if (p['type'] === 'Sequence') {
    const list = p['processors'];
    if (!Array.isArray(list)) throw new UserError('expected a list of post-processors', `${where}.processors`);
    list.forEach((q: unknown, i) => {
      if (!isRecord(q) || typeof q['type'] !== 'string') throw new UserError('expected an object with a "type"', `${where}.processors[${i}]`);
      checkPostProcessorStep(q, `${where}.processors[${i}]`);
    });
  }
}

/**
 * A TemplateProcessing whose single-sequence template names a special token its special_tokens lacks: HF tokenizers
 * loads it and panics at the first encode ("no entry found for key"); refused here, naming the piece.
 */
function checkTemplateSpecials(p: Record<string, unknown>, where: string): void {
  const single = Array.isArray(p['single']) ? p['single'] : [];
  single.forEach((piece: unknown, i) => {
    const name = templateSpecialName(piece);
    if (name !== null && templateSpecialIds(p, name) === null) {
      throw new UserError(`names the special token ${JSON.stringify(name)}, which special_tokens does not list with its ids (HF tokenizers fails on it at the first encode): add it there, or take it out of the template`, `${where}.single[${i}]`);
    }
  });
}

/**
 * A BPE model's merges: all "a b" strings (one space) or all ["a", "b"] pairs, as the Rust tokenizers reads them.
 * @huggingface/tokenizers takes the form of the first for all and fails on another entry with a TypeError
 * ("x.split is not a function"), or never applies it: the bad entry is named here instead.
 */
function checkMerges(merges: unknown, file: string): void {
  if (!Array.isArray(merges)) throw new UserError(`expected a list of merges ("a b" or ["a", "b"]), got ${JSON.stringify(merges ?? null)}`, `${file}: model.merges`);
  const pairs = Array.isArray(merges[0]);
  merges.forEach((m: unknown, i) => {
    const ok = pairs
      ? Array.isArray(m) && m.length === 2 && m.every((s) => typeof s === 'string')
      : typeof m === 'string' && oneSpace(m);
    if (!ok) {
      const form = i === 0 ? 'a string "a b" or a pair ["a", "b"]' : pairs ? 'a pair ["a", "b"] like merges[0]' : 'a string "a b" with one space like merges[0]';
      throw new UserError(`${JSON.stringify(m)} is not a merge: expected ${form}`, `${file}: model.merges[${i}]`);
    }
  });
}

/**
 * A Unigram's unk_id: absent, null, or the index of one of its pieces, as HF tokenizers loads it (another fails there:
 * "UnkIdNotInVocabulary", "expected usize"); @huggingface/tokenizers took 99 of 8 pieces, or -1, as the id of an unknown
 * character, outside the vocabulary.
 */
function checkUnkId(model: Record<string, unknown>, file: string): void {
  const id = model['unk_id'], pieces = Array.isArray(model['vocab']) ? model['vocab'].length : 0;
  if (id === undefined || id === null) return;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= pieces) {
    throw new UserError(`expected null or the index of a piece of model.vocab (0 to ${pieces - 1}), got ${JSON.stringify(id)} (HF tokenizers refuses to load it)`, `${file}: model.unk_id`);
  }
}

/** Whether `m` holds exactly one space (as m.split(' ').length === 2, without an array for each of 60k merges). */
function oneSpace(m: string): boolean {
  const at = m.indexOf(' ');
  return at >= 0 && m.indexOf(' ', at + 1) < 0;
}

function addedToken(t: unknown, where: string): AddedTokenSpec {
  if (!isRecord(t)) throw new UserError('expected an object', where);
  const { id, content } = t;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new UserError('"id" must be a non-negative integer', where);
  if (typeof content !== 'string' || content.length === 0) throw new UserError('"content" must be a non-empty string', where);
  const flag = (k: string, dflt: boolean): boolean => {
    const v = t[k];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') throw new UserError(`"${k}" must be true or false`, where);
    return v;
  };
  const special = flag('special', false);
  // HF's default: special tokens are matched in the raw text, others after normalization.
  return { id, content, special, normalized: flag('normalized', !special), lstrip: flag('lstrip', false), rstrip: flag('rstrip', false), single_word: flag('single_word', false) };
}
