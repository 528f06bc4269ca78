// How a generation prompt becomes token ids, for the CLI and library users alike: a conversation rendered
// with the model's chat template (with the generation prompt) and encoded as it is, with the BOS the template
// writes (HF's apply_chat_template), or plain text (`raw`), which starts with BOS when the tokenizer adds one
// (HF's tokenizer(text)). Also reads a messages file ([{"role", "content"}, …]) with a one-line error naming the file and the
// message.
import { UserError } from '../util/errors.ts';
import { isRecord, ownField, readJsonFile } from '../util/json-file.ts';
import { encodeSequence, type ChatMessage, type Tokenizer } from './types.ts';

/** A prompt: plain text without the chat template, or messages rendered with it. */
export type Prompt = { raw: string } | { messages: readonly ChatMessage[] };

/** The prompt's token ids: the chat template's rendering as it is, or the raw text with BOS first when the tokenizer adds it. */
export function encodePrompt(tokenizer: Tokenizer, prompt: Prompt): number[] {
  if ('raw' in prompt) return encodeSequence(tokenizer, prompt.raw);
  return tokenizer.encode(tokenizer.applyChatTemplate(prompt.messages, { addGenerationPrompt: true }));
}

/** Reads a messages file: a non-empty JSON array of {role: system|user|assistant, content: string}. */
export function readMessagesFile(file: string): ChatMessage[] {
  const value = readJsonFile(file);
  if (!Array.isArray(value) || value.length === 0) throw new UserError('expected a non-empty JSON array of {role, content}', file);
  return value.map((m: unknown, i) => {
    const role = isRecord(m) ? ownField(m, 'role') : undefined, content = isRecord(m) ? ownField(m, 'content') : undefined;
    if (typeof role !== 'string' || !['system', 'user', 'assistant'].includes(role) || typeof content !== 'string') {
      throw new UserError(`message ${i} must be {"role": "system"|"user"|"assistant", "content": string}`, file);
    }
    return { role: role as ChatMessage['role'], content };
  });
}
