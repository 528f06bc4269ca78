// A model folder's named chat templates (additional_chat_templates/*.jinja, which transformers' AutoTokenizer reads
// beside chat_template.jinja) travel into what is written from it: a merged export (into a new folder, or moved up
// into an empty one given: the folder made anew, never over one that appears meanwhile, and taken back after a
// kill), a full fine-tuning run's model/ (train's by the run's spec) and its export.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportRun } from '../../src/export/export.ts';
import { moveUp } from '../../src/export/out-path.ts';
import { validate } from '../../src/train/config.ts';
import { runSpecOf } from '../../src/train/run-files.ts';
import { train } from '../../src/train/trainer.ts';
import { foreignPaths } from '../../src/util/owned-tree.ts';
import { tinyLoraRun } from '../cli/tiny-lora-run.ts';
import { deadPid, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const T = 'additional_chat_templates';
const TEMPLATES: Record<string, string> = { 'tool_use.jinja': 'TOOLS {{ messages[0].content }}', 'rag.jinja': 'RAG {{ messages | length }}' };

/** The tiny fixture with named templates (and a file transformers does not read there: notes.txt). */
function baseWithTemplates(): string {
  const dir = path.join(tempDir('mt-named-'), 'base');
  fs.cpSync(TINY_BASE, dir, { recursive: true });
  fs.mkdirSync(path.join(dir, T));
  for (const [f, text] of Object.entries(TEMPLATES)) fs.writeFileSync(path.join(dir, T, f), text);
  fs.writeFileSync(path.join(dir, T, 'notes.txt'), 'not a template');
  return dir;
}
const base = baseWithTemplates();
const run = tinyLoraRun(tempDir('mt-named-'), base);

/** The named templates of the folder `dir` as transformers reads them: file → text. */
const templatesOf = (dir: string): Record<string, string> =>
  Object.fromEntries(fs.readdirSync(path.join(dir, T)).sort().map((f) => [f, fs.readFileSync(path.join(dir, T, f), 'utf8')]));

test('a merged export carries the base folder\'s named chat templates (the *.jinja files), into a new folder and into an empty one given', () => {
  const fresh = path.join(tempDir('mt-named-'), 'merged');
  const given = tempDir('mt-named-');
  for (const out of [fresh, given]) {
    const { result, stderr } = captureStderr(() => exportRun({ run, out, merge: true, best: false }));
    assert.ok(result.files.includes(T), out);
    assert.deepEqual(templatesOf(out), { 'rag.jinja': TEMPLATES['rag.jinja'], 'tool_use.jinja': TEMPLATES['tool_use.jinja'] });
    assert.doesNotMatch(stderr, /additional_chat_templates/);
    assert.deepEqual(fs.readdirSync(given).filter((f) => f.startsWith('.')), [], 'no partial folder left');
  }
});

/** A merged export's whole partial folder in a folder given (a copy of one made by the export). */
function partialIn(given: string, pid: number): string {
  const made = path.join(tempDir('mt-named-'), 'made');
  captureStderr(() => exportRun({ run, out: made, merge: true, best: false }));
  const partial = path.join(given, `.partial-export-${pid}`);
  fs.cpSync(made, partial, { recursive: true });
  return partial;
}

test('the templates\' folder appearing in the folder given during the moves is never replaced or filled; what was moved goes', () => {
  const given = tempDir('mt-named-');
  const partial = partialIn(given, process.pid);
  fs.mkdirSync(path.join(given, T)); // the user's, made before the export gets there
  fs.writeFileSync(path.join(given, T, 'mine.jinja'), 'MINE');
  assert.throws(() => moveUp(partial, given), { message: `${path.join(given, T)}: appeared in the output folder while the export was written: the export is not moved over it` });
  assert.deepEqual(fs.readdirSync(given).filter((f) => !f.startsWith('.partial')), [T], 'the files moved before it are gone');
  assert.deepEqual(fs.readdirSync(path.join(given, T)), ['mine.jinja']);
});

test('an export killed while moving the templates\' folder\'s files is taken back by the retry, which writes it whole', () => {
  const given = tempDir('mt-named-');
  const partial = partialIn(given, deadPid()); // a writer that is gone
  // as moveUp leaves it killed after the folder's first file: the files before moved, the folder made, one file in it
  const moves = fs.readdirSync(partial).sort().flatMap((f) => (f === T ? [f, ...fs.readdirSync(path.join(partial, T)).sort().map((g) => `${T}/${g}`)] : [f]));
  const list = moves.map((name) => ({ name, id: name === T ? 'folder' : '' }));
  const cut = moves.indexOf(`${T}/rag.jinja`);
  for (const [i, m] of list.entries()) {
    if (i > cut) break;
    if (m.id === 'folder') fs.mkdirSync(path.join(given, m.name));
    else fs.renameSync(path.join(partial, m.name), path.join(given, m.name));
    const st = fs.statSync(path.join(given, m.name), { bigint: true });
    if (m.id !== 'folder') m.id = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
  }
  fs.writeFileSync(path.join(partial, '.moving'), JSON.stringify(list));
  assert.ok(fs.existsSync(path.join(given, T, 'rag.jinja')));
  captureStderr(() => exportRun({ run, out: given, merge: true, best: false }));
  assert.deepEqual(templatesOf(given), { 'rag.jinja': TEMPLATES['rag.jinja'], 'tool_use.jinja': TEMPLATES['tool_use.jinja'] });
  assert.deepEqual(fs.readdirSync(given).filter((f) => f.startsWith('.')), []);
});

test('a full fine-tuning run\'s model/ holds the named templates as train\'s, and its export copies them', () => {
  const tmp = tempDir('mt-named-');
  fs.writeFileSync(path.join(tmp, 'train.jsonl'), '{"input_ids": [1, 5, 9, 14, 20, 7]}\n');
  const cfg = validate({ model: base, method: 'full', data: { train: path.join(tmp, 'train.jsonl') }, max_steps: 1, batch_size: 1, eval: { samples: 0 }, output_dir: path.join(tmp, 'run') }, 'test');
  const { dir } = captureStderr(() => train(cfg)).result;
  assert.deepEqual(templatesOf(path.join(dir, 'model')), { 'rag.jinja': TEMPLATES['rag.jinja'], 'tool_use.jinja': TEMPLATES['tool_use.jinja'] });
  assert.deepEqual(foreignPaths(dir, runSpecOf(dir)), []);
  fs.writeFileSync(path.join(dir, 'model', T, 'mine.txt'), 'a file of the user\'s');
  assert.deepEqual(foreignPaths(dir, runSpecOf(dir)), [`model/${T}/mine.txt`]);
  const out = path.join(tmp, 'exported');
  captureStderr(() => exportRun({ run: dir, out, merge: false, best: false }));
  assert.deepEqual(templatesOf(out), { 'rag.jinja': TEMPLATES['rag.jinja'], 'tool_use.jinja': TEMPLATES['tool_use.jinja'] });
});
