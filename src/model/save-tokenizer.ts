// The tokenizer files of a model folder we write (a merged export, a fully trained model): those of the tokenizer
// the model was trained with — the source folder's own (tokenizer.json), else the bundled Mistral tokenizer when
// the vocabulary is its 32000 (as loadTokenizer and a random model's run pick), else whatever tokenizer files the
// source has — so that transformers' AutoTokenizer and apply_chat_template give what training saw:
// - the chat template travels: chat_template.jinja (transformers ≥ 4.50 writes it, and reads it before the
//   tokenizer_config.json key) is copied, and where the folder has no template at all, the built-in one that
//   training used is written into tokenizer_config.json, or as chat_template.jinja where there is none
//   (transformers 5 has no default template); so are the named templates of additional_chat_templates/ (its
//   *.jinja files, which AutoTokenizer reads), into the same folder, but for default.jinja, which is written as
//   chat_template.jinja (as save_pretrained writes it);
// - a classification export's pad token (config.json's pad_token_id) is named in tokenizer_config.json (and
//   special_tokens_map.json) where the tokenizer has none (neither there nor as tokenizer.json's padding.pad_token), or
//   HF's padding refuses batches, or another one (said), with which
//   HF's sequence classifier would score a padding position of every shorter row.
// tokenizer_config.json is edited as text (keys added, a null or the pad token replaced), never re-serialised: Mistral's holds
// model_max_length 1000000000000000019884624838656, which a JSON.parse round trip would turn into a float.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CHAT_TEMPLATE } from '../tokenizer/chat-template.ts';
import { BUNDLED_TOKENIZER_DIR, BUNDLED_VOCAB_SIZE } from '../tokenizer/load.ts';
import { DEFAULT_NAMED_TEMPLATE, NAMED_TEMPLATES_DIR, namedTemplateFiles } from '../tokenizer/named-templates.ts';
import { readFolderTokenizerConfig } from '../tokenizer/tokenizer-config.ts';
import { readTokenizerJson } from '../tokenizer/tokenizer-json.ts';
import { withJsonDefaults } from '../tokenizer/json-defaults.ts';
import { buildVocab } from '../tokenizer/vocab.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { TOKENIZER_FILES } from './folder-files.ts';
import { folderJsonParse } from './folder-json.ts';
import { UserError } from '../util/errors.ts';
import { warn } from '../util/log.ts';
import { copyJsonFile, isRecord, jsonValueText } from '../util/json-file.ts';
import { parseJsonAsPythonLoads } from '../data/ingest/python-json.ts';
import { fileIsThere } from '../util/file-is-there.ts';
import { copyCheckedFile, readRegularFile } from '../util/regular-file.ts';

/** The folder whose tokenizer files a model of `vocabSize` rows from `sourceDir` (null: random weights) was trained with. */
export function trainedTokenizerFolder(sourceDir: string | null, vocabSize: number): string | null {
  if (sourceDir !== null && fileIsThere(path.join(sourceDir, 'tokenizer.json'))) return sourceDir;
  if (vocabSize === BUNDLED_VOCAB_SIZE) return BUNDLED_TOKENIZER_DIR;
  return sourceDir;
}

/**
 * Refuses, before a full fine-tuning run trains, a tokenizer file of `sourceDir` that is a symbolic link to nothing
 * (a hub snapshot copied with cp -r): writeTokenizerFiles names it at the run's first save of model/ or best/, which
 * would come after the training steps. Loading checks only the files it reads (tokenizer.json, tokenizer_config.json,
 * chat_template.jinja), not those a save copies (special_tokens_map.json, tokenizer.model, ...).
 */
export function requireTokenizerFilesThere(sourceDir: string | null, vocabSize: number): void {
  const from = trainedTokenizerFolder(sourceDir, vocabSize);
  if (from !== null) for (const f of TOKENIZER_FILES) fileIsThere(path.join(from, f));
}

export interface TokenizerFileOptions {
  /** The model folder the weights came from (null: random weights). */
  sourceDir: string | null;
  vocabSize: number;
  /** A classification export's pad_token_id, to be named as tokenizer_config.json's pad_token; else null. */
  padTokenId: number | null;
}

