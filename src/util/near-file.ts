// What a path that is not there most likely meant: a name beside it one slip away (`train-lora.yml` for the
// `train-lora.yaml` there, `Data.jsonl` for `data.jsonl`), for the "file not found" a user meets first.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { didYouMean } from './did-you-mean.ts';

/**
 * The most edits a name beside may be from the one given (a slip: a letter wrong, missing, doubled or two swapped, as
 * yml for yaml): a third of a long name's letters named another file (train-full.yaml suggested train-lora.yaml).
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
  const near = didYouMean(name, entries.filter((e) => e !== name), MOST_EDITS);
  return near === null ? '' : ` (did you mean ${JSON.stringify(near)} beside it?)`;
}
