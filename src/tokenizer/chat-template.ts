// Chat templates: the model's Jinja chat_template (rendered with @huggingface/jinja, as transformers does),
// or the default Mistral [INST] template below. Bad chats and template errors are UserErrors.
//
// Default rendering (exact whitespace; S = system, Ui = user turns, Ai = assistant turns):
//   <s>[INST] S\n\nU1 [/INST] A1</s>[INST] U2 [/INST] A2</s>[INST] U3 [/INST]
// - one BOS at the start; each user turn is "[INST] " + content + " [/INST]";
// - each assistant turn is " " + content + EOS (one space after [/INST], none before the next [INST]);
// - a system message (only allowed first) is put before the first user turn's content, followed by a
//   blank line ("\n\n"); without one the first turn is "[INST] U1 [/INST]";
// - roles must alternate user/assistant after the optional system message, starting with user;
// - addGenerationPrompt adds nothing: a chat ending with a user turn already ends with " [/INST]", and
//   the model's answer starts with its own "▁" (space) token, as in training.
import { Template } from '@huggingface/jinja';
import { UserError } from '../util/errors.ts';
import type { ChatMessage } from './types.ts';

export const DEFAULT_CHAT_TEMPLATE = [
  "{%- if messages[0]['role'] == 'system' -%}",
  "{%- set system_message = messages[0]['content'] -%}",
  '{%- set loop_messages = messages[1:] -%}',
  '{%- else -%}',
  '{%- set system_message = none -%}',
  '{%- set loop_messages = messages -%}',
  '{%- endif -%}',
  '{{- bos_token -}}',
  '{%- for message in loop_messages -%}',
  "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}",
  "{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') -}}",
  '{%- endif -%}',
  "{%- if message['role'] == 'user' -%}",
  '{%- if loop.first and system_message is not none -%}',
  "{{- '[INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' -}}",
  '{%- else -%}',
  "{{- '[INST] ' + message['content'] + ' [/INST]' -}}",
  '{%- endif -%}',
  "{%- elif message['role'] == 'assistant' -%}",
  "{{- ' ' + message['content'] + eos_token -}}",
  '{%- else -%}',
  "{{- raise_exception('Only user and assistant roles are supported after an optional first system message') -}}",
  '{%- endif -%}',
  '{%- endfor -%}',
].join('');

export interface ChatTemplateContext {
  bosToken: string;
  eosToken: string;
  /** Where the template comes from, for error messages ("…/tokenizer_config.json: chat_template"). */
  source: string;
}

/** A compiled chat template; compile once per tokenizer (parsing is the slow part). */
export class ChatTemplate {
  readonly isDefault: boolean;
  private readonly template: Template;

  constructor(
    text: string | null,
    private readonly ctx: ChatTemplateContext,
  ) {
    this.isDefault = text === null;
    try {
      this.template = new Template(text ?? DEFAULT_CHAT_TEMPLATE);
    } catch (e) {
      throw new UserError(`cannot parse the chat template: ${e instanceof Error ? e.message : String(e)}`, ctx.source);
    }
  }

  render(messages: readonly ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): string {
    if (this.isDefault) checkDefaultChat(messages);
    try {
      return this.template.render({
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        bos_token: this.ctx.bosToken,
        eos_token: this.ctx.eosToken,
        add_generation_prompt: opts.addGenerationPrompt ?? false,
      });
    } catch (e) {
      throw new UserError(`chat template failed: ${e instanceof Error ? e.message : String(e)}`, this.ctx.source);
    }
  }
}

/** The default template's rules, checked up front so that the error can say which message is wrong. */
function checkDefaultChat(messages: readonly ChatMessage[]): void {
  if (messages.length === 0) throw new UserError('a chat needs at least one message', 'messages');
  const start = messages[0]!.role === 'system' ? 1 : 0;
  if (start === 1 && messages.length === 1) throw new UserError('a system message must be followed by a user message', 'messages');
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (typeof m.content !== 'string') throw new UserError('content must be a string', `messages[${i}].content`);
    if (i < start) continue;
    const want = (i - start) % 2 === 0 ? 'user' : 'assistant';
    if (m.role !== want) {
      const why = m.role === 'system' ? 'a system message is only allowed first' : 'roles must alternate user/assistant, starting with user';
      throw new UserError(`expected role "${want}", got "${String(m.role)}" (${why})`, `messages[${i}].role`);
    }
  }
}
