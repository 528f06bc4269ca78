// sendFile over real HTTP: a file that stopped being a regular file between the server's check and the send
// (a FIFO swapped in) is a 404 at once, never a server blocked on the open. Run in a child process: a blocked
// open stops the event loop, so only a process-level timeout can tell. A download the client leaves midway closes the file.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { test } from 'node:test';
import { startDashboard } from '../../src/dashboard/server.ts';
import { tempDir } from '../temp-dir.ts';
import { runnable, TS_LOADER } from '../node-args.ts';
import { waitFor } from './helpers.ts';

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

/** How many descriptors this process holds open on `file` (Linux: /proc/self/fd). */
function openDescriptors(file: string): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false; // closed meanwhile (the readdir's own descriptor)
    }
  }).length;
}

test('a run file whose client leaves midway is closed: no descriptor held per aborted download', { skip: fs.existsSync('/proc/self/fd') ? false : 'no /proc/self/fd to count descriptors', timeout: 30_000 }, async () => {
  const dir = tempDir('mt-static-');
  const big = path.join(fs.realpathSync(dir), 'big.txt');
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"step":1,"loss":1}\n');
  fs.writeFileSync(big, Buffer.alloc(8 << 20, 97)); // far more than a socket takes before the client reads
  const dash = await startDashboard({ runs: [dir] });
  try {
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.get(new URL('/run/0/big.txt', dash.url), { agent: false }, (res) => {
          assert.equal(res.statusCode, 200);
          res.once('data', () => {
            req.destroy(); // a tab closed on the file after its first bytes
            resolve();
          });
        });
        req.on('error', (e) => (e.message === 'socket hang up' || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
      });
    }
    // before: every aborted download's stream stayed paused, its descriptor open until the process ended (20 held)
    await waitFor(() => openDescriptors(big) === 0, 10_000, `the 20 aborted downloads' descriptors closed (${openDescriptors(big)} open)`);
  } finally {
    await dash.close();
  }
});
