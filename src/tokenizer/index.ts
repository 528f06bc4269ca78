// Public surface of the tokenizer module.
export type { ChatMessage, ChatRole, TextRole, ChatTemplateOptions, TemplateMessage, Tokenizer } from './types.ts';
export { loadTokenizer, loadModelTokenizer, requireModelTokenizer, tokenizerName, BUNDLED_TOKENIZER_DIR, BUNDLED_TOKENIZER_NAME, type EngineChoice, type LoadTokenizerOptions } from './load.ts';
export { LoadedTokenizer } from './tokenizer.ts';
export { DEFAULT_CHAT_TEMPLATE } from './chat-template.ts';
export type { EngineName } from './engine.ts';
