// --resume checks every place of the run folder it will write (config.yaml, adapter/ or model/, best/, checkpoints/, metrics.jsonl,
// report.json, loss_curve.svg) before the model loads or a step trains: a symbolic link of the user's there was refused
// only when the run came to write it, hours into a 7B run, and best/'s was first warned of as "written again".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireCheckpointPlaces } from '../../src/train/checkpoint.ts';
import { configToYaml, validate, type TrainConfig } from '../../src/train/config.ts';
import { requireOwnFile } from '../../src/train/metrics-log.ts';
import { RunDir } from '../../src/train/run-dir.ts';
import { train } from '../../src/train/trainer.ts';
import { requireFolderPlace } from '../../src/util/folder-swap.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const DATA = path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl');

function config(method: 'lora' | 'full', dir: string): TrainConfig {
  return validate({
    model: TINY_BASE, method, data: { train: DATA, val: DATA }, max_steps: 2, batch_size: 1, eval: { samples: 0, every_steps: 1 },
    checkpoint: { every_steps: 1, keep: 2 }, output_dir: dir,
  }, 'test');
}

const folderError = (p: string): string => `${p}: is a symbolic link, where mistral-tune writes its ${path.basename(p)}/ folder: move it away (mistral-tune did not make it)`;
const fileError = (p: string): string => `${p}: is a symbolic link, not the file train writes there: put the run's own ${path.basename(p)} in its place`;

test('opening a run to resume refuses a symbolic link at any place the run writes, with the error its write gives, touching nothing', () => {
  const places: Array<[method: 'lora' | 'full', entry: string, error: (p: string) => string]> = [
    ['lora', 'adapter', folderError], ['full', 'model', folderError], ['lora', 'best', folderError], ['lora', 'checkpoints', folderError],
    ['lora', 'metrics.jsonl', fileError], ['lora', 'report.json', fileError], ['lora', 'loss_curve.svg', fileError],
  ];
  for (const [method, entry, error] of places) {
    const dir = path.join(tempDir('mt-outputs-'), 'run');
    const cfg = config(method, dir);
    RunDir.create(dir, false).writeText('config.yaml', configToYaml(cfg));
    const mine = path.join(tempDir('mt-mine-'), entry);
    if (entry.includes('.')) fs.writeFileSync(mine, 'mine\n');
    else fs.mkdirSync(mine);
    // report.json is what a finished run has: a link to nothing there is no finished run's (one to a file is: nothing is written)
    fs.symlinkSync(entry === 'report.json' ? path.join(dir, 'gone') : mine, path.join(dir, entry));
    assert.throws(() => RunDir.openForResume(cfg), { message: error(path.join(dir, entry)) }, entry);
    assert.ok(fs.lstatSync(path.join(dir, entry)).isSymbolicLink(), `${entry} left in place`);
  }
});

