// Which of a model folder's two weights entry points (model.safetensors, its sharded index) is there, as transformers
// takes them when one is a symbolic link to nothing (a Hugging Face cache snapshot copied with cp -r).
import { fileIsThere } from '../util/file-is-there.ts';
import { UserError } from '../util/errors.ts';
import { warn } from '../util/log.ts';

/**
 * Whether the single weights file and the index are there. A symbolic link to nothing (a hub snapshot copied with
 * cp -r) is an error naming it where it is the folder's only weights (fileIsThere); beside the other file it is what
 * transformers takes it for, no file (its os.path.isfile is false), and the other is read, with a warning naming it.
 */
export function weightFilesThere(singlePath: string, indexPath: string): [boolean, boolean] {
  const there = (p: string): boolean | UserError => {
    try {
      return fileIsThere(p);
    } catch (e) {
      if (e instanceof UserError) return e;
      throw e;
    }
  };
  const single = there(singlePath), index = there(indexPath);
  for (const [link, other] of [[single, index], [index, single]] as const) {
    if (!(link instanceof UserError)) continue;
    if (other !== true) throw link;
    warn(`${link.message}; the other weights file beside it is read, as transformers reads it`);
  }
  return [single === true, index === true];
}
