// A quickstart's own stages lock its data/ and run/ folders as prepare and train lock theirs; the lock names the command
// that took it, as others' refusals quote it ("held by process P on H (mistral-tune COMMAND, since …)"). They named
// "mistral-tune prepare" and "mistral-tune train", commands the user never ran: they name the quickstart.
// The quickstart is killed (SIGKILL, by signal-at-write.cjs) at its stage's first output, leaving that stage's lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { tempDir } from '../temp-dir.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const HOOK = path.join(ROOT, 'test', 'export', 'signal-at-write.cjs');

for (const [stage, at] of [['data', '/data/[^/]*train[^/]*$'], ['run', '/run/[^/]*config[^/]*$']] as const) {
  test(`a quickstart's lock of its ${stage}/ folder names the quickstart, the command that took it`, { timeout: 120_000 }, () => {
    const out = path.join(tempDir(`mt-quickstart-lock-${stage}-`), 'qs');
    const r = spawnSync(process.execPath, ['--require', HOOK, BIN, 'quickstart', '--epochs', '1', '--out', out], {
      encoding: 'utf8', timeout: 120_000, env: { ...process.env, MT_SIGNAL_AT: `/qs${at}`, MT_SIGNAL: 'KILL' },
    });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const lock = JSON.parse(fs.readFileSync(path.join(out, stage, RUN_LAYOUT.lock), 'utf8')) as { command?: string };
    assert.equal(lock.command, 'quickstart');
    // and the quickstart's own lock of its folder
    assert.equal((JSON.parse(fs.readFileSync(path.join(out, RUN_LAYOUT.lock), 'utf8')) as { command?: string }).command, 'quickstart');
  });
}
