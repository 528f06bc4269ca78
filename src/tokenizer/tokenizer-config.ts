// An HF tokenizer_config.json: the special tokens (bos/eos/pad/unk), the chat template and the decode
// options this toolkit uses. Optional: a folder without one gets EMPTY_CONFIG. Errors name file and key.
// A folder's chat_template.jinja (transformers ≥ 4.50 saves the template there) is read before the key, and its
// additional_chat_templates/default.jinja before both, as transformers 5.17 does.
import * as path from 'node:path';
import { fileIsThere } from '../util/file-is-there.ts';
import { UserError } from '../util/errors.ts';
import { warnOnce } from '../util/log.ts';
import { DEFAULT_NAMED_TEMPLATE, NAMED_TEMPLATES_DIR, TOOL_USE_NAMED_TEMPLATE, namedTemplateFiles } from './named-templates.ts';
import { intKey, isRecord, readJsonFile, readUtf8File } from '../util/json-file.ts';
import { parseJsonAsPythonLoads } from '../data/ingest/python-json.ts';
import { isBpeModel, type TokenizerJson } from './tokenizer-json.ts';
import { boundedJsonText } from '../util/bounded-json.ts';

export interface TokenizerConfig {
  bosToken: string | null;
  eosToken: string | null;
  padToken: string | null;
  unkToken: string | null;
  /** sep_token, cls_token and mask_token, where given: transformers' other named special tokens (none of Mistral's). */
  otherSpecialTokens: string[];
  /**
   * extra_special_tokens (a list, or the values of named tokens), else additional_special_tokens, as transformers 5
   * reads them, each with the key it has in the file ("extra_special_tokens.image_token", "additional_special_tokens[2]").
   */
  additionalSpecialTokens: ReadonlyArray<{ key: string; token: string }>;
  /**
   * The named special tokens besides bos, eos, unk and pad that transformers hands a chat template (its
   * special_tokens_map): sep_token, cls_token, mask_token and extra_special_tokens' named ones ({"image_token": "[IMG]"}).
   */
  templateTokens: Readonly<Record<string, string>>;
  /** The Jinja chat template, or null to use the default Mistral one (or, where namedOnly says so, none). */
  chatTemplate: string | null;
  /**
   * Named templates with no default among them (a chat_template list without "default", an additional_chat_templates/
   * without default.jinja and no chat_template.jinja): transformers 5.17 loads such a tokenizer and refuses only a chat
   * rendered without a template's name, so here loading works and rendering a chat refuses (noDefaultTemplate), a chat
   * given tools rendering with "tool_use" where there is one; null otherwise (chatTemplate is null when this is not).
   */
  namedOnly: NamedOnly | null;
  /** Where the template was read from, for messages ("…/tokenizer_config.json: chat_template", "…/chat_template.jinja"). */
  chatTemplateSource: string | null;
  /** The template named "tool_use", which transformers renders a chat given tools with (its get_chat_template), and where it is; null: none. */
  toolUseTemplate: { text: string; source: string } | null;
  /**
   * HF's clean_up_tokenization_spaces (" ." → "." and so on when decoding). Defaults to false here, as in
   * current transformers, because it breaks round trips; @huggingface/tokenizers defaults it to true. Not applied to
   * a BPE model unless cleanUpBpeAnyway (decodeCleansUp).
   */
  cleanUpTokenizationSpaces: boolean;
  /** clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output: clean up a BPE model's decode too. */
  cleanUpBpeAnyway: boolean;
  /**
   * split_special_tokens: special added tokens are not split out of a text but encoded as text, as transformers sets
   * HF tokenizers' encode_special_tokens from it (a chat template's "[INST]" too); non-special added tokens still are.
   */
  splitSpecialTokens: boolean;
  /**
   * truncation_side: which end of a text transformers' tokenizer(text, truncation=True) cuts, "right" (its default: the
   * start is kept) or "left" (the end is kept). Classification rows honour it; generation rows keep their start, as TRL's
   * SFTTrainer (truncation_mode keep_start) does whatever the tokenizer says (tokenize.ts).
   */
  truncationSide: 'left' | 'right';
  /** Where the config came from (a file path, or "none"), for messages. */
  source: string;
  /** The parsed document, handed to @huggingface/tokenizers as is. */
  raw: Record<string, unknown>;
}

