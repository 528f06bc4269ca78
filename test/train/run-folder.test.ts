// The run folder is ours alone: --overwrite empties only a folder that train made (never a project
// folder that holds the config), and a second train on a folder in use is refused while a stale lock
// (its process killed) is taken over. Real files; real processes for the runs killed and the runs beside a live one;
// the others go through the CLI's main() in the test's process (in-process-cli.ts), and a run that a check only starts
// from (a finished run that --overwrite then replaces, say) is trained there as the CLI trains it (train-like-cli.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { deadPid, FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { runnable, TS_LOADER } from '../node-args.ts';
import { trainLikeCli } from './train-like-cli.ts';
import { cliIn } from '../cli/in-process-cli.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const DATA = path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl');

/**
 * The CLI through main() in this process (in-process-cli.ts), from `cwd` (else this process's folder, where a process
 * of its own started): a process each cost ~1.5 CPU-s for a train of 2 steps. A run that must be another process (one
 * killed, one beside another, one whose lock names its pid) is spawned where it is.
 */
const cli = (args: string[], cwd = process.cwd()): Promise<{ status: number | null; stderr: string }> => cliIn(cwd, args);

function project(outputDir: string, maxSteps = 2, more = ''): string {
  const dir = tempDir('mt-runfolder-');
  fs.copyFileSync(DATA, path.join(dir, 'data.jsonl'));
  fs.writeFileSync(path.join(dir, 'config.yaml'),
    `model: ${TINY_BASE}\ndata: {train: data.jsonl}\nmax_steps: ${maxSteps}\nbatch_size: 1\neval: {samples: 0}\noutput_dir: ${outputDir}\n${more}`);
  return dir;
}

test('train --overwrite never empties a project folder that holds the config (output_dir: .)', async () => {
  const dir = project('.');
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'main.ts'), 'export {};\n');
  fs.writeFileSync(path.join(dir, 'NOTES.md'), 'notes\n');
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"step":1}\n');
  const before = fs.readdirSync(dir).sort();
  for (const cwd of [dir, os.tmpdir()]) {
    const r = await cli(['train', path.join(dir, 'config.yaml'), '--overwrite'], cwd);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^error: .*--overwrite/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.deepEqual(fs.readdirSync(dir).sort(), before);
  assert.equal(fs.readFileSync(path.join(dir, 'src', 'main.ts'), 'utf8'), 'export {};\n');
});

test('--overwrite refuses a folder with run-like files that train did not make, and replaces one it made', async () => {
  const dir = project('run');
  fs.mkdirSync(path.join(dir, 'run'));
  fs.writeFileSync(path.join(dir, 'run', 'config.yaml'), 'mine: true\n');
  fs.writeFileSync(path.join(dir, 'run', 'thesis.tex'), 'precious\n');
  const refused = await cli(['train', path.join(dir, 'config.yaml'), '--overwrite']);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /not a run directory made by mistral-tune train/);
  assert.equal(fs.readFileSync(path.join(dir, 'run', 'thesis.tex'), 'utf8'), 'precious\n');

  fs.rmSync(path.join(dir, 'run'), { recursive: true });
  trainLikeCli(path.join(dir, 'config.yaml'));
  const again = await cli(['train', path.join(dir, 'config.yaml'), '--overwrite']);
  assert.equal(again.status, 0, again.stderr);
  assert.ok(fs.existsSync(path.join(dir, 'run', 'adapter', 'adapter_model.safetensors')));
  assert.equal(fs.existsSync(path.join(dir, 'run', '.mistral-tune.lock')), false, 'the lock is released');

  // a run train made, with files of the user added beside its own: --overwrite names them and deletes nothing
  fs.writeFileSync(path.join(dir, 'run', 'notes.md'), 'my analysis\n');
  fs.mkdirSync(path.join(dir, 'run', 'plots'));
  const before = fs.readdirSync(path.join(dir, 'run')).sort();
  const mine = await cli(['train', path.join(dir, 'config.yaml'), '--overwrite']);
  assert.equal(mine.status, 2, mine.stderr);
  assert.match(mine.stderr, /^error: .*run: --overwrite would delete notes\.md, plots\/, which train did not make: move them out of the run folder, or delete them yourself\n$/m);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'run')).sort(), before);
  assert.equal(fs.readFileSync(path.join(dir, 'run', 'notes.md'), 'utf8'), 'my analysis\n');
});

