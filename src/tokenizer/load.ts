// loadTokenizer(dir?): the tokenizer of a model folder (tokenizer.json + optional tokenizer_config.json),
// or the bundled Mistral 7B v0.1 tokenizer when no folder is given or (unless fallback: 'error') the folder
// has no tokenizer.json; tokenizerName says which one was loaded. loadModelTokenizer: the same for a model of a
// given vocabulary size, null when the tokenizer's ids do not fit it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../util/errors.ts';
import { needPath } from '../util/api-args.ts';
import { fileIsThere } from '../util/file-is-there.ts';
import { kindOf } from '../util/regular-file.ts';
import * as log from '../util/log.ts';
import type { TokenizerEngine } from './engine.ts';
import { FastEngine } from './fast/engine.ts';
import { compileFastSpec } from './fast/spec.ts';
import { HfEngine } from './hf-engine.ts';
import { readFolderTokenizerConfig, type TokenizerConfig } from './tokenizer-config.ts';
import { withJsonDefaults } from './json-defaults.ts';
import { keepsJsonAddedTokens, withConfigAddedTokens } from './config-added-tokens.ts';
import { asTransformersLoadsIt, loadsAsLlamaTokenizer } from './llama-class.ts';
import { readTokenizerJson, warnRenumbered, type TokenizerJson } from './tokenizer-json.ts';
import { checkAddedTokenGrowth } from './text-growth.ts';
import { NO_RESIZE_FIX, tokensPastRows } from './model-fit.ts';
import { LoadedTokenizer } from './tokenizer.ts';
import { warnFlagsNotRead } from './adds-special.ts';
import { withMistralRegexFix, type ModelConfigFacts } from './mistral-regex.ts';
import { buildVocab, type Vocab } from './vocab.ts';
import { nearFileHint } from '../util/near-file.ts';
import { folderConfigValue } from '../util/config-json.ts';

/** The bundled default: Mistral 7B v0.1's tokenizer (see its PROVENANCE.md). */
export const BUNDLED_TOKENIZER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'tokenizer', 'mistral-7b-v0.1');
/** Tokens in the bundled tokenizer (Mistral 7B v0.1's vocabulary). */
export const BUNDLED_VOCAB_SIZE = 32000;

export type EngineChoice = 'auto' | 'fast' | 'huggingface';

export interface LoadTokenizerOptions {
  /**
   * 'auto' (default): our fast BPE when it implements everything the tokenizer.json uses, else
   * @huggingface/tokenizers. 'fast' fails (UserError) when the fast path cannot run it.
   */
  engine?: EngineChoice;
  /**
   * A folder without tokenizer.json: 'bundled' (default: a model folder that relies on Mistral's tokenizer)
   * uses the bundled one; 'error' refuses it (a folder named only as the tokenizer, as prepare --tokenizer).
   */
  fallback?: 'bundled' | 'error';
}

/** The bundled tokenizer's name in reports. */
export const BUNDLED_TOKENIZER_NAME = 'mistral-7b-v0.1 (bundled)';

/** How reports name a loaded tokenizer: the bundled one, or the folder its tokenizer.json is in (no absolute path). */
export function tokenizerName(tok: LoadedTokenizer): string {
  const folder = path.dirname(path.resolve(tok.file));
  return folder === BUNDLED_TOKENIZER_DIR ? BUNDLED_TOKENIZER_NAME : path.basename(folder);
}

export function loadTokenizer(dir?: string, opts: LoadTokenizerOptions = {}): LoadedTokenizer {
  if (dir !== undefined) needPath('loadTokenizer', 'the tokenizer folder', dir, 'path', 'a folder with tokenizer.json (or the file itself), or nothing for the bundled tokenizer');
  return loadFolder(tokenizerFolder(dir, opts), opts.engine ?? 'auto');
}

/** A model's tokenizer: null when its ids do not fit the model; `vocabSize`, its size, either way. */
export interface ModelTokenizer {
  tokenizer: LoadedTokenizer | null;
  vocabSize: number;
  /** Where the tokenizer is null: which of its tokens the model has no row for (what), and what to do (fix). */
  misfit: { what: string; fix: string } | null;
}