export const EMPTY_CONFIG: TokenizerConfig = {
  bosToken: null,
  eosToken: null,
  padToken: null,
  unkToken: null,
  otherSpecialTokens: [],
  additionalSpecialTokens: [],
  templateTokens: {},
  chatTemplate: null,
  namedOnly: null,
  toolUseTemplate: null,
  chatTemplateSource: null,
  cleanUpTokenizationSpaces: false,
  cleanUpBpeAnyway: false,
  splitSpecialTokens: false,
  truncationSide: 'right',
  source: 'none',
  raw: {},
};

const BPE_CLEAN_UP_ANYWAY = 'clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output';

/**
 * Whether decoding cleans up tokenization spaces, as transformers 5's TokenizersBackend._decode decides: where the
 * config asks for it, but not on a BPE model (the clean-up is WordPiece's, and drops real spaces before punctuation
 * there) unless the config insists (BPE_CLEAN_UP_ANYWAY).
 */
export function decodeCleansUp(json: TokenizerJson, config: TokenizerConfig): boolean {
  if (!config.cleanUpTokenizationSpaces) return false;
  return !isBpeModel(json.model) || config.cleanUpBpeAnyway;
}

/** Named templates without a default: where they are, their names, and how a user makes one of them the default. */
export interface NamedOnly {
  where: string;
  names: readonly string[];
  howToChoose: string;
}

/** The refusal of a chat rendered with no default template: the tokenizer's, not a chat's (prepare stops at it, rejecting no record). */
export class NoDefaultTemplateError extends UserError {}

/** The refusal of a chat rendered with no default template (transformers: "multiple chat templates with no default"). */
export function noDefaultTemplate(n: NamedOnly): NoDefaultTemplateError {
  return new NoDefaultTemplateError(`no default chat template among the named ones (${n.names.join(', ') || 'none'}) to render a chat with, as transformers 5.17 ` +
    `has none ("multiple chat templates with no default"); no option here picks a template by name: ${n.howToChoose}`, n.where);
}

export function readTokenizerConfig(file: string): TokenizerConfig {
  return parseTokenizerConfig(readJsonFile(file, parseJsonAsPythonLoads), file); // as transformers reads it (json.load: NaN, Infinity)
}

/** The tokenizer config of a model folder: its tokenizer_config.json (or none), its template files first. */
export function readFolderTokenizerConfig(folder: string): TokenizerConfig {
  const file = path.join(folder, 'tokenizer_config.json');
  const config = fileIsThere(file) ? readTokenizerConfig(file) : EMPTY_CONFIG;
  // transformers reads additional_chat_templates/default.jinja after chat_template.jinja: it is the default over both
  const named = path.join(folder, NAMED_TEMPLATES_DIR, DEFAULT_NAMED_TEMPLATE), jinja = path.join(folder, 'chat_template.jinja');
  const template = namedTemplateFiles(folder).includes(DEFAULT_NAMED_TEMPLATE) ? named : fileIsThere(jinja) ? jinja : null;
  // template files, where a folder has any, take the place of the config's templates, its "tool_use" one too
  const toolUse = path.join(folder, NAMED_TEMPLATES_DIR, TOOL_USE_NAMED_TEMPLATE);
  const toolUseTemplate = namedTemplateFiles(folder).includes(TOOL_USE_NAMED_TEMPLATE) ? { text: readUtf8File(toolUse), source: toolUse } : null;
  if (template === null) {
    const files = namedTemplateFiles(folder);
    if (files.length === 0) return config;
    if (config.chatTemplate !== null) {
      warnKeyDroppedByTransformers(folder, config);
      return { ...config, toolUseTemplate };
    }
    // transformers reads the files alone here (a chat_template list of the config too is dropped), none the default
    const names = files.map((f) => f.slice(0, -'.jinja'.length));
    const howToChoose = `copy the one to use to ${jinja} (or to ${named})`;
    return { ...config, toolUseTemplate, namedOnly: { where: path.join(folder, NAMED_TEMPLATES_DIR), names, howToChoose } };
  }
  return { ...config, chatTemplate: readUtf8File(template), chatTemplateSource: template, namedOnly: null, toolUseTemplate };
}

