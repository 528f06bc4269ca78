// transformers' folder of named chat templates, beside chat_template.jinja (≥ 4.50 saves them there): AutoTokenizer
// reads every additional_chat_templates/<name>.jinja of a local folder as the template <name>
// (tokenization_utils_base's from_pretrained, checked with transformers 5.17), for apply_chat_template(chat_template=<name>).
// The one owner of the folder's name, of which of its files a folder has, and of what a folder we write holds in it;
// no heavy imports (the export's main-thread path reads it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { filesSpec, type FolderSpec } from '../util/owned-tree.ts';

export const NAMED_TEMPLATES_DIR = 'additional_chat_templates';

/** The file of NAMED_TEMPLATES_DIR that holds the default template (read over chat_template.jinja). */
export const DEFAULT_NAMED_TEMPLATE = 'default.jinja';

/** The file of NAMED_TEMPLATES_DIR that holds the template transformers renders a chat given tools with. */
export const TOOL_USE_NAMED_TEMPLATE = 'tool_use.jinja';

/** Whether a file of NAMED_TEMPLATES_DIR is a template transformers reads (its glob "*.jinja"). */
export const isNamedTemplateFile = (name: string): boolean => name.endsWith('.jinja');

/** The template files (names, sorted) of `folder`'s NAMED_TEMPLATES_DIR; none where that is not a folder. */
export function namedTemplateFiles(folder: string): string[] {
  const dir = path.join(folder, NAMED_TEMPLATES_DIR);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return [];
  return fs.readdirSync(dir).filter(isNamedTemplateFile).sort();
}

/** What a folder we write holds in its NAMED_TEMPLATES_DIR: the template files copied there. */
export const NAMED_TEMPLATES_SPEC: FolderSpec = filesSpec(isNamedTemplateFile);
