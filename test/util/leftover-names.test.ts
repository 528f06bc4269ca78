// The names of what an atomic write leaves beside its target (leftover-names.ts) read back as what they stand for:
// a moved-aside folder's other name (.old-NAME-PID.N, taken beside one of that pid's kept) too, whatever digits, dots
// and dashes the folder's own name holds; a temporary folder has no other name, so ".tmp-…-PID.N" is none of ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLeftover, swapFolderName, tempFileName } from '../../src/util/leftover-names.ts';

test('each leftover name reads back as the entry and the pid it was made for', () => {
  for (const name of ['best', 'step-0000003', 'v1.2', 'model-1.5', 'x-12', '1.2', 'a.']) {
    for (const pid of [1, 4242]) {
      assert.deepEqual(parseLeftover(swapFolderName('tmp', name, pid)), { kind: 'tmp', name, pid });
      for (const n of [0, 1, 12]) assert.deepEqual(parseLeftover(swapFolderName('old', name, pid, n)), { kind: 'old', name, pid }, `${name} ${pid} ${n}`);
      assert.deepEqual(parseLeftover(tempFileName(name, pid, 3)), { kind: 'file', name, pid });
    }
  }
});

test('a name the tool does not write is no leftover: a temporary folder with an other-name suffix, or no pid', () => {
  for (const entry of ['.tmp-adapter-0.1', '.tmp-best-12.3', '.old-best', '.old-best-', 'best', '.old-best-x']) assert.equal(parseLeftover(entry), null, entry);
});
