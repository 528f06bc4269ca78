// The built-in default [INST] chat template (chat-template.ts's DEFAULT_CHAT_TEMPLATE) rendered directly: the same text
// byte for byte, without the Jinja interpreter, whose values and scopes took a quarter of a chat prepare (50k chats of 4
// turns with the bundled tokenizer: 14 s of 54). Only for what the template's rules allow (checkDefaultChat: a string
// content each, an optional system message first, then user and assistant alternating) with both special tokens given,
// no tools and no template variables, in a chat of at most MAX_TURNS (the interpreter's bounds on time and output are
// never near); any other input is left to the interpreter (null), so its errors and limits stay the same.
import type { TemplateMessage } from './types.ts';

/** Turns beyond which the interpreter renders (and its bounds apply). */
const MAX_TURNS = 1000;

/**
 * What DEFAULT_CHAT_TEMPLATE renders for `messages` with the special tokens `tokens` (bos_token, eos_token), or null where
 * the interpreter is to render it (see the header).
 */
export function renderDefaultChat(messages: readonly TemplateMessage[], tokens: Readonly<Record<string, string>>): string | null {
  const bos = tokens.bos_token, eos = tokens.eos_token;
  if (bos === undefined || eos === undefined || messages.length === 0 || messages.length > MAX_TURNS) return null;
  const start = messages[0]!.role === 'system' ? 1 : 0;
  const system = start === 1 ? messages[0]!.content : null;
  if (system !== null && typeof system !== 'string') return null;
  let out = bos;
  for (let i = start; i < messages.length; i++) {
    const { role, content } = messages[i]!;
    if (typeof content !== 'string') return null;
    const user = (i - start) % 2 === 0;
    if (role !== (user ? 'user' : 'assistant')) return null;
    out += user ? `[INST] ${i === start && system !== null ? `${system}\n\n` : ''}${content} [/INST]` : ` ${content}${eos}`;
  }
  return out;
}