/** Copies the trained-with tokenizer's files into `dir`, with the chat template and pad token completed. */
export function writeTokenizerFiles(dir: string, opts: TokenizerFileOptions): void {
  const from = trainedTokenizerFolder(opts.sourceDir, opts.vocabSize);
  if (from === null) return;
  for (const f of TOKENIZER_FILES) {
    const src = path.join(from, f);
    // a JSON file that does not parse is named in the source folder, not at its copy (which a failed export removes)
    // a link to nothing (a hub snapshot's file without its blob) is named, not left out of the copy
    // parsed as its loader parses it (a NaN in tokenizer_config.json, as transformers' json.load reads it)
    if (fileIsThere(src) && f.endsWith('.json')) copyJsonFile(src, path.join(dir, f), folderJsonParse(f));
    else if (fileIsThere(src)) copyCheckedFile(src, path.join(dir, f));
  }
  const tokenizerJson = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(tokenizerJson)) { // not a tokenizer of ours (training read pre-tokenized data)
    copyNamedTemplates(from, dir);
    return;
  }
  const configFile = path.join(dir, 'tokenizer_config.json');
  const hasConfig = fs.existsSync(configFile);
  const config = readFolderTokenizerConfig(dir); // before the named templates: said of the source when it is read, not here
  const named = copyNamedTemplates(from, dir);
  // the built-in template as chat_template.jinja where there is no tokenizer_config.json to hold it (making one would
  // change which BOS and EOS a loader assumes), or where named templates are beside it: transformers 5.17 then reads
  // only the files (its tokenizer_config.json key is dropped), chat_template.jinja as the default; nothing where the
  // default named template was written as chat_template.jinja (named < 0)
  const asFile = !hasConfig || named !== 0;
  // named templates with no default (a config's list: namedOnly; files: others copied, no template read) stay so:
  // training rendered no chat, and the built-in one would become the default transformers renders with
  const builtIn = config.chatTemplate === null && config.namedOnly === null && named <= 0;
  if (named >= 0 && builtIn && asFile) writeFileAtomic(path.join(dir, 'chat_template.jinja'), DEFAULT_CHAT_TEMPLATE);
  // the source's tokenizer_config.json template beside named ones, which transformers drops there: as the file it reads
  else if (named > 0 && config.chatTemplate !== null && !fs.existsSync(path.join(dir, 'chat_template.jinja'))) {
    writeFileAtomic(path.join(dir, 'chat_template.jinja'), config.chatTemplate);
  }
  const add: Record<string, string> = {};
  if (builtIn && !asFile) add.chat_template = DEFAULT_CHAT_TEMPLATE;
  if (opts.padTokenId !== null) {
    const read = readTokenizerJson(tokenizerJson), vocab = buildVocab(read, tokenizerJson);
    const token = vocab.idToToken[opts.padTokenId];
    // the source's pad token as transformers (and loadTokenizer) take it: tokenizer.json's padding.pad_token where the config names none
    const padToken = withJsonDefaults(config, read, tokenizerJson).padToken;
    if (token !== undefined && padToken !== token) {
      if (!hasConfig) { // the "<s>" and "</s>" a folder without one implies, said now that it has one
        for (const [key, t] of [['bos_token', '<s>'], ['eos_token', '</s>']] as const) if (vocab.tokenToId.has(t)) add[key] = t;
      }
      // HF's sequence classifier scores each row's last token that is not config.json's pad_token_id: a tokenizer that
      // pads with another token (the source's own, e.g. "<unk>") has it score a padding position of every shorter row
      if (padToken !== null) {
        warn(`${from}: the tokenizer's pad_token ${JSON.stringify(padToken)} is written ${JSON.stringify(token)}, config.json's pad_token_id ${opts.padTokenId}, ` +
          "which the classification head's pick skips: padding with another token, transformers would score padding");
      }
      add.pad_token = token;
    }
  }
  if (Object.keys(add).length === 0) return;
  const replace = new Set(['pad_token']);
  const text = hasConfig ? readRegularFile(configFile).toString('utf8') : '{}\n';
  writeFileAtomic(configFile, withJsonKeys(text, add, configFile, replace));
  const mapFile = path.join(dir, 'special_tokens_map.json');
  if (add.pad_token !== undefined && fs.existsSync(mapFile)) { // transformers lets this file's keys win
    const map = readRegularFile(mapFile).toString('utf8');
    if (isRecord(parseJsonAsPythonLoads(map))) writeFileAtomic(mapFile, withJsonKeys(map, { pad_token: add.pad_token }, mapFile, replace));
  }
}

