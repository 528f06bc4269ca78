// What to give instead of a folder where a data file was expected (data.val: prepared/, eval --data prepared/): the
// file of that role in it where it is there (val.jsonl for data.val, not train.jsonl); else the folder holds no such
// file, as a folder of raw data does, which mistral-tune prepare reads, not a file named after a prepare output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shellPath } from './shell-quote.ts';

/**
 * The words in brackets after "a folder, not a data file": `dir`/`file` where that is a file; else, with `prepares`
 * (training or evaluation data), the prepare run that makes such files of the folder, else one of its files.
 */
export function dataFolderHint(dir: string, file: string, prepares: boolean): string {
  const inside = path.join(dir, file);
  if (fs.statSync(inside, { throwIfNoEntry: false })?.isFile() === true) return `give ${inside}`;
  if (!prepares) return `give a file in it; it holds no ${file}`;
  return `it holds no ${file}: give a data file in it, or, for a folder of raw data, make one with mistral-tune prepare --input ${shellPath(dir)} --out NEW_FOLDER`;
}
