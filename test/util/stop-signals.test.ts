// Stop listeners chained as the commands chain them (src/cli/command-thread.ts: a first Ctrl-C's listener adds the one
// that stops at once on a second): a second signal that comes while the first is handled is heard by the next
// listener, never by the signal's default action (the process killed with nothing removed) nor lost; exitBySignal ends
// the process by its signal even from a listener. Real processes (stop-signals-child.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { nodeArgsFor } from '../node-args.ts';

const CHILD = nodeArgsFor('test/util/stop-signals-child.ts');

/** Runs the child in `mode`, calling `onLine` with each line it writes; resolves with all of them and how it ended. */
function child(args: string[], onLine: (line: string, pid: number) => void): Promise<{ lines: string[]; code: number | null; signal: NodeJS.Signals | null }> {
  // one that hangs (a signal lost) is killed: the test then fails on how it ended, leaving no process behind
  const c = spawn(process.execPath, [...CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 40_000, killSignal: 'SIGKILL' });
  const lines: string[] = [];
  let rest = '';
  c.stdout.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      onLine(line, c.pid!);
    }
  });
  return new Promise((resolve) => c.once('close', (code, signal) => resolve({ lines, code, signal })));
}

test('a second stop signal that comes before the first one\'s listener has added the next is heard by that next listener, not by the default action', { timeout: 60_000 }, async () => {
  const r = await child(['window'], (line, pid) => {
    if (line === 'armed') process.kill(pid, 'SIGINT');
  });
  assert.deepEqual(r.lines, ['armed', 'first SIGINT', 'second SIGTERM']);
  assert.equal(r.signal, 'SIGTERM', 'ended by the second signal (exitBySignal)');
});

test('two stop signals back to back, many times: each pair heard by the first listener and the one it adds', { timeout: 120_000 }, async () => {
  const rounds = 200;
  const r = await child(['rounds', String(rounds)], (line, pid) => {
    if (!line.startsWith('armed ')) return;
    process.kill(pid, 'SIGINT');
    process.kill(pid, 'SIGTERM');
  });
  assert.equal(r.signal, null, 'not killed by a signal\'s default action');
  assert.equal(r.code, 0);
  assert.deepEqual(r.lines, [...Array.from({ length: rounds }, (_, i) => `armed ${i}`), 'done']);
});

test('exitBySignal from a stop listener, another listener still there: the process ends by the signal', { timeout: 60_000 }, async () => {
  const r = await child(['exit'], (line, pid) => {
    if (line === 'armed') process.kill(pid, 'SIGINT');
  });
  assert.equal(r.signal, 'SIGINT');
  assert.deepEqual(r.lines, ['armed']);
});
