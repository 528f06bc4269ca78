// Whether a file a folder may hold is there (a model folder's tokenizer.json, tokenizer_config.json, chat_template.jinja,
// generation_config.json, weights). fs.existsSync follows a symbolic link, so one whose target is gone read as no file:
// a Hugging Face cache snapshot copied with `cp -r` (its files are links to ../../blobs/HASH, which the copy lacks) gave
// the bundled tokenizer, no chat template and no generation defaults without a word. Such a link is an error naming it
// and its target, and so is a loop of links, which existsSync read as no file too.
import * as fs from 'node:fs';
import { danglingLinkTarget } from './dangling-link.ts';
import { UserError } from './errors.ts';

/**
 * True where `p` is there (a file or folder), false where nothing is; a symbolic link to nothing, or a loop of links
 * (a → b → a, or a link to itself: transformers' open() fails on it), is a UserError.
 */
export function fileIsThere(p: string): boolean {
  if (fs.existsSync(p)) return true;
  const target = danglingLinkTarget(p);
  if (target === null) {
    if (linkLoop(p)) throw new UserError('a loop of symbolic links (it leads back to itself, not to a file): replace it with the file, or a link to it', p);
    return false;
  }
  // the hub cache's links point to blobs/ named by the file's git or SHA-256 hash
  const hub = /(?:^|[/\\])blobs[/\\][0-9a-f]{40,64}$/.test(target)
    ? ' (a file of a Hugging Face cache snapshot copied without its blob: copy the snapshot with cp -rL, which copies what the links point to)'
    : '';
  throw new UserError(`a symbolic link to ${target}, which does not exist${hub}`, p);
}

/** Whether `p` is a symbolic link that resolves to no file because the links loop (stat's ELOOP). */
function linkLoop(p: string): boolean {
  if (!lstatOrNull(p)?.isSymbolicLink()) return false;
  try {
    fs.statSync(p);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ELOOP';
  }
}

/** lstat of `p`, null where nothing is there: no entry, or a file where the path needs a folder (ENOTDIR: 'shard/x' of a file 'shard'). */
function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p, { throwIfNoEntry: false }) ?? null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
}
