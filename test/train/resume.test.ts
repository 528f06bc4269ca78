// Checkpoints and exact resume: a run killed with SIGKILL mid-training and resumed with --resume logs
// the same losses, step for step, as an uninterrupted run; a corrupt newest checkpoint is skipped. The runs a check
// starts from (the uninterrupted references, the checkpointed runs) are trained in this process as the CLI trains them
// (train-like-cli.ts); every run killed goes through the real CLI in a process of its own, and every run resumed or
// refused through the CLI's main() in this process (in-process-cli.ts: the same exit status and output, without a
// process's ~1.5 CPU-s start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import YAML from 'yaml';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { listCheckpoints } from '../../src/train/checkpoint.ts';
import { loadTrainConfig } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { dryRun } from '../../src/train/dry-run.ts';
import { isUserError } from '../../src/util/errors.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { Rng } from '../../src/util/rng.ts';
import { deadPid, FIXTURES, literal, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { runnable, TS_LOADER } from '../node-args.ts';
import { cliIn } from '../cli/in-process-cli.ts';
import { trainLikeCli } from './train-like-cli.ts';
import { WRITTEN_RECORD } from '../../src/util/written-record.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
/** `mistral-tune train ARGS` run in this process (main(), the command thread kept: in-process-cli.ts), from its working folder. */
const trainCli = (...args: string[]): ReturnType<typeof cliIn> => cliIn(process.cwd(), ['train', ...args]);
/** What execFileSync checked of a run it started: it ended with status 0. */
const assertDone = (r: { status: number; stderr: string }): void => assert.equal(r.status, 0, r.stderr);
/** Long enough that the kill, after 27 steps, lands mid-run with room to spare (33 steps), past several evaluations
 * (every 10, each with a checkpoint), epochs (10 steps each) and rotations of the 3 kept checkpoints (every 5). */
const STEPS = 60;
const CHECKPOINT_EVERY = 5;

function setup(): string {
  const dir = tempDir('mt-resume-');
  const rng = new Rng(3);
  const rows = Array.from({ length: 40 }, () => {
    const ids = [1, ...Array.from({ length: 60 + rng.below(60) }, () => 3 + rng.below(500))];
    return JSON.stringify({ input_ids: ids, labels: ids.map((t, j) => (j < 5 ? -100 : t)) });
  });
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'val.jsonl'), rows.slice(0, 3).join('\n') + '\n');
  return dir;
}

function writeConfig(dir: string, out: string): string {
  const file = path.join(dir, `${out}.yaml`);
  fs.writeFileSync(file, [
    `model: ${TINY_BASE}`, 'data: {train: train.jsonl, val: val.jsonl}', 'lora: {r: 4, alpha: 8, dropout: 0.1}',
    'optimizer: {lr: 2.0e-3, weight_decay: 0.01}', 'schedule: {type: cosine, warmup_steps: 10}', 'batch_size: 2', 'grad_accum: 2',
    // grouped by length: its order drawn from a generator that each evaluation draws from too (a checkpoint at an
    // evaluation's step holds the draws after it)
    `max_steps: ${STEPS}`, 'shuffle: true', 'group_by_length: true', 'grad_clip: 1.0', 'eval: {every_steps: 10, samples: 0}',
    `checkpoint: {every_steps: ${CHECKPOINT_EVERY}, keep: 3}`, `output_dir: ${out}`, 'seed: 7',
  ].join('\n') + '\n');
  return file;
}

type Row = Record<string, number | string>;
const rowsOf = (run: string): Row[] => fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
/** Everything but the timing columns, which differ between runs by nature. */
const comparable = (rows: Row[]): string[] => rows.map(({ tokens_per_s: _t, mem_bytes: _m, ...rest }) => JSON.stringify(rest));

/**
 * A `steps`-step (3) run of the tiny model with a checkpoint at step 2 (`everyStep`: at each step, all kept), trained to
 * its end in `dir`/`name`, then made to look unfinished (report.json removed), for the resume checks; `val` adds
 * data.val, `model` another model folder. Returns its config and folder.
 */
function checkpointedRun(dir: string, name: string, { val = false, everyStep = false, model = TINY_BASE, steps = 3 } = {}): { config: string; run: string } {
  const config = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(config, [
    `model: ${model}`, `data: {train: train.jsonl${val ? ', val: val.jsonl' : ''}}`, 'lora: {r: 2}', 'batch_size: 1', `max_steps: ${steps}`, 'max_seq_len: 32',
    `eval: {samples: 0${val ? ', every_steps: 100' : ''}}`, `checkpoint: {every_steps: ${everyStep ? `1, keep: ${steps}` : '2'}}`, `output_dir: ${name}`,
  ].join('\n') + '\n');
  trainLikeCli(config);
  const run = path.join(dir, name);
  fs.rmSync(path.join(run, 'report.json')); // as if the run had not finished
  return { config, run };
}

function stepCount(file: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{"step"') && !l.includes('"split"')).length;
  } catch {
    return 0;
  }
}


let straight: { dir: string; config: string; run: string; reference: string[] } | undefined;
/**
 * The uninterrupted STEPS-step run, trained once per file: the kill test's reference, and (after that test) the
 * finished run whose newest checkpoint the corrupt-checkpoint test damages. `reference`: its rows as trained.
 */
