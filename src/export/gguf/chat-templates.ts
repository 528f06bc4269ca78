// The chat templates of a GGUF: tokenizer.chat_template (the one our own chat rendering uses: the model's, or the
// built-in Mistral one) and, as gguf-py's add_chat_template writes HF's named templates, each other named template
// under tokenizer.chat_template.<name> (its name with characters other than ASCII letters and digits as "_") with
// their names in tokenizer.chat_templates. Named templates are tokenizer_config.json's chat_template list
// ([{name, template}]), or, where the folder keeps its template in chat_template.jinja (transformers ≥ 4.50), the
// additional_chat_templates/<name>.jinja files beside it — the files win over the key, as in transformers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CHAT_TEMPLATE } from '../../tokenizer/chat-template.ts';
import { NAMED_TEMPLATES_DIR, namedTemplateFiles } from '../../tokenizer/named-templates.ts';
import type { TokenizerConfig } from '../../tokenizer/tokenizer-config.ts';
import { isRecord } from '../../util/json-file.ts';
import { readRegularFile } from '../../util/regular-file.ts';
import type { GgufValue } from './gguf-file.ts';

/** The named templates other than "default", in the order given. */
function namedTemplates(folder: string, config: TokenizerConfig): Array<{ name: string; template: string }> {
  if (fs.existsSync(path.join(folder, 'chat_template.jinja'))) {
    const dir = path.join(folder, NAMED_TEMPLATES_DIR);
    return namedTemplateFiles(folder).map((f) => ({ name: f.slice(0, -'.jinja'.length), template: readRegularFile(path.join(dir, f)).toString('utf8') }));
  }
  const list = config.raw['chat_template'];
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).flatMap((t) => (typeof t['name'] === 'string' && typeof t['template'] === 'string' ? [{ name: t['name'], template: t['template'] }] : []));
}

export function chatTemplateMetadata(folder: string, config: TokenizerConfig): Map<string, GgufValue> {
  const m = new Map<string, GgufValue>([['tokenizer.chat_template', { type: 'string', value: config.chatTemplate ?? DEFAULT_CHAT_TEMPLATE }]]);
  const names: string[] = [];
  for (const { name, template } of namedTemplates(folder, config)) {
    const key = name.replace(/[^A-Za-z0-9]/g, '_');
    if (key === '' || key === 'default') continue;
    if (!names.includes(key)) names.push(key);
    m.set(`tokenizer.chat_template.${key}`, { type: 'string', value: template });
  }
  if (names.length > 0) m.set('tokenizer.chat_templates', { type: 'string[]', value: names });
  return m;
}
