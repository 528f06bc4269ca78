// The Tokenizer the toolkit uses: a tokenizer.json run by an engine (fast BPE or @huggingface/tokenizers),
// the special tokens of tokenizer_config.json, and a chat template.
import { badArgument, needArg, refuseMisspelledKeys, shown } from '../util/api-args.ts';
import { loneSurrogateDetail } from '../data/clean.ts';
import { UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import { leadingSpecialIds, tokenizerAddsBos, trailingSpecialIds } from './adds-special.ts';
import { decodesByteTokens } from './byte-fallback.ts';
import { ChatTemplate } from './chat-template.ts';
import type { EngineName, TokenizerEngine } from './engine.ts';
import { noDefaultTemplate, type NamedOnly, type TokenizerConfig } from './tokenizer-config.ts';
import type { TokenizerJson } from './tokenizer-json.ts';
import { templateInputProblem } from './template-input.ts';
import { templateKwargsProblem } from './template-kwargs.ts';
import { toolParts, toolUseRefusal, unrenderedToolPart } from './tool-use.ts';
import type { ChatTemplateOptions, TemplateMessage, Tokenizer } from './types.ts';
import type { Vocab } from './vocab.ts';
import { boundedJsonText } from '../util/bounded-json.ts';

export interface TokenizerParts {
  json: TokenizerJson;
  config: TokenizerConfig;
  vocab: Vocab;
  engine: TokenizerEngine;
  /** tokenizer.json's path, for messages. */
  file: string;
}

export class LoadedTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly addsBos: boolean;
  readonly leadingIds: readonly number[];
  readonly trailingIds: readonly number[];
  readonly truncationSide: 'left' | 'right';
  readonly eosId: number | null;
  readonly padId: number | null;
  readonly unkId: number | null;
  /** Ids that decode drops by default: special added tokens (config-added-tokens.ts says which), bos/eos/pad/unk. */
  readonly specialIds: ReadonlySet<number>;
  /** The tokenizer.json this was loaded from. */
  readonly file: string;
  /** Whether its decoder turns byte-fallback tokens ("<0xC3>") into bytes; elsewhere such a token is text. */
  readonly decodesByteTokens: boolean;
  /** tokenizer.json's decoder as transformers loads it (llama-class.ts), or null. */
  readonly decoder: Readonly<Record<string, unknown>> | null;
  private readonly engine: TokenizerEngine;
  private readonly vocab: Vocab;
  private readonly template: ChatTemplate;
  /** The config's "tool_use" template, which renders a chat given tools (compiled on first use), or null. */
  private readonly toolUse: (() => ChatTemplate) | null;
  /** Named templates with no default (the config's namedOnly): a chat rendered without tools, or without a "tool_use" one, is refused. */
  private readonly namedOnly: NamedOnly | null;

  constructor(p: TokenizerParts) {
    this.file = p.file;
    this.engine = p.engine;
    this.vocab = p.vocab;
    this.vocabSize = p.vocab.size;
    this.decodesByteTokens = decodesByteTokens(p.json.decoder);
    this.decoder = p.json.decoder;
    const cfg = p.config;
    const resolve = (token: string | null, key: string, fallback: string | null): number | null => {
      if (token === null) return fallback === null ? null : (p.vocab.tokenToId.get(fallback) ?? null);
      const id = p.vocab.tokenToId.get(token);
      if (id === undefined) throw missingSpecialToken(token, key, p);
      return id;
    };
    // Without a tokenizer_config.json, "<s>" and "</s>" (the Llama/Mistral names) are used when present.
    const noConfig = cfg.source === 'none';
    this.bosId = resolve(cfg.bosToken, 'bos_token', noConfig ? '<s>' : null);
    this.addsBos = tokenizerAddsBos(p.json, cfg, this.bosId);
    this.leadingIds = tokensOf(leadingSpecialIds(p.json, cfg, this.bosId), 'before', p);
    this.trailingIds = tokensOf(trailingSpecialIds(p.json), 'after', p);
    this.truncationSide = cfg.truncationSide;
    this.eosId = resolve(cfg.eosToken, 'eos_token', noConfig ? '</s>' : null);
    this.padId = resolve(cfg.padToken, 'pad_token', null);
    this.unkId = resolve(cfg.unkToken, 'unk_token', null);
    const special = new Set<number>(p.json.added_tokens.filter((t) => t.special).map((t) => t.id));
    // each must be a token; it is special as its added token is (config-added-tokens.ts: one already a non-special
    // added token stays so in transformers, whose decode keeps it)
    for (const { key, token } of cfg.additionalSpecialTokens) resolve(token, key, null);
    for (const id of [this.bosId, this.eosId, this.padId, this.unkId]) if (id !== null) special.add(id);
    this.specialIds = special;
    const context = (source: string) => ({
      bosToken: this.bosId === null ? null : this.vocab.idToToken[this.bosId]!,
      eosToken: this.eosId === null ? null : this.vocab.idToToken[this.eosId]!,
      unkToken: this.unkId === null ? null : this.vocab.idToToken[this.unkId]!,
      padToken: this.padId === null ? null : this.vocab.idToToken[this.padId]!,
      otherTokens: cfg.templateTokens,
      source,
    });
    this.template = new ChatTemplate(cfg.chatTemplate, context(cfg.chatTemplateSource ?? 'default chat template'));
    this.namedOnly = cfg.namedOnly;
    const toolUse = cfg.toolUseTemplate;
    let compiled: ChatTemplate | undefined;
    this.toolUse = toolUse === null ? null : () => (compiled ??= new ChatTemplate(toolUse.text, context(toolUse.source)));
  }

  /** Which engine runs encode/decode: 'fast' (ours) or 'huggingface' (@huggingface/tokenizers). */
  get engineName(): EngineName {
    return this.engine.name;
  }

  /** The special tokens the chat template is given as variables, by name (bos_token, eos_token, …). */
  get templateTokens(): Readonly<Record<string, string>> {
    return this.template.tokens;
  }

  /** True when the chat template is the built-in Mistral one (the config has no chat_template, nor named templates). */
  get usesDefaultChatTemplate(): boolean {
    return this.template.isDefault && this.namedOnly === null;
  }

  encode(text: string): number[] {
    needArg('encode', 'text', text, 'string');
    // half a surrogate pair ("\ud800", which JSON and JavaScript can spell) is no text: UTF-8 cannot hold it, and the
    // engines would encode U+FFFD's bytes in its place, a silent change; transformers' tokenizer refuses such a text
    // (TypeError: TextEncodeInput must be Union[...]). prepare, eval and generate refuse it where they read it.
    const lone = loneSurrogateDetail('text', text);
    if (lone !== null) throw new UserError(`encode: ${lone}; take it out or replace it (U+FFFD) before encoding`);
    return this.engine.encode(text);
  }

  decode(given: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    // a typed array of ids (a model's output read back) is a list too: copied, as @huggingface/tokenizers takes an Array only
    const ids = Array.isArray(given) ? given : ArrayBuffer.isView(given) && !(given instanceof DataView) ? Array.from(given as unknown as ArrayLike<number>) : null;
    if (ids === null) throw badArgument('decode', 'ids', given, 'a list of token ids');
    refuseMisspelledKeys('decode', 'options', opts, ['skipSpecialTokens']);
    let tokenless = false;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0) {
        throw new UserError(`ids[${i}] is ${shown(id)}: give token ids, integers ≥ 0 (an id past the vocabulary of ${this.vocabSize} is written as nothing)`, 'decode');
      }
      if (id >= this.vocabSize || this.vocab.idToToken[id] === undefined) tokenless = true;
    }
    // an id no token has (an embedding row past the tokenizer's ids: vocab_size padded to a multiple of 64) is written as
    // nothing, as HF tokenizers' decode writes it ("Hello world" for [22557, 32000, 1526])
    const known = tokenless ? ids.filter((id) => id < this.vocabSize && this.vocab.idToToken[id] !== undefined) : ids;
    return this.engine.decode(known, (opts.skipSpecialTokens ?? true) ? this.specialIds : null);
  }

  tokenToId(token: string): number | null {
    return this.vocab.tokenToId.get(token) ?? null;
  }

  idToToken(id: number): string | null {
    return this.vocab.idToToken[id] ?? null;
  }

  applyChatTemplate(messages: readonly TemplateMessage[], opts: ChatTemplateOptions = {}): string {
    // one message, or a text, was read as a list ("messages[0].content: content must be a string", or a TypeError)
    needArg('applyChatTemplate', 'messages', messages, 'array', { hint: "a list of messages, e.g. [{role: 'user', content: 'Hi'}]" });
    refuseMisspelledKeys('applyChatTemplate', 'options', opts, ['addGenerationPrompt', 'tools', 'chatTemplateKwargs'], UNRENDERED_CHAT_OPTIONS);
    // transformers refuses one too ("Cannot apply chat template to an empty conversation"); a template that does not
    // read messages[0] rendered it here (Mistral v0.1's: "<s>")
    if (messages.length === 0) throw new UserError('messages is empty: a chat needs at least one message', 'applyChatTemplate');
    const tools = toolsOption(opts.tools);
    const kwargs = opts.chatTemplateKwargs ?? null;
    const kwargsProblem = kwargs === null ? null : templateKwargsProblem(kwargs, 'options.chatTemplateKwargs');
    if (kwargsProblem !== null) throw new UserError(kwargsProblem, 'applyChatTemplate');
    const problem = templateInputProblem(messages, 'messages') ?? templateInputProblem(tools, 'options.tools') ?? templateInputProblem(kwargs, 'options.chatTemplateKwargs');
    if (problem !== null) throw new UserError(`${problem}: messages, tools and chat template kwargs hold data, as from JSON (strings, numbers, booleans, null, lists and plain objects)`, 'applyChatTemplate');
    // given tools (even none: tools=[] is not None), transformers renders with the tokenizer's "tool_use" template
    const template = this.templateFor(tools);
    if (template === this.template && this.namedOnly !== null) throw noDefaultTemplate(this.namedOnly);
    const parts = toolParts(messages, tools);
    if (parts.length > 0 && template.isDefault) throw toolUseRefusal(parts[0]!, "the built-in [INST] chat template (the tokenizer's config has no chat_template)");
    const render = (m: readonly TemplateMessage[], t: readonly unknown[] | null) => template.render(m, { addGenerationPrompt: opts.addGenerationPrompt, tools: t, chatTemplateKwargs: kwargs });
    const rendered = render(messages, tools);
    const lost = unrenderedToolPart(parts, rendered, render);
    if (lost !== null) throw toolUseRefusal(lost, `the chat template (${template.source})`);
    return rendered;
  }

  /** The template a chat with `tools` renders with: given tools (even none: tools=[] is not None), the "tool_use" one. */
  private templateFor(tools: unknown): ChatTemplate {
    return toolsOption(tools) !== null && this.toolUse !== null ? this.toolUse() : this.template;
  }

  generationMarkerProblem(tools?: unknown): string | null {
    return this.templateFor(tools).generationMarkerProblem;
  }

  followsGenerationBlocks(tools?: unknown): boolean {
    return this.templateFor(tools).followsGenerationBlocks;
  }

  generationSpans(messages: readonly TemplateMessage[], opts: ChatTemplateOptions, rendered: string): Array<[number, number]> | null {
    const template = this.templateFor(opts.tools);
    return template.generationSpans(messages, { ...opts, tools: toolsOption(opts.tools) }, rendered);
  }
}

