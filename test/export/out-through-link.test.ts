// An --out named through a symbolic link and `..` (link/../exported, link to a folder elsewhere) is the path the system
// resolves — the link's target's parent — for every step of a folder export: it was made beside the link by path.resolve's
// lexical `..` and then read at the system's path (a raw ENOENT, the half-written folder left beside the link).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportCommand } from '../../src/cli/export-thread.ts';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { outputPath } from '../../src/export/out-path.ts';
import { tempFileName } from '../../src/util/leftover-names.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { deadPid, FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const tmp = tempDir('mt-out-through-link-');

/** A finished LoRA run as far as an export reads it: config.yaml and the HF fixture's adapter. */
function loraRun(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, RUN_LAYOUT.marker), '{}');
  fs.writeFileSync(path.join(tmp, 'train.jsonl'), '{"input_ids": [1, 5, 9]}\n');
  fs.writeFileSync(path.join(dir, 'config.yaml'), `output_dir: ${JSON.stringify(dir)}\nmodel: ${JSON.stringify(TINY_BASE)}\ndata: {train: ${JSON.stringify(path.join(tmp, 'train.jsonl'))}}\n`);
  fs.cpSync(path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init'), path.join(dir, 'adapter'), { recursive: true });
  return dir;
}

test('export --merge (and the adapter copied) --out link/../NAME writes NAME in the link\'s target\'s parent, as the system resolves it, and nothing beside the link', () => {
  const run = loraRun('run');
  const work = path.join(tmp, 'work'), elsewhere = path.join(tmp, 'elsewhere');
  fs.mkdirSync(work);
  fs.mkdirSync(path.join(elsewhere, 'sub'), { recursive: true });
  fs.mkdirSync(path.join(elsewhere, 'empty')); // an empty folder given: written inside it, files moved up
  fs.symlinkSync(path.join(elsewhere, 'sub'), path.join(work, 'link'));
  const adapterFiles = fs.readdirSync(path.join(run, 'adapter')).sort();
  // built by hand: path.join folds link/.. away, as the bug did
  const through = (name: string): string => `${work}/link/../${name}`;
  for (const [name, merge] of [['merged', true], ['copied', false], ['empty', false], ['new/deeper', true]] as const) {
    exportCommand({ run, out: through(name), merge });
    const files = fs.readdirSync(path.join(elsewhere, name)).sort();
    if (merge) assert.ok(files.includes('config.json') && files.includes('model.safetensors'), `${name}: ${files}`);
    else assert.deepEqual(files, adapterFiles, name);
  }
  assert.deepEqual(fs.readdirSync(work), ['link'], 'nothing written beside the link');
});

test('export --format gguf-lora --out link/../new/NAME.gguf makes new/ in the link\'s target\'s parent and writes the file there', () => {
  const run = loraRun('gguf-run');
  const work = path.join(tmp, 'gguf-work'), elsewhere = path.join(tmp, 'gguf-elsewhere');
  fs.mkdirSync(work);
  fs.mkdirSync(path.join(elsewhere, 'sub'), { recursive: true });
  fs.symlinkSync(path.join(elsewhere, 'sub'), path.join(work, 'link'));
  for (const name of ['a.gguf', 'new/b.gguf']) {
    exportCommand({ run, out: `${work}/link/../${name}`, format: 'gguf-lora' });
    assert.ok(fs.statSync(path.join(elsewhere, name)).size > 0, name);
  }
  assert.deepEqual(fs.readdirSync(work), ['link'], 'nothing written beside the link');
});

test('export --format gguf-lora --out link/../NAME.gguf: a killed export\'s temporary of NAME beside the link\'s target\'s parent is removed, another name\'s said', () => {
  const run = loraRun('gguf-temps-run');
  const work = path.join(tmp, 'temps-work'), elsewhere = path.join(tmp, 'temps-elsewhere');
  fs.mkdirSync(work);
  fs.mkdirSync(path.join(elsewhere, 'sub'), { recursive: true });
  fs.symlinkSync(path.join(elsewhere, 'sub'), path.join(work, 'link'));
  const pid = deadPid();
  const own = path.join(elsewhere, tempFileName('a.gguf', pid, 1)), other = path.join(elsewhere, tempFileName('old.gguf', pid, 1));
  fs.writeFileSync(own, 'half a file');
  fs.writeFileSync(other, 'half another');
  const { stderr } = captureStderr(() => exportCommand({ run, out: `${work}/link/../a.gguf`, format: 'gguf-lora' }));
  assert.ok(fs.statSync(path.join(elsewhere, 'a.gguf')).size > 0);
  assert.equal(fs.existsSync(own), false, 'its own name\'s temporary, left by a killed export, removed');
  assert.ok(fs.existsSync(other), 'another name\'s is not this export\'s to remove');
  assert.match(stderr, /old\.gguf/, 'another name\'s temporary is said');
});