function straightRun(): { dir: string; config: string; run: string; reference: string[] } {
  if (!straight) {
    const dir = setup();
    const config = writeConfig(dir, 'straight');
    trainLikeCli(config);
    const run = path.join(dir, 'straight');
    straight = { dir, config, run, reference: comparable(rowsOf(run)) };
  }
  return straight;
}

test('SIGKILL mid-run, then --resume: the same losses step for step as an uninterrupted run', async () => {
  const { dir, reference } = straightRun();

  const config = writeConfig(dir, 'killed');
  const metrics = path.join(dir, 'killed', 'metrics.jsonl');
  const child = spawn(process.execPath, [BIN, 'train', config], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  let killedAt = 0;
  while (child.exitCode === null) {
    const n = stepCount(metrics);
    if (n >= 27) {
      child.kill('SIGKILL');
      killedAt = n;
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(await exited, 'SIGKILL', 'the run should have been killed before it finished');
  assert.ok(killedAt > 25 && killedAt < STEPS, `killed after ${killedAt} steps`);
  const checkpoints = listCheckpoints(path.join(dir, 'killed'));
  assert.ok(checkpoints.length >= 1 && checkpoints.length <= 3);

  assertDone(await trainCli(config, '--resume'));
  assert.deepEqual(comparable(rowsOf(path.join(dir, 'killed'))), reference);
  const adapter = (run: string): Buffer => fs.readFileSync(path.join(dir, run, 'adapter', 'adapter_model.safetensors'));
  assert.ok(adapter('killed').equals(adapter('straight')), 'the final adapters should be byte-identical');
});

test('a run killed between writing its last checkpoint and dropping the one before resumes with only `keep` checkpoints, as an uninterrupted run', async () => {
  const dir = setup();
  const config = (name: string): string => {
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 1', 'max_steps: 4', 'max_seq_len: 32',
      'eval: {samples: 0}', 'checkpoint: {every_steps: 2, keep: 1}', `output_dir: ${name}`].join('\n') + '\n');
    return file;
  };
  trainLikeCli(config('straight'));
  const KILL_AT_REMOVE = path.join(FIXTURES, '..', 'train', 'kill-at-remove.ts');
  // killed at the first deletion of the rotation after step 4's checkpoint: step 2's is still whole
  const killed = spawnSync(process.execPath, [...TS_LOADER, '--import', runnable(KILL_AT_REMOVE), BIN, 'train', config('killed')],
    { encoding: 'utf8', env: { ...process.env, MT_KILL_AT_REMOVE: 'step-0000002[/\\\\]state' } });
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const run = path.join(dir, 'killed');
  assert.deepEqual(listCheckpoints(run).map((d) => path.basename(d)), ['step-0000002', 'step-0000004']);
  const r = await trainCli(config('killed'), '--resume');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /resume: from the checkpoint of step 4/);
  assert.deepEqual(listCheckpoints(run).map((d) => path.basename(d)), ['step-0000004']);
  assert.deepEqual(comparable(rowsOf(run)), comparable(rowsOf(path.join(dir, 'straight'))));
  const weights = (d: string): Buffer => fs.readFileSync(path.join(d, 'adapter', 'adapter_model.safetensors'));
  assert.ok(weights(run).equals(weights(path.join(dir, 'straight'))), 'the same adapter');
});

/** Every entry under `dir` with its bytes and modification time: what a run that changed nothing leaves as it was. */
const snapshot = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((f) => {
  const st = fs.statSync(path.join(dir, f));
  return `${f} ${st.mtimeMs} ${st.isFile() ? fs.readFileSync(path.join(dir, f)).toString('base64') : '/'}`;
});

test('--resume of a complete run whose last checkpoint is its final step says so in one line and changes no file (not even a moved run\'s config.yaml)', async () => {
  const dir = setup();
  const config = path.join(dir, 'done.yaml');
  fs.writeFileSync(config, [`model: ${TINY_BASE}`, 'data: {train: train.jsonl, val: val.jsonl}', 'lora: {r: 2}', 'batch_size: 1', 'max_steps: 3',
    'max_seq_len: 32', 'eval: {samples: 0, every_steps: 100}', 'checkpoint: {every_steps: 1, keep: 2}', 'output_dir: done'].join('\n') + '\n');
  trainLikeCli(config);
  const run = path.join(dir, 'done');
  assert.equal(path.basename(listCheckpoints(run).at(-1)!), 'step-0000003', 'the last checkpoint is the final step');
  const before = snapshot(run);
  for (const args of [[config, '--resume'], [run, '--resume']]) {
    const r = await trainCli(...args);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, `run ${run} is already complete (step 3 of 3); nothing to do\n`);
    assert.deepEqual(snapshot(run), before, 'no file of the run changed: no evaluation, export or report written again');
  }
  const moved = path.join(dir, 'moved');
  fs.renameSync(run, moved);
  const r = await trainCli(moved, '--resume');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, `run ${moved} is already complete (step 3 of 3); nothing to do\n`);
  assert.deepEqual(snapshot(moved), before);
});

