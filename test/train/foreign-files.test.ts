// No file of the user's in a run folder is ever deleted, at any depth: --overwrite names what train did not write
// inside its folders (adapter/notes.md, checkpoints/step-N/mine/), replacing adapter/ or best/ carries such
// files into the new folder, checkpoint rotation and the repair of an interrupted swap keep them (with a
// warning), and an export never replaces a folder that appeared at --out meanwhile. Real files; one tiny training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import type { Param } from '../../src/model/params.ts';
import { listCheckpoints, saveCheckpoint } from '../../src/train/checkpoint.ts';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { AdamW } from '../../src/train/optimizer.ts';
import { RunDir } from '../../src/train/run-dir.ts';
import { runSpec, runSpecOf } from '../../src/train/run-files.ts';
import { APPEARED } from '../../src/util/atomic.ts';
import { WRITTEN_RECORD } from '../../src/util/written-record.ts';
import { UserError } from '../../src/util/errors.ts';
import { createFolderAtomic, recoverFolderSwaps } from '../../src/util/folder-swap.ts';
import { ANY_FILES, filesSpec, foreignPaths, NOT_A_FOLDER, removeOwned } from '../../src/util/owned-tree.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { deadPid, FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const tmp = (): string => tempDir('mt-foreign-');

/** Writes `files` (paths relative to `dir`; a trailing "/" makes a folder) with some content. */
function put(dir: string, files: string[]): void {
  for (const f of files) {
    if (f.endsWith('/')) fs.mkdirSync(path.join(dir, f), { recursive: true });
    else {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), `${f}\n`);
    }
  }
}

