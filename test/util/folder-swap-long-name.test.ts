// A folder written atomically (an export's --out, a run's folders) whose name is legal but too long for the temporary
// and moved-aside names beside it (.tmp-NAME-PID, .old-NAME-PID): the refusal names the folder asked for, with the
// longest name that works, not the internal .old-NAME-PID the user never gave (nor as a name "over the 255").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createFolderAtomic, replaceFolderAtomic } from '../../src/util/folder-swap.ts';
import { filesSpec } from '../../src/util/owned-tree.ts';
import { tempDir } from '../temp-dir.ts';

const W = filesSpec((name) => name === 'w.txt');

for (const [how, write] of [['created', createFolderAtomic], ['replaced', replaceFolderAtomic]] as const) {
  test(`a folder ${how} under a 250-byte name: refused naming it, and how long a name may be; nothing is left`, () => {
    const dir = tempDir('mt-swap-long-');
    const target = path.join(dir, 'r'.repeat(250));
    let filled = false;
    assert.throws(() => write(target, (tmp) => {
      filled = true;
      fs.mkdirSync(tmp);
    }, W), {
      message: `${target}: cannot write: its name is 250 bytes, and the temporary name it is written under first (a dot, the name, a process id and a suffix) ` +
        'passes the 255 a file system takes: give a name of at most 231 bytes (ENAMETOOLONG)',
    });
    assert.equal(filled, false, 'refused before the folder is filled (a merge)');
    assert.deepEqual(fs.readdirSync(dir), []);
  });
}