/**
 * Copies the named chat templates of `from`'s additional_chat_templates/ (its *.jinja files, as transformers reads
 * them) into `dir`'s, so that AutoTokenizer on the folder written has the templates the source has, as transformers'
 * save_pretrained writes them (test/fixtures/saved-chat-templates): the default one (default.jinja, which transformers
 * reads over chat_template.jinja) as chat_template.jinja, the others in the folder. Returns how many others there are,
 * or −1 where the default one was written (the folder's template is settled).
 */
function copyNamedTemplates(from: string, dir: string): number {
  const named = path.join(from, NAMED_TEMPLATES_DIR);
  const files = namedTemplateFiles(from), others = files.filter((f) => f !== DEFAULT_NAMED_TEMPLATE);
  if (others.length > 0) fs.mkdirSync(path.join(dir, NAMED_TEMPLATES_DIR), { recursive: true });
  for (const f of others) copyCheckedFile(path.join(named, f), path.join(dir, NAMED_TEMPLATES_DIR, f)); // checked as chat_template.jinja is
  if (others.length === files.length) return others.length;
  // over the chat_template.jinja copied from the source, which the default one made unused there
  writeFileAtomic(path.join(dir, 'chat_template.jinja'), readRegularFile(path.join(named, DEFAULT_NAMED_TEMPLATE)));
  return -1;
}

/**
 * The JSON object `text` with top-level string `values` set, edited as text: a top-level key present with null (or
 * any value, for a key in `replace`) is replaced, an absent one appended. Every other value is checked to read back
 * unchanged. Read as transformers reads the file (json.load): a NaN or Infinity in it is kept as written.
 */
export function withJsonKeys(text: string, values: Record<string, string>, file: string, replace: ReadonlySet<string> = new Set()): string {
  const fail = (why: string): never => {
    throw new UserError(`cannot set ${Object.keys(values).join(', ')}: ${why}`, file);
  };
  const parsed: unknown = parseJsonAsPythonLoads(text);
  if (!isRecord(parsed)) return fail('not a JSON object');
  const before: Record<string, unknown> = { ...parsed };
  let out = text;
  for (const [key, value] of Object.entries(values)) {
    const literal = JSON.stringify(value);
    if (key in before) {
      if (before[key] !== null && !replace.has(key)) fail(`"${key}" is set already`);
      const span = topLevelValue(out, key);
      if (span === null) fail(`"${key}" not found at the top level`);
      out = out.slice(0, span![0]) + literal + out.slice(span![1]);
    } else {
      const close = out.lastIndexOf('}');
      const head = out.slice(0, close).trimEnd();
      const entry = `${JSON.stringify(key)}: ${literal}`;
      out = head.endsWith('{') ? `${head}\n  ${entry}\n${out.slice(close)}` : `${head},\n  ${entry}\n${out.slice(close)}`;
    }
    before[key] = value;
  }
  const after: unknown = parseJsonAsPythonLoads(out);
  const same = isRecord(after) && Object.keys(parsed).every((k) => k in values || jsonValueText(after[k]) === jsonValueText(parsed[k]))
    && Object.entries(values).every(([k, v]) => after[k] === v);
  if (!same) fail('editing the text changed other values');
  return out;
}

/** The end of the JSON string that starts at text[i] (its closing quote's index). */
function stringEnd(text: string, i: number): number {
  let end = i + 1;
  while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
  return end;
}

/** [start, end) of the value of the top-level `key` of the JSON object `text` (a valid one), or null. */
function topLevelValue(text: string, key: string): [number, number] | null {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      let j = end + 1;
      while (/\s/.test(text[j] ?? '')) j++;
      if (depth === 1 && text[j] === ':' && JSON.parse(text.slice(i, end + 1)) === key) {
        j++;
        while (/\s/.test(text[j] ?? '')) j++;
        return [j, valueEnd(text, j)];
      }
      i = end;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return null;
}

/** The index just past the JSON value that starts at text[j]. */
function valueEnd(text: string, j: number): number {
  if (text[j] === '"') return stringEnd(text, j) + 1;
  if (text[j] !== '{' && text[j] !== '[') {
    let k = j;
    while (k < text.length && !/[\s,}\]]/.test(text[k]!)) k++;
    return k;
  }
  let depth = 0;
  for (let k = j; k < text.length; k++) {
    const c = text[k]!;
    if (c === '"') k = stringEnd(text, k);
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return k + 1;
  }
  return text.length;
}