/** Saves a checkpoint of step `step` of a one-parameter model in `run`, keeping the newest one (checkpoint.keep 1). */
function checkpointSaver(run: string): (step: number) => string {
  const backend = createBackend('cpu');
  const param: Param = { name: 'w', shape: [2], value: backend.alloc('f32', 2), grad: backend.alloc('f32', 2) };
  const optimizer = new AdamW(backend, [param], { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  return (step) => saveCheckpoint(run, [param], optimizer, backend,
    { loop: { step, best: null, sinceBest: 0, loader: { epoch: 0, index: step, rng: [1, 2, 3, 4] } }, metricsBytes: 0, extra: {} }, 1, 'lora');
}

/** A run folder as train leaves it: LoRA with best/ and two checkpoints (and leftovers of a killed write). */
function madeRun(): string {
  const run = tmp();
  const pid = deadPid();
  fs.writeFileSync(path.join(run, 'config.yaml'), 'method: lora\n'); // the method says which weights folders are train's
  put(run, ['.mistral-tune-run', 'metrics.jsonl', 'report.json', 'loss_curve.svg', `.report.json.${pid}.3.tmp`,
    ...['adapter', 'best', `.tmp-best-${pid}`].flatMap((d) => ['adapter_model.safetensors', 'adapter_config.json', 'README.md'].map((f) => `${d}/${f}`)),
    ...['step-0000001', 'step-0000002'].flatMap((c) => ['state.safetensors', 'trainer_state.json', 'adapter_model.safetensors', 'adapter_config.json', 'README.md'].map((f) => `checkpoints/${c}/${f}`))]);
  return run;
}

test('everything a full fine-tuning run writes (model/, best/, checkpoints/) is train\'s by the run folder\'s spec', () => {
  const data = path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl');
  const cfg = validate({
    model: TINY_BASE, method: 'full', data: { train: data, val: data }, max_steps: 2, batch_size: 1, eval: { samples: 0, every_steps: 1 },
    checkpoint: { every_steps: 1, keep: 1 }, output_dir: path.join(tmp(), 'run'),
  }, 'test');
  const { dir } = captureStderr(() => train(cfg)).result;
  assert.ok(fs.existsSync(path.join(dir, 'model', 'config.json')) && fs.existsSync(path.join(dir, 'best', 'model.safetensors')));
  assert.deepEqual(foreignPaths(dir, runSpecOf(dir)), []);
  assert.deepEqual(foreignPaths(dir, runSpec('full')), []);
  // an adapter's files in its checkpoint are the user's (only a LoRA run's checkpoints hold an adapter), and so are they
  // where the method is not known
  put(dir, ['checkpoints/step-0000002/README.md', 'checkpoints/step-0000002/adapter_config.json']);
  assert.deepEqual(foreignPaths(dir, runSpecOf(dir)), ['checkpoints/step-0000002/README.md', 'checkpoints/step-0000002/adapter_config.json']);
  assert.deepEqual(foreignPaths(dir, runSpec(null)), ['best/', 'checkpoints/step-0000002/README.md', 'checkpoints/step-0000002/adapter_config.json', 'model/']);
  assert.deepEqual(foreignPaths(dir, runSpec('lora')).filter((p) => p.startsWith('checkpoints/')), []);
});

test('a run folder as train writes it holds nothing foreign; files of the user at any depth are named relative to it', () => {
  const run = madeRun();
  assert.deepEqual(foreignPaths(run, runSpecOf(run)), []);
  RunDir.check(run, true);
  // adapter/config.json: a model folder's name, but adapter/ is only ever an adapter
  const mine = ['adapter/notes.md', 'best/plots/loss.png', 'checkpoints/step-0000001/eval.txt', 'checkpoints/mine/a.txt',
    'model/notes.txt', 'adapter/config.json'];
  put(run, mine);
  fs.rmSync(path.join(run, 'best', 'README.md'));
  fs.symlinkSync(path.join(run, 'config.yaml'), path.join(run, 'best', 'README.md')); // train writes no link
  // model/ in a LoRA run is not train's at all (an export --merge put there, say)
  const named = ['adapter/config.json', 'adapter/notes.md', 'best/README.md', 'best/plots/', 'checkpoints/mine/',
    'checkpoints/step-0000001/eval.txt', 'model/'];
  assert.deepEqual(foreignPaths(run, runSpecOf(run)), named);
  assert.throws(() => RunDir.create(run, true), (e: unknown) => e instanceof UserError &&
    e.message === `${run}: --overwrite would delete ${named.slice(0, 5).join(', ')} and 2 more (7 in all), which train did not make: ` +
      'move them out of the run folder, or delete them yourself');
  for (const f of mine) assert.equal(fs.readFileSync(path.join(run, f), 'utf8'), `${f}\n`, f);
  assert.ok(fs.existsSync(path.join(run, 'adapter', 'adapter_model.safetensors')), 'nothing of the run is deleted either');
});

test('replacing best/ carries the files of the user in it into the new best/', () => {
  const run = madeRun();
  const dir = RunDir.open(run);
  put(run, ['best/notes.md', 'best/plots/loss.png']);
  dir.writeFolder('best', 'lora', (t) => put(t, ['adapter_model.safetensors', 'adapter_config.json', 'README.md']));
  assert.deepEqual(fs.readdirSync(path.join(run, 'best')).sort(), [WRITTEN_RECORD, 'README.md', 'adapter_config.json', 'adapter_model.safetensors', 'notes.md', 'plots']);
  assert.equal(fs.readFileSync(path.join(run, 'best', 'plots', 'loss.png'), 'utf8'), 'best/plots/loss.png\n');
  assert.deepEqual(fs.readdirSync(run).filter((e) => e.startsWith('.old-') || e.startsWith('.tmp-best')), [], 'nothing left beside it');
});

test('adapter/ that is a symbolic link to a folder of the user\'s, or a file, is refused, never moved aside: the folder it points to keeps its files (notes.md was moved into the new adapter/)', () => {
  for (const kind of ['link', 'file'] as const) {
    const run = madeRun();
    const mine = tmp();
    put(mine, ['adapter_model.safetensors', 'notes.md']);
    const adapter = path.join(run, 'adapter');
    fs.rmSync(adapter, { recursive: true, force: true });
    if (kind === 'link') fs.symlinkSync(mine, adapter);
    else fs.writeFileSync(adapter, 'mine\n');
    assert.throws(() => RunDir.open(run).writeFolder('adapter', 'lora', (t) => put(t, ['adapter_model.safetensors', 'adapter_config.json'])),
      { message: `${adapter}: is ${kind === 'link' ? 'a symbolic link' : 'a file'}, where mistral-tune writes its adapter/ folder: move it away (mistral-tune did not make it)` });
    assert.equal(kind === 'link' ? fs.lstatSync(adapter).isSymbolicLink() : fs.readFileSync(adapter, 'utf8') === 'mine\n', true, 'left in place');
    assert.deepEqual(fs.readdirSync(mine).sort(), ['adapter_model.safetensors', 'notes.md']);
    assert.deepEqual(fs.readdirSync(run).filter((e) => e.startsWith('.old-adapter') || e.startsWith('.tmp-adapter')), [], 'nothing left beside it');
  }
});

test('a file named checkpoints in a run folder is named in one line, not a stack trace (ENOTDIR) on --resume', () => {
  const run = tmp();
  fs.writeFileSync(path.join(run, 'checkpoints'), 'mine\n');
  assert.throws(() => listCheckpoints(run), (e: unknown) => e instanceof UserError && e.message === `${path.join(run, 'checkpoints')}: is not a folder, where train keeps its checkpoints: move it away (mistral-tune did not make it)`);
});

test('repairing an interrupted swap carries the user\'s files of the moved-aside folder over, and keeps those of a temporary one', () => {
  const run = madeRun();
  const pid = deadPid();
  put(run, [`.old-adapter-${pid}/adapter_model.safetensors`, `.old-adapter-${pid}/notes.md`, `.tmp-adapter-${pid}/README.md`, `.tmp-adapter-${pid}/mine.txt`]);
  const { stderr } = captureStderr(() => recoverFolderSwaps(run, runSpecOf(run)));
  assert.equal(fs.readFileSync(path.join(run, 'adapter', 'notes.md'), 'utf8'), `.old-adapter-${pid}/notes.md\n`);
  assert.equal(fs.existsSync(path.join(run, `.old-adapter-${pid}`)), false);
  assert.deepEqual(fs.readdirSync(path.join(run, `.tmp-adapter-${pid}`)), ['mine.txt']);
  assert.match(stderr, new RegExp(`warning: kept .*\\.tmp-adapter-${pid}, which holds mine\\.txt that mistral-tune did not write: move them out`));
  assert.deepEqual(fs.readdirSync(run).filter((e) => e.startsWith('.tmp-best-')), [], 'a temporary with only train\'s files is removed');
});

test('checkpoint rotation deletes only the checkpoint\'s own files: a file of the user in an old one is kept, with a warning', () => {
  const run = tmp();
  const save = checkpointSaver(run);
  const first = save(1);
  put(first, ['eval.txt', 'plots/a.png']);
  const { stderr } = captureStderr(() => save(2));
  assert.deepEqual(fs.readdirSync(first).sort(), ['eval.txt', 'plots']);
  assert.match(stderr, /warning: kept eval\.txt, plots\/ in the old checkpoint .*step-0000001: mistral-tune did not write them/);
  const quiet = captureStderr(() => save(3));
  assert.equal(quiet.stderr, '', 'said once');
  assert.deepEqual(listCheckpoints(run).map((c) => path.basename(c)), ['step-0000001', 'step-0000003'], 'the one kept whole is the newest');
  assert.deepEqual(fs.readdirSync(listCheckpoints(run)[1]!).sort(), [WRITTEN_RECORD, 'state.safetensors', 'trainer_state.json']);
});

test('an old checkpoint folder that is a symbolic link is never followed by rotation: nothing in its target is deleted', () => {
  const run = tmp();
  const save = checkpointSaver(run);
  // elsewhere: a folder holding files of a checkpoint's names (a user's copy, or another run's)
  const elsewhere = tmp();
  put(elsewhere, ['state.safetensors', 'trainer_state.json', 'notes.txt']);
  fs.mkdirSync(path.join(run, 'checkpoints'));
  fs.symlinkSync(elsewhere, path.join(run, 'checkpoints', 'step-0000001'));
  const { stderr } = captureStderr(() => save(2));
  assert.deepEqual(fs.readdirSync(elsewhere).sort(), ['notes.txt', 'state.safetensors', 'trainer_state.json']);
  assert.ok(fs.lstatSync(path.join(run, 'checkpoints', 'step-0000001')).isSymbolicLink());
  assert.match(stderr, /warning: the old checkpoint .*step-0000001 is a symbolic link, which mistral-tune did not make: nothing in it was deleted/);
  // it stays the oldest, so every later rotation comes to it again: said once, as kept files are, not at every checkpoint
  const quiet = captureStderr(() => save(3));
  assert.equal(quiet.stderr, '', 'said once');
  assert.deepEqual(fs.readdirSync(elsewhere).sort(), ['notes.txt', 'state.safetensors', 'trainer_state.json']);
});

test('an old checkpoint name that is a file of the user\'s is never deleted by rotation, and its warning calls it a file', () => {
  const run = tmp();
  const save = checkpointSaver(run);
  fs.mkdirSync(path.join(run, 'checkpoints'));
  const mine = path.join(run, 'checkpoints', 'step-0000001');
  fs.writeFileSync(mine, 'mine\n');
  const { stderr } = captureStderr(() => save(2));
  assert.equal(fs.readFileSync(mine, 'utf8'), 'mine\n');
  // was: "is a symbolic link" for a plain file
  assert.match(stderr, /warning: the old checkpoint .*step-0000001 is a file, which mistral-tune did not make: it was not deleted/);
});

test('removeOwned never follows a folder that is a symbolic link (a leftover\'s name pointing elsewhere)', () => {
  const target = tmp();
  put(target, ['a.safetensors', 'b.json']);
  const link = path.join(tmp(), '.tmp-out-1');
  fs.symlinkSync(target, link);
  assert.deepEqual(removeOwned(link, ANY_FILES), [NOT_A_FOLDER]);
  assert.deepEqual(fs.readdirSync(target).sort(), ['a.safetensors', 'b.json']);
  assert.deepEqual(removeOwned(path.join(tmp(), 'absent'), ANY_FILES), []);
});

test('a folder write that must not replace (an export) leaves a folder that appeared at its target meanwhile', () => {
  const parent = tmp();
  const target = path.join(parent, 'exported');
  assert.throws(() => createFolderAtomic(target, (t) => {
    put(parent, ['exported/mine.txt']); // another process, or the user, during a long merge
    put(t, ['model.safetensors']);
  }, ANY_FILES), (e: unknown) => e instanceof UserError && e.message === `${target}: ${APPEARED}`);
  assert.deepEqual(fs.readdirSync(parent), ['exported']);
  assert.deepEqual(fs.readdirSync(target), ['mine.txt']);
});

test('a failed folder write whose temporary folder holds a file the tool did not write keeps it, with the warning that names it', () => {
  // before: the temporary folder stayed, hidden, without a word (removeLeftoverFolder dropped what removeOwned kept)
  const parent = tmp();
  const target = path.join(parent, 'exported');
  const left = path.join(parent, `.tmp-exported-${process.pid}`);
  const { stderr } = captureStderr(() => assert.throws(() => createFolderAtomic(target, (t) => {
    put(t, ['model.safetensors']);
    put(parent, [`.tmp-exported-${process.pid}/mine.txt`]); // the user's, put there during a long merge
    throw new UserError('the merge failed');
  }, filesSpec((n) => n === 'model.safetensors')), (e: unknown) => e instanceof UserError && e.message === 'the merge failed'));
  assert.deepEqual(fs.readdirSync(left), ['mine.txt']);
  assert.equal(stderr, `warning: kept ${left}, which holds mine.txt that mistral-tune did not write: move them out\n`);
});

test('best/ is train\'s adapter files in a LoRA run and model files in a full one: a config.json of the user\'s in a LoRA run\'s best/ is never deleted, replaced or exported', async () => {
  // before: best/ owned both kinds of names whatever the method, so --overwrite deleted best/config.json, a new best/ left it behind, and export --best copied it
  const { exportRun } = await import('../../src/export/export.ts');
  const data = path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl');
  const cfg = validate({
    model: TINY_BASE, data: { train: data, val: data }, max_steps: 2, batch_size: 1, eval: { samples: 0, every_steps: 1 }, output_dir: path.join(tmp(), 'run'),
  }, 'test');
  const { dir: run } = captureStderr(() => train(cfg)).result;
  put(run, ['best/config.json']);
  assert.deepEqual(foreignPaths(run, runSpecOf(run)), ['best/config.json']);
  assert.throws(() => RunDir.create(run, true), (e: unknown) => e instanceof UserError && e.message.includes('--overwrite would delete best/config.json, which train did not make: move it out of the run folder, or delete it yourself'));
  RunDir.open(run).writeFolder('best', 'lora', (t) => {
    fs.mkdirSync(t);
    for (const f of ['adapter_model.safetensors', 'adapter_config.json']) fs.copyFileSync(path.join(run, 'adapter', f), path.join(t, f));
  });
  assert.equal(fs.readFileSync(path.join(run, 'best', 'config.json'), 'utf8'), 'best/config.json\n', 'carried into the new best/');
  const out = path.join(tmp(), 'export');
  const backend = createBackend('cpu');
  const exported = captureStderr(() => exportRun({ run, out, merge: false, best: true, backend })).result;
  assert.equal(exported.kind, 'adapter');
  assert.equal(fs.existsSync(path.join(out, 'config.json')), false, 'the user\'s file is not part of the export');
  // a full run's best/ is a model folder: an adapter's file there is the user's
  const full = tmp();
  fs.writeFileSync(path.join(full, 'config.yaml'), 'method: full\n');
  put(full, ['.mistral-tune-run', 'best/config.json', 'best/model.safetensors', 'best/adapter_config.json', 'model/config.json', 'adapter/x.txt']);
  assert.deepEqual(foreignPaths(full, runSpecOf(full)), ['adapter/', 'best/adapter_config.json']);
  // a run folder whose config.yaml does not say its method: no weights folder is train's
  fs.writeFileSync(path.join(full, 'config.yaml'), 'not: a run config\n');
  assert.deepEqual(foreignPaths(full, runSpecOf(full)), ['adapter/', 'best/', 'model/']);
});
