// The Tokenizer the toolkit uses: a tokenizer.json run by an engine (fast BPE or @huggingface/tokenizers),
// the special tokens of tokenizer_config.json, and a chat template.
import { needArg, refuseMisspelledKeys } from '../util/api-args.ts';
import { loneSurrogateDetail } from '../data/clean.ts';
import { UserError } from '../util/errors.ts';
import { isRecord, ownField } from '../util/json-file.ts';
import { leadingSpecialIds, tokenizerAddsBos } from './adds-special.ts';
import { decodesByteTokens } from './byte-fallback.ts';
import { ChatTemplate } from './chat-template.ts';
import type { EngineName, TokenizerEngine } from './engine.ts';
import type { TokenizerConfig } from './tokenizer-config.ts';
import type { TokenizerJson } from './tokenizer-json.ts';
import type { ChatMessage, Tokenizer } from './types.ts';
import type { Vocab } from './vocab.ts';

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
  readonly eosId: number | null;
  readonly padId: number | null;
  readonly unkId: number | null;
  /** Ids that decode drops by default: special added tokens, additional_special_tokens, bos/eos/pad/unk. */
  readonly specialIds: ReadonlySet<number>;
  /** The tokenizer.json this was loaded from. */
  readonly file: string;
  /** Whether its decoder turns byte-fallback tokens ("<0xC3>") into bytes; elsewhere such a token is text. */
  readonly decodesByteTokens: boolean;
  private readonly engine: TokenizerEngine;
  private readonly vocab: Vocab;
  private readonly template: ChatTemplate;

  constructor(p: TokenizerParts) {
    this.file = p.file;
    this.engine = p.engine;
    this.vocab = p.vocab;
    this.vocabSize = p.vocab.size;
    this.decodesByteTokens = decodesByteTokens(p.json.decoder);
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
    this.leadingIds = leadingSpecialIds(p.json, cfg, this.bosId);
    const outside = this.leadingIds.find((id) => p.vocab.idToToken[id] === undefined);
    if (outside !== undefined) throw new UserError(`puts id ${outside} before a text, which is no token of this vocabulary (${p.vocab.size} tokens)`, `${p.file}: post_processor`);
    this.eosId = resolve(cfg.eosToken, 'eos_token', noConfig ? '</s>' : null);
    this.padId = resolve(cfg.padToken, 'pad_token', null);
    this.unkId = resolve(cfg.unkToken, 'unk_token', null);
    const special = new Set<number>(p.json.added_tokens.filter((t) => t.special).map((t) => t.id));
    cfg.additionalSpecialTokens.forEach((t, i) => special.add(resolve(t, `additional_special_tokens[${i}]`, null)!));
    for (const id of [this.bosId, this.eosId, this.padId, this.unkId]) if (id !== null) special.add(id);
    this.specialIds = special;
    this.template = new ChatTemplate(cfg.chatTemplate, {
      bosToken: this.bosId === null ? null : this.vocab.idToToken[this.bosId]!,
      eosToken: this.eosId === null ? null : this.vocab.idToToken[this.eosId]!,
      unkToken: this.unkId === null ? null : this.vocab.idToToken[this.unkId]!,
      padToken: this.padId === null ? null : this.vocab.idToToken[this.padId]!,
      otherTokens: cfg.templateTokens,
      source: cfg.chatTemplateSource ?? 'default chat template',
    });
  }

  /** Which engine runs encode/decode: 'fast' (ours) or 'huggingface' (@huggingface/tokenizers). */
  get engineName(): EngineName {
    return this.engine.name;
  }

  /** True when the chat template is the built-in Mistral one (the config has no chat_template). */
  get usesDefaultChatTemplate(): boolean {
    return this.template.isDefault;
  }

  encode(text: string): number[] {
    if (typeof text !== 'string') throw new TypeError(`encode expects a string, got ${typeof text}`);
    // half a surrogate pair ("\ud800", which JSON and JavaScript can spell) is no text: UTF-8 cannot hold it, and the
    // engines would encode U+FFFD's bytes in its place, a silent change; transformers' tokenizer refuses such a text
    // (TypeError: TextEncodeInput must be Union[...]). prepare, eval and generate refuse it where they read it.
    const lone = loneSurrogateDetail('text', text);
    if (lone !== null) throw new UserError(`encode: ${lone}; take it out or replace it (U+FFFD) before encoding`);
    return this.engine.encode(text);
  }

  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    refuseMisspelledKeys('decode', 'options', opts, ['skipSpecialTokens']);
    let tokenless = false;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0) throw new RangeError(`decode: ids[${i}] = ${id} is not a token id (vocabulary of ${this.vocabSize})`);
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

  applyChatTemplate(messages: readonly ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): string {
    // one message, or a text, was read as a list ("messages[0].content: content must be a string", or a TypeError)
    needArg('applyChatTemplate', 'messages', messages, 'array', { hint: "a list of messages, e.g. [{role: 'user', content: 'Hi'}]" });
    refuseMisspelledKeys('applyChatTemplate', 'options', opts, ['addGenerationPrompt'], UNRENDERED_CHAT_OPTIONS);
    // transformers refuses one too ("Cannot apply chat template to an empty conversation"); a template that does not
    // read messages[0] rendered it here (Mistral v0.1's: "<s>")
    if (messages.length === 0) throw new UserError('messages is empty: a chat needs at least one message', 'applyChatTemplate');
    refuseToolFields(messages);
    return this.template.render(messages, opts);
  }
}

