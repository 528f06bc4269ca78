// The built-in default [INST] chat template (chat-template.ts's DEFAULT_CHAT_TEMPLATE) rendered directly: the same text
// byte for byte, without the Jinja interpreter, whose values and scopes took a quarter of a chat prepare (50k chats of 4
// turns with the bundled tokenizer: 14 s of 54). Only for what the template's rules allow (checkDefaultChat: a string
// content each, an optional system message first, then user and assistant alternating) with both special tokens given,
// no tools and no template variables, in a chat of at most MAX_TURNS (the interpreter's bound on time is never near),
// whose text beyond its messages' is within the interpreter's bound on output (not so with special tokens of hundreds of
// thousands of characters); any other input is left to the interpreter (null), so its errors and limits stay the same.
import type { TemplateMessage } from './types.ts';

/** Turns beyond which the interpreter renders (and its bounds apply). */
const MAX_TURNS = 1000;

/**
 * What DEFAULT_CHAT_TEMPLATE renders for `messages` with the special tokens `tokens` (bos_token, eos_token), or null where
 * the interpreter is to render it (see the header; `extraChars`: RenderLimits' characters of output beyond the messages').
 */
export function renderDefaultChat(messages: readonly TemplateMessage[], tokens: Readonly<Record<string, string>>, extraChars: number): string | null {
  const bos = tokens.bos_token, eos = tokens.eos_token;
  if (bos === undefined || eos === undefined || messages.length === 0 || messages.length > MAX_TURNS) return null;
  const start = messages[0]!.role === 'system' ? 1 : 0;
  const system = start === 1 ? messages[0]!.content : null;
  if (system !== null && typeof system !== 'string') return null;
  let out = bos, given = system?.length ?? 0;
  for (let i = start; i < messages.length; i++) {
    const { role, content } = messages[i]!;
    if (typeof content !== 'string') return null;
    const user = (i - start) % 2 === 0;
    if (role !== (user ? 'user' : 'assistant')) return null;
    given += content.length;
    out += user ? `[INST] ${i === start && system !== null ? `${system}\n\n` : ''}${content} [/INST]` : ` ${content}${eos}`;
  }
  // the interpreter stops past 4 × the messages' characters + extraChars: never where the rest is within extraChars
  return out.length - given <= extraChars ? out : null;
}
