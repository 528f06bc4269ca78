// Deleting a listing taken earlier, and only it: what a tool judged its own when it looked (a folder's entries it
// listed and checked) is deleted, and an entry made since — by a user, in the moment between the check and the
// delete — is never deleted, nor the folders that hold it.
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Deletes the entries `rels` (posix paths relative to `dir`, folders among them), deepest first, a folder only
 * when it is empty by then; returns the folders of `rels` that something else kept.
 */
export function removeListed(dir: string, rels: string[]): string[] {
  const depth = (rel: string): number => rel.split('/').length;
  const kept: string[] = [];
  for (const rel of [...rels].sort((a, b) => depth(b) - depth(a))) {
    const p = path.join(dir, ...rel.split('/'));
    const stat = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!stat) continue;
    if (!stat.isDirectory()) {
      fs.rmSync(p, { force: true });
      continue;
    }
    try {
      fs.rmdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      kept.push(rel);
    }
  }
  // a folder kept for what is in it is named once, by its deepest kept folder
  return kept.filter((k) => !kept.some((o) => o !== k && o.startsWith(k + '/')));
}