const TOOLS_HINT = 'tool use is not supported: the chat is rendered without tool definitions (transformers renders apply_chat_template(tools=...) into it)';
const CONTINUE_HINT = "encodePrompt(tokenizer, {messages}) continues a chat that ends with an assistant message, as transformers' continue_final_message does";
/** apply_chat_template's arguments that change the rendering, which a template here never receives: refused, not dropped. */
const UNRENDERED_CHAT_OPTIONS: Readonly<Record<string, string>> = {
  tools: TOOLS_HINT,
  documents: 'documents (RAG) are not supported: the chat is rendered without them (transformers renders apply_chat_template(documents=...) into it)',
  continueFinalMessage: CONTINUE_HINT,
  continue_final_message: CONTINUE_HINT,
};

const TOOL_FIELDS = ['tool_calls', 'function_call', 'tool_call_id'];

/**
 * A message holding a tool call or a tool result's call id, refused: a template here sees each message's role and
 * content only, so Mistral v0.3's rendered an assistant's tool_calls as " </s>" where transformers writes
 * [TOOL_CALLS] [{"name": …}]</s>, without a word.
 */
function refuseToolFields(messages: readonly ChatMessage[]): void {
  messages.forEach((m, i) => {
    if (!isRecord(m)) return;
    // an empty tool_calls list too: transformers hands it to the template, which Mistral v0.3's writes as "[TOOL_CALLS] ["
    const field = TOOL_FIELDS.find((k) => ownField(m, k) != null);
    if (field !== undefined) {
      throw new UserError(`messages[${i}] holds "${field}": tool use is not supported, a chat template is given each message's role and content only`, 'applyChatTemplate');
    }
  });
}

/**
 * A named special token the vocabulary lacks, refused: transformers 5.17 adds it as a new token after the vocabulary
 * (bos, eos, unk, pad, then additional_special_tokens, each missing one at the next id), a row the model's embedding
 * has only when it was resized for it, which a tokenizer.json without the token says it was not (and training here
 * never resizes): its id would index past the embedding, or hit a row no token of this tokenizer trained.
 */
function missingSpecialToken(token: string, key: string, p: TokenizerParts): UserError {
  const cfg = p.config;
  const named = [cfg.bosToken, cfg.eosToken, cfg.unkToken, cfg.padToken, ...cfg.additionalSpecialTokens];
  const missing = [...new Set(named.filter((t): t is string => t !== null && !p.vocab.tokenToId.has(t)))];
  const id = p.vocab.size + missing.indexOf(token);
  return new UserError(`${JSON.stringify(token)} is not in the vocabulary of ${p.file}: transformers 5.17 adds it as a new token (id ${id}), ` +
    'which needs an embedding row the model has only if it was resized for it (training here does not resize); add it to ' +
    "tokenizer.json's added_tokens at an id the model has a row for, or name a token the vocabulary has (or null)", `${cfg.source}: ${key}`);
}