/**
 * loadTokenizer(dir) for a model of `modelVocabSize` tokens: the tokenizer when its ids fit the model, else null.
 * The bundled tokenizer, whose size is known, is not built when it would not fit (a small model folder without
 * tokenizer.json: ≈0.3–0.4 s of CPU saved per call); what loadTokenizer says about the folder is said all the same.
 */
export function loadModelTokenizer(dir: string, modelVocabSize: number, opts: LoadTokenizerOptions = {}): ModelTokenizer {
  // a model folder's tokenizer.model that is not read here: no tokenizer, but the model still trains on pre-tokenized data
  const unread = fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() && !fileIsThere(path.join(dir, 'tokenizer.json')) && !fileIsThere(path.join(dir, 'tekken.json'))
    ? unreadSentencePiece(dir) : null;
  if (unread !== null) return { tokenizer: null, vocabSize: modelVocabSize, misfit: unread }; // the size config.json gives it
  const folder = tokenizerFolder(dir, opts);
  // the bundled tokenizer in place of the folder's (not given itself): its size is known without building it
  const fallback = path.resolve(folder) === BUNDLED_TOKENIZER_DIR && path.resolve(folder) !== path.resolve(path.basename(dir) === 'tokenizer.json' ? path.dirname(dir) : dir);
  if (fallback && BUNDLED_VOCAB_SIZE > modelVocabSize) {
    return { tokenizer: null, vocabSize: BUNDLED_VOCAB_SIZE, misfit: { what: `the folder has no tokenizer.json, and the bundled Mistral tokenizer has ${BUNDLED_VOCAB_SIZE} tokens but the model's embedding ${modelVocabSize} rows (vocab_size)`, fix: `put the model's own tokenizer.json in ${dir}` } };
  }
  const tokenizer = loadFolder(folder, opts.engine ?? 'auto');
  if (tokenizer.vocabSize <= modelVocabSize) return { tokenizer, vocabSize: tokenizer.vocabSize, misfit: null };
  const what = tokensPastRows(tokenizer.vocabSize, modelVocabSize, (id) => tokenizer.idToToken(id));
  return { tokenizer: null, vocabSize: tokenizer.vocabSize, misfit: { what: `${tokenizer.file}: ${what}`, fix: NO_RESIZE_FIX } };
}

/** loadModelTokenizer's tokenizer, for a command that needs one (generate, classify): one that does not fit the model at `modelDir` is a UserError. */
export function requireModelTokenizer(dir: string, modelVocabSize: number, modelDir: string): LoadedTokenizer {
  const { tokenizer, misfit } = loadModelTokenizer(dir, modelVocabSize);
  if (!tokenizer) throw new UserError(`${misfit!.what}: ${misfit!.fix}`, modelDir);
  return tokenizer;
}

/** The folder whose tokenizer.json loadTokenizer(dir) reads (the bundled one's when dir has none), said on stderr as loadTokenizer says it. */
function tokenizerFolder(dir: string | undefined, opts: LoadTokenizerOptions): string {
  if (dir === undefined) {
    log.info(`tokenizer: no tokenizer folder given; using the bundled Mistral 7B v0.1 tokenizer (${BUNDLED_TOKENIZER_DIR})`);
    return BUNDLED_TOKENIZER_DIR;
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new UserError(`tokenizer folder not found${nearFileHint(dir)}`, dir);
  }
  // a FIFO, socket or device: looking for tokenizer.json under it failed with ENOTDIR's stack trace
  if (!stat.isFile() && !stat.isDirectory()) throw new UserError(`is ${kindOf(stat)}, not a tokenizer folder or tokenizer.json`, dir);
  // A path to a tokenizer.json file is accepted too.
  const folder = stat.isFile() ? path.dirname(dir) : dir;
  if (stat.isFile() && path.basename(dir) !== 'tokenizer.json') throw new UserError('expected a folder holding tokenizer.json, or a tokenizer.json file', dir);
  if (!fileIsThere(path.join(folder, 'tokenizer.json'))) {
    refuseUnreadTokenizer(folder);
    if (opts.fallback === 'error') {
      throw new UserError('no tokenizer.json in this folder: give the folder that holds the tokenizer.json (or the file itself); without --tokenizer, prepare uses the bundled Mistral 7B v0.1 tokenizer', dir);
    }
    log.info(`tokenizer: ${folder} has no tokenizer.json; using the bundled Mistral 7B v0.1 tokenizer (${BUNDLED_TOKENIZER_DIR})`);
    warnOnVocabMismatch(folder);
    return BUNDLED_TOKENIZER_DIR;
  }
  return folder;
}

