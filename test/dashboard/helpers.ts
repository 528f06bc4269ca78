// Helpers for the dashboard tests: temp copies of the fixture runs, and raw HTTP requests sent byte for
// byte over a socket (so `..`, `%2e` and `//` reach the server exactly as written, unnormalised), and the event stream read.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { holdHere } from '../../src/train/lock-owner.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

export const RUN_GEN = path.join(FIXTURES, 'dashboard-run');
export const RUN_CLS = path.join(FIXTURES, 'dashboard-run-cls');

/** A fresh temp folder holding copies of `runs` (fixture folder names); removed by cleanup(). */
export function tempRuns(...runs: string[]): { root: string; dirs: string[]; cleanup(): void } {
  const root = tempDir('mt-dashboard-');
  const dirs = runs.map((r) => {
    const dst = path.join(root, path.basename(r));
    fs.cpSync(r, dst, { recursive: true });
    return dst;
  });
  return { root, dirs, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/**
 * A lock file as train holds one while it runs (src/train/run-lock.ts), of a call of this thread that has not returned:
 * the page then says the run is in progress, as a train judges the lock. (A lock of this pid naming no thread is one an
 * earlier call left, stale.)
 */
export function holdLock(run: string): void {
  const id = `test-${Math.random().toString(16).slice(2)}`;
  holdHere(id, true);
  fs.writeFileSync(path.join(run, RUN_LAYOUT.lock), JSON.stringify({ pid: process.pid, host: os.hostname(), started: new Date().toISOString(), thread: threadId, id }) + '\n');
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `METHOD target HTTP/1.1` as raw bytes to the server at `url` and reads the whole response. */
export function rawRequest(url: string, target: string, opts: { method?: string; host?: string } = {}): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname.replace(/^\[(.*)\]$/, '$1')); // an IPv6 address without the brackets a URL puts it in
    const chunks: Buffer[] = [];
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      const [statusLine, ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(head.length + 4) });
    });
    sock.write(`${opts.method ?? 'GET'} ${target} HTTP/1.1\r\nHost: ${opts.host ?? u.host}\r\nConnection: close\r\n\r\n`, 'latin1');
  });
}

/** Polls `check` every 50 ms until it returns true or `ms` pass. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** The dashboard's /api/snapshot (its text) once no run's report.json is being read still (a large one is parsed on its
 * thread, report-parse.ts, after the server is up). */
export async function settledSnapshot(url: string, ms = 20_000): Promise<string> {
  let body = '';
  await waitFor(async () => {
    body = await (await fetch(new URL('/api/snapshot', url))).text();
    return !/"error":"report\.json \([^"]*\) is being read;/.test(body);
  }, ms, 'the reports being read');
  return body;
}

/** An event of the dashboard's stream, as the tests read it. */
export interface Ev {
  type: string;
  data: {
    run?: number; reset?: boolean; rows?: Array<{ step: number }>; malformed?: { count: number; samples: Array<{ line: number }> };
    reading?: { bytesRead: number; bytes: number } | null;
  };
}

/** Opens /events and collects the parsed events as they arrive. */
export function openEvents(url: string): { events: Ev[]; close(): void } {
  const events: Ev[] = [];
  let buf = '';
  const req = http.get(new URL('/events', url), (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type && data) events.push({ type, data: JSON.parse(data) as Ev['data'] });
      }
    });
  });
  req.on('error', () => {});
  return { events, close: () => req.destroy() };
}