/** apply_chat_template's tools: null (None) when not given, else a list of tool definitions (objects), as transformers takes them. */
function toolsOption(tools: unknown): readonly unknown[] | null {
  if (tools === undefined || tools === null) return null;
  // transformers: "Tools should either be a JSON schema, or a callable function with type hints and a docstring"
  if (!Array.isArray(tools)) throw new UserError(`options.tools is ${typeof tools}: it is a list of tool definitions, e.g. [{type: 'function', function: {name, description, parameters}}]`, 'applyChatTemplate');
  const bad = tools.findIndex((t) => !isRecord(t));
  if (bad >= 0) throw new UserError(`options.tools[${bad}] is no object: each tool definition is a JSON schema object, e.g. {type: 'function', function: {name, description, parameters}}`, 'applyChatTemplate');
  return tools;
}

const CONTINUE_HINT = "encodePrompt(tokenizer, {messages}) continues a chat that ends with an assistant message, as transformers' continue_final_message does";
/** apply_chat_template's arguments that change the rendering, which a template here never receives: refused, not dropped. */
const UNRENDERED_CHAT_OPTIONS: Readonly<Record<string, string>> = {
  documents: 'documents (RAG) are not supported: the chat is rendered without them (transformers renders apply_chat_template(documents=...) into it)',
  continueFinalMessage: CONTINUE_HINT,
  continue_final_message: CONTINUE_HINT,
};

