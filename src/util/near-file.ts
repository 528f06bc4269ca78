// What a path that is not there most likely meant: a name beside it one slip away (`train-lora.yml` for the
// `train-lora.yaml` there, `Data.jsonl` for `data.jsonl`), for the "file not found" a user meets first.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { editDistance } from './did-you-mean.ts';

/**
 * The most edits a name beside may be from the one given (a slip: a letter wrong, missing, doubled or two swapped, as
 * yml for yaml): a third of a long name's letters named another file (train-full.yaml suggested train-lora.yaml).
 * Fewer for a short stem (slips).
 */
const MOST_EDITS = 2;

/** A folder this big is not read for a suggestion: the error path stays quick. */
const MAX_ENTRIES = 10_000;

/** ` (did you mean NAME beside it?)` when the folder of a missing file (or folder) holds a name near its own, else ''. */
export function nearFileHint(file: string): string {
  const dir = path.dirname(file), name = path.basename(file);
  let entries: string[];
  try {
    const d = fs.opendirSync(dir);
    entries = [];
    try {
      for (let e = d.readSync(); e !== null; e = d.readSync()) {
        if (entries.length === MAX_ENTRIES) return '';
        entries.push(e.name);
      }
    } finally {
      d.closeSync();
    }
  } catch {
    return ''; // the folder is not there either, or cannot be read: nothing to suggest
  }
  let near: string | null = null, nearest = Infinity;
  for (const e of entries) {
    const d = e === name ? null : slips(name, e);
    if (d !== null && d < nearest) [near, nearest] = [e, d];
  }
  return near === null ? '' : ` (did you mean ${JSON.stringify(near)} beside it?)`;
}

/**
 * The edits (case aside) from `name` to `entry` where they are a slip, else null: at most a third of the letters of
 * `name` less its extension (a shared `.yaml` made `nope.yaml` 2 edits of 9 letters from `type.yaml`, though 2 of the 4
 * that differ), 1 where that is 5 letters or fewer; counted on the whole names (a dot moved, `v01` for `v0.1`, is one
 * edit) and never the whole stem before the first dot (`a.tar.gz` is no slip for `b.tar.gz`).
 */
function slips(name: string, entry: string): number | null {
  const [a, b] = [name.toLowerCase(), entry.toLowerCase()];
  const stem = (n: string): string => n.slice(0, n.indexOf('.', 1) < 0 ? n.length : n.indexOf('.', 1)); // a dotfile's dot is its stem's
  const d = editDistance(a, b), aStem = stem(a);
  const most = Math.min(MOST_EDITS, Math.max(1, Math.floor((a.length - path.extname(a).length) / 3)));
  return editDistance(aStem, stem(b)) < aStem.length && d <= most ? d : null;
}