test('--resume of a complete run whose config.yaml was edited since (max_steps raised) refuses in one line naming the edit, the recorded total and the way on', async () => {
  const dir = setup();
  const config = path.join(dir, 'edited.yaml');
  fs.writeFileSync(config, [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 1', 'max_steps: 2',
    'max_seq_len: 32', 'eval: {samples: 0}', 'output_dir: edited'].join('\n') + '\n');
  const run = trainLikeCli(config).dir;
  const runConfig = path.join(run, 'config.yaml'), original = fs.readFileSync(runConfig, 'utf8');
  assert.match(original, /^max_steps: 2$/m);
  const resume = () => trainCli(run, '--resume');
  fs.writeFileSync(runConfig, original.replace(/^max_steps: 2$/m, 'max_steps: 4'));
  const before = snapshot(run);
  const r = await resume();
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, `error: ${runConfig}: cannot resume: the run is already complete (step 2 of 2), so max_steps (2 then, 4 now) ` +
    `changed since it finished is not applied; to train further, start a new run from its weights (lora.init_from: ${path.join(run, 'adapter')}, another output_dir), ` +
    'or train it again from step 0 with --overwrite\n');
  assert.deepEqual(snapshot(run), before, 'nothing of the run is written, config.yaml left as the user edited it');
  // the rest in this process (the CLI's exit and line are checked above): train RUN --resume reads the run's config.yaml
  const resumeHere = (): string => captureStderr(() => train(loadTrainConfig(runConfig), { resume: true })).stderr;
  fs.writeFileSync(runConfig, original.replace(/^epochs: 1$/m, 'epochs: 3'));
  assert.throws(resumeHere, (e: Error) => isUserError(e) &&
    /^\S*config\.yaml: cannot resume: the run is already complete \(step 2 of 2\), so epochs \(1 then, 3 now\) changed since it finished is not applied; /.test(e.message));
  // and --dry-run foretells it (review18: it said "a complete run: --resume does nothing" where the run is refused)
  const dry = dryRun(loadTrainConfig(runConfig), { resume: true });
  assert.match(dry.outputRefusal ?? '', /cannot resume: the run is already complete \(step 2 of 2\), so epochs \(1 then, 3 now\) changed since it finished/);
  // a key a resume may change (eval.batch_size) is no edit to refuse: the run is complete, as before
  const edited = YAML.parse(original) as { eval: { batch_size: number | null } };
  edited.eval.batch_size = 3;
  fs.writeFileSync(runConfig, YAML.stringify(edited));
  assert.equal(resumeHere(), `run ${run} is already complete (step 2 of 2); nothing to do\n`);
});

