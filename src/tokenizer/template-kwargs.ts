// A chat's extra template variables: TRL 1.13's record field "chat_template_kwargs", an object whose entries it passes
// to apply_chat_template as keyword arguments (**example["chat_template_kwargs"]), which transformers 5.17 hands the
// template as variables beside messages, tools and the special tokens (enable_thinking, reasoning_effort, …). A name
// that apply_chat_template or TRL's tokenize_fn takes as an argument of its own never reaches the template as a variable:
// it changes the call (tools, chat_template: TRL's own values overridden; tokenize: no ids) or fails it ("got multiple
// values for keyword argument"), so it is refused, naming the field. A special token's name (bos_token, eos_token, …)
// is a variable, and the record's value wins, as transformers merges {**special_tokens_map, **kwargs}; so does a
// name of a template global (raise_exception, strftime_now, range), which jinja2's context shadows.
import { isRecord } from '../util/json-file.ts';

/** The names the template is not given as variables, each with what to do instead. */
const ARGUMENT_NAMES: Readonly<Record<string, string>> = {
  messages: 'the chat is the record\'s "messages"',
  conversation: 'the chat is the record\'s "messages"',
  tools: 'give tool definitions as the record\'s "tools" field',
  documents: 'documents (RAG) are not supported',
  chat_template: 'the chat template is the model\'s (its tokenizer_config.json)',
  add_generation_prompt: 'training renders each chat with and without it itself',
  continue_final_message: 'training renders whole chats',
  return_assistant_tokens_mask: 'data.train_on says which tokens are trained',
  tokenize: 'an argument of apply_chat_template, not a template variable',
  return_dict: 'an argument of apply_chat_template, not a template variable',
  padding: 'an argument of apply_chat_template, not a template variable',
  truncation: 'an argument of apply_chat_template, not a template variable',
  max_length: 'an argument of apply_chat_template, not a template variable',
  return_tensors: 'an argument of apply_chat_template, not a template variable',
  tokenizer_kwargs: 'an argument of apply_chat_template, not a template variable',
  // the parameters of the functions the kwargs pass through: the method's self, render_jinja_template's conversations,
  // TRL's _tokenize(processing_class, input, **kwargs) ("got multiple values for argument")
  self: 'an argument of apply_chat_template, not a template variable',
  conversations: 'an argument of transformers\' render_jinja_template, not a template variable',
  input: 'an argument of TRL\'s _tokenize, not a template variable',
  processing_class: 'an argument of TRL\'s _tokenize, not a template variable',
};

/**
 * Names a template can never read as variables: jinja2 parses them as literals (true, none, …), where @huggingface/jinja
 * would look them up; an entry so named is passed by transformers and read by no template, so it is not set here.
 */
export const LITERAL_NAMES: ReadonlySet<string> = new Set(['true', 'false', 'none', 'True', 'False', 'None']);

/**
 * Why `value`, given as `field` ('"chat_template_kwargs"', 'options.chatTemplateKwargs'), cannot be a chat's extra
 * template variables, or null: it is an object (of any values a template may be given), none of whose names is an
 * argument of apply_chat_template.
 */
export function templateKwargsProblem(value: unknown, field: string): string | null {
  if (!isRecord(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return `${field} is ${what}; it is an object of extra chat template variables, e.g. {"enable_thinking": false}`;
  }
  const taken = Object.keys(value).find((k) => Object.hasOwn(ARGUMENT_NAMES, k));
  if (taken === undefined) return null;
  return `${field} has "${taken}", which apply_chat_template takes as its own argument, not as a template variable: ${ARGUMENT_NAMES[taken]}`;
}