/**
 * Refuses `folder` without tokenizer.json that holds a tokenizer file of its own that is not read here, where the bundled
 * tokenizer cannot stand in for it: tekken.json (Mistral's own tokenizer file, mistral-common's, beside the weights of its
 * consolidated format), another vocabulary whatever its size; a SentencePiece tokenizer.model (or mistral-common's
 * tokenizer.model.v3 …) of a model whose config.json says a vocab_size other than the bundled tokenizer's (a v0.3-style
 * 32768: its [INST] and tool tokens would be read as other text, and every id trained as another token's).
 */
export function refuseUnreadTokenizer(folder: string): void {
  if (fileIsThere(path.join(folder, 'tekken.json'))) {
    throw new UserError(`${unreadFile('tekken.json', "mistral-common's tokenizer file")}, another vocabulary, a stand-in for it; give the folder of the model's Hugging Face format, whose tokenizer.json is the same tokenizer`, folder);
  }
  const unread = unreadSentencePiece(folder);
  if (unread !== null) throw new UserError(`${unread.what}; ${unread.fix}`, folder);
}

const unreadFile = (file: string, what: string): string => `holds ${file} (${what}) and no tokenizer.json: ${file} is not read here, nor is the bundled Mistral 7B v0.1 tokenizer`;

/**
 * A SentencePiece tokenizer.model (or tokenizer.model.v3 …) in `folder`, which has no tokenizer.json, of a model whose
 * config.json says a vocab_size other than the bundled tokenizer's, as a misfit (what, fix); null where there is none.
 */
function unreadSentencePiece(folder: string): { what: string; fix: string } | null {
  const size = folderConfigValue(folder, 'vocab_size');
  if (typeof size !== 'number' || size === BUNDLED_VOCAB_SIZE) return null;
  const file = listFolder(folder).find((f) => /^tokenizer\.model(\.v\d+)?$/.test(f) && fileIsThere(path.join(folder, f)));
  if (file === undefined) return null;
  return { what: `${unreadFile(file, 'a SentencePiece model')} (${BUNDLED_VOCAB_SIZE} tokens) a stand-in for a model of vocab_size ${size}`,
    fix: 'put the model\'s tokenizer.json in the folder (its Hugging Face repository has one; transformers writes one with AutoTokenizer.from_pretrained(folder).save_pretrained(folder))' };
}

/** The names in `folder`, none where it cannot be read. */
function listFolder(folder: string): string[] {
  try {
    return fs.readdirSync(folder).sort();
  } catch {
    return [];
  }
}

function loadFolder(folder: string, choice: EngineChoice): LoadedTokenizer {
  const file = path.join(folder, 'tokenizer.json');
  const own = readFolderTokenizerConfig(folder);
  const read = readTokenizerJson(file);
  const config = withJsonDefaults(own, read, file);
  const json = tokenizerJsonAsLoaded(read, config, folder);
  const vocab = buildVocab(json, file);
  const engine = pickEngine(json, config, vocab, file, choice);
  const tokenizer = new LoadedTokenizer({ json, config, vocab, engine, file });
  warnFlagsNotRead(json, config, { bos: tokenizer.bosId, eos: tokenizer.eosId }, file);
  return tokenizer;
}

