// Reading a run's weights folder while the run may still be training: train swaps in a newer best/ (a new folder
// renamed over the old) at each better evaluation, so a command that read part of its files before the swap and part
// after would mix two checkpoints. Every export, eval, generate and classify that reads a run's folder does so inside
// readingUnchanged (readUnchanged: one read).
import * as fs from 'node:fs';
import { runOfCheckpointAsGiven, runPath } from '../run/layout.ts';
import { UserError } from '../util/errors.ts';

/**
 * A folder's device, inode and change time ('gone' when it is not there): a folder train swaps in (best/ at each better
 * evaluation) is another one, even where it reuses the inode of the folder it retired (its change time is its own).
 */
export function folderId(dir: string): string {
  const st = fs.statSync(dir, { bigint: true, throwIfNoEntry: false });
  return st ? `${st.dev}:${st.ino}:${st.ctimeNs}` : 'gone';
}

/**
 * Who read the folder, as its refusal says it: while "it was exported", then "nothing was exported; export it again";
 * `why` it went (default: a run still training swapped in a newer one).
 */
export interface FolderReader {
  during: string;
  then: string;
  why?: string;
}

const EXPORT_READER: FolderReader = { during: 'it was exported', then: 'nothing was exported; export it again' };

/**
 * An export's reader of `source`: of a run's checkpoint (RUN/checkpoints/step-N, given as --adapter), which is not swapped
 * but removed once the run has saved newer ones (HF's save_total_limit): exported again it is gone, so one kept is asked for.
 */
function exportReader(source: string): FolderReader {
  const run = runOfCheckpointAsGiven(source);
  if (run === null) return EXPORT_READER;
  return { during: 'it was exported', why: `it is a checkpoint of the training run ${run}, which removes its older checkpoints as it saves newer ones: checkpoint.keep`,
    then: `nothing was exported; export a checkpoint the run keeps (its newest), or its ${runPath(run, 'best')} once written` };
}

/**
 * Runs `work`, which reads the run's weights folder `source` and calls `loaded()` once it has read all it takes from
 * there (what follows, an evaluation or a generation, reads nothing of it): refused when `source` was replaced meanwhile
 * (a run still training swaps in a newer best/), its files read from two checkpoints. `loaded()` throws the refusal; an
 * error of `work` before it, while the folder was replaced, is reported as the replacement, its cause. `before`: the
 * folderId of `source` when its reading began, where that was before `work` (a plan that read it).
 */
export function readingUnchanged<T>(source: string, reader: FolderReader, work: (loaded: () => void) => T, before = folderId(source)): T {
  const why = reader.why ?? 'the run is still training and wrote a newer one?';
  const replaced = (): UserError => new UserError(`was replaced (or removed) while ${reader.during} (${why}): ${reader.then}`, source);
  let reading = true;
  try {
    return work(() => {
      reading = false;
      if (folderId(source) !== before) throw replaced();
    });
  } catch (e) {
    // a file the newer folder lacks, or one removed with the old folder: the replacement is the cause to name
    throw reading && folderId(source) !== before ? replaced() : e;
  }
}

/**
 * Runs `read`, which reads the run's weights folder `source` for an export, inside readingUnchanged: its files are
 * those of one checkpoint, those checked are those copied.
 * What `read` keeps open (a safetensors file read later) stays the file it opened, whatever replaces the folder after;
 * `discard` releases it when the folder was replaced; `before` as readingUnchanged's.
 */
export function readUnchanged<T>(source: string, read: () => T, discard?: (result: T) => void, before = folderId(source)): T {
  return readingUnchanged(source, exportReader(source), (loaded) => {
    const result = read();
    try {
      loaded();
    } catch (e) {
      discard?.(result); // what `read` opened (a file) is closed before the error goes up
      throw e;
    }
    return result;
  }, before);
}