/** The ids the post-processor puts `side` a text, each refused where no token of the vocabulary has it. */
function tokensOf(ids: number[], side: 'before' | 'after', p: TokenizerParts): number[] {
  const outside = ids.find((id) => p.vocab.idToToken[id] === undefined);
  if (outside !== undefined) throw new UserError(`puts id ${outside} ${side} a text, which is no token of this vocabulary (${p.vocab.size} tokens)`, `${p.file}: post_processor`);
  return ids;
}

/**
 * A named special token the vocabulary lacks, refused: transformers 5.17 adds it as a new token after the vocabulary
 * (bos, eos, unk, pad, then additional_special_tokens, each missing one at the next id), a row the model's embedding
 * has only when it was resized for it, which a tokenizer.json without the token says it was not (and training here
 * never resizes): its id would index past the embedding, or hit a row no token of this tokenizer trained.
 */
function missingSpecialToken(token: string, key: string, p: TokenizerParts): UserError {
  const cfg = p.config;
  const named = [cfg.bosToken, cfg.eosToken, cfg.unkToken, cfg.padToken, ...cfg.additionalSpecialTokens.map((e) => e.token)];
  const missing = [...new Set(named.filter((t): t is string => t !== null && !p.vocab.tokenToId.has(t)))];
  const id = p.vocab.size + missing.indexOf(token);
  return new UserError(`${boundedJsonText(token)} is not in the vocabulary of ${p.file}: transformers 5.17 adds it as a new token (id ${id}), ` +
    'which needs an embedding row the model has only if it was resized for it (training here does not resize); add it to ' +
    "tokenizer.json's added_tokens at an id the model has a row for, or name a token the vocabulary has (or null)", `${cfg.source}: ${key}`);
}
