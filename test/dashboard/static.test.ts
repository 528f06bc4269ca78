// sendFile over real HTTP: a file that stopped being a regular file between the server's check and the send
// (a FIFO swapped in) is a 404 at once, never a server blocked on the open. Run in a child process: a blocked
// open stops the event loop, so only a process-level timeout can tell.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../temp-dir.ts';
import { runnable, TS_LOADER } from '../node-args.ts';

const STATIC = path.resolve(import.meta.dirname, '../../src/dashboard/static.ts');

test('a FIFO given to sendFile (swapped in after the check) is a 404, and the server does not hang', { timeout: 30_000 }, () => {
  const dir = tempDir('mt-static-');
  const fifo = path.join(dir, 'metrics.jsonl');
  execFileSync('mkfifo', [fifo]);
  const child = `
    import * as http from 'node:http';
    import { sendFile } from ${JSON.stringify(runnable(STATIC))};
    const server = http.createServer((req, res) => sendFile(res, ${JSON.stringify(fifo)}, 'text/plain', {}));
    server.listen(0, '127.0.0.1', async () => {
      const res = await fetch('http://127.0.0.1:' + server.address().port + '/');
      console.log('status', res.status);
      server.close();
    });`;
  const r = spawnSync(process.execPath, [...TS_LOADER, '--input-type=module', '-e', child], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.signal, null, `the server hung on the FIFO (killed after 15 s): ${r.stderr}`);
  assert.match(r.stdout, /^status 404$/m, r.stderr);
});