/**
 * transformers 5.17 reads only the files of a folder whose additional_chat_templates/ holds templates: its
 * tokenizer_config.json chat_template is dropped, and apply_chat_template without a template's name fails there
 * ("multiple chat templates with no default"), where we use that template: said once.
 */
function warnKeyDroppedByTransformers(folder: string, config: TokenizerConfig): void {
  const names = namedTemplateFiles(folder);
  if (names.length === 0) return;
  warnOnce(`${config.chatTemplateSource}: used as the chat template here, but transformers does not read it beside ${NAMED_TEMPLATES_DIR}/ ` +
    `(${names.join(', ')}): it has no default template there; put it in ${path.join(folder, 'chat_template.jinja')} for both to use it`);
}

export function parseTokenizerConfig(doc: unknown, file: string): TokenizerConfig {
  if (!isRecord(doc)) throw new UserError('expected a JSON object (an HF tokenizer_config.json)', file);
  const token = (key: string): string | null => tokenContent(doc[key], `${file}: ${key}`);
  // transformers 5 reads extra_special_tokens (a list, or named tokens {"image_token": "[IMG]"}), and
  // additional_special_tokens, the name transformers 4 wrote, only where the config has no extra_special_tokens
  const extraKey = Object.hasOwn(doc, 'extra_special_tokens') ? 'extra_special_tokens' : 'additional_special_tokens';
  const listed = doc[extraKey] ?? [];
  const named = extraKey === 'extra_special_tokens' && isRecord(listed);
  if (!named && !Array.isArray(listed)) throw new UserError(extraKey === 'extra_special_tokens' ? 'expected an array or an object' : 'expected an array', `${file}: ${extraKey}`);
  // each with the key it has in the file (a named one by its name), for messages
  const extra = (named ? Object.entries(listed) : (listed as unknown[]).map((t, i) => [String(i), t] as const))
    .map(([k, t]) => named ? { key: `${extraKey}.${k}`, t } : { key: `${extraKey}[${k}]`, t })
    .map(({ key, t }) => ({ key, token: listedTokenContent(t, `${file}: ${key}`) }));
  checkAddedTokensDecoder(doc['added_tokens_decoder'], `${file}: added_tokens_decoder`);
  const bool = (key: string): boolean => {
    const v = doc[key] ?? false;
    if (typeof v !== 'boolean') throw new UserError('expected true or false', `${file}: ${key}`);
    return v;
  };
  const template = chatTemplate(doc['chat_template'], `${file}: chat_template`);
  return {
    bosToken: token('bos_token'),
    eosToken: token('eos_token'),
    padToken: token('pad_token'),
    unkToken: token('unk_token'),
    otherSpecialTokens: ['sep_token', 'cls_token', 'mask_token'].map(token).filter((t): t is string => t !== null),
    additionalSpecialTokens: extra,
    templateTokens: Object.fromEntries([
      ...['sep_token', 'cls_token', 'mask_token'].map((k) => [k, token(k)] as const),
      ...(extraKey === 'extra_special_tokens' && isRecord(listed) ? Object.entries(listed) : []).map(([k, t]) => [k, tokenContent(t, `${file}: ${extraKey}.${k}`)] as const),
    ].filter((e): e is readonly [string, string] => e[1] !== null)),
    chatTemplate: template,
    chatTemplateSource: template === null ? null : `${file}: chat_template`,
    namedOnly: namedOnly(doc['chat_template'], `${file}: chat_template`),
    toolUseTemplate: toolUseTemplate(doc['chat_template'], `${file}: chat_template`),
    cleanUpTokenizationSpaces: bool('clean_up_tokenization_spaces'),
    cleanUpBpeAnyway: bool(BPE_CLEAN_UP_ANYWAY),
    splitSpecialTokens: bool('split_special_tokens'),
    truncationSide: truncationSide(doc, `${file}: truncation_side`),
    source: file,
    raw: doc,
  };
}

