// An export whose --out lies inside a run folder that another process writes (a train running there, its lock held)
// is refused naming that process, before anything is written: it wrote its folder beside the run's checkpoints, and
// an export into the running train's adapter/ or best/ was replaced, or mixed with the train's files, when the train
// ended. An export into a run folder that no process writes takes the run's lock while it writes, and releases it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportCommand } from '../../src/cli/export-thread.ts';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const tmp = tempDir('mt-inside-live-run-');

/** A finished LoRA run as far as an export reads it: config.yaml and the HF fixture's adapter. */
function loraRun(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, RUN_LAYOUT.marker), '{}');
  fs.writeFileSync(path.join(dir, 'config.yaml'), `output_dir: ${JSON.stringify(dir)}\nmodel: ${JSON.stringify(TINY_BASE)}\ndata: {train: ${JSON.stringify(path.join(tmp, 'train.jsonl'))}}\n`);
  fs.cpSync(path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init'), path.join(dir, 'adapter'), { recursive: true });
  return dir;
}

test('an export into a run folder another process holds is refused naming it; into one no process holds, it is written and the lock released', () => {
  fs.writeFileSync(path.join(tmp, 'train.jsonl'), '{"input_ids": [1, 5, 9]}\n');
  const run = loraRun('source');
  const busy = loraRun('busy');
  // a train writing in busy/: its lock names a process that runs (a lock of this very process is taken over as left by a failed call)
  const holder = spawn('sleep', ['600'], { stdio: 'ignore' });
  fs.writeFileSync(path.join(busy, RUN_LAYOUT.lock), JSON.stringify({ pid: holder.pid, host: os.hostname(), started: new Date().toISOString() }) + '\n');
  try {
    // (into its best/ itself, a folder train writes whole, the export is refused for that first: out-inside-source.test)
    for (const [name, flags] of [['copied', {}], ['exported', { merge: true }], ['model.gguf', { format: 'gguf' }], ['adapter.gguf', { format: 'gguf-lora' }]] as const) {
      const out = path.join(busy, name);
      assert.throws(() => exportCommand({ run, out, ...flags }), (e: Error) => {
        assert.equal(e.name, 'UserError');
        assert.match(e.message, new RegExp(`^${busy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the run folder that holds --out is in use by process ${holder.pid} on .*: wait for it to finish, or give --out a path outside it`));
        return true;
      }, name);
      assert.equal(fs.existsSync(out), false, `${name}: nothing written`);
    }
  } finally {
    holder.kill('SIGKILL');
    fs.rmSync(path.join(busy, RUN_LAYOUT.lock));
  }
  const out = path.join(busy, 'exported');
  exportCommand({ run, out });
  assert.deepEqual(fs.readdirSync(out).sort(), fs.readdirSync(path.join(run, 'adapter')).sort());
  assert.equal(fs.existsSync(path.join(busy, RUN_LAYOUT.lock)), false, 'the run\'s lock is released');
});

test('an export into a writable folder inside a run folder it cannot write (a read-only mount, a finished run chmod a-w) is written, as before the run\'s lock was taken; refused while a process holds that lock', async (t) => {
  fs.writeFileSync(path.join(tmp, 'train.jsonl'), '{"input_ids": [1, 5, 9]}\n');
  const run = loraRun('read-only');
  const exports = path.join(run, 'exports');
  fs.mkdirSync(exports, { mode: 0o777 });
  fs.chmodSync(exports, 0o777);
  const holder = spawn('sleep', ['600'], { stdio: 'ignore' });
  t.after(() => { holder.kill('SIGKILL'); });
  const lock = path.join(run, RUN_LAYOUT.lock);
  const readOnly = (): boolean => {
    // a read-only mount where this process may mount (root, whom permissions do not stop), else the folder's permissions
    if (process.getuid?.() === 0) {
      const aside = tempDir('mt-inside-read-only-exports-');
      if (spawnSync('mount', ['--bind', run, run]).status !== 0) return false;
      t.after(() => { spawnSync('umount', [exports]); spawnSync('umount', [run]); }); // the inner mount first
      if (spawnSync('mount', ['-o', 'remount,bind,ro', run]).status !== 0) return false;
      // exports/ writable inside it: a folder of its own mounted there
      if (spawnSync('mount', ['--bind', aside, exports]).status !== 0) return false;
    } else {
      fs.chmodSync(run, 0o555);
      t.after(() => { fs.chmodSync(run, 0o755); });
    }
    return true;
  };
  // a train holding the run's lock (written before the folder is made read-only)
  fs.writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: os.hostname(), started: new Date().toISOString() }) + '\n');
  if (!readOnly()) return t.skip('mount --bind not permitted');
  assert.throws(() => exportCommand({ run, out: path.join(exports, 'held') }), (e: Error) => {
    assert.equal(e.name, 'UserError');
    assert.match(e.message, /the run folder that holds --out is locked \(its \.mistral-tune\.lock\), and this process cannot write there to wait its turn: wait for it to finish, or give --out a path outside it$/);
    return true;
  });
  const gone = new Promise((resolve) => holder.once('exit', resolve));
  holder.kill('SIGKILL');
  await gone; // the holder gone (reaped): its lock, left in the read-only folder, is stale
  const out = path.join(exports, 'exported');
  exportCommand({ run, out });
  assert.deepEqual(fs.readdirSync(out).sort(), fs.readdirSync(path.join(run, 'adapter')).sort());
});

test('an --out that is a link to an empty folder inside a run folder another process holds, or a file named through such a link and .., is refused as that folder is', () => {
  fs.writeFileSync(path.join(tmp, 'train.jsonl'), '{"input_ids": [1, 5, 9]}\n');
  const run = loraRun('linked-source');
  const busy = loraRun('linked-busy');
  fs.mkdirSync(path.join(busy, 'empty'));
  fs.mkdirSync(path.join(tmp, 'links'));
  const link = path.join(tmp, 'links', 'into-busy');
  fs.symlinkSync(path.join(busy, 'empty'), link);
  const holder = spawn('sleep', ['600'], { stdio: 'ignore' });
  fs.writeFileSync(path.join(busy, RUN_LAYOUT.lock), JSON.stringify({ pid: holder.pid, host: os.hostname(), started: new Date().toISOString() }) + '\n');
  try {
    assert.throws(() => exportCommand({ run, out: link }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, /: the run folder that holds --out is in use by process \d+ on .*: wait for it to finish, or give --out a path outside it/);
      return true;
    });
    assert.deepEqual(fs.readdirSync(path.join(busy, 'empty')), [], 'nothing written through the link');
    // a GGUF file named through the link and `..`: the system writes it in the link's target's parent, the run folder
    assert.throws(() => exportCommand({ run, out: `${link}/../adapter.gguf`, format: 'gguf-lora' }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, /: the run folder that holds --out is in use by process \d+ on .*: wait for it to finish, or give --out a path outside it/);
      return true;
    });
    assert.equal(fs.existsSync(path.join(busy, 'adapter.gguf')), false, 'no GGUF written in the run folder');
  } finally {
    holder.kill('SIGKILL');
  }
});
