// The chat templates of a GGUF: tokenizer.chat_template (the one our own chat rendering uses: the model's, or the
// built-in Mistral one) and, as gguf-py's add_chat_template writes HF's named templates, each other named template
// under tokenizer.chat_template.<name> (its name with characters other than ASCII letters and digits as "_") with
// their names in tokenizer.chat_templates. Named templates are, as transformers 5.17 reads a folder, its
// additional_chat_templates/<name>.jinja files where it has any or keeps its template in chat_template.jinja (≥ 4.50
// saves it there; tokenizer_config.json's chat_template is dropped then, a list's names too), else that key's list
// ([{name, template}]). The default stays the one training used: tokenizer_config.json's where no chat_template.jinja
// is beside the files (transformers has none there; a model folder we write carries it as chat_template.jinja: a873a04).
// Named templates without a default (TokenizerConfig.namedOnly) give no tokenizer.chat_template, as llama.cpp writes them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CHAT_TEMPLATE } from '../../tokenizer/chat-template.ts';
import { NAMED_TEMPLATES_DIR, namedTemplateFiles } from '../../tokenizer/named-templates.ts';
import type { TokenizerConfig } from '../../tokenizer/tokenizer-config.ts';
import { isRecord, readUtf8File } from '../../util/json-file.ts';
import { warnOnce } from '../../util/log.ts';
import type { GgufValue } from './gguf-file.ts';

/** The named templates other than "default", in the order given (the files, else the config's list: see above). */
function namedTemplates(folder: string, config: TokenizerConfig): Array<{ name: string; template: string }> {
  const files = namedTemplateFiles(folder);
  if (files.length > 0 || fs.existsSync(path.join(folder, 'chat_template.jinja'))) {
    const dir = path.join(folder, NAMED_TEMPLATES_DIR);
    return files.map((f) => ({ name: f.slice(0, -'.jinja'.length), template: readUtf8File(path.join(dir, f)) }));
  }
  const list = config.raw['chat_template'];
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).flatMap((t) => (typeof t['name'] === 'string' && typeof t['template'] === 'string' ? [{ name: t['name'], template: t['template'] }] : []));
}

export function chatTemplateMetadata(folder: string, config: TokenizerConfig): Map<string, GgufValue> {
  const m = new Map<string, GgufValue>();
  // named templates with no default: no tokenizer.chat_template (not the built-in one, which nothing rendered with),
  // as gguf-py's add_chat_template writes a list without "default"
  if (config.namedOnly === null) m.set('tokenizer.chat_template', { type: 'string', value: config.chatTemplate ?? DEFAULT_CHAT_TEMPLATE });
  else warnOnce(`${config.namedOnly.where}: no default chat template among the named ones (${config.namedOnly.names.join(', ') || 'none'}): ` +
    'the GGUF has no tokenizer.chat_template, only tokenizer.chat_template.<name>, as llama.cpp\'s convert_hf_to_gguf.py writes it');
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
