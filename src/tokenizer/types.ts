// The tokenizer contract the rest of the toolkit uses (data preparation, generation, evaluation).
// Implementations load an HF tokenizer.json + tokenizer_config.json, or the bundled Mistral 7B v0.1 one.

/**
 * The role of a chat's message: a text turn's (TextRole), or "tool", a tool's result in OpenAI's form ({role: "tool",
 * tool_call_id, content}), which prepare, tokenizeRecord and readPromptFile read and applyChatTemplate renders.
 */
export type ChatRole = TextRole | 'tool';

/** The role of a text turn, a speaker's: what ChatMessage (readMessagesFile's messages) holds. */
export type TextRole = 'system' | 'user' | 'assistant';

/** The roles of a chat's text turns. */
export const CHAT_ROLES: readonly TextRole[] = ['system', 'user', 'assistant'];

/** A text turn's role as data writes it — any case, spaces around, OpenAI's "developer" for system — or null for another. */
export function chatRoleOf(name: unknown): TextRole | null {
  const named = typeof name === 'string' ? name.trim().toLowerCase() : '';
  const role = named === 'developer' ? 'system' : named;
  return (CHAT_ROLES as readonly string[]).includes(role) ? (role as TextRole) : null;
}

/** Whether `name` is OpenAI's role of a tool's result, "tool" (in any case, trimmed, as chatRoleOf reads roles). */
export function isToolRole(name: unknown): boolean {
  return typeof name === 'string' && name.trim().toLowerCase() === 'tool';
}

export interface ChatMessage {
  role: TextRole;
  /** The speaker's name (OpenAI's field), which a template may render (message.name). */
  name?: string;
  content: string;
}

/**
 * A message as a chat template receives it: transformers hands the template every field of each message, so besides a
 * ChatMessage one of tool use — an assistant turn's tool_calls (its content may be null), a tool result (role "tool",
 * tool_call_id) — or with other fields a template may read ("name").
 */
export type TemplateMessage = ChatMessage | { readonly role: string; readonly content?: unknown; readonly [field: string]: unknown };

export interface ChatTemplateOptions {
  /** Whether the template adds what opens the assistant's answer (its add_generation_prompt). */
  addGenerationPrompt?: boolean;
  /** Tool definitions ({type: 'function', function: {name, description, parameters}}), as apply_chat_template(tools=...) takes them. */
  tools?: readonly unknown[] | null;
  /**
   * Extra template variables (TRL's record field chat_template_kwargs, apply_chat_template's **kwargs: enable_thinking,
   * …), set after the special tokens, whose names they may take (template-kwargs.ts says which names are refused).
   */
  chatTemplateKwargs?: Readonly<Record<string, unknown>> | null;
}

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null;
  /** Whether a sequence starts with BOS (as HF's post-processor adds it; see adds-special.ts). Default: when bosId is not null. */
  readonly addsBos?: boolean;
  /**
   * The ids a sequence of plain text starts with (HF's tokenizer(text): its post-processor's, adds-special.ts); BOS's
   * for Mistral's. Default: [bosId] where addsBos (or its default) holds, else none.
   */
  readonly leadingIds?: readonly number[];
  /** The ids HF's tokenizer(text) puts after a text (its post-processor's: "<s> $A </s>" gives EOS); default none. */
  readonly trailingIds?: readonly number[];
  /**
   * Which end of a classification text truncation cuts (tokenizer_config.json's truncation_side): "right", the default,
   * keeps its start; "left" keeps its end. The special ids around the text are kept either way.
   */
  readonly truncationSide?: 'left' | 'right';
  readonly eosId: number | null;
  /** The tokenizer's pad token, when it has one (Mistral has none). */
  readonly padId: number | null;
  /** Ids of every special token (BOS, EOS, UNK, added special tokens), when the tokenizer knows them. */
  readonly specialIds?: ReadonlySet<number>;
  /**
   * The special tokens its chat template is given as variables, by name (transformers' special_tokens_map: bos_token,
   * eos_token, unk_token, pad_token, …), when the tokenizer knows them.
   */
  readonly templateTokens?: Readonly<Record<string, string>>;
  /** Token ids of `text`, with no BOS/EOS added; a text holding a lone surrogate (no Unicode text) is refused. */
  encode(text: string): number[];
  /** Text of `ids`; special tokens are dropped unless `skipSpecialTokens` is false, and an id no token has (past the vocabulary) is written as nothing, as HF decode writes it. */
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string;
  tokenToId(token: string): number | null;
  /** The token of an id, null for an id it has none for (past its vocabulary, or a hole in it). */
  idToToken?(id: number): string | null;
  /**
   * tokenizer.json's decoder as transformers loads it (the LlamaTokenizer class's own where AutoTokenizer takes that
   * class), null for none, when the tokenizer knows it: what stop strings are matched by (stop-strings.ts).
   */
  readonly decoder?: Readonly<Record<string, unknown>> | null;
  /**
   * A chat rendered with the model's chat template (default: Mistral [INST] … [/INST]), each message with all its
   * fields, as transformers' apply_chat_template renders it.
   */
  applyChatTemplate(messages: readonly TemplateMessage[], opts?: ChatTemplateOptions): string;
  /**
   * The [start, end) character spans of the chat template's {% generation %} blocks in `rendered` (applyChatTemplate's
   * rendering of these messages and options), as transformers' return_assistant_tokens_mask finds them; null where the
   * template has none or they stand where they are not followed (generation-block-places.ts).
   */
  generationSpans?(messages: readonly TemplateMessage[], opts: ChatTemplateOptions, rendered: string): Array<[number, number]> | null;
  /** Why assistant-only training is refused with the chat template (the tool-use one given `tools`): its only {% generation %} is text, or a block stands where it is not followed; null otherwise. */
  generationMarkerProblem?(tools?: unknown): string | null;
  /** True where the chat template (the tool-use one given `tools`) has {% generation %} blocks that generationSpans follows. */
  followsGenerationBlocks?(tools?: unknown): boolean;
}

/** The ids a sequence of this tokenizer starts with (its BOS, for Mistral's), or none. */
export function leadingIds(tok: Tokenizer): readonly number[] {
  if (tok.leadingIds !== undefined) return tok.leadingIds;
  return (tok.addsBos ?? true) && tok.bosId !== null ? [tok.bosId] : [];
}

/**
 * The ids of plain text as a sequence starts: the leading ids (BOS) first where the text did not write them (HF's
 * tokenizer(text), but for a text that starts with the BOS text, "<s>…": there transformers 5.17 puts a second
 * BOS before it, [1, 1, …], which no model was trained on). A chat template's rendering is encoded as it is (tok.encode: HF's apply_chat_template
 * adds no special tokens; the template writes the BOS it wants).
 */
export function encodeSequence(tok: Tokenizer, text: string): number[] {
  const ids = tok.encode(text);
  const leading = leadingIds(tok);
  return leading.every((id, i) => ids[i] === id) ? ids : [...leading, ...ids];
}