/**
 * `folder`'s tokenizer.json (`read`) as transformers 5.17 runs it with `config`: the pipeline of the class AutoTokenizer
 * takes (llama-class.ts), the config's added tokens (addedTokensAsLoaded) and the regex fix (withFolderRegexFix): what
 * training tokenizes with, and what a GGUF export hands llama.cpp.
 */
export function tokenizerJsonAsLoaded(read: TokenizerJson, config: TokenizerConfig, folder: string): TokenizerJson {
  const loaded = addedTokensAsLoaded(asTransformersLoadsIt(read, config, folderModelType(folder)), config, folder, read);
  return withFolderRegexFix(loaded, config, folder);
}

/**
 * `json` (of `folder`'s tokenizer.json, as `read` from it) with tokenizer_config.json's added_tokens_decoder laid over
 * its added tokens as transformers 5 reads the two (config-added-tokens.ts): the ids training uses, which a GGUF
 * export writes too.
 */
export function addedTokensAsLoaded(json: TokenizerJson, config: TokenizerConfig, folder: string, read = json): TokenizerJson {
  const ownList = loadsAsLlamaTokenizer(read, config, folderModelType(folder));
  // tokenizer.json's renumbered added tokens said only where their ids are used (not dropped for the config's list)
  if (keepsJsonAddedTokens(config, ownList)) warnRenumbered(read, path.join(folder, 'tokenizer.json'));
  const loaded = withConfigAddedTokens(json, config, ownList);
  checkAddedTokenGrowth(loaded, path.join(folder, 'tokenizer.json'));
  return loaded;
}

function pickEngine(json: TokenizerJson, config: TokenizerConfig, vocab: Vocab, file: string, choice: EngineChoice): TokenizerEngine {
  if (choice === 'huggingface') return new HfEngine(json, config, file);
  const compiled = compileFastSpec(json, config, vocab);
  if (compiled.ok) return new FastEngine(compiled.spec);
  if (choice === 'fast') throw new UserError(`the fast tokenizer cannot run this tokenizer.json (it uses ${compiled.reason})`, compiled.at === undefined ? file : `${file}: ${compiled.at}`);
  const engine = new HfEngine(json, config, file); // before the note: a tokenizer.json it refuses is said in one line
  log.info(`tokenizer: ${file} uses ${compiled.reason}, which the fast tokenizer does not implement; using @huggingface/tokenizers (slower)`);
  return engine;
}

/** The model_type of the folder's config.json (which AutoTokenizer reads to pick the class), null without one. */
function folderModelType(folder: string): string | null {
  const type = folderConfigValue(folder, 'model_type');
  return typeof type === 'string' ? type : null;
}

/**
 * `json` with transformers' fix of a Mistral byte-level tokenizer's pre-tokenizer regex where `folder`'s files ask for
 * it (mistral-regex.ts): the split training ran, which a GGUF export names to llama.cpp too.
 */
export function withFolderRegexFix(json: TokenizerJson, config: TokenizerConfig, folder: string): TokenizerJson {
  return withMistralRegexFix(json, config, folderModelFacts(folder));
}

/** What withMistralRegexFix reads of the folder's config.json; undefined without one. */
function folderModelFacts(folder: string): ModelConfigFacts | undefined {
  if (!fileIsThere(path.join(folder, 'config.json'))) return undefined;
  return { modelType: folderConfigValue(folder, 'model_type'), transformersVersion: folderConfigValue(folder, 'transformers_version') };
}


/** A model folder whose config.json says another vocabulary size cannot be served by the bundled tokenizer. */
function warnOnVocabMismatch(folder: string): void {
  const size = folderConfigValue(folder, 'vocab_size');
  if (typeof size === 'number' && size !== BUNDLED_VOCAB_SIZE) {
    log.warn(`${path.join(folder, 'config.json')}: vocab_size is ${size}, but the bundled tokenizer has ${BUNDLED_VOCAB_SIZE} tokens; put the model's tokenizer.json in ${folder}`);
  }
}