test('files of the user inside the run\'s own folders: --overwrite names them and deletes nothing; a resume that rewrites adapter/ keeps them', async () => {
  const dir = project('run', 2, 'checkpoint: {every_steps: 1, keep: 1}\n');
  const config = path.join(dir, 'config.yaml'), run = path.join(dir, 'run');
  fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('data: {train: data.jsonl}', 'data: {train: data.jsonl, val: data.jsonl}')); // best/ too
  trainLikeCli(config);
  const mine = ['adapter/notes.md', 'best/plots/loss.png', 'checkpoints/step-0000002/eval.txt'];
  for (const f of mine) {
    fs.mkdirSync(path.dirname(path.join(run, f)), { recursive: true });
    fs.writeFileSync(path.join(run, f), 'mine\n');
  }
  const r = await cli(['train', config, '--overwrite']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: .*run: --overwrite would delete adapter\/notes\.md, best\/plots\/, checkpoints\/step-0000002\/eval\.txt, which train did not make: move them out of the run folder, or delete them yourself$/m);
  for (const f of mine) assert.equal(fs.readFileSync(path.join(run, f), 'utf8'), 'mine\n', f);
  fs.rmSync(path.join(run, 'report.json')); // as if killed before its end: a finished run is left as it is
  const resumed = await cli(['train', config, '--resume']); // from the last checkpoint: adapter/ is written again
  assert.equal(resumed.status, 0, resumed.stderr);
  for (const f of mine) assert.equal(fs.readFileSync(path.join(run, f), 'utf8'), 'mine\n', f);
  assert.ok(fs.existsSync(path.join(run, 'adapter', 'adapter_model.safetensors')));
});

const stepsOf = (file: string): number[] => {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{"step"') && !l.includes('"split"'))
      .map((l) => (JSON.parse(l) as { step: number }).step);
  } catch {
    return [];
  }
};

test('a second train on a run folder in use is refused; the lock of a killed run is taken over', { timeout: 60_000 }, async (t) => {
  const dir = project('run', 1_000_000);
  const config = path.join(dir, 'config.yaml');
  const metrics = path.join(dir, 'run', 'metrics.jsonl');
  const first = spawn(process.execPath, [BIN, 'train', config], { stdio: 'ignore' });
  t.after(() => { first.kill('SIGKILL'); });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => first.once('exit', (_c, signal) => resolve(signal)));
  while (stepsOf(metrics).length < 5) {
    assert.equal(first.exitCode, null, 'the first run should still be training');
    await new Promise((r) => setTimeout(r, 20));
  }
  // (short runs, so that without a lock they would finish, not train for hours)
  const second = await Promise.all(['--resume', '--overwrite'].map((flag) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [BIN, 'train', config, flag, '--max_steps', '3'], { stdio: ['ignore', 'ignore', 'pipe'] });
    t.after(() => { p.kill('SIGKILL'); });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.once('exit', (code) => resolve({ code, stderr }));
  })));
  for (const r of second) {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`error: .*run: the run folder is in use by process ${first.pid}`));
  }
  assert.equal(first.exitCode, null, 'the first run was not disturbed');
  first.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  const steps = stepsOf(metrics);
  assert.deepEqual(steps, steps.map((_, i) => i + 1), 'one writer: steps 1, 2, 3, … without duplicates');
  assert.ok(fs.existsSync(path.join(dir, 'run', '.mistral-tune.lock')), 'the killed run left its lock');

  const after = await cli(['train', config, '--overwrite', '--max_steps', '3']);
  assert.equal(after.status, 0, after.stderr);
  assert.deepEqual(stepsOf(metrics), [1, 2, 3]);
  assert.equal(fs.existsSync(path.join(dir, 'run', '.mistral-tune.lock')), false);
});