test('train CONFIG --resume of a complete run with a config other than the one it finished with is refused as complete, saying the way on (and so a run of an older version)', () => {
  // before: the older "cannot resume with a different config" check refused it first, never saying the run is finished
  const dir = setup();
  const config = path.join(dir, 'other.yaml');
  const lines = [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 1', 'max_steps: 2', 'max_seq_len: 32', 'eval: {samples: 0}', 'output_dir: other'];
  fs.writeFileSync(config, lines.join('\n') + '\n');
  const run = trainLikeCli(config).dir;
  fs.writeFileSync(config, lines.join('\n').replace('max_steps: 2', 'max_steps: 4') + '\n');
  const refusal = new RegExp(`^${literal(path.join(run, 'config.yaml'))}: cannot resume: the run is already complete \\(step 2 of 2\\), so max_steps \\(2 then, 4 now\\) ` +
    `changed since it finished is not applied; to train further, start a new run from its weights \\(lora\\.init_from: ${literal(path.join(run, 'adapter'))}, another output_dir\\), ` +
    'or train it again from step 0 with --overwrite$');
  const resume = (): unknown => captureStderr(() => train(loadTrainConfig(config), { resume: true }));
  assert.throws(resume, (e: Error) => isUserError(e) && refusal.test(e.message));
  assert.match(dryRun(loadTrainConfig(config), { resume: true }).outputRefusal ?? '', refusal);
  // a run of an older version recorded no config at its end: the run's config.yaml is what it finished with
  const marker = path.join(run, RUN_LAYOUT.marker);
  const { finished_config: _, ...older } = JSON.parse(fs.readFileSync(marker, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(marker, JSON.stringify(older));
  assert.throws(resume, (e: Error) => isUserError(e) && refusal.test(e.message));
  assert.match(dryRun(loadTrainConfig(config), { resume: true }).outputRefusal ?? '', refusal);
});

test('a corrupt newest checkpoint is detected and the previous one used', async () => {
  const { config, run, reference } = straightRun();
  const [older, , newest] = listCheckpoints(run);
  const state = path.join(newest!, 'state.safetensors');
  const bytes = fs.readFileSync(state);
  bytes[bytes.length - 3]! ^= 0xff;
  fs.writeFileSync(state, bytes);
  // a killed run's: the swaps of running processes are left alone
  fs.mkdirSync(path.join(run, 'checkpoints', `.tmp-step-0000999-${deadPid()}`));
  fs.rmSync(path.join(run, 'report.json')); // as if killed before its end: a finished run is left as it is
  const r = await trainCli(config, '--resume');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`checkpoint .*${path.basename(newest!)} is incomplete or corrupt`));
  assert.match(r.stderr, new RegExp(`resume: from the checkpoint of step ${STEPS - CHECKPOINT_EVERY}`));
  assert.deepEqual(comparable(rowsOf(run)), reference);
  assert.ok(older);
  assert.deepEqual(fs.readdirSync(path.join(run, 'checkpoints')).filter((n) => n.startsWith('.tmp-')), [], 'stale temporary checkpoints are removed');
});

test('--resume refuses a changed config but for the keys that keep the checkpoint the run\'s (a diverged run\'s remedies, checkpointing, evaluation, the backend)', async () => {
  const dir = setup();
  const { config, run } = checkpointedRun(dir, 'run2');
  const resume = (...flags: string[]) => trainCli(config, '--resume', ...flags);
  const refused = await resume('--optimizer.lr', '0.5', '--seed', '3');
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /different config: seed \(0 then, 3 now\) changed/);
  assert.doesNotMatch(refused.stderr, /optimizer\.lr \(/);
  // lowered lr and a clip after a divergence, more checkpoints kept: warned, trained on from the checkpoint, recorded
  const changed = await resume('--optimizer.lr', '0.5', '--grad_clip', '0.5', '--checkpoint.keep', '4');
  assert.equal(changed.status, 0, changed.stderr);
  assert.match(changed.stderr, /warning: resume: optimizer\.lr \(0\.0002 then, 0\.5 now\), grad_clip \(1 then, 0\.5 now\), checkpoint\.keep \(2 then, 4 now\) changed since the checkpoint of step 2 was written: the new values hold from it on/);
  assert.match(changed.stderr, /resume: from the checkpoint of step 2/);
  const saved = fs.readFileSync(path.join(run, 'config.yaml'), 'utf8');
  assert.match(saved, /^ {2}lr: 0\.5$/m);
  assert.match(saved, /^ {2}keep: 4$/m);
});

test('a run resumed from the checkpoint where it stopped early does not train on', async () => {
  const dir = setup();
  const config = path.join(dir, 'early.yaml');
  fs.writeFileSync(config, [
    `model: ${TINY_BASE}`, 'data: {train: train.jsonl, val: val.jsonl}', 'batch_size: 2', 'max_steps: 20',
    'eval: {every_steps: 1, samples: 0}', 'early_stopping: {patience: 1, min_delta: 1000}', 'checkpoint: {every_steps: 1, keep: 2}',
    'output_dir: early',
  ].join('\n') + '\n');
  trainLikeCli(config);
  const steps = (): number => rowsOf(path.join(dir, 'early')).filter((r) => r.split === undefined).length;
  assert.equal(steps(), 2); // step 1's evaluation is the first early stopping counts (step 0's is the baseline)
  fs.rmSync(path.join(dir, 'early', 'report.json')); // as if killed before its end: a finished run is left as it is
  assertDone(await trainCli(config, '--resume'));
  assert.equal(steps(), 2);
});

test('--resume of a run whose metrics.jsonl was cut short since its checkpoint (copied mid-run) keeps its whole rows and says so; it never pads the file', async () => {
  const { config, run } = checkpointedRun(setup(), 'cut');
  const metrics = path.join(run, 'metrics.jsonl');
  const [first, second] = fs.readFileSync(metrics, 'utf8').split('\n');
  fs.writeFileSync(metrics, `${first}\n${second!.slice(0, 20)}`); // the copy was taken in the middle of step 2's row
  const r = await trainCli(config, '--resume');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: resume: .*metrics\.jsonl: \d+ bytes where the checkpoint of step 2 left \d+ \(cut or edited since\): its 1 whole row is kept; the missing rows are not recomputed/);
  const text = fs.readFileSync(metrics, 'utf8');
  assert.ok(!text.includes('\0'), 'no NUL padding');
  assert.deepEqual(rowsOf(run).map((row) => row.step), [1, 3]);
});

test('train RUN --resume refuses a run whose config.yaml was edited since its checkpoint (the checkpoint records the config it was made with)', async () => {
  const { run } = checkpointedRun(setup(), 'edited');
  const saved = path.join(run, 'config.yaml');
  const metrics = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8');
  fs.writeFileSync(saved, fs.readFileSync(saved, 'utf8').replace(/^max_steps: 3$/m, 'max_steps: 5').replace(/^ {2}lr: .*$/m, '  lr: 0.5').replace(/^seed: 0$/m, 'seed: 3'));
  const r = await trainCli(run, '--resume');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`^error: ${literal(saved)}: cannot resume: max_steps \\(3 then, 5 now\\), seed \\(0 then, 3 now\\) changed since the checkpoint of step 2 was written \\(config\\.yaml was edited, or the checkpoint was copied in from another run\\)`, 'm'));
  assert.equal(fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8'), metrics, 'the run is left as it was');
  // a key a resume may change, edited there alone: warned against the checkpoint's, then trained on
  fs.writeFileSync(saved, fs.readFileSync(saved, 'utf8').replace(/^max_steps: 5$/m, 'max_steps: 3').replace(/^seed: 3$/m, 'seed: 0'));
  const lr = await trainCli(run, '--resume');
  assert.equal(lr.status, 0, lr.stderr);
  assert.match(lr.stderr, /^warning: resume: optimizer\.lr \(0\.\d+ then, 0\.5 now\) changed since the checkpoint of step 2 was written: the new values hold from it on$/m);
});

