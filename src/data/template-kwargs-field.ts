// A chat record's "chat_template_kwargs" (TRL 1.13's field): extra variables for the model's chat template, such as
// {"enable_thinking": false}, which TRL passes to apply_chat_template with the chat (tokenizer/template-kwargs.ts).
import { ownField } from '../util/json-file.ts';
import { templateKwargsProblem } from '../tokenizer/template-kwargs.ts';
import { memberPath } from './ingest/duplicate-keys.ts';
import { pythonJson, withPythonNumbers } from './python-numbers.ts';
import { reject } from './record-fields.ts';
import type { DataRecord, Rejection } from './record-shape.ts';

export const TEMPLATE_KWARGS_FIELD = 'chat_template_kwargs';

/**
 * The record `v`'s chat template variables as `kwargs`, kept as given (key order, Python's numbers), null for none
 * (absent, null as a dataset's missing cell, or {}: the chat renders as without them), or why they are refused: not an
 * object, a name that apply_chat_template takes as an argument, or beside a record that is no chat (`shape`), which no
 * template renders. (Wrapped: the variables may be named "reason" and "detail", as a rejection's fields are.)
 */
export function recordTemplateKwargs(v: Record<string, unknown>, shape: string): { kwargs: Record<string, unknown> | null } | Rejection {
  const given = ownField(v, TEMPLATE_KWARGS_FIELD);
  if (given === undefined || given === null) return { kwargs: null };
  const problem = templateKwargsProblem(given, `"${TEMPLATE_KWARGS_FIELD}"`);
  if (problem !== null) return reject('unknown_shape', problem);
  const kwargs = given as Record<string, unknown>;
  if (Object.keys(kwargs).length === 0) return { kwargs: null };
  if (shape !== 'chat') {
    return reject('unknown_shape', `"${TEMPLATE_KWARGS_FIELD}" holds chat template variables beside a ${shape} record: only a chat is rendered by the template (TRL passes them to apply_chat_template for conversational records), so only a chat record ({"messages": [...]}, or a prompt and completion of messages) can have them`);
  }
  return { kwargs: withPythonNumbers(kwargs) }; // {"effort": 1.0} as transformers renders it
}

/** A template variable whose text must hold no special token's: see kwargsToCheck. */
export interface KwargToCheck {
  /** The variable's name (its key in the kwargs). */
  variable: string;
  /** It as a member of the field's path (`"chat_template_kwargs".effort`), for a rejection's detail. */
  name: string;
  /** The text checked: the entry as JSON, its name too. */
  text: string;
  /** The tokenizer's own special token of the variable's name (bos_token: "<s>"), where it has one. */
  own?: string;
}

/**
 * The entries of a chat's template variables whose text must hold no special token's, named as members of `path`. An
 * entry that sets a special token's variable (`tokens`: those the template is given, transformers' special_tokens_map)
 * to that very token ({"bos_token": "<s>"}) is left out: transformers merges {**special_tokens_map, **kwargs}, so the
 * chat renders as without it (transformers 5.17: the same ids). Any other special token's text is rendered into the chat
 * as that token: {"bos_token": "</s>"} starts the chat with an EOS.
 */
export function kwargsToCheck(kwargs: Readonly<Record<string, unknown>>, path: string, tokens: Readonly<Record<string, string>>): KwargToCheck[] {
  return Object.entries(kwargs).flatMap(([variable, value]) => {
    if (restatesOwnToken(variable, value, tokens)) return [];
    const own = Object.hasOwn(tokens, variable) ? tokens[variable] : undefined;
    return [{ variable, name: memberPath(path, variable), text: pythonJson({ [variable]: value }), ...(own === undefined ? {} : { own }) }];
  });
}

/** Whether the template variable `variable` = `value` sets a special token's variable to that very token: it renders as without it. */
function restatesOwnToken(variable: string, value: unknown, tokens: Readonly<Record<string, string>>): boolean {
  return Object.hasOwn(tokens, variable) && tokens[variable] === value;
}

/**
 * The record as its template renders it, for the dedup keys: a chat without the template variables that restate the
 * tokenizer's own special token ({"bos_token": "<s>"}), and without chatTemplateKwargs where none is left, so that the
 * same turns with and without them are one example, as they are one training text.
 */
export function asRendered(rec: DataRecord, tokens: Readonly<Record<string, string>>): DataRecord {
  if (rec.shape !== 'chat' || rec.chatTemplateKwargs === undefined) return rec;
  const kwargs = rec.chatTemplateKwargs, kept = Object.keys(kwargs).filter((k) => !restatesOwnToken(k, kwargs[k], tokens));
  if (kept.length === Object.keys(kwargs).length) return rec;
  const { chatTemplateKwargs: _, ...rest } = rec;
  return kept.length === 0 ? rest : { ...rest, chatTemplateKwargs: Object.fromEntries(kept.map((k) => [k, kwargs[k]])) };
}
