// Exports of a finished run into folders (or files) of it: each holds the run for its own output only, so two into
// different places both go on (merged/ and adapter.gguf at once), where the run's one lock refused the second; two into
// the same place refuse each other, and a train (any exclusive lock of the folder) is refused while one writes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportCommand } from '../../src/cli/export-thread.ts';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { acquireRunLock, exportHoldName } from '../../src/train/run-lock.ts';
import { claimOutDir } from '../../src/data/out-dir.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { deadPid, FIXTURES, TINY_BASE } from '../helpers.ts';
import { nodeArgsFor } from '../node-args.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const tmp = tempDir('mt-run-folder-holds-');
const HOLDER = path.join(import.meta.dirname, 'export-holder.ts');

/** A finished LoRA run as far as an export reads it: config.yaml and the HF fixture's adapter. */
function loraRun(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(tmp, 'train.jsonl'), '{"input_ids": [1, 5, 9]}\n');
  fs.writeFileSync(path.join(dir, RUN_LAYOUT.marker), '{}');
  fs.writeFileSync(path.join(dir, 'config.yaml'), `output_dir: ${JSON.stringify(dir)}\nmodel: ${JSON.stringify(TINY_BASE)}\ndata: {train: ${JSON.stringify(path.join(tmp, 'train.jsonl'))}}\n`);
  fs.cpSync(path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init'), path.join(dir, 'adapter'), { recursive: true });
  return dir;
}

/** A process exporting into `out` (export-holder.ts): resolves once it holds the run, with the call that lets it finish. */
async function exportingInto(out: string): Promise<{ pid: number; finish: () => Promise<string> }> {
  const go = path.join(tmp, `go-${path.basename(out)}`);
  const p = spawn(process.execPath, [...nodeArgsFor(HOLDER), out, go], { stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  p.stdout.on('data', (d: Buffer) => { said += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { said += d.toString(); });
  const exit = new Promise<number | null>((resolve) => p.once('exit', resolve));
  await Promise.race([
    new Promise<void>((resolve) => p.stdout.on('data', () => { if (said.includes('holding')) resolve(); })),
    exit.then(() => { throw new Error(`the holder ended before it held the run: ${said}`); }),
  ]);
  return {
    pid: p.pid!,
    finish: async () => {
      fs.writeFileSync(go, '');
      assert.equal(await exit, 0, said);
      return said;
    },
  };
}

const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('while an export of a finished run writes one folder of it, a second export into another folder (or a GGUF file) of it is written; into the same folder, and a train of the run, are refused naming the export', async () => {
  const run = loraRun('finished');
  const first = await exportingInto(path.join(run, 'merged'));
  try {
    exportCommand({ run, out: path.join(run, 'exported') });
    assert.deepEqual(fs.readdirSync(path.join(run, 'exported')).sort(), fs.readdirSync(path.join(run, 'adapter')).sort());
    exportCommand({ run, out: path.join(run, 'gguf', 'adapter.gguf'), format: 'gguf-lora' });
    assert.ok(fs.statSync(path.join(run, 'gguf', 'adapter.gguf')).size > 0, 'the GGUF adapter is written');
    assert.throws(() => exportCommand({ run, out: path.join(run, 'merged') }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, new RegExp(`^${escaped(run)}: --out merged in the run folder is in use by process ${first.pid} on .*, exporting into merged\\): ` +
        'wait for it to finish, or give --out another path; '));
      return true;
    });
    assert.equal(fs.existsSync(path.join(run, 'merged')), false, 'nothing written by the refused export');
    assert.throws(() => acquireRunLock(run), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, new RegExp(`^${escaped(run)}: the run folder is in use by process ${first.pid} on .*, exporting into merged\\): wait for it to finish, or choose another output_dir`));
      return true;
    });
    assert.equal(fs.existsSync(path.join(run, RUN_LAYOUT.lock)), false, 'the refused train leaves no lock');
  } finally {
    assert.doesNotMatch(await first.finish(), /stale|taken over/);
  }
  assert.deepEqual(fs.readdirSync(run).filter((e) => e.startsWith(RUN_LAYOUT.lock)), [], 'no lock or hold is left');
  acquireRunLock(run).release(); // the run is free again
});

test('the hold (and its temporary) that a killed export left is taken over by the next export into the same place, and removed by a train of the run', () => {
  const run = loraRun('killed-export');
  const dead = deadPid();
  const left = (out: string): void => {
    const hold = path.join(run, exportHoldName(out));
    fs.writeFileSync(hold, JSON.stringify({ pid: dead, host: os.hostname(), started: 'then', out }) + '\n');
    fs.writeFileSync(`${hold}.${dead}-0badf00d.tmp`, JSON.stringify({ pid: dead, host: os.hostname(), started: 'then', out }) + '\n');
  };
  left('exported');
  const { stderr } = captureStderr(() => exportCommand({ run, out: path.join(run, 'exported') }));
  assert.match(stderr, new RegExp(`took over --out exported in the run folder's stale lock \\(${escaped(exportHoldName('exported'))}\\): process ${dead} .* no longer runs`));
  assert.deepEqual(fs.readdirSync(run).filter((e) => e.startsWith(RUN_LAYOUT.lock)), [], 'the hold and its temporary are gone');
  left('merged');
  acquireRunLock(run).release();
  assert.deepEqual(fs.readdirSync(run).filter((e) => e.startsWith(RUN_LAYOUT.lock)), [], 'the train removed the dead export\'s hold and temporary');
});