test('outputPath of missing/../link/NAME is refused, as the system refuses it (ENOENT), where path.join folded missing/.. away; link/NAME and missing/./NAME resolve', () => {
  const work = path.join(tmp, 'dotdot-work'), elsewhere = path.join(tmp, 'dotdot-elsewhere');
  fs.mkdirSync(work);
  fs.mkdirSync(path.join(elsewhere, 'sub'), { recursive: true });
  fs.symlinkSync(path.join(elsewhere, 'sub'), path.join(work, 'link'));
  const real = path.join(fs.realpathSync(elsewhere), 'sub');
  assert.equal(outputPath(`${work}/link/NAME`), path.join(real, 'NAME'));
  for (const out of [`${work}/missing/../link/NAME`, `${work}/missing/deeper/../../link/new/NAME`, `${work}/missing/./../NAME`]) {
    assert.throws(() => outputPath(out), (e: Error) => e.name === 'UserError' && e.message.startsWith(`${out}: "${work}/missing" does not exist,`), out);
  }
  assert.equal(outputPath(`${work}/missing/./NAME`), path.join(fs.realpathSync(work), 'missing', 'NAME'));
});

test('a GGUF export\'s write errors name --out as given (relative, or through link/..), not the path the system resolves', () => {
  const run = loraRun('gguf-named-run');
  const work = path.join(tmp, 'named-work'), elsewhere = path.join(tmp, 'named-elsewhere');
  fs.mkdirSync(work);
  fs.mkdirSync(path.join(elsewhere, 'sub'), { recursive: true });
  fs.symlinkSync(path.join(elsewhere, 'sub'), path.join(work, 'link'));
  const long = `${'n'.repeat(245)}.gguf`; // a legal name whose temporary is not: refused as the file is written
  const cwd = process.cwd();
  process.chdir(work);
  try {
    for (const out of [long, `link/../${long}`]) {
      assert.throws(() => exportCommand({ run, out, format: 'gguf-lora' }), (e: Error) => e.name === 'UserError' && e.message.startsWith(`${out}: cannot write: its name is 250 bytes`), out);
    }
  } finally {
    process.chdir(cwd);
  }
});

test('export --out a/../NAME with a missing (or a file) is refused in one line naming --out, nothing written: the system gives ENOENT (ENOTDIR), path.join wrote ./NAME', () => {
  const run = loraRun('fold-run');
  const work = path.join(tmp, 'fold-work');
  fs.mkdirSync(work);
  fs.writeFileSync(path.join(work, 'file'), 'x');
  const cases: Array<[string, string, 'merge' | 'gguf-lora']> = [
    [`${work}/missing/../merged`, `"${work}/missing" does not exist`, 'merge'],
    [`${work}/missing/deeper/../../merged`, `"${work}/missing" does not exist`, 'merge'],
    [`${work}/missing/../adapter.gguf`, `"${work}/missing" does not exist`, 'gguf-lora'],
    [`${work}/file/../merged`, `"${work}/file" is not a folder`, 'merge'],
    [`${work}/file/../adapter.gguf`, `"${work}/file" is not a folder`, 'gguf-lora'],
  ];
  for (const [out, why, kind] of cases) {
    const opts = kind === 'merge' ? { run, out, merge: true } : { run, out, format: 'gguf-lora' as const };
    assert.throws(() => exportCommand(opts), (e: Error) => e.name === 'UserError' && e.message.startsWith(`${out}: ${why}`) && e.message.includes('--out') && !e.message.includes('\n'), out);
    assert.deepEqual(fs.readdirSync(work), ['file'], `${out}: nothing written`);
  }
  // a folder export's --out dir/ (a trailing "/") names the folder, as before
  exportCommand({ run, out: `${work}/copied/` });
  assert.deepEqual(fs.readdirSync(path.join(work, 'copied')).sort(), fs.readdirSync(path.join(run, 'adapter')).sort());
});