test('a checkpoint whose trainer_state.json holds wrong fields (hand-edited, damaged) is skipped with a warning, as a corrupt one is: no TypeError', async () => {
  // each edit damages its own checkpoint (steps 12 down to 3) and one --resume meets them all, newest first: every one is
  // skipped with its warning, down to step 2's, and the run goes on from there as it first went
  const edits: Array<(s: Record<string, unknown>, step: number) => RegExp | void> = [
    (s) => { s.loop = null; }, (s) => { s.metricsBytes = 'x'; }, (s) => { (s.loop as Record<string, unknown>).step = -3; },
    (s) => { (s.loop as Record<string, unknown>).loader = null; }, (s) => { s.extra = null; }, (s) => { s.optimizerStep = 'a'; },
    (s, step) => { (s.loop as Record<string, unknown>).step = step + 4; }, // another step than its folder's
    (s) => { ((s.loop as Record<string, unknown>).loader as Record<string, unknown>).index = 9999; }, // past its epoch: was "loader position 9999 is past…", naming nothing
    // an epoch no step count reaches: was taken, and the run ended at that epoch's end as if it were the last
    (s, step) => { (s.loop as Record<string, unknown>).best = { step: step + 6, loss: 1 }; return new RegExp(`loop\\.best\\.step ${step + 6} is past the checkpoint's step ${step}\\)`); },
    (s, step) => { ((s.loop as Record<string, unknown>).loader as Record<string, unknown>).epoch = 1e15; return new RegExp(`trainer_state\\.json: loop\\.loader\\.epoch 1000000000000000 is past the step ${step} \\(every epoch takes an optimizer step\\)\\)`); },
    // read back as rows and samples: a null one stopped the resume with a TypeError and its stack trace
    (s) => { (s.extra as Record<string, unknown>).evalRows = [null]; return /trainer_state\.json: extra\.evalRows\[0\] is not \{step, split, loss\}\)/; },
    (s) => { (s.extra as Record<string, unknown>).samples = [7]; return /trainer_state\.json: extra\.samples\[0\] is not an object\)/; },
    // AdamW's bias correction counts its updates: another count was taken, and the run went on from other weights than its own
    (s, step) => { s.optimizerStep = step - 1; return new RegExp(`trainer_state\\.json: optimizerStep ${step - 1} is not the step ${step} \\(AdamW updates once a step\\)\\)`); },
  ];
  const { run } = checkpointedRun(setup(), 'state', { everyStep: true, steps: edits.length + 2 });
  const reference = comparable(rowsOf(run));
  const checkpoints = listCheckpoints(run);
  assert.equal(checkpoints.length, edits.length + 2);
  const damaged = edits.map((edit, i) => {
    const dir = checkpoints[checkpoints.length - 1 - i]!, file = path.join(dir, 'trainer_state.json');
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const says = edit(state, Number(/\d+$/.exec(dir)![0]));
    fs.writeFileSync(file, JSON.stringify(state));
    fs.rmSync(path.join(dir, WRITTEN_RECORD)); // no record of the files written (an older version's): the fields are what is checked
    return { dir, says };
  });
  const r = await trainCli(run, '--resume');
  assert.equal(r.status, 0, r.stderr);
  for (const { dir, says } of damaged) {
    const line = r.stderr.split('\n').find((l) => l.includes(`checkpoint ${dir} is incomplete or corrupt (trainer_state.json: `));
    assert.ok(line, `${path.basename(dir)} is skipped with a warning: ${r.stderr}`);
    if (says) assert.match(line, says);
  }
  assert.match(r.stderr, /resume: from the checkpoint of step 2\b/, path.basename(checkpoints[1]!));
  assert.deepEqual(comparable(rowsOf(run)), reference);
});

/**
 * `train RUN --resume` in this process, where `fifo` is a FIFO in the run: a resume that opened it to read would block
 * there, on its thread, until a writer came, so one comes after `ms` (an open for writing, which succeeds only while
 * the FIFO is open to read: never where the resume does not read it), and `blocked` says so — as spawnSync's timeout
 * ended such a resume in a process of its own.
 */
async function resumeBesideFifo(run: string, fifo: string, ms: number): Promise<Awaited<ReturnType<typeof trainCli>> & { blocked: boolean }> {
  let blocked = false;
  const writer = setInterval(() => {
    try {
      fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      blocked = true;
    } catch { /* ENXIO: no reader has it open */ }
  }, ms);
  try {
    return { ...(await trainCli(run, '--resume')), blocked };
  } finally {
    clearInterval(writer);
  }
}

