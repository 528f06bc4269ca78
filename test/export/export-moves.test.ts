// The moves of an export into an empty folder (out-path.ts moveUp): each file is put in place without replacing a file
// that appeared there meanwhile, and the retry of an export killed between two moves removes only the files it can
// prove it moved (same inode, size and modification time): a file the user edited or replaced since is kept. And the
// folders an export reads (--out, the run's weights) when they cannot be read, or are replaced while read (a run still
// training, for a copy, a merge or a GGUF export): named in one line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportRun } from '../../src/export/export.ts';
import { moveUp } from '../../src/export/out-path.ts';
import { createBackend } from '../../src/backend/select.ts';
import { exportLoraGguf } from '../../src/export/gguf/export-lora-gguf.ts';
import { exportGguf } from '../../src/export/gguf/export-gguf.ts';
import { adapterSource, loadGgufSource } from '../../src/export/gguf/from-source.ts';
import { tinyLoraRun } from '../cli/tiny-lora-run.ts';
import { deadPid, TINY_BASE } from '../helpers.ts';
import { swapAtFirst, withPatched } from '../run/replaced-while-read.ts';
import { tempDir } from '../temp-dir.ts';
import { config, cutTokenizer, randomModelDir } from './gguf-models.ts';

const run = tinyLoraRun(tempDir('mt-moves-'));
const ADAPTER = ['README.md', 'adapter_config.json', 'adapter_model.safetensors'];

/**
 * A folder given to the export, holding what an export into it killed at `killAt` left: the second file moved up and
 * the third not yet ('link'), or the second linked up and still in the partial folder ('unlink'). The kill is the
 * folder taken away whole (a rename keeps every inode and time) at that moment, its partial folder named by a pid
 * that is gone.
 */
function killedExport(killAt: 'linkSync' | 'unlinkSync'): string {
  const dir = tempDir('mt-moves-'), given = path.join(dir, 'given'), killed = path.join(dir, 'killed');
  const partial = path.join(given, '.partial-export-0');
  fs.mkdirSync(partial, { recursive: true });
  for (const f of ADAPTER) fs.copyFileSync(path.join(run, 'adapter', f), path.join(partial, f));
  let n = 0;
  assert.throws(() => withPatched(killAt, (real) => (...a) => {
    if (!String(a[0]).endsWith('.moving') && ++n === (killAt === 'linkSync' ? 3 : 2)) {
      fs.renameSync(given, killed);
      throw new Error('killed');
    }
    return real(...a);
  }, () => moveUp(partial, given)), /killed/);
  fs.renameSync(path.join(killed, '.partial-export-0'), path.join(killed, `.partial-export-${deadPid()}`));
  return killed;
}

test('an export killed between two moves (or between a link and its unlink) is taken back by the retry, which writes it whole', () => {
  for (const at of ['linkSync', 'unlinkSync'] as const) {
    const given = killedExport(at);
    assert.ok(fs.readdirSync(given).includes('README.md'), at);
    assert.deepEqual(exportRun({ run, out: given, merge: false, best: false }).files, ADAPTER);
    for (const f of ADAPTER) assert.ok(fs.readFileSync(path.join(given, f)).equals(fs.readFileSync(path.join(run, 'adapter', f))), f);
  }
});

test('a moved file the user edited before the retry is theirs now: kept, and the output refused as not empty', () => {
  const given = killedExport('linkSync');
  fs.appendFileSync(path.join(given, 'README.md'), '\nmy notes\n');
  assert.throws(() => exportRun({ run, out: given, merge: false, best: false }), /output folder exists and is not empty/);
  assert.match(fs.readFileSync(path.join(given, 'README.md'), 'utf8'), /my notes/);
  // a file of the user's under a moved name (the moved one deleted, a new one written) is kept too
  const other = killedExport('linkSync');
  fs.rmSync(path.join(other, 'adapter_config.json'));
  fs.writeFileSync(path.join(other, 'adapter_config.json'), '{"mine": true}');
  assert.throws(() => exportRun({ run, out: other, merge: false, best: false }), /output folder exists and is not empty/);
  assert.equal(fs.readFileSync(path.join(other, 'adapter_config.json'), 'utf8'), '{"mine": true}');
});

