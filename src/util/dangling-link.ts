// A path that is a symbolic link to nothing: reading it, or making a folder or a file there, fails with ENOENT
// or ENOTDIR, which says nothing of the link. Errors name the link and its target instead.
import * as fs from 'node:fs';

/** The target of `p` when `p` is a symbolic link whose target does not exist, else null. */
export function danglingLinkTarget(p: string): string | null {
  try {
    if (!fs.lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink() || fs.existsSync(p)) return null;
    // a loop of links (a → b → a) leads nowhere too, but its target exists: ELOOP, not ENOENT, says which
    fs.statSync(p);
    return null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return null;
  }
  try {
    return fs.readlinkSync(p);
  } catch {
    return null; // unreadable: the caller's own error stands
  }
}
