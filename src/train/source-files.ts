// The files a full fine-tuning run's model/ and best/ take from its model folder at each save (saveModelFolder: the
// config.json whose other keys it keeps, generation_config.json, the tokenizer files and named chat templates), as
// they were when the run started. The weights and the tokenizer are read once, at the start; these files are read
// again at every save, after hours of training. A model folder moved, deleted or replaced meanwhile (freeing disk,
// a new download of the model) was taken without a word for a folder without them: model/ was written with the
// bundled tokenizer (or none), generation settings made up from config.json, a config.json of our keys alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TOKENIZER_FILES } from '../model/folder-files.ts';
import { NAMED_TEMPLATES_DIR, namedTemplateFiles } from '../tokenizer/named-templates.ts';
import { withIo } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { sha256Hex } from '../util/written-record.ts';

/** Each such file of the folder (its path inside it) with a hash of its bytes. */
export type SourceFiles = Map<string, string>;

/** The model folder's files that saveModelFolder reads, as they are now. */
export function sourceFilesOf(folder: string): SourceFiles {
  const templates = withIo(path.join(folder, NAMED_TEMPLATES_DIR), 'read', () => namedTemplateFiles(folder));
  const names = ['config.json', 'generation_config.json', ...TOKENIZER_FILES, ...templates.map((f) => path.join(NAMED_TEMPLATES_DIR, f))];
  const files: SourceFiles = new Map();
  for (const name of names) {
    const file = path.join(folder, name);
    const bytes = withIo(file, 'read', () => (fs.statSync(file, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(file) : null));
    if (bytes !== null) files.set(name, sha256Hex(bytes));
  }
  return files;
}

/** Who read the model folder, for the refusal: a run (the default), or an export's merge. */
export interface SourceFilesReader {
  /** "the run started" */
  since: string;
  /** "it trained" */
  during: string;
  /** What to do once the folder is back as it was: "mistral-tune train RUN --resume continues it (…)". */
  then: string;
}

/**
 * Throws, naming the first file that differs, when the model folder's files are not those `before` holds (the run's
 * start, the merge's read of the model): a save would write them into model/ as if the run had been trained with them.
 * `reader`: a run's way on as a string (its resume hint), or who read the folder (SourceFilesReader).
 */
export function requireSourceFilesUnchanged(folder: string, before: SourceFiles, reader: string | SourceFilesReader): void {
  const { since, during, then } = typeof reader === 'string' ? { since: 'the run started', during: 'it trained', then: reader } : reader;
  const now = sourceFilesOf(folder);
  for (const name of new Set([...before.keys(), ...now.keys()])) {
    const was = before.get(name), is = now.get(name);
    if (was === is) continue;
    const what = is === undefined ? 'is gone' : was === undefined ? 'appeared' : 'changed';
    throw new UserError(`${what} since ${since} (the model folder moved, deleted or replaced while ${during}): the model it writes takes ` +
      `its config, generation and tokenizer files from there, as they were when it read the model; put the folder back as it was, then ${then}`,
      path.join(folder, name));
  }
}