test('a file that appears in the folder given while the export moves its files up is never replaced; the files moved go', () => {
  const given = path.join(tempDir('mt-moves-'), 'given');
  fs.mkdirSync(given);
  let calls = 0;
  // the user writes adapter_config.json just before the export's second move puts its own there (a link, or a rename)
  const appear = (real: (...a: never[]) => unknown) => (...a: never[]): unknown => {
    if (path.dirname(String(a[1])) === given && ++calls === 2) fs.writeFileSync(String(a[1]), '{"mine": true}');
    return real(...a);
  };
  withPatched('linkSync', appear, () => withPatched('renameSync', appear, () => {
    assert.throws(() => exportRun({ run, out: given, merge: false, best: false }),
      { message: `${path.join(given, 'adapter_config.json')}: appeared in the output folder while the export was written: the export is not moved over it` });
  }));
  assert.deepEqual(fs.readdirSync(given), ['adapter_config.json'], 'the user\'s file alone: the file moved before it is gone, no partial folder');
  assert.equal(fs.readFileSync(path.join(given, 'adapter_config.json'), 'utf8'), '{"mine": true}');
});

/** fs.readdirSync failing with EACCES for the folder `dir`, as it does for a folder without read permission. */
const unreadable = (dir: string) => (real: (...a: never[]) => unknown) => (...a: never[]): unknown => {
  if (String(a[0]) === dir) throw Object.assign(new Error(`EACCES: permission denied, scandir '${dir}'`), { code: 'EACCES' });
  return real(...a);
};

test('an existing --out that cannot be read (EACCES) is refused in one line naming it, not with a stack trace', () => {
  const given = tempDir('mt-moves-');
  withPatched('readdirSync', unreadable(given), () => {
    assert.throws(() => exportRun({ run, out: given, merge: false, best: false }), { name: 'UserError', message: `${given}: cannot read the output folder: permission denied (EACCES)` });
  });
});

test('a run\'s weights folder that cannot be read is named, not --out (it said "--out: cannot write: permission denied")', () => {
  const adapter = path.join(run, 'adapter');
  for (const out of [path.join(tempDir('mt-moves-'), 'new'), tempDir('mt-moves-')]) { // a folder made, an empty one given
    withPatched('readdirSync', unreadable(adapter), () => {
      assert.throws(() => exportRun({ run, out, merge: false, best: false }), { name: 'UserError', message: `${adapter}: cannot read the run's weights folder: permission denied (EACCES)` });
    });
  }
});

const ADAPTER_DIR = path.join(run, 'adapter');
const replaced = (dir: string): string => `${dir}: was replaced (or removed) while it was exported (the run is still training and wrote a newer one?): nothing was exported; export it again`;
const REPLACED = replaced(ADAPTER_DIR);

test('a run\'s weights folder replaced while it is copied (train swapping in a newer best/) is refused, nothing exported', () => {
  const out = path.join(tempDir('mt-moves-'), 'out');
  withPatched('copyFileSync', swapAtFirst(ADAPTER_DIR), () => {
    assert.throws(() => exportRun({ run, out, merge: false, best: false }), { name: 'UserError', message: REPLACED });
  });
  assert.equal(fs.existsSync(out), false);
  assert.deepEqual(exportRun({ run, out, merge: false, best: false }).files, ADAPTER, 'the retry exports it');
});

test('a run\'s weights folder replaced while a GGUF export reads it (merged, or the adapter alone) is refused, nothing written', () => {
  const backend = createBackend('cpu');
  // the merged file's run is over the tiny base with a tokenizer that fits it, which the plan's tokenizer section needs
  const base = path.join(tempDir('mt-moves-'), 'base');
  fs.cpSync(TINY_BASE, base, { recursive: true });
  cutTokenizer(base, 512);
  const mergedRun = tinyLoraRun(tempDir('mt-moves-'), base);
  for (const [format, from, exportIt] of [
    // the model and its adapter are read whole before exportGguf writes
    ['gguf', mergedRun, () => loadGgufSource({ run: mergedRun, best: false }, backend, 'fp32').model.lora !== null],
    ['gguf-lora', run, (out: string) => {
      const a = adapterSource({ run, best: false });
      return exportLoraGguf(a.cfg, a.adapterDir, out, 'f32', a.from).bytes > 0;
    }],
  ] as const) {
    const out = path.join(tempDir('mt-moves-'), 'x.gguf'), adapterDir = path.join(from, 'adapter');
    withPatched('openSync', swapAtFirst(adapterDir), () => {
      assert.throws(() => exportIt(out), { name: 'UserError', message: replaced(adapterDir) }, format);
    });
    assert.equal(fs.existsSync(out), false, format);
    assert.ok(exportIt(out), `${format}: the retry reads it`);
  }
});