/**
 * {"<id>": {content, ...}}: transformers reads each key with int() and each entry as an AddedToken, and refuses the
 * file otherwise. We take the added tokens from tokenizer.json, so a bad entry is refused here rather than ignored.
 */
function checkAddedTokensDecoder(v: unknown, where: string): void {
  if (v === undefined || v === null) return;
  if (!isRecord(v)) throw new UserError('expected an object {"<token id>": {"content": ..., ...}}', where);
  for (const [key, entry] of Object.entries(v)) {
    if (intKey(key) === null) throw new UserError(`the key ${boundedJsonText(key)} is not a token id (a non-negative integer such as "32000")`, where);
    if (!isRecord(entry) || typeof entry['content'] !== 'string') {
      throw new UserError(`expected an object with a string "content", got ${boundedJsonText(entry)}`, `${where}[${boundedJsonText(key)}]`);
    }
  }
}

/** truncation_side, "right" where not given; transformers refuses any value but "left" and "right" (null too). */
function truncationSide(doc: Record<string, unknown>, where: string): 'left' | 'right' {
  if (!Object.hasOwn(doc, 'truncation_side')) return 'right';
  const v = doc['truncation_side'];
  if (v === 'left' || v === 'right') return v;
  throw new UserError(`expected "left" or "right", got ${boundedJsonText(v)}`, where);
}

/** A special token is written either as its text or as an AddedToken object {content, ...}; null: none. */
function tokenContent(v: unknown, where: string): string | null {
  return v === undefined || v === null ? null : contentOf(v, where, 'expected a string, an object with "content", or null');
}

/**
 * One of the extra special tokens: its text or an AddedToken object, not null, which transformers 5.17 refuses there
 * (TypeError "Input must be a List[Union[str, AddedToken]]", or "Special token image_token has to be either str or AddedToken").
 */
function listedTokenContent(v: unknown, where: string): string {
  if (v === undefined || v === null) throw new UserError('expected a string or an object with "content", got null (transformers 5.17 refuses the config)', where);
  return contentOf(v, where, 'expected a string or an object with "content"');
}

function contentOf(v: unknown, where: string, expected: string): string {
  if (typeof v === 'string') return v;
  if (isRecord(v) && typeof v['content'] === 'string') return v['content'];
  throw new UserError(expected, where);
}

/** A string, or HF's list of named templates [{name, template}] from which "default" is used (none: null, see namedOnly). */
function chatTemplate(v: unknown, where: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return namedList(v, where).find((t) => t.name === 'default')?.template ?? null;
  throw new UserError('expected a Jinja template string or a list of {name, template}', where);
}

function namedList(v: readonly unknown[], where: string): Array<{ name: string; template: string }> {
  const named = v.filter((t): t is { name: string; template: string } => isRecord(t) && typeof t['name'] === 'string' && typeof t['template'] === 'string');
  if (named.length !== v.length) throw new UserError('each entry must be {"name": string, "template": string}', where);
  return named;
}

/** A list of named templates without "default" (chatTemplate checks the list): transformers loads it, and refuses a chat rendered without a name. */
function namedOnly(v: unknown, where: string): NamedOnly | null {
  if (!Array.isArray(v)) return null;
  const named = namedList(v, where);
  if (named.some((t) => t.name === 'default')) return null;
  return { where, names: named.map((t) => t.name), howToChoose: 'name the one to use "default" in that list' };
}

/** The "tool_use" template of HF's list of named templates (chatTemplate checks the list), or null. */
function toolUseTemplate(v: unknown, where: string): { text: string; source: string } | null {
  const named = Array.isArray(v) ? v.find((t) => isRecord(t) && t['name'] === 'tool_use') : undefined;
  return isRecord(named) && typeof named['template'] === 'string' ? { text: named['template'], source: `${where} (its "tool_use" template)` } : null;
}
