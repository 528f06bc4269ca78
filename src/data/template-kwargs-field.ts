// A chat record's "chat_template_kwargs" (TRL 1.13's field): extra variables for the model's chat template, such as
// {"enable_thinking": false}, which TRL passes to apply_chat_template with the chat (tokenizer/template-kwargs.ts).
import { ownField } from '../util/json-file.ts';
import { templateKwargsProblem } from '../tokenizer/template-kwargs.ts';
import { memberPath } from './ingest/duplicate-keys.ts';
import { pythonJson, withPythonNumbers } from './python-numbers.ts';
import { reject } from './record-fields.ts';
import type { Rejection } from './record-shape.ts';

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
    const own = Object.hasOwn(tokens, variable) ? tokens[variable] : undefined;
    if (own !== undefined && value === own) return [];
    return [{ variable, name: memberPath(path, variable), text: pythonJson({ [variable]: value }), ...(own === undefined ? {} : { own }) }];
  });
}