test('a checkpoint with a FIFO for its trainer_state.json or state.safetensors is skipped as corrupt: --resume never blocks on it', async () => {
  const { run } = checkpointedRun(setup(), 'fifo', { everyStep: true });
  const third = listCheckpoints(run)[2]!;
  for (const name of ['trainer_state.json', 'state.safetensors']) {
    fs.rmSync(path.join(run, 'report.json'), { force: true }); // as if the run had not finished
    // the previous resume, which rewrote step 3, kept its old folder (.old-step-0000003-PID), which holds the FIFO (no file
    // of ours, nor carried: its name is taken); this one, of the same pid, moves step 3 aside under the next name
    const file = path.join(third, name);
    // the file put back after the first pass is the first run's, not the one the resumed run recorded writing (its
    // timings differ): the record goes, so that the FIFO is what is met
    fs.rmSync(path.join(third, WRITTEN_RECORD), { force: true });
    fs.renameSync(file, `${file}.kept`);
    execFileSync('mkfifo', [file]);
    const r = await resumeBesideFifo(run, file, 60_000);
    assert.equal(r.blocked, false, `--resume blocked on ${file}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`checkpoint .*${path.basename(third)} is incomplete or corrupt \\(.*${name.replace('.', '\\.')}: is a FIFO`));
    assert.match(r.stderr, /resume: from the checkpoint of step 2/);
    fs.rmSync(file);
    fs.renameSync(`${file}.kept`, file);
  }
});

test('an unfinished run with a folder or link named report.json is refused naming it, not taken for finished ("already complete … nothing to do", exit 0)', async () => {
  const { run } = checkpointedRun(setup(), 'report-folder');
  const report = path.join(run, 'report.json');
  for (const [kind, make] of [['a folder', () => fs.mkdirSync(report)], ['a symbolic link', () => fs.symlinkSync(path.join(run, 'config.yaml'), report)]] as const) {
    make();
    const r = await trainCli(run, '--resume');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: ${literal(report)}: is ${kind}, not the file train writes there`, 'm'));
    assert.doesNotMatch(r.stderr, /already complete/);
    fs.rmSync(report, { recursive: true });
  }
});

test('--resume refuses a training set edited since the checkpoint (its place in it would point into other data, or past its end), and warns of an edited val set', async () => {
  const dir = setup();
  const { run, config } = checkpointedRun(dir, 'data-edit', { val: true });
  const train = path.join(dir, 'train.jsonl'), val = path.join(dir, 'val.jsonl');
  const original = fs.readFileSync(train, 'utf8');
  // 40 rows cut to 1: one micro-batch, before the checkpoint's place (the 3rd) — refused as changed data, not as "loader position 2 is past the 1 batches"
  fs.writeFileSync(train, original.split('\n').slice(0, 1).join('\n') + '\n');
  const r = await trainCli(run, '--resume');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /cannot resume: data\.train changed since the checkpoint of step 2 was written \(40 examples, [\d,]+ tokens then, 1 example, [\d,]+ tokens now\)/);
  // so is train CONFIG --resume with a key a resume may change: config.yaml is left as it was (it recorded the new lr, refused)
  const yaml = fs.readFileSync(path.join(run, 'config.yaml'), 'utf8');
  fs.appendFileSync(config, 'optimizer: {lr: 5.0e-4}\n');
  assert.equal((await trainCli(config, '--resume')).status, 2);
  assert.equal(fs.readFileSync(path.join(run, 'config.yaml'), 'utf8'), yaml);
  // the training data moved away: named at its line in the run's config.yaml, as a fresh run names its config's line,
  // with where to set it (resume-moved-data.test)
  fs.renameSync(train, `${train}.moved`);
  const gone = await trainCli(run, '--resume');
  assert.equal(gone.status, 2, gone.stderr);
  assert.match(gone.stderr, new RegExp(`^error: ${literal(path.join(run, 'config.yaml'))}:\\d+:\\d+: data\\.train: .*train\\.jsonl: no such file \\(the run's config\\.yaml ` +
    `names it where it was when the run started: if it moved, set data\\.train in ${literal(path.join(run, 'config.yaml'))} to where it now is, .*\\)$`, 'm'));
  fs.renameSync(`${train}.moved`, train);
  // the training data put back, the val set edited: resumed, with a warning
  fs.writeFileSync(train, original);
  fs.writeFileSync(val, fs.readFileSync(val, 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
  const ok = await trainCli(run, '--resume');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /warning: resume: data\.val changed since the checkpoint of step 2 was written \(3 examples, [\d,]+ tokens then, 2 examples, [\d,]+ tokens now\)/);
});

test('--resume refused for a training set whose tokens changed names the tokenizer too: the data file may be as it was', async () => {
  const dir = setup();
  // text rows, tokenized by the model folder's tokenizer.json: a copy of the bundled tiny model, whose tokenizer is then edited
  const model = path.join(dir, 'model');
  fs.cpSync(path.join(FIXTURES, '..', '..', 'models', 'mistral-tune-tiny'), model, { recursive: true });
  const texts = ['the winter in berlin is cold', 'interesting letters were written there', 'the river enters the sea'];
  fs.writeFileSync(path.join(dir, 'train.jsonl'), texts.map((text) => JSON.stringify({ text })).join('\n') + '\n');
  const { run } = checkpointedRun(dir, 'tokenizer-edit', { model });
  const data = fs.readFileSync(path.join(dir, 'train.jsonl'));
  const tokenizer = path.join(model, 'tokenizer.json');
  const json = JSON.parse(fs.readFileSync(tokenizer, 'utf8')) as { model: { merges: string[] } };
  json.model.merges = json.model.merges.filter((m) => !['i n', 'e r', '▁ t'].includes(m));
  fs.writeFileSync(tokenizer, JSON.stringify(json));
  const r = await trainCli(run, '--resume');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /cannot resume: data\.train changed since the checkpoint of step 2 was written \(.*\) \(its tokens: the file changed, or the model folder's tokenizer or chat template that tokenizes it\): .*put the data and the tokenizer back/);
  assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('error:')).length, 1, r.stderr);
  assert.deepEqual(fs.readFileSync(path.join(dir, 'train.jsonl')), data, 'the data file is as it was');
});

