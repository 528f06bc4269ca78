// The record shapes (DataRecord), and the tasks, rejection reasons and input field names that go with them.
import type { ChatRole } from '../tokenizer/types.ts';
import type { LabelValue, NoLabel } from './labels.ts';

/**
 * A chat message as a record holds it: `weight: 0` marks an assistant turn given as context, not trained (ShareGPT's
 * and axolotl's per-turn `weight: 0`, axolotl's `training: false`); the chat template never sees it. Tool use is kept
 * as given (OpenAI's form, as transformers hands it to the template): an assistant turn's `tool_calls` (its content
 * then may be empty), a tool result (role "tool") and its `tool_call_id`; so is the speaker's `name` (OpenAI's field,
 * which a template may render); only `content` is normalised.
 */
export interface ChatTurn {
  role: ChatRole;
  name?: string;
  content: string;
  weight?: 0;
  tool_calls?: unknown[];
  tool_call_id?: unknown;
}

export type Task = 'generation' | 'classification';
export type Shape = 'text' | 'prompt_completion' | 'chat' | 'classification' | 'pretokenized';

export type DataRecord =
  | { shape: 'text'; text: string }
  | { shape: 'prompt_completion'; prompt: string; completion: string }
  // tools: the record's tool definitions as given, apply_chat_template's tools; chatTemplateKwargs: its
  // "chat_template_kwargs" as given, apply_chat_template's **kwargs (extra template variables)
  | { shape: 'chat'; messages: ChatTurn[]; tools?: unknown[]; chatTemplateKwargs?: Record<string, unknown> }
  | { shape: 'classification'; text: string; label: LabelValue }
  | { shape: 'pretokenized'; inputIds: number[]; labels?: number[]; label?: LabelValue };

/**
 * The task a wrong_task record belongs to. The rejection does not say how to switch: only a caller knows whether it
 * can (prepare's --task can; a resumed run, or weights trained for one task, cannot).
 */
export function otherTask(task: Task): Task {
  return task === 'generation' ? 'classification' : 'generation';
}

/** Why a record was rejected (the codes of rejected.jsonl and report.json's by_reason). */
export type Reason =
  | 'invalid_json' | 'invalid_csv' | 'bad_columns' | 'unknown_shape' | 'wrong_task' | 'invalid_roles'
  | 'invalid_tokens' | 'empty' | 'placeholder' | 'special_token' | 'too_short' | 'too_long' | 'missing_label'
  | 'unknown_label' | 'conflicting_label' | 'duplicate' | 'near_duplicate' | 'untokenizable'
  | 'invalid_utf8' | 'binary' | 'truncated' | 'fully_masked';

export interface Rejection {
  reason: Reason;
  detail: string;
  /** missing_label: the label was a value that may be meant as a class (-1, "None"), which prepare counts to say how. */
  noLabel?: NoLabel;
  /** invalid_utf8, binary: the encodings of Chinese, Japanese or Korean text the bytes read as (LineDefect.readsAs), which prepare's tip names. */
  readsAs?: readonly string[];
  /** truncated: the file ends inside a UTF-8 character, in this record (LineDefect.cutShort), which its reader notes. */
  cutShort?: true;
  /** truncated, cutShort: the Windows-1252 character the file may end in instead (LineDefect.latin1), which the note names. */
  latin1?: string;
}

/** Canonical field name → the name in the input. */
export interface FieldMap {
  text: string;
  prompt: string;
  completion: string;
  messages: string;
  role: string;
  content: string;
  label: string;
  input_ids: string;
  labels: string;
}

export const DEFAULT_FIELDS: FieldMap = {
  text: 'text', prompt: 'prompt', completion: 'completion', messages: 'messages', role: 'role',
  content: 'content', label: 'label', input_ids: 'input_ids', labels: 'labels',
};
