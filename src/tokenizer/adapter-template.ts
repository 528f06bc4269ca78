// A PEFT adapter folder that carries a chat template (TRL's SFTTrainer saves its tokenizer beside the adapter, and a
// template it was given, SFTConfig's chat_template_path, is saved only there): eval, generate and classify render
// chats with the template of the model folder's tokenizer, and export --merge / --format gguf write that one, so an
// adapter's template that is not it is said once, not silently left out.
import * as path from 'node:path';
import { readFolderTokenizerConfig } from './tokenizer-config.ts';
import { DEFAULT_NAMED_TEMPLATE, NAMED_TEMPLATES_DIR } from './named-templates.ts';
import { warnOnce } from '../util/log.ts';
import type { OptionWords } from '../util/option-words.ts';

/**
 * Warns where adapter folder `adapter` holds a chat template other than model folder `model`'s, which is the one that
 * `use` (the command's use of it: "chats are rendered with here", "the export writes").
 */
export function warnIfAdapterTemplateDiffers(adapter: string, model: string, words: OptionWords, use = 'chats are rendered with here'): void {
  const own = readFolderTokenizerConfig(adapter);
  if (own.chatTemplate === null) return;
  const base = readFolderTokenizerConfig(model);
  if (base.chatTemplate === own.chatTemplate) return;
  // named templates with no default (namedOnly) are no default Mistral one: a chat is refused there, an export writes them
  const used = base.chatTemplateSource ?? (base.namedOnly !== null ? `${base.namedOnly.where}: named templates (${base.namedOnly.names.join(', ')}), none the default`
    : `${model}: no chat template, so the default Mistral one`);
  // a model folder's additional_chat_templates/default.jinja is read over its chat_template.jinja: the copy replaces that one
  const defaultFile = path.join(NAMED_TEMPLATES_DIR, DEFAULT_NAMED_TEMPLATE);
  const as = base.chatTemplateSource === path.join(model, defaultFile) ? defaultFile : 'chat_template.jinja';
  warnOnce(`${own.chatTemplateSource}: the adapter folder's chat template (saved with it, e.g. by TRL's SFTTrainer) is not the one ` +
    `${use}, ${words.say('model')}'s (${used}); to use the adapter's, give a copy of the model folder ` +
    `with it as ${as}`);
}
