// Fields beside a record's text that this toolkit cannot train with it, refused rather than silently dropped: media
// (the text's placeholders would be trained as words) and tool definitions (HF renders them into the prompt).
import { ownField } from '../util/json-file.ts';
import { reject } from './record-fields.ts';
import type { Rejection } from './record-shape.ts';

/** Fields that carry images, audio or video beside the text (LLaVA's, LLaMA-Factory's). */
const MEDIA_KEYS = ['image', 'images', 'audio', 'audios', 'video', 'videos'] as const;

/** Whether a field's value holds something: not absent, null, '' or []. */
const holdsSomething = (x: unknown): boolean => x !== undefined && x !== null && x !== '' && !(Array.isArray(x) && x.length === 0);

/** Why the record `v` cannot be trained for a field beside its text, or null. */
export function untrainableField(v: Record<string, unknown>): Rejection | null {
  const media = MEDIA_KEYS.find((k) => holdsSomething(ownField(v, k)));
  if (media !== undefined) {
    return reject('unknown_shape', `"${media}" holds media beside the text: only text can be trained (its placeholders, such as <image>, would be trained as words)`);
  }
  // TRL passes a record's tools to apply_chat_template, which renders them (with the model's tool_use template where it
  // has one): the turns trained without them would be another text than that prompt
  if (holdsToolDefinitions(v)) return reject('unknown_shape', toolsRefusal('train the turns'));
  return null;
}

/** Whether `v` (a record, a request body) has tool definitions in its "tools" field. */
export function holdsToolDefinitions(v: Record<string, unknown>): boolean {
  return holdsSomething(ownField(v, 'tools'));
}

/** Why tool definitions are refused, and what to do (`without`: what dropping them lets one do, "train the turns"). */
export function toolsRefusal(without: string): string {
  return `"tools" holds tool definitions, which HF's apply_chat_template(tools=...) renders into the chat (with a "tool_use" template where the model has one); tool use is not supported here: drop the field to ${without} without them`;
}
