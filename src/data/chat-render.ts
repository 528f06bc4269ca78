// A chat record's turns as its chat template gets them, with what the record gives the template beside them (its tools
// and template variables), rendered (tokenize.ts, turn-spans.ts).
import type { ChatTemplateOptions, TemplateMessage, Tokenizer } from '../tokenizer/types.ts';
import type { ChatTurn } from './record-shape.ts';
import type { DataRecord } from './record.ts';

/** What a chat record gives its template beside the turns, as TRL's tokenize_fn does: its tools and its chat_template_kwargs. */
export type ChatGiven = Pick<ChatTemplateOptions, 'tools' | 'chatTemplateKwargs'>;

export function chatGiven(record: Extract<DataRecord, { shape: 'chat' }>): ChatGiven {
  return { ...(record.tools === undefined ? {} : { tools: record.tools }), ...(record.chatTemplateKwargs === undefined ? {} : { chatTemplateKwargs: record.chatTemplateKwargs }) };
}

/**
 * A chat's turns rendered with the chat template, each as its role, speaker's name, content and tool use, with the record's tools and
 * template variables: a turn's weight is this toolkit's mark (ShareGPT's weight, axolotl's training), no field the
 * template is given.
 */
export function renderChat(tok: Tokenizer, messages: readonly ChatTurn[], given: ChatGiven, addGenerationPrompt = false): string {
  return tok.applyChatTemplate(templateMessages(messages), { addGenerationPrompt, ...given });
}

/** The turns as the template gets them: role, speaker's name, content and tool use. */
export function templateMessages(messages: readonly ChatTurn[]): TemplateMessage[] {
  return messages.map(({ role, name, content, tool_calls, tool_call_id }): TemplateMessage => ({
    role, ...(name === undefined ? {} : { name }), content,
    ...(tool_calls === undefined ? {} : { tool_calls }), ...(tool_call_id === undefined ? {} : { tool_call_id }),
  }));
}
