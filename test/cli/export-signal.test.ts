// Ctrl-C (SIGINT) or SIGTERM in the middle of `mistral-tune export` removes what the export was writing — a GGUF
// file's temporary, a new folder's temporary, the partial folder inside an empty folder given, and the folders it
// made above --out — and ends the process by that signal; nothing that was there before is touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, TINY, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { tinyLoraRun } from './tiny-lora-run.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const HOOK = path.join(FIXTURES, '..', 'export', 'signal-at-write.cjs');

/** The CLI's export, sent `signal` by itself at its first write under a path matching `at` (signal-at-write.cjs). */
function exportSignalled(args: string[], at: string, signal: 'INT' | 'TERM') {
  return spawnSync(process.execPath, ['--require', HOOK, BIN, 'export', ...args], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, MT_SIGNAL_AT: at, MT_SIGNAL: signal },
  });
}

test('export stopped by SIGINT or SIGTERM while writing leaves nothing of its own and ends by the signal', () => {
  const dir = tempDir('mt-export-signal-');
  const run = tinyLoraRun(dir);
  const mine = path.join(dir, 'mine.txt');
  fs.writeFileSync(mine, 'mine');
  const before = fs.readdirSync(dir).sort();

  // a GGUF adapter file's temporary, in folders the export made
  const gguf = exportSignalled(['--model', TINY_BASE, '--adapter', path.join(TINY, 'adapter_step1'), '--format', 'gguf-lora',
    '--out', path.join(dir, 'new', 'deeper', 'a.gguf')], '\\.tmp$', 'INT');
  assert.equal(gguf.signal, 'SIGINT', gguf.stderr);
  assert.deepEqual(fs.readdirSync(dir).sort(), before, 'no temporary file, nor the folders made for it');

  // a new folder's temporary (.tmp-NAME-PID)
  const folder = exportSignalled(['--run', run, '--out', path.join(dir, 'out')], '/\\.tmp-out-', 'TERM');
  assert.equal(folder.signal, 'SIGTERM', folder.stderr);
  assert.deepEqual(fs.readdirSync(dir).sort(), before, 'no temporary folder');

  // the partial folder inside an empty folder given, which stays, empty
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(empty);
  const partial = exportSignalled(['--run', run, '--out', empty], '/\\.partial-export-', 'INT');
  assert.equal(partial.signal, 'SIGINT', partial.stderr);
  assert.deepEqual(fs.readdirSync(empty), []);
  assert.equal(fs.readFileSync(mine, 'utf8'), 'mine');

  // an export inside a run folder holds the run's lock while it writes (run-folder-lock.ts): stopped, it leaves none
  const runBefore = fs.readdirSync(run).sort();
  const inside = exportSignalled(['--run', run, '--out', path.join(run, 'exported')], '/\\.tmp-exported-', 'TERM');
  assert.equal(inside.signal, 'SIGTERM', inside.stderr);
  assert.deepEqual(fs.readdirSync(run).sort(), runBefore, 'no lock, nor temporary folder, left in the run folder');
});
