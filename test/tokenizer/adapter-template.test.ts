// warnIfAdapterTemplateDiffers beside a model folder whose named templates have no default (TokenizerConfig.namedOnly):
// the warning said the model's was "no chat template, so the default Mistral one", which is not what renders (a chat is
// refused there, as transformers refuses it) nor what an export writes (the named templates); beside one whose template is
// additional_chat_templates/default.jinja, the advice to copy the adapter's in as chat_template.jinja did nothing (read under it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { warnIfAdapterTemplateDiffers } from '../../src/tokenizer/adapter-template.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { captureStderr } from './helpers.ts';
import { tempDir } from '../temp-dir.ts';

/** An adapter folder with a chat_template.jinja, and a model folder whose one template is additional_chat_templates/NAME.jinja (another text). */
function withNamedTemplate(name: string): { adapter: string; model: string } {
  const adapter = tempDir('mt-adapter-template-');
  fs.writeFileSync(path.join(adapter, 'chat_template.jinja'), "{% for m in messages %}{{ m['content'] }}{% endfor %}");
  const model = tempDir(`mt-adapter-template-${name}-`);
  fs.mkdirSync(path.join(model, 'additional_chat_templates'));
  fs.writeFileSync(path.join(model, 'additional_chat_templates', `${name}.jinja`), "{% for m in messages %}[{{ m['content'] }}]{% endfor %}");
  return { adapter, model };
}

test("an adapter's chat template beside a model folder of named templates with no default names those, not the default Mistral one", () => {
  const { adapter, model } = withNamedTemplate('rag');
  const warned = captureStderr(() => warnIfAdapterTemplateDiffers(adapter, model, FLAG_WORDS)).stderr;
  assert.equal(warned, `warning: ${adapter}/chat_template.jinja: the adapter folder's chat template (saved with it, e.g. by TRL's SFTTrainer) is not ` +
    `the one chats are rendered with here, --model's (${model}/additional_chat_templates: named templates (rag), none the default); ` +
    "to use the adapter's, give a copy of the model folder with it as chat_template.jinja\n");
});

test("beside a model folder whose template is additional_chat_templates/default.jinja (read over chat_template.jinja), the copy is told to replace that one", () => {
  const { adapter, model } = withNamedTemplate('default');
  const warned = captureStderr(() => warnIfAdapterTemplateDiffers(adapter, model, FLAG_WORDS)).stderr;
  assert.match(warned, /; to use the adapter's, give a copy of the model folder with it as additional_chat_templates\/default\.jinja\n$/);
  // what the advice says gives the adapter's template: the copy's default.jinja replaced by it is read as the same text
  fs.copyFileSync(path.join(adapter, 'chat_template.jinja'), path.join(model, 'additional_chat_templates', 'default.jinja'));
  assert.equal(captureStderr(() => warnIfAdapterTemplateDiffers(adapter, model, FLAG_WORDS)).stderr, '');
});