test('train --resume with best/ or adapter/ a symbolic link stops before a step, with the one error its write gives (best/: no "written again" first)', () => {
  const dir = path.join(tempDir('mt-outputs-'), 'run');
  const cfg = config('lora', dir);
  captureStderr(() => train(cfg));
  // stopped after the checkpoint of step 1: resuming it trains step 2
  fs.rmSync(path.join(dir, 'report.json'));
  fs.rmSync(path.join(dir, 'checkpoints', 'step-0000002'), { recursive: true });
  const metrics = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
  for (const entry of ['best', 'adapter']) {
    const link = path.join(dir, entry), moved = path.join(tempDir('mt-mine-'), entry);
    fs.renameSync(link, moved);
    fs.symlinkSync(moved, link);
    const { stderr } = captureStderr(() => assert.throws(() => train(cfg, { resume: true }), { message: folderError(link) }));
    assert.doesNotMatch(stderr, /written again|resume: from the checkpoint/, 'refused before the checkpoint is restored');
    assert.equal(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8'), metrics, 'no step trained');
    fs.rmSync(link);
    fs.renameSync(moved, link);
  }
});

test('resuming refuses the run folder\'s config.yaml when it is a symbolic link, before it is read, as the other files it writes; the link is left', () => {
  // before: it was read through the link as the run's config, and written again over the link (recordConfig)
  for (const finished of [false, true]) {
    const dir = path.join(tempDir('mt-outputs-'), 'run');
    const cfg = config('lora', dir);
    const run = RunDir.create(dir, false);
    if (finished) run.writeJson('report.json', {}); // a finished run reads it too: it is refused all the same
    const mine = path.join(tempDir('mt-mine-'), 'config.yaml'), link = path.join(dir, 'config.yaml');
    fs.writeFileSync(mine, configToYaml(cfg));
    fs.symlinkSync(mine, link);
    // train's library call (a config naming the run folder), train RUN --resume and train RUN/config.yaml --resume
    assert.throws(() => RunDir.openForResume(cfg), { message: fileError(link) });
    assert.throws(() => RunDir.resumeTarget(dir), { message: fileError(link) });
    assert.throws(() => RunDir.resumeTarget(link), { message: fileError(link) });
    assert.ok(fs.lstatSync(link).isSymbolicLink(), 'the link left in place');
    assert.equal(fs.readFileSync(mine, 'utf8'), configToYaml(cfg), 'its target untouched');
    // the run's own file in its place resumes
    fs.rmSync(link);
    fs.copyFileSync(mine, link);
    assert.deepEqual(RunDir.resumeTarget(dir), { dir: path.resolve(dir), config: link });
    assert.equal(RunDir.openForResume(cfg).dir, dir);
  }
});

test('resuming refuses the run folder\'s marker when it is a symbolic link, before training, as config.yaml; the link and its target are untouched', () => {
  // before: a restart from step 0 of a run whose marker recorded no model fingerprint (an older version's) read the
  // marker through the link and wrote it again over the link (recordModel), after the run folder was opened
  const dir = path.join(tempDir('mt-outputs-'), 'run');
  const cfg = config('lora', dir);
  RunDir.create(dir, false).writeText('config.yaml', configToYaml(cfg));
  const marker = path.join(dir, '.mistral-tune-run'), mine = path.join(tempDir('mt-mine-'), 'marker.json');
  const text = '{"format": "mistral-tune run", "version": 1}\n'; // no model_fingerprint: the restart records one
  fs.writeFileSync(mine, text);
  fs.rmSync(marker);
  fs.symlinkSync(mine, marker);
  assert.throws(() => RunDir.openForResume(cfg), { message: fileError(marker) });
  assert.throws(() => RunDir.resumeTarget(dir), { message: fileError(marker) });
  const { stderr } = captureStderr(() => assert.throws(() => train(cfg, { resume: true }), { message: fileError(marker) }));
  assert.doesNotMatch(stderr, /starts again from step 0/, 'refused before the restart');
  assert.ok(fs.lstatSync(marker).isSymbolicLink(), 'the link left in place');
  assert.equal(fs.readlinkSync(marker), mine, 'pointing where it did');
  assert.equal(fs.readFileSync(mine, 'utf8'), text, 'its target untouched');
  assert.ok(!fs.existsSync(path.join(dir, 'metrics.jsonl')), 'no step trained');
});

test('a marker holding a value nested 100,000 deep is no marker: it is written anew, not overflowed as the run records in it', () => {
  // before: the finished run's recordFinishedConfig read the marker and died in JSON.stringify writing it back
  // ("RangeError: Maximum call stack size exceeded" with a stack trace), after every step had trained
  const dir = path.join(tempDir('mt-outputs-'), 'run');
  const run = RunDir.create(dir, false);
  const marker = path.join(dir, '.mistral-tune-run');
  fs.writeFileSync(marker, `{"format": "mistral-tune run", "version": 1, "junk": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
  run.recordModel('0123456789abcdef');
  assert.deepEqual(JSON.parse(fs.readFileSync(marker, 'utf8')), { format: 'mistral-tune run', version: 1, model_fingerprint: '0123456789abcdef' });
});

test('train --resume refuses a file or symbolic link named as a checkpoint the run will write, before a step trains; one of a step it resumed past is left', () => {
  // before: the resume skipped it as a corrupt checkpoint, trained on, and was refused only when it came to write that
  // step's checkpoint (hours into a 7B run), with the steps since trained for nothing
  const dir = path.join(tempDir('mt-outputs-'), 'run');
  const cfg = config('lora', dir);
  captureStderr(() => train(cfg));
  // stopped after the checkpoint of step 1: resuming it trains step 2 and writes checkpoints/step-0000002
  fs.rmSync(path.join(dir, 'report.json'));
  const step2 = path.join(dir, 'checkpoints', 'step-0000002');
  fs.rmSync(step2, { recursive: true });
  const metrics = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
  const mine = tempDir('mt-mine-');
  fs.writeFileSync(path.join(mine, 'notes.txt'), 'mine\n');
  for (const kind of ['a file', 'a symbolic link'] as const) {
    if (kind === 'a file') fs.writeFileSync(step2, 'mine\n');
    else fs.symlinkSync(mine, step2);
    const { stderr } = captureStderr(() => assert.throws(() => train(cfg, { resume: true }),
      { message: `${step2}: is ${kind}, where mistral-tune writes its step-0000002/ folder: move it away (mistral-tune did not make it)` }));
    assert.doesNotMatch(stderr, /resume: from the checkpoint/, `${kind}: refused before the run goes on`);
    assert.equal(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8'), metrics, `${kind}: no step trained`);
    if (kind === 'a file') assert.equal(fs.readFileSync(step2, 'utf8'), 'mine\n', 'the file left as it was');
    else assert.deepEqual(fs.readdirSync(step2), ['notes.txt'], 'the link and what it points to left as they were');
    fs.rmSync(step2);
  }
  // a link at the step resumed from is read through and never written again: the run goes on
  const step1 = path.join(dir, 'checkpoints', 'step-0000001'), moved = path.join(mine, 'step-0000001');
  fs.renameSync(step1, moved);
  fs.symlinkSync(moved, step1);
  const { stderr } = captureStderr(() => train(cfg, { resume: true }));
  assert.match(stderr, /resume: from the checkpoint of step 1\b/);
  assert.ok(fs.existsSync(path.join(step2, 'state.safetensors')), 'step 2 checkpointed');
  assert.ok(fs.existsSync(path.join(moved, 'state.safetensors')), 'the linked checkpoint kept whole');
});

test('a run folder\'s refusals name what is in a place train writes in one wording: a FIFO where a checkpoint goes is no "file"', () => {
  const dir = tempDir('mt-outputs-');
  const fifo = path.join(dir, 'step-0000002');
  execFileSync('mkfifo', [fifo]);
  assert.throws(() => requireFolderPlace(fifo), { message: `${fifo}: is a FIFO (named pipe), where mistral-tune writes its step-0000002/ folder: move it away (mistral-tune did not make it)` });
  const link = path.join(dir, 'metrics.jsonl');
  fs.symlinkSync(fifo, link);
  // as the folders' refusal words it (was "a symlink")
  assert.throws(() => requireOwnFile(link), { message: `${link}: is a symbolic link, not the file train writes there: put the run's own metrics.jsonl in its place` });
});

test('requireCheckpointPlaces refuses only the names the run writes: a file named as a checkpoint of the same step with another number of digits is no checkpoint place', () => {
  const dir = tempDir('mt-outputs-');
  fs.mkdirSync(path.join(dir, 'checkpoints'));
  // step-00000002 is read as step 2's name by listCheckpoints, but the run writes step-0000002 (checkpointName)
  const other = path.join(dir, 'checkpoints', 'step-00000002');
  fs.writeFileSync(other, 'mine\n');
  requireCheckpointPlaces(dir, 1, 2, 1);
  const place = path.join(dir, 'checkpoints', 'step-0000002');
  fs.writeFileSync(place, 'mine\n');
  assert.throws(() => requireCheckpointPlaces(dir, 1, 2, 1), { message: `${place}: is a file, where mistral-tune writes its step-0000002/ folder: move it away (mistral-tune did not make it)` });
});