test('a read that fails because the run\'s folder was replaced under it (a file gone) says the folder was replaced, not that the file is missing', () => {
  const file = path.join(ADAPTER_DIR, 'adapter_model.safetensors'), kept = path.join(tempDir('mt-moves-'), 'kept.safetensors');
  fs.copyFileSync(file, kept);
  const a = adapterSource({ run, best: false });
  withPatched('openSync', swapAtFirst(ADAPTER_DIR, { without: 'adapter_model.safetensors' }), () => {
    assert.throws(() => exportLoraGguf(a.cfg, a.adapterDir, path.join(tempDir('mt-moves-'), 'x.gguf'), 'f32', a.from), { name: 'UserError', message: REPLACED });
  });
  fs.copyFileSync(kept, file); // the run's adapter as it was, for what follows
});

test('a full run\'s model/ replaced while a GGUF export reads its tokenizer.json is refused: model and tokenizer come from one checkpoint', () => {
  const dir = tempDir('mt-moves-'), fullRun = path.join(dir, 'run'), weights = path.join(fullRun, 'model');
  fs.mkdirSync(fullRun);
  fs.cpSync(randomModelDir('full-run-model', config({ vocabSize: 512 }), 512), weights, { recursive: true });
  fs.writeFileSync(path.join(fullRun, 'config.yaml'), `model: ${JSON.stringify(TINY_BASE)}\nmethod: full\ndata:\n  train: ${JSON.stringify(path.join(run, '..', 'train.jsonl'))}\n`);
  const backend = createBackend('cpu');
  const exportIt = (out: string): number => {
    const loaded = loadGgufSource({ run: fullRun, best: false }, backend, 'fp32');
    return exportGguf(loaded.model, loaded.modelDir, out, 'f32', loaded.from, { progress: false, tokenizer: loaded.tokenizer }).bytes;
  };
  const out = path.join(dir, 'x.gguf');
  withPatched('openSync', swapAtFirst(weights, { at: 'tokenizer.json' }), () => {
    assert.throws(() => exportIt(out), { name: 'UserError', message: `${weights}: was replaced (or removed) while it was exported (the run is still training and wrote a newer one?): nothing was exported; export it again` });
  });
  assert.equal(fs.existsSync(out), false);
  assert.ok(exportIt(out) > 0, 'the retry exports it');
});

test('an export into an empty folder on a file system out of inodes names --out or its file and says inodes ran out, never the partial folder or its move list', (t) => {
  const seen = new Set<string>();
  // each count of inodes left fails at another write: a file of the export, its move list, the move of a file up (a hard
  // link takes an inode on a tmpfs), or none
  for (const free of [3, 4, 5, 6]) {
    const disk = tempDir('mt-inodes-');
    // the root folder and --out take two: `free` left for the export
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=4m,nr_inodes=${free + 2}`, 'tmpfs', disk], { encoding: 'utf8' });
    if (mount.status !== 0) return t.skip(`mount -t tmpfs not permitted (${(mount.stderr || String(mount.error)).trim()})`);
    try {
      const out = path.join(disk, 'out');
      fs.mkdirSync(out);
      try {
        exportRun({ run, out, merge: false, best: false });
        assert.deepEqual(fs.readdirSync(out).sort(), ADAPTER);
        seen.add('whole');
      } catch (e) {
        const message = (e as Error).message;
        assert.match(message, new RegExp(`^${out}(/(${ADAPTER.join('|').replaceAll('.', '\\.')}))?: cannot write.*: no free inodes left on its file system .*\\(ENOSPC\\)$`));
        seen.add(message.slice(0, message.indexOf(':')));
        assert.deepEqual(fs.readdirSync(out), [], 'nothing is left');
      }
    } finally {
      spawnSync('umount', [disk]);
    }
  }
  assert.ok(seen.has('whole') && seen.size >= 3, `the counts tried fail at several writes, and the last fits: ${[...seen].join(', ')}`);
});

test('an empty folder given while another export writes into it (its partial folder, of a live process) says so, not "exists and is not empty"', () => {
  const given = path.join(tempDir('mt-moves-live-'), 'given');
  const live = process.ppid; // a process that runs: its partial folder is no killed export's
  fs.mkdirSync(path.join(given, `.partial-export-${live}`), { recursive: true });
  assert.throws(() => exportRun({ run, out: given, merge: false, best: false }),
    { message: `${given}: another export (process ${live}) is writing into this folder: wait for it to finish, or give options.out another folder` });
  assert.deepEqual(fs.readdirSync(given), [`.partial-export-${live}`], 'the other export\'s folder is left as it is');
});