test('a new run folder that a train killed before its config.yaml was in place left (the marker, or its temporary, and config.yaml\'s) is taken by the next train, --overwrite and --resume', async () => {
  const dir = project('run');
  const dead = deadPid();
  // atomic.ts's temporaries, cut short: killed while writing the marker, or config.yaml after it
  const leftovers: Record<string, string[]> = {
    marker: [`.${RUN_LAYOUT.marker}.${dead}.1.tmp`],
    config: [RUN_LAYOUT.marker, `.${RUN_LAYOUT.config}.${dead}.2.tmp`],
  };
  for (const [when, left] of Object.entries(leftovers)) {
    for (const flag of [[], ['--overwrite'], ['--resume']]) {
      const out = path.join(dir, `killed-at-${when}${flag.join('')}`);
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, '.mistral-tune.lock'), JSON.stringify({ pid: dead, host: os.hostname(), started: new Date().toISOString() }) + '\n');
      for (const f of left) fs.writeFileSync(path.join(out, f), '{"format": "mistral-tune r');
      const r = await cli(['train', path.join(dir, 'config.yaml'), '--output_dir', out, ...flag]);
      assert.equal(r.status, 0, `${when} ${flag.join(' ')}: ${r.stderr}`);
      assert.ok(fs.existsSync(path.join(out, RUN_LAYOUT.report)), `${when} ${flag.join(' ')}`);
      assert.deepEqual(fs.readdirSync(out).filter((f) => f.endsWith('.tmp')), [], `${when} ${flag.join(' ')}: the temporaries are removed`);
    }
  }
});