test('--resume of a LoRA run refuses a model folder whose weights changed since the checkpoint (the adapter was trained over others); the same weights copied back resume', async () => {
  const dir = setup();
  const base = path.join(dir, 'base');
  fs.cpSync(TINY_BASE, base, { recursive: true });
  const { run } = checkpointedRun(dir, 'base-edit', { model: base });
  // one weight of the file changed, shapes and types as they were: a fine-tuned copy put in the model's place
  const file = path.join(base, 'model.safetensors');
  const original = fs.readFileSync(file);
  const edited = Buffer.from(original);
  const dataStart = 8 + Number(edited.readBigUInt64LE(0));
  edited[dataStart + 1] = edited[dataStart + 1]! ^ 0x40;
  fs.writeFileSync(file, edited);
  const r = await trainCli(run, '--resume');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: .*base: cannot resume: the model's weights changed since the checkpoint of step 2 was written \(same folder, other tensors\)/m);
  fs.writeFileSync(file, original); // put back (a new file: only the weights count)
  const ok = await trainCli(run, '--resume');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /resume: from the checkpoint of step 2/);
});

test('train RUN --resume of a LoRA run whose model folder moved (config.yaml set to where it is now, as the not-there error says): the same weights go on, said; other weights are refused', async () => {
  // before: "cannot resume: model (… then, … now) changed since the checkpoint" for the very model the error named
  const dir = setup();
  const base = path.join(dir, 'base');
  fs.cpSync(TINY_BASE, base, { recursive: true });
  const { run } = checkpointedRun(dir, 'moved-model', { model: base });
  const saved = path.join(run, 'config.yaml');
  const yaml = fs.readFileSync(saved, 'utf8');
  const moved = path.join(dir, 'base-moved'), other = path.join(dir, 'base-other');
  fs.renameSync(base, moved);
  // another folder of the same shapes, one weight changed: refused, naming the change
  fs.cpSync(moved, other, { recursive: true });
  const file = path.join(other, 'model.safetensors');
  const edited = fs.readFileSync(file);
  edited[8 + Number(edited.readBigUInt64LE(0)) + 1] ^= 0x40;
  fs.writeFileSync(file, edited);
  fs.writeFileSync(saved, yaml.replace(`model: ${base}`, `model: ${other}`));
  const r = await trainCli(run, '--resume');
  assert.equal(r.status, 2, r.stderr);
  assert.ok(r.stderr.includes(`cannot resume: model (${JSON.stringify(base)} then, ${JSON.stringify(other)} now; other weights) changed since the checkpoint of step 2 was written`), r.stderr);
  fs.writeFileSync(saved, yaml.replace(`model: ${base}`, `model: ${moved}`));
  const ok = await trainCli(run, '--resume');
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(ok.stderr.includes(`warning: resume: model (${JSON.stringify(base)} then, ${JSON.stringify(moved)} now; the same weights) changed since the checkpoint of step 2 was written`), ok.stderr);
});

test('--resume on another device or precision than the checkpoint\'s (device: auto, precision: auto on another machine) warns that the run changes; the same one says nothing', async () => {
  const dir = setup();
  const { run } = checkpointedRun(dir, 'ran-on');
  const [newest] = listCheckpoints(run).reverse();
  const stateFile = path.join(newest!, 'trainer_state.json');
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { extra: { ranOn?: string } };
  assert.equal(state.extra.ranOn, 'cpu in fp32');
  const same = await trainCli(run, '--resume');
  assert.equal(same.status, 0, same.stderr);
  assert.doesNotMatch(same.stderr, /ran on/);
  // as a checkpoint written on a GPU (its record of the files written gone with the edit)
  fs.rmSync(path.join(run, 'report.json'));
  state.extra.ranOn = 'cuda in bf16';
  fs.writeFileSync(stateFile, JSON.stringify(state));
  fs.rmSync(path.join(newest!, WRITTEN_RECORD));
  const moved = await trainCli(run, '--resume');
  assert.equal(moved.status, 0, moved.stderr);
  assert.match(moved.stderr, /warning: resume: the steps up to the checkpoint of step 2 ran on cuda in bf16, the rest runs on cpu in fp32 \(device and precision as the config and this machine give them\)/);
});

