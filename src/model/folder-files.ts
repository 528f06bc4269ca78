// What a model folder that saveModelFolder (save.ts) writes holds, by file name: its weights, config files and the
// tokenizer's files (save-tokenizer.ts copies those present). Its own module so that a run folder's layout
// (train/run-files.ts, read on the CLI's main thread) does not load the tokenizer that save-tokenizer.ts loads.
import * as fs from 'node:fs';
import { FILE, type FolderSpec } from '../util/owned-tree.ts';
import { NAMED_TEMPLATES_DIR, NAMED_TEMPLATES_SPEC } from '../tokenizer/named-templates.ts';

/** The files of an HF tokenizer that a model folder carries (those present are copied). */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.model', 'added_tokens.json', 'chat_template.jinja', 'chat_template.json'];

/** Whether saveModelFolder writes a file of this name: its weights (one file, or shards and their index), config, generation config and tokenizer files. */
export function writesModelFile(name: string): boolean {
  return /^model(?:-\d{5,}-of-\d{5,})?\.safetensors$/.test(name) ||
    ['model.safetensors.index.json', 'config.json', 'generation_config.json', ...TOKENIZER_FILES].includes(name);
}

/** What saveModelFolder writes in its folder, at every depth (owned-tree.ts): its files, and the named chat templates' folder. */
export const MODEL_FOLDER_SPEC: FolderSpec = (name) => (writesModelFile(name) ? FILE : name === NAMED_TEMPLATES_DIR ? NAMED_TEMPLATES_SPEC : null);

/**
 * The entries of folder `dir` (none where it is absent) that saveModelFolder would write over, sorted: what it refuses to
 * save beside, and what a script that replaces a model folder's model (scripts/pretrain-export.ts) removes first.
 */
export function modelFilesIn(dir: string): string[] {
  return (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((name) => MODEL_FOLDER_SPEC(name) !== null).sort();
}
