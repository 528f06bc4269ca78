// The output folder of an HF export (a run's adapter or model folder, a merged model): made new, or written into an
// empty folder the user made, whole before it takes the output's name, so that a failure or a kill leaves nothing
// that looks finished and nothing that blocks the retry.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ioError, withIo, writerGone } from '../util/atomic.ts';
import { createFolderAtomic, removeLeftoverFolder, renamed } from '../util/folder-swap.ts';
import { UserError } from '../util/errors.ts';
import type { OptionWords } from '../util/option-words.ts';
import { warn } from '../util/log.ts';
import { EXPORT_SPEC, moveUp, outputPath, PARTIAL, refuseDanglingOutput, removeDeadPartials, withOutputParent } from './out-path.ts';

/** What an HF export wrote: a PEFT adapter, a merged model, or a fully trained run's model folder. */
export type ExportKind = 'adapter' | 'merged' | 'full';

/**
 * An export's output folder `given` (a new folder, or an empty one; as the user named it), written by `write` in a folder
 * that takes its place only when whole, once nothing is left to refuse: what `write` returns, and the files written.
 * `modelFrom`: the folder a model's tokenizer is copied from, as a warning that none was written names it.
 */
export function writeOutputFolder(given: string, words: OptionWords, write: (dir: string) => ExportKind, modelFrom = "the run's model folder"): { kind: ExportKind; files: string[] } {
  // every step writes and reads the one path the system resolves (link/../exported is beside the link's target), named as given
  const out = withIo(given, 'use as the output folder', () => outputPath(given, words));
  const existing = withIo(given, 'use as the output folder', () => fs.statSync(out, { throwIfNoEntry: false })); // ENOTDIR: a file on the path
  if (existing && !existing.isDirectory()) throw new UserError(`the output exists and is not a folder: give ${words.say('out')} a new folder, or an empty one`, given);
  if (!existing) refuseDanglingOutput(given);
  if (existing) removeDeadPartials(out);
  const inside = existing ? fs.readdirSync(out) : [];
  // what is left is a live export's partial folder (a dead one is left only where it holds a folder of the user's):
  // another export writes there now
  const writer = inside.length === 1 && inside[0]!.startsWith(PARTIAL) ? Number(inside[0]!.slice(PARTIAL.length)) : NaN;
  if (Number.isInteger(writer) && !writerGone(writer, path.join(out, inside[0]!))) throw new UserError(`another export (process ${writer}) is writing into this folder: wait for it to finish, or give ${words.say('out')} another folder`, given);
  if (inside.length > 0) throw new UserError(`output folder exists and is not empty: give ${words.say('out')} a new folder, or an empty one (export replaces nothing)`, given);
  // written whole before it takes the output's name: a failure (or Ctrl-C in a 7B merge) leaves no partial
  // export that would block the retry. A new folder is made beside it and renamed into place; an empty folder
  // the user made (a symlink, a mount point, the current directory) is kept, the export written in a folder
  // inside it whose files move up when whole.
  let kind: ExportKind = 'merged';
  if (existing) {
    const partial = path.join(out, `${PARTIAL}${process.pid}`);
    try {
      fs.mkdirSync(partial);
      kind = write(partial);
      moveUp(partial, out); // never over a file the user put at --out meanwhile
    } catch (e) {
      // said before the partial folder goes, which frees the inodes whose lack (ENOSPC) the error tells
      const error = ioError(e, given, 'write the export into');
      // a partial folder that cannot be removed (a file system turned read-only) is a dead export's, which the next
      // export into this folder removes: a warning, as an error would hide the write's
      removeLeftoverFolder(partial, EXPORT_SPEC, 'the next export into this folder');
      // a file that could not be written (a full disk) is named where it was going, not in the partial folder now gone
      throw renamed(error, partial, given);
    }
  } else {
    // made, never replacing: a folder that appeared at --out during a long merge is the user's, and stays
    try {
      withOutputParent(given, () => createFolderAtomic(out, (tmp) => {
        fs.mkdirSync(tmp);
        kind = write(tmp);
      }, EXPORT_SPEC));
    } catch (e) {
      throw renamed(e, out, given); // a file that could not be written (a full disk) named under --out as given, as the other branch names it
    }
  }
  const files = fs.readdirSync(out).sort();
  if (kind !== 'adapter' && !files.includes('tokenizer.json')) {
    // the run tokenized nothing (pre-tokenized data) with a tokenizer it could save: its model folder has none, and the
    // bundled Mistral tokenizer is not its vocabulary
    warn(`${given}: no tokenizer was written (${modelFrom} has no tokenizer.json, and the bundled Mistral tokenizer does not fit its vocab_size): ` +
      'transformers\' AutoTokenizer cannot load this folder; copy the tokenizer files its token ids come from into it');
  }
  return { kind, files };
}
