// Fields beside a record's text that this toolkit cannot train with it, refused rather than silently dropped: media
// (the text's placeholders would be trained as words); tool definitions beside anything but a chat (HF renders them
// into a chat's prompt, with the model's chat template).
import { ownField } from '../util/json-file.ts';
import { parseJsonNotingNumbers } from './ingest/number-spellings.ts';
import { withPythonNumbers } from './python-numbers.ts';
import { reject, typeName } from './record-fields.ts';
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
  return null;
}

/**
 * A chat record's tool definitions (its "tools": an array of objects, kept as given, or its JSON text, which TRL
 * passes to apply_chat_template), null for none, or why they are refused: beside a record that is no chat (`shape`), where no
 * template renders them, or not an array of objects.
 */
export function recordTools(v: Record<string, unknown>, shape: string): unknown[] | null | Rejection {
  if (!holdsToolDefinitions(v)) return null;
  const given = ownField(v, 'tools');
  // JSON text (LLaMA-Factory's; a CSV cell) is read as TRL reads it, json.loads
  let tools = given;
  if (typeof given === 'string') {
    try {
      tools = parseJsonNotingNumbers(given);
    } catch (e) {
      return reject('unknown_shape', `"tools" is a string that is not JSON (${(e as Error).message}); it is an array of tool definitions, or its JSON text`);
    }
  }
  if (tools === null || (Array.isArray(tools) && tools.length === 0)) return null;
  if (shape !== 'chat') return reject('unknown_shape', `"tools" holds tool definitions beside a ${shape} record: they are rendered into a chat by its template (apply_chat_template(tools=...)), so only a chat record ({"messages": [...]}) can have them`);
  if (!Array.isArray(tools) || !tools.every((t) => typeof t === 'object' && t !== null && !Array.isArray(t))) {
    return reject('unknown_shape', `"tools" is ${Array.isArray(tools) ? 'an array holding a value that is not an object' : typeName(tools)}; it is an array of tool definitions, {"type": "function", "function": {"name", "description", "parameters"}}`);
  }
  return withPythonNumbers(tools); // a schema's "default": 1.0 as transformers renders it
}

/** Whether `v` (a record, a request body) has tool definitions in its "tools" field. */
export function holdsToolDefinitions(v: Record<string, unknown>): boolean {
  return holdsSomething(ownField(v, 'tools'));
}
