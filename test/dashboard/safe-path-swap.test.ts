// A folder inside a run swapped for a symlink out of it between the check of a file's real path (resolveInside) and its
// open: O_NOFOLLOW guards only the last name, so the file outside was opened (a loop swapping `sub/` and `sub → elsewhere`
// read it through /run/0/sub/x.txt about once in 200 requests). The open file is checked to be inside the run
// (openedInside, by /proc/self/fd), for the files served and those the dashboard reads itself. Linux only (/proc).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { test } from 'node:test';
import { openResolved, realpath, resolveInside } from '../../src/dashboard/safe-path.ts';
import { sendFile } from '../../src/dashboard/static.ts';
import { tempDir } from '../temp-dir.ts';

const SKIP = fs.existsSync('/proc/self/fd') ? false : 'no /proc/self/fd on this system';

/** A run folder with sub/x.txt, and a folder outside it holding its own x.txt; `swap()` puts a symlink to it in sub's place. */
function swappable(): { root: string; real: string; swap(): void; cleanup(): void } {
  const top = realpath(tempDir('mt-swap-'));
  const root = path.join(top, 'run');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'sub', 'x.txt'), 'inside\n');
  fs.mkdirSync(path.join(top, 'secret'));
  fs.writeFileSync(path.join(top, 'secret', 'x.txt'), 'SECRET\n');
  const real = resolveInside(root, ['sub', 'x.txt']);
  assert.equal(real, path.join(root, 'sub', 'x.txt'), 'checked while sub/ is a folder of the run');
  return {
    root,
    real: real!,
    swap: () => {
      fs.renameSync(path.join(root, 'sub'), path.join(root, 'sub-aside'));
      fs.symlinkSync(path.join(top, 'secret'), path.join(root, 'sub'));
    },
    cleanup: () => fs.rmSync(top, { recursive: true, force: true }),
  };
}

test('a file checked inside the run, opened after a folder on its way became a symlink out of it, is not read', { skip: SKIP }, () => {
  const s = swappable();
  try {
    const before = openResolved(s.real, s.root);
    assert.ok(before !== null);
    fs.closeSync(before.fd);
    s.swap();
    assert.equal(openResolved(s.real, s.root), null, 'the path now leads out of the run: absent, as a symlink out of it is');
  } finally {
    s.cleanup();
  }
});

test('nor served: sendFile of that path is a 404, not the file outside', { skip: SKIP }, async () => {
  const s = swappable();
  const server = http.createServer((req, res) => sendFile(res, s.real, 'text/plain', {}, s.root));
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const first = await fetch(url);
    assert.deepEqual([first.status, await first.text()], [200, 'inside\n']);
    s.swap();
    const res = await fetch(url);
    assert.deepEqual([res.status, await res.text()], [404, 'not found\n']);
  } finally {
    server.close();
    s.cleanup();
  }
});