test('an export into a folder inside (or around) the output that another export of the run writes is refused up front, naming that output; one beside it goes on', async () => {
  const run = loraRun('nested');
  const refusedBy = (out: string, other: string, pid: number, where: string) => (e: Error) => {
    assert.equal(e.name, 'UserError');
    assert.match(e.message, new RegExp(`^${escaped(run)}: --out ${escaped(out)} in the run folder, ${where} the output of another export, is in use by process ${pid} ` +
      `on .*, exporting into ${escaped(other)}\\): wait for it to finish, or give --out another path; `));
    assert.doesNotMatch(e.message, /\n/);
    return true;
  };
  const outer = await exportingInto(path.join(run, 'a'));
  try {
    assert.throws(() => exportCommand({ run, out: path.join(run, 'a', 'b') }), refusedBy(path.join('a', 'b'), 'a', outer.pid, 'inside'));
    assert.equal(fs.existsSync(path.join(run, 'a')), false, 'nothing written by the refused export');
    exportCommand({ run, out: path.join(run, 'ab') }); // a name that only begins as the other's does is beside it
    assert.ok(fs.existsSync(path.join(run, 'ab', 'adapter_config.json')));
  } finally {
    await outer.finish();
  }
  const inner = await exportingInto(path.join(run, 'n', 'b'));
  try {
    assert.throws(() => exportCommand({ run, out: path.join(run, 'n') }), refusedBy('n', path.join('n', 'b'), inner.pid, 'around'));
  } finally {
    await inner.finish();
  }
  assert.deepEqual(fs.readdirSync(run).filter((e) => e.startsWith(RUN_LAYOUT.lock)), [], 'no lock or hold is left');
});

// the hold of an export on another host (a shared run folder), its heartbeat fresh: the refusal names that export's
// output as a live local one's does (it said only "inside the output of another export", not which)
test('an export inside the output another host\'s export of the run writes is refused naming that output', () => {
  const run = loraRun('nested-elsewhere');
  const hold = path.join(run, exportHoldName('a'));
  fs.writeFileSync(hold, JSON.stringify({ pid: 4242, host: 'other-machine', started: 'then', beat: 15_000, thread: 0, id: 'feed', out: 'a' }) + '\n');
  assert.throws(() => exportCommand({ run, out: path.join(run, 'a', 'b') }), (e: Error) => e.name === 'UserError' &&
    e.message.startsWith(`${run}: --out ${path.join('a', 'b')} in the run folder, inside the output of another export, is locked by process 4242 on other-machine ` +
      '(since then, exporting into a), another host than this one'));
  assert.equal(fs.existsSync(path.join(run, 'a')), false, 'nothing written by the refused export');
  fs.rmSync(hold);
});

// A folder with a lock and no run marker (a prepare or quickstart running there, or its stale lock after a kill) is
// held like a run's, but train writes no model/ or adapter/ there: an export into its model/ was refused as "the run's
// model/ folder".
test('an export into model/ of a folder that holds only a lock (no run marker) is no run\'s folder: written past a stale lock, refused naming a live one', () => {
  const run = loraRun('beside-prepare');
  const prep = path.join(tmp, 'prepared-data');
  fs.mkdirSync(prep);
  const dead = deadPid();
  fs.writeFileSync(path.join(prep, RUN_LAYOUT.lock), JSON.stringify({ pid: dead, host: os.hostname(), started: 'then' }) + '\n');
  captureStderr(() => exportCommand({ run, out: path.join(prep, 'model') }));
  assert.ok(fs.existsSync(path.join(prep, 'model', 'adapter_config.json')), 'the export is written');
  const live = acquireRunLock(prep);
  try {
    assert.throws(() => exportCommand({ run, out: path.join(prep, 'adapter') }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.doesNotMatch(e.message, /the run's/);
      assert.match(e.message, /in use by process/);
      return true;
    });
  } finally {
    live.release();
  }
});

test('an export into a folder a live prepare holds (its lock, no run marker) is refused naming the folder as a folder and the command and process that hold it, as its lock says', () => {
  // before: "the run folder that holds --out is in use by process N on HOST (since …)": no run there, and no word of prepare
  const run = loraRun('beside-live-prepare');
  const prep = path.join(tmp, 'prepare-running');
  const claimed = claimOutDir(prep, false, FLAG_WORDS); // as prepare takes its --out folder
  try {
    assert.throws(() => exportCommand({ run, out: path.join(prep, 'adapter') }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, new RegExp(`^${escaped(prep)}: the folder that holds --out is in use by process ${process.pid} on ${escaped(os.hostname())} \\(mistral-tune prepare, since `));
      return true;
    });
  } finally {
    claimed.lock.release();
  }
  assert.equal(fs.existsSync(path.join(prep, 'adapter')), false, 'nothing written');
  // a train's lock (taken before its run marker is written) names a run folder, and train
  const train = acquireRunLock(prep);
  try {
    assert.throws(() => exportCommand({ run, out: path.join(prep, 'adapter') }), /: the run folder that holds --out is in use by process \d+ on .* \(mistral-tune train, since /);
  } finally {
    train.release();
  }
});
