// A process for run-folder-holds.test.ts: an export writing OUT, as far as the run folders above it see one: it holds them
// (withRunFolderLocks, as exportRun does around its write), prints "holding", and waits for the go file before it
// releases them and exits.
import * as fs from 'node:fs';
import { withRunFolderLocks } from '../../src/export/run-folder-lock.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';

const [out, go] = process.argv.slice(2) as [string, string];
const sleep = new Int32Array(new SharedArrayBuffer(4));
withRunFolderLocks(out, FLAG_WORDS, () => {
  process.stdout.write('holding\n');
  while (!fs.existsSync(go)) Atomics.wait(sleep, 0, 0, 5);
});
process.stdout.write('released\n');