test('train RUN --resume refuses a config.yaml edited in a key that reshapes the checkpoint (lora.r): not taken for corrupt checkpoints, with the run restarted over them', async () => {
  const { run } = checkpointedRun(setup(), 'reshaped');
  const saved = path.join(run, 'config.yaml');
  const checkpoint = path.join(listCheckpoints(run).at(-1)!, 'state.safetensors');
  const before = fs.readFileSync(checkpoint);
  fs.writeFileSync(saved, fs.readFileSync(saved, 'utf8').replace(/^ {2}r: 2$/m, '  r: 4'));
  const r = await trainCli(run, '--resume');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: .*config\.yaml: cannot resume: lora\.r \(2 then, 4 now\) changed since the checkpoint of step 2 was written \(config\.yaml was edited, or the checkpoint was copied in from another run\)/m);
  assert.doesNotMatch(r.stderr, /incomplete or corrupt|starts again from step 0/);
  assert.deepEqual(fs.readFileSync(checkpoint), before, 'the checkpoint is left as it was');
});

test('length-grouped with evaluations: resumed from the checkpoint of an evaluation\'s step, the same losses as uninterrupted', async () => {
  // the grouped order is drawn from a generator each evaluation draws from: a checkpoint taken at an evaluation's step
  // holds the draws after it (before: the loader's place before the evaluation, so the next epoch's order was another)
  const dir = setup();
  const config = path.join(dir, 'grouped.yaml');
  fs.writeFileSync(config, [`model: ${TINY_BASE}`, 'data: {train: train.jsonl, val: val.jsonl}', 'lora: {r: 2}', 'batch_size: 4', 'grad_accum: 2',
    'max_steps: 8', 'max_seq_len: 32', 'shuffle: true', 'group_by_length: true', 'eval: {samples: 0, every_steps: 5}',
    'checkpoint: {every_steps: 5, keep: 2}', 'output_dir: grouped'].join('\n') + '\n');
  trainLikeCli(config);
  const run = path.join(dir, 'grouped');
  const reference = comparable(rowsOf(run));
  // 40 rows of 4 × 2 a step: 5 steps an epoch, the evaluation at step 5 before epoch 2's order is drawn
  assert.equal(path.basename(listCheckpoints(run).at(-1)!), 'step-0000005');
  fs.rmSync(path.join(run, 'report.json'));
  assertDone(await trainCli(config, '--resume'));
  assert.deepEqual(comparable(rowsOf(run)), reference);
});

test("a packed run's checkpoint of an older version (its loader position holds \"rng\") is refused in one line: its packs were another's", async () => {
  const dir = setup();
  const config = path.join(dir, 'packed.yaml');
  fs.writeFileSync(config, [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 2', 'packing: true', 'max_seq_len: 128',
    'max_steps: 4', 'eval: {samples: 0}', 'checkpoint: {every_steps: 2}', 'output_dir: packed'].join('\n') + '\n');
  trainLikeCli(config);
  const run = path.join(dir, 'packed');
  fs.rmSync(path.join(run, 'report.json'));
  for (const ckpt of listCheckpoints(run)) {
    const file = path.join(ckpt, 'trainer_state.json');
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as { loop: { loader: Record<string, unknown> } };
    state.loop.loader.rng = [1, 2, 3, 4]; // as the versions before 2026-12-05 wrote it
    fs.writeFileSync(file, JSON.stringify(state));
    fs.rmSync(path.join(ckpt, WRITTEN_RECORD)); // which recorded nothing of the files written
  }
  const r = await trainCli(config, '--resume');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: .*config\.yaml: cannot resume: the checkpoint of step 4 was written by an older mistral-tune, whose packing \(next-fit, anew in each epoch's order; now TRL's packs, made once\) differs: its place in the data would point into other batches; train again with --overwrite$/m);
});

test('metrics.jsonl is fsynced at the length each checkpoint records and whole before report.json: a power cut loses no row a resume or the report counts on', () => {
  const cjsFs = createRequire(import.meta.url)('node:fs') as typeof fs;
  const original = cjsFs.fsyncSync;
  const synced: Array<{ ino: number; size: number }> = [];
  cjsFs.fsyncSync = (fd: number) => {
    const st = fs.fstatSync(fd);
    synced.push({ ino: st.ino, size: st.size });
    original(fd);
  };
  syncBuiltinESMExports();
  let run: string;
  try {
    ({ run } = checkpointedRun(setup(), 'synced', { steps: 5 }));
  } finally {
    cjsFs.fsyncSync = original;
    syncBuiltinESMExports();
  }
  const metrics = fs.statSync(path.join(run, 'metrics.jsonl'));
  const sizes = synced.filter((s) => s.ino === metrics.ino).map((s) => s.size);
  const recorded = listCheckpoints(run).map((c) => (JSON.parse(fs.readFileSync(path.join(c, 'trainer_state.json'), 'utf8')) as { metricsBytes: number }).metricsBytes);
  assert.ok(recorded.length >= 2, `checkpoints: ${recorded}`);
  // before, metrics.jsonl was never fsynced: a checkpoint recorded a length the disk might not hold
  assert.deepEqual(recorded.filter((n) => !sizes.includes(n)), [], `fsynced at ${sizes}`);
  assert.equal(sizes.at(-1), metrics.size, 'synced whole at the end');
});
