// sendFile over real HTTP: a file that stopped being a regular file between the server's check and the send
// (a FIFO swapped in) is a 404 at once, never a server blocked on the open. Run in a child process: a blocked
// open stops the event loop, so only a process-level timeout can tell. A download the client leaves midway closes the file;
// one of a file that shrinks meanwhile ends its connection.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
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

test('a run file that shrinks while it is sent ends its connection, short of its Content-Length: no next response read as its bytes', { skip: fs.existsSync('/proc/self/fd') ? false : 'no /proc/self/fd to count descriptors', timeout: 30_000 }, async () => {
  const dir = tempDir('mt-static-');
  const big = path.join(fs.realpathSync(dir), 'checkpoint.bin');
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"step":1,"loss":1}\n');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, 64 << 20); // sparse: far more than a socket takes before the client reads
  const dash = await startDashboard({ runs: [dir] });
  const { port } = new URL(dash.url);
  try {
    const got = await new Promise<Buffer>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      const chunks: Buffer[] = [];
      // two requests on one connection, as a browser's keep-alive reuses one: the second is answered after the first
      socket.write(['/run/0/checkpoint.bin', '/run/0/metrics.jsonl'].map((p) => `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`).join(''));
      socket.once('data', (first) => {
        chunks.push(first);
        socket.pause(); // the server's writes back up, its read of the file waits
        fs.truncateSync(big, 1000); // rewritten under it (a checkpoint saved again)
        socket.on('data', (c) => chunks.push(c));
        setImmediate(() => socket.resume());
      });
      socket.on('close', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
    });
    const text = got.toString('latin1');
    const head = text.slice(0, text.indexOf('\r\n\r\n') + 4);
    assert.match(head, /^HTTP\/1\.1 200 .*content-length: 67108864\r\n/is);
    const body = got.length - head.length;
    assert.ok(body < 64 << 20, `${body} bytes of the file's 67108864 sent`);
    // before: the response ended short on a connection kept open, the metrics.jsonl's response written next on it (read
    // by the client as the rest of the file's bytes), and the connection left open until the keep-alive timer (5 s)
    assert.equal(text.indexOf('HTTP/1.1', head.length), -1, 'no second response after the short one');
    await waitFor(() => openDescriptors(big) === 0, 10_000, `the file's descriptor closed (${openDescriptors(big)} open)`);
  } finally {
    await dash.close();
  }
});
