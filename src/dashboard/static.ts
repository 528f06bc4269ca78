// Sends one file read-only (GET with body, HEAD without), opened without following a final symlink, with
// the content type chosen from a fixed list; plus the small plain-text error responses.
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { pipeline, Transform } from 'node:stream';
import { openedInside } from './safe-path.ts';

const TEXT = 'text/plain; charset=utf-8';

/** Content types for the dashboard's own assets. */
const ASSET_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Content types for files of a run: data is shown as text, never as something a browser would run. */
const RUN_TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.jsonl': TEXT,
  '.yaml': TEXT,
  '.yml': TEXT,
  '.txt': TEXT,
  '.md': TEXT,
  '.log': TEXT,
  '.csv': TEXT,
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export function assetType(file: string): string {
  return ASSET_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export function runFileType(file: string): string {
  return RUN_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export function sendText(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(text + '\n', 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': TEXT, 'Content-Length': String(body.length) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * Streams `file` (already checked to be a regular file inside its root, `root` when given); 404 if it vanished or stopped
 * being a regular file (inside `root`) since: opened without blocking, so a FIFO swapped in after the check cannot hang the
 * server, and checked once open to be inside `root` (openedInside), so a folder on its way swapped for a symlink meanwhile
 * serves nothing from outside.
 */
export function sendFile(res: http.ServerResponse, file: string, type: string, headers: Record<string, string>, root?: string): void {
  let fd: number;
  let size: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile() || (root !== undefined && !openedInside(fd, root))) {
      fs.closeSync(fd);
      sendText(res, 404, 'not found', headers);
      return;
    }
    size = st.size;
  } catch {
    sendText(res, 404, 'not found', headers);
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': String(size) });
  if (res.req.method === 'HEAD') {
    fs.closeSync(fd);
    res.end();
    return;
  }
  const stream = fs.createReadStream('', { fd, start: 0, end: Math.max(size - 1, 0), autoClose: true });
  if (size === 0) {
    stream.destroy();
    res.end();
    return;
  }
  // pipeline, not pipe: a client gone mid-file (a tab closed on a large metrics.jsonl, a response ended for stalling) left
  // the file's stream paused and its descriptor open for ever, one a download: 50 aborted downloads held 50 descriptors
  pipeline(stream, wholeOf(size), res, () => {}); // an error (a read failed, the client gone, the file shrank) destroys both
}

/**
 * Passes `size` bytes on, and fails (its pipeline destroys the response, and so the connection) when the file ends
 * short of them: a file shrunk while sent (a checkpoint saved again under a download) ended its response short of its
 * Content-Length on a connection kept open, where the client waited for the rest until the keep-alive timer (~5 s) and
 * the next response on that connection was sent as if it were the rest of the file's bytes.
 */
function wholeOf(size: number): Transform {
  let passed = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      passed += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      done(passed < size ? new Error(`the file shrank while it was sent: ${passed} of ${size} bytes`) : null);
    },
  });
}