test('--resume on a folder a killed run left holding only its lock starts the run (a preemption loop always resumes)', async () => {
  const dir = project('run');
  const out = path.join(dir, 'killed-in-setup');
  fs.mkdirSync(out);
  const dead = deadPid();
  fs.writeFileSync(path.join(out, '.mistral-tune.lock'), JSON.stringify({ pid: dead, host: os.hostname(), started: new Date().toISOString() }) + '\n');
  const r = await cli(['train', path.join(dir, 'config.yaml'), '--output_dir', out, '--resume', '--max_steps', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /resume: .*killed-in-setup holds no run yet \(it stopped before writing anything\): starting from the beginning/);
  assert.ok(fs.existsSync(path.join(out, 'metrics.jsonl')));
  const typo = await cli(['train', path.join(dir, 'config.yaml'), '--output_dir', path.join(dir, 'no-such-run'), '--resume']);
  assert.equal(typo.status, 2, typo.stderr);
  assert.match(typo.stderr, /^error: .*no-such-run: cannot resume: the run folder does not exist$/m);
  assert.equal(fs.existsSync(path.join(dir, 'no-such-run')), false, 'nothing made');
});

test('--resume of a finished run without a valid checkpoint says it is complete and changes nothing; of an unfinished one it starts again, saying why', async () => {
  const dir = project('run');
  const config = path.join(dir, 'config.yaml'), run = path.join(dir, 'run');
  trainLikeCli(config);
  const before = fs.readFileSync(path.join(run, 'metrics.jsonl'));
  const done = await cli(['train', run, '--resume']);
  assert.equal(done.status, 0, done.stderr);
  assert.equal(done.stderr, `run ${run} is already complete (step 2 of 2); nothing to do\n`, 'one line, before the model loads');
  assert.ok(fs.readFileSync(path.join(run, 'metrics.jsonl')).equals(before), 'the finished run is left as it was');

  // its checkpoints all corrupt, or deleted by hand: complete all the same (they are not even read)
  const checked = path.join(dir, 'checked'), checkedConfig = path.join(dir, 'checked.yaml');
  fs.writeFileSync(checkedConfig, fs.readFileSync(config, 'utf8').replace('output_dir: run', 'output_dir: checked') + 'checkpoint: {every_steps: 1}\n');
  trainLikeCli(checkedConfig);
  for (const c of fs.readdirSync(path.join(checked, 'checkpoints'))) fs.writeFileSync(path.join(checked, 'checkpoints', c, 'state.safetensors'), 'x');
  const corrupt = await cli(['train', checked, '--resume']);
  assert.equal(corrupt.status, 0, corrupt.stderr);
  assert.match(corrupt.stderr, /^run .*checked is already complete \(step 2 of 2\); nothing to do\n$/);
  fs.rmSync(path.join(checked, 'checkpoints'), { recursive: true });
  const deleted = await cli(['train', checked, '--resume']);
  assert.equal(deleted.status, 0, deleted.stderr);
  assert.match(deleted.stderr, /^run .*checked is already complete/);

  // a run that did not finish (no report.json) and wrote no checkpoint starts again from step 0, with a warning saying why
  fs.rmSync(path.join(run, 'report.json'));
  const again = await cli(['train', run, '--resume']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /^warning: resume: .*run has no valid checkpoint \(checkpoint\.every_steps is null: the run writes none\): the run did not finish, so it starts again from step 0/m);
  assert.ok(fs.existsSync(path.join(run, 'report.json')));
});

test('a run folder moved elsewhere resumes where it now is: train MOVED --resume, or --output_dir MOVED', async () => {
  const dir = project('run', 20);
  const config = path.join(dir, 'config.yaml');
  fs.appendFileSync(config, 'checkpoint: {every_steps: 5, keep: 2}\n');
  // as `train config --max_steps 10` trains it: the run's config.yaml says max_steps 10
  const ten = path.join(dir, 'ten-steps.yaml');
  fs.writeFileSync(ten, fs.readFileSync(config, 'utf8').replace('max_steps: 20', 'max_steps: 10'));
  trainLikeCli(ten);
  fs.renameSync(path.join(dir, 'run'), path.join(dir, 'moved'));
  fs.rmSync(path.join(dir, 'moved', 'report.json')); // as if killed before its end: a finished run is left as it is
  const byFolder = await cli(['train', path.join(dir, 'moved'), '--resume', '--max_steps', '10']);
  assert.equal(byFolder.status, 0, byFolder.stderr);
  assert.match(byFolder.stderr, /resume: from the checkpoint of step 10/);
  assert.match(fs.readFileSync(path.join(dir, 'moved', 'config.yaml'), 'utf8'), new RegExp(`^output_dir: ${path.join(dir, 'moved')}$`, 'm'));
  assert.equal(fs.existsSync(path.join(dir, 'run')), false, 'nothing is written at the old place');

  fs.renameSync(path.join(dir, 'moved'), path.join(dir, 'again'));
  fs.rmSync(path.join(dir, 'again', 'report.json'));
  const byOverride = await cli(['train', config, '--resume', '--max_steps', '10', '--output_dir', path.join(dir, 'again')]);
  assert.equal(byOverride.status, 0, byOverride.stderr);
  assert.match(byOverride.stderr, /resume: from the checkpoint of step 10/);
  fs.rmSync(path.join(dir, 'again', 'report.json')); // a finished run's edit is refused as finished (resume.test.ts)
  const changed = await cli(['train', path.join(dir, 'again'), '--resume', '--max_steps', '11']);
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /different config: max_steps \(10 then, 11 now\) changed since the run's config\.yaml \(resume with the config and flags it was started with, or as mistral-tune train .*again --resume with no --key overrides; only optimizer\.lr, grad_clip, .* may change\)$/m);
});

test('train --output_dir naming an existing file says so (before the lock tries to make a folder there)', async () => {
  const dir = project('run');
  fs.writeFileSync(path.join(dir, 'afile'), 'x\n');
  const r = await cli(['train', path.join(dir, 'config.yaml'), '--output_dir', path.join(dir, 'afile')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: --output_dir: .*afile: exists and is not a folder: choose another output_dir$/m);
  const below = await cli(['train', path.join(dir, 'config.yaml'), '--output_dir', path.join(dir, 'afile', 'sub')]);
  assert.equal(below.status, 2, below.stderr);
  assert.match(below.stderr, /^error: .*afile\/sub: cannot use as output_dir: a path component is not a folder \(ENOTDIR\)$/m);
  assert.equal(fs.readFileSync(path.join(dir, 'afile'), 'utf8'), 'x\n');
});

test('--resume refuses a folder that is not a run made by train, and leaves its config.yaml as it was', async () => {
  const dir = project('run');
  const other = path.join(dir, 'other');
  fs.mkdirSync(other);
  fs.copyFileSync(path.join(dir, 'data.jsonl'), path.join(other, 'data.jsonl'));
  const mine = fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8').replace('output_dir: run', 'output_dir: somewhere');
  fs.writeFileSync(path.join(other, 'config.yaml'), mine);
  for (const args of [[other, '--resume'], [path.join(dir, 'config.yaml'), '--resume', '--output_dir', other]]) {
    const r = await cli(['train', ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^error: .*other: cannot resume: not a run directory made by mistral-tune train \(no \.mistral-tune-run in it\): resume the folder a train wrote \(its output_dir\), or start a new run in an output_dir that does not exist or is empty$/m);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(fs.readFileSync(path.join(other, 'config.yaml'), 'utf8'), mine, 'config.yaml not rewritten');
    assert.deepEqual(fs.readdirSync(other).sort(), ['config.yaml', 'data.jsonl'], 'nothing trained into it');
  }
});

test('train RUN --resume of a folder a train was killed in before its config.yaml says there is no run yet, and how to start it', async () => {
  const dir = project('run');
  const run = path.join(dir, 'run');
  fs.mkdirSync(run);
  // what a SIGKILL in train's first moments leaves: its lock (of a process that no longer runs), then also the marker
  const dead = deadPid();
  fs.writeFileSync(path.join(run, RUN_LAYOUT.lock), JSON.stringify({ pid: dead, host: os.hostname(), started: new Date().toISOString() }) + '\n');
  for (const marker of [false, true]) {
    if (marker) fs.writeFileSync(path.join(run, RUN_LAYOUT.marker), '{"format": "mistral-tune run", "version": 1}\n');
    const before = fs.readdirSync(run).sort();
    const r = await cli(['train', run, '--resume']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^error: .*run: cannot resume: it holds no run yet \(no config\.yaml.*mistral-tune train CONFIG\.yaml --output_dir /m);
    assert.doesNotMatch(r.stderr, /not a run directory made by|file not found/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.deepEqual(fs.readdirSync(run).sort(), before, 'nothing written');
  }
});

test('--overwrite refuses a run folder whose entry named "..cfg" holds the config (it is inside, not above)', async () => {
  const dir = project('run');
  trainLikeCli(path.join(dir, 'config.yaml'));
  const inner = path.join(dir, 'run', '..cfg');
  fs.mkdirSync(inner);
  fs.writeFileSync(path.join(inner, 'config.yaml'),
    `model: ${TINY_BASE}\ndata: {train: ../../data.jsonl}\nmax_steps: 2\nbatch_size: 1\neval: {samples: 0}\noutput_dir: ..\n`);
  const r = await cli(['train', path.join(inner, 'config.yaml'), '--overwrite']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: .*--overwrite would empty a folder that holds .*\.\.cfg/m);
  assert.ok(fs.existsSync(path.join(inner, 'config.yaml')), 'the config is still there');
});

test('--overwrite killed while it empties the earlier run leaves the folder marked as a run: the next --overwrite takes it', async () => {
  const dir = project('run', 2, 'checkpoint: {every_steps: 1}\n');
  trainLikeCli(path.join(dir, 'config.yaml'));
  // killed as it deletes the first checkpoint's files, after the entries sorted before checkpoints/ (the marker first)
  const KILL_AT_REMOVE = path.join(FIXTURES, '..', 'train', 'kill-at-remove.ts');
  // (TS_LOADER names tsx by its resolved place: the run's cwd is a temporary folder with no node_modules)
  const killed = spawnSync(process.execPath, [...TS_LOADER, '--import', runnable(KILL_AT_REMOVE), BIN, 'train', 'config.yaml', '--overwrite'],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, MT_KILL_AT_REMOVE: `[/\\\\]${RUN_LAYOUT.checkpoints}[/\\\\]` } });
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  assert.ok(fs.existsSync(path.join(dir, 'run', RUN_LAYOUT.checkpoints)), 'killed before the checkpoints were gone');
  assert.ok(fs.existsSync(path.join(dir, 'run', RUN_LAYOUT.marker)), 'the marker is the last thing of the earlier run to go');
  const again = await cli(['train', 'config.yaml', '--overwrite'], dir);
  assert.equal(again.status, 0, again.stderr);
});
