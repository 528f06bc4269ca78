// `train --dry-run --resume` of a run that did not finish foretells the resume's refusal of a config changed since the
// run's config.yaml (what the real resume refuses before it loads anything), in its words, exit 2; nothing is trained.
// The CLI's runs are main() in this process (in-process-cli.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn } from '../cli/in-process-cli.ts';
import { WRITTEN_RECORD } from '../../src/util/written-record.ts';

const rows = Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 13 + i, 17] })).join('\n') + '\n';
const lines = (steps: number): string => [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 1', `max_steps: ${steps}`,
  'eval: {samples: 0}', 'checkpoint: {every_steps: 2}', 'output_dir: run'].join('\n') + '\n';

/** A run of `lines(3)` over the tiny model, trained to its end: its folder and run.yaml. */
async function finishedRun(): Promise<{ dir: string; config: string }> {
  const dir = tempDir('mt-dry-run-resume-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows);
  const config = path.join(dir, 'run.yaml');
  fs.writeFileSync(config, lines(3));
  const trained = await cliIn(dir, ['train', 'run.yaml']);
  assert.equal(trained.status, 0, trained.stderr);
  return { dir, config };
}

test('train CONFIG --resume --dry-run of an unfinished run with max_steps changed: refused as the resume refuses it, exit 2, nothing written', async () => {
  // before: "output_dir: …: continued from its newest valid checkpoint (--resume)", exit 0, and the real resume then refused
  const { dir, config } = await finishedRun();
  const run = path.join(dir, 'run');
  fs.rmSync(path.join(run, 'report.json')); // as if the run had stopped after its checkpoint of step 2
  fs.writeFileSync(config, lines(5));
  const listing = (): string[] => fs.readdirSync(run, { recursive: true }).map(String).sort();
  const before = listing();
  const real = await cliIn(dir, ['train', 'run.yaml', '--resume']);
  assert.equal(real.status, 2, real.stderr);
  const refusal = real.stderr.split('\n').find((l) => l.startsWith('error: '))!;
  assert.match(refusal, /cannot resume with a different config: max_steps \(3 then, 5 now\) changed since the run's config\.yaml/);
  const dry = await cliIn(dir, ['train', 'run.yaml', '--resume', '--dry-run']);
  assert.equal(dry.status, 2, dry.stderr);
  assert.match(dry.stdout, /output_dir: .*: refused: cannot resume with a different config: max_steps \(3 then, 5 now\)/);
  assert.ok(dry.stderr.includes(refusal), `the resume's own error line:\n${dry.stderr}`);
  assert.deepEqual(listing(), before, 'nothing written in the run');
  // unchanged, it is continued
  fs.writeFileSync(config, lines(3));
  const same = await cliIn(dir, ['train', 'run.yaml', '--resume', '--dry-run']);
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout, /output_dir: .*: continued from its newest valid checkpoint \(--resume\)/);
});

/** A run of `lines(3)` over a copy of the tiny model, stopped after its checkpoint of step 2 (report.json removed). */
async function stoppedRun(): Promise<{ dir: string; base: string; run: string }> {
  const dir = tempDir('mt-dry-run-resume-');
  const base = path.join(dir, 'base');
  fs.cpSync(TINY_BASE, base, { recursive: true });
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows);
  fs.writeFileSync(path.join(dir, 'run.yaml'), lines(3).replace(`model: ${TINY_BASE}`, 'model: base'));
  const trained = await cliIn(dir, ['train', 'run.yaml']);
  assert.equal(trained.status, 0, trained.stderr);
  const run = path.join(dir, 'run');
  fs.rmSync(path.join(run, 'report.json'));
  return { dir, base, run };
}

/** The real resume's refusal line, then the dry run's: the same line, exit 2, the plan printed with it; nothing written. */
async function sameRefusal(dir: string, run: string, args: string[], expected: RegExp): Promise<void> {
  const listing = (): string[] => fs.readdirSync(run, { recursive: true }).map(String).sort();
  const before = listing();
  const dry = await cliIn(dir, ['train', ...args, '--resume', '--dry-run']);
  assert.equal(dry.status, 2, dry.stderr);
  assert.deepEqual(listing(), before, 'nothing written in the run');
  const real = await cliIn(dir, ['train', ...args, '--resume']);
  assert.equal(real.status, 2, real.stderr);
  const refusal = real.stderr.split('\n').find((l) => l.startsWith('error: '))!;
  assert.match(refusal, expected);
  assert.ok(dry.stderr.includes(refusal), `the resume's own error line:\n${dry.stderr}`);
  assert.match(dry.stdout, /^memory plan: /m);
}

test('train --resume --dry-run of an unfinished run whose data.train has other tokens than its checkpoint recorded: refused as the resume refuses it, from the checkpoint', async () => {
  // before: "continued from its newest valid checkpoint (--resume)", exit 0, and the real resume then refused
  const { dir, run } = await stoppedRun();
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.replace('"input_ids":[1,5,9,13,17]', '"input_ids":[1,6,9,13,17]')); // same counts, other tokens
  await sameRefusal(dir, run, ['run.yaml'], /cannot resume: data\.train changed since the checkpoint of step 2 was written \(its tokens differ \(4 examples, 20 tokens both times\)\)/);
  await sameRefusal(dir, run, ['run'], /cannot resume: data\.train changed since the checkpoint of step 2 was written/);
});

test('train --resume --dry-run of an unfinished LoRA run whose model folder holds other weights than its checkpoint recorded: refused as the resume refuses it', async () => {
  const { dir, base, run } = await stoppedRun();
  const file = path.join(base, 'model.safetensors');
  const edited = fs.readFileSync(file);
  const dataStart = 8 + Number(edited.readBigUInt64LE(0));
  edited[dataStart + 1] = edited[dataStart + 1]! ^ 0x40; // one weight, shapes and types as they were
  fs.writeFileSync(file, edited);
  await sameRefusal(dir, run, ['run.yaml'], /base: cannot resume: the model's weights changed since the checkpoint of step 2 was written \(same folder, other tensors\)/);
  // a byte of the checkpoint's state changed in place: the dry run does not read state.safetensors through (a 7B full
  // fine-tuning's is 87 GB), so it judges from the checkpoint's record; the resume, which hashes it, skips it
  const state = path.join(run, 'checkpoints', 'step-0000002', 'state.safetensors');
  const bytes = fs.readFileSync(state);
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
  fs.writeFileSync(state, flipped);
  const dry = await cliIn(dir, ['train', 'run.yaml', '--resume', '--dry-run']);
  assert.equal(dry.status, 2, dry.stderr);
  assert.match(dry.stderr, /cannot resume: the model's weights changed since the checkpoint of step 2 was written/);
  // the checkpoint of step 2 cut short (a copy or a disk that ran out): the resume, and its dry run, judge by what the
  // run recorded when it started (no other checkpoint: it would start again from step 0)
  fs.writeFileSync(state, bytes.subarray(0, bytes.length - 1));
  await sameRefusal(dir, run, ['run.yaml'], /run\.yaml:1:1: cannot resume: the model's weights changed since the run started \(same folder, other tensors;/);
});

test('train RUN --resume --dry-run of an unfinished run whose config.yaml was edited since its checkpoint: refused as the resume refuses it', async () => {
  // before: "continued from its newest valid checkpoint (--resume)", exit 0: config.yaml is the config, which no
  // comparison with itself catches edited; the checkpoint's record of the config does
  const { dir, run } = await stoppedRun();
  const yaml = path.join(run, 'config.yaml');
  fs.writeFileSync(yaml, fs.readFileSync(yaml, 'utf8').replace(/^max_steps: 3$/m, 'max_steps: 5'));
  await sameRefusal(dir, run, ['run'], /config\.yaml: cannot resume: max_steps \(3 then, 5 now\) changed since the checkpoint of step 2 was written \(config\.yaml was edited, or the checkpoint was copied in from another run\)/);
});

test('train CONFIG --resume --dry-run of a finished run whose config was edited since: the refusal as output_dir\'s line (--json: {output_dir_action}), exit 2', async () => {
  // before: --json printed nothing on stdout (the refusal thrown before the object), and without it no output_dir line
  const { dir, config } = await finishedRun();
  fs.writeFileSync(config, lines(5));
  const real = await cliIn(dir, ['train', 'run.yaml', '--resume']);
  assert.equal(real.status, 2, real.stderr);
  const refusal = real.stderr.split('\n').find((l) => l.startsWith('error: '))!;
  assert.match(refusal, /cannot resume: the run is already complete \(step 3 of 3\), so max_steps \(3 then, 5 now\) changed since it finished/);
  const what = refusal.slice(refusal.indexOf('cannot resume: '));
  const json = await cliIn(dir, ['train', 'run.yaml', '--resume', '--dry-run', '--json']);
  assert.equal(json.status, 2, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { output_dir_action: `refused: ${what}` });
  assert.ok(json.stderr.includes(refusal), `the resume's own error line:\n${json.stderr}`);
  const human = await cliIn(dir, ['train', 'run.yaml', '--resume', '--dry-run']);
  assert.equal(human.status, 2, human.stderr);
  assert.equal(human.stdout, `output_dir: ${path.join(dir, 'run')}: refused: ${what}\n`);
  assert.ok(human.stderr.includes(refusal), `the resume's own error line:\n${human.stderr}`);
});

test('train --resume --dry-run (and --overwrite --dry-run) of a run another live process holds: refused as train refuses it, the lock left as it was', async () => {
  // before: "continued from its newest valid checkpoint (--resume)" / "emptied first (--overwrite)", exit 0, while train
  // refused "the run folder is in use by process …"
  const { dir, run } = await stoppedRun();
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const lock = path.join(run, '.mistral-tune.lock');
    const held = JSON.stringify({ pid: other.pid, host: os.hostname(), started: '2026-01-01T00:00:00.000Z' }) + '\n';
    fs.writeFileSync(lock, held);
    const mtime = fs.statSync(lock).mtimeMs;
    for (const flag of ['--resume', '--overwrite']) {
      const real = await cliIn(dir, ['train', 'run.yaml', flag]);
      assert.equal(real.status, 2, real.stderr);
      const refusal = real.stderr.split('\n').find((l) => l.startsWith('error: '))!;
      assert.match(refusal, new RegExp(`the run folder is in use by process ${other.pid} `));
      const dry = await cliIn(dir, ['train', 'run.yaml', flag, '--dry-run']);
      assert.equal(dry.status, 2, dry.stderr);
      assert.match(dry.stdout, new RegExp(`output_dir: .*: refused: the run folder is in use by process ${other.pid} `));
      assert.ok(dry.stderr.includes(refusal), `train's own error line:\n${dry.stderr}`);
    }
    // a finished run (an export writing in it holds it likewise): refused too, with no plan
    fs.writeFileSync(path.join(run, 'report.json'), '{}\n');
    const dry = await cliIn(dir, ['train', 'run.yaml', '--resume', '--dry-run', '--json']);
    assert.equal(dry.status, 2, dry.stderr);
    assert.match(JSON.parse(dry.stdout).output_dir_action, new RegExp(`^refused: the run folder is in use by process ${other.pid} `));
    assert.equal(fs.readFileSync(lock, 'utf8'), held, 'the lock as it was');
    assert.equal(fs.statSync(lock).mtimeMs, mtime);
  } finally {
    other.kill();
  }
});

/** Rewrites the trainer_state.json of each checkpoint of `run` with `edit` (its written record removed, as a checkpoint of an older version has none). */
function editCheckpoints(run: string, edit: (state: { loop: { loader: Record<string, unknown> }; extra: Record<string, unknown> }) => void): void {
  const root = path.join(run, 'checkpoints');
  for (const name of fs.readdirSync(root)) {
    const file = path.join(root, name, 'trainer_state.json');
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as Parameters<typeof edit>[0];
    edit(state);
    fs.writeFileSync(file, JSON.stringify(state));
    fs.rmSync(path.join(root, name, WRITTEN_RECORD));
  }
}

test('train --resume --dry-run of a packed run whose checkpoint an older version wrote (its loader position holds "rng"): refused as the resume refuses it', async () => {
  // before: "continued from its newest valid checkpoint (--resume)", exit 0, and the real resume then refused
  const { dir, run } = await stoppedRun();
  const yaml = path.join(run, 'config.yaml');
  fs.rmSync(run, { recursive: true });
  fs.writeFileSync(path.join(dir, 'packed.yaml'), fs.readFileSync(path.join(dir, 'run.yaml'), 'utf8').replace('batch_size: 1', 'batch_size: 1\npacking: true\nmax_seq_len: 8'));
  const trained = await cliIn(dir, ['train', 'packed.yaml']);
  assert.equal(trained.status, 0, trained.stderr);
  assert.ok(fs.existsSync(yaml));
  fs.rmSync(path.join(run, 'report.json'));
  editCheckpoints(run, (state) => { state.loop.loader.rng = [1, 2, 3, 4]; }); // as the versions before 2026-12-05 wrote it
  await sameRefusal(dir, run, ['packed.yaml'], /config\.yaml: cannot resume: the checkpoint of step 2 was written by an older mistral-tune, whose packing .* differs/);
  await sameRefusal(dir, run, ['run'], /config\.yaml: cannot resume: the checkpoint of step 2 was written by an older mistral-tune, whose packing .* differs/);
});

test('train --resume --dry-run of a run whose only checkpoint\'s place in the data does not exist: judged as the resume judges it, from the run\'s start', async () => {
  // the resume skips the checkpoint as damaged and would start again from step 0, where a data file at another path
  // is refused; before, the dry run judged from the skipped checkpoint: "continued …", exit 0
  const { dir, run } = await stoppedRun();
  editCheckpoints(run, (state) => { state.loop.loader.index = 99; });
  fs.renameSync(path.join(dir, 'train.jsonl'), path.join(dir, 'moved.jsonl'));
  fs.writeFileSync(path.join(dir, 'run.yaml'), fs.readFileSync(path.join(dir, 'run.yaml'), 'utf8').replace('train: train.jsonl', 'train: moved.jsonl'));
  await sameRefusal(dir, run, ['run.yaml'], /run\.yaml:2:\d+: cannot resume: data\.train \(.*\) changed since the run started, and the run has no checkpoint/);
});

test('train RUN --resume --dry-run of a run whose checkpoint holds tensors of other shapes than the config makes: refused as the resume refuses it', async () => {
  // a checkpoint of an older version records no config, so config.yaml's lora.r edited since is found by its tensors
  // alone; before, the dry run said "continued …", exit 0
  const { dir, run } = await stoppedRun();
  editCheckpoints(run, (state) => { delete state.extra.config; });
  const yaml = path.join(run, 'config.yaml');
  fs.writeFileSync(yaml, fs.readFileSync(yaml, 'utf8').replace(/^(\s*)r: 2$/m, '$1r: 4'));
  await sameRefusal(dir, run, ['run'], /state\.safetensors: cannot resume: the checkpoint of step 2 was written by another model or config: its tensor "param\.base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_A\.weight" has shape \[2, \d+\], where this run's is \[4, \d+\]/);
});

test('train --resume --dry-run of a run whose newest checkpoint a crash left moved aside: judged from it, as the resume puts it back; nothing moved by the dry run', async () => {
  // before: the dry run saw no checkpoint (it judged from the run's start: "continued …", exit 0), where the resume puts
  // it back and refuses the data changed since it
  const { dir, run } = await stoppedRun();
  const dead = spawn('true');
  await new Promise((resolve) => dead.on('exit', resolve));
  const root = path.join(run, 'checkpoints');
  fs.renameSync(path.join(root, 'step-0000002'), path.join(root, `.old-step-0000002-${dead.pid}`));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.replace('"input_ids":[1,5,9,13,17]', '"input_ids":[1,6,9,13,17]'));
  await sameRefusal(dir, run, ['run.yaml'], /cannot resume: data\.train changed since the checkpoint of step 2 was written/);
  assert.ok(fs.existsSync(path.join(root, 'step-0000002')), 'the resume put it back');
});

test('train --resume --dry-run of a run where a file of the user\'s is named as a checkpoint the resume would write: refused as the resume refuses it', async () => {
  // the resume takes the file for a corrupt checkpoint, starts again from step 0 and is refused before a step (it would
  // write step-0000002 there); before, the dry run said "continued from its newest valid checkpoint (--resume)", exit 0
  const { dir, run } = await stoppedRun();
  const step2 = path.join(run, 'checkpoints', 'step-0000002');
  fs.rmSync(step2, { recursive: true });
  fs.writeFileSync(step2, 'mine\n');
  await sameRefusal(dir, run, ['run.yaml'], /step-0000002: is a file, where mistral-tune writes its step-0000002\/ folder: move it away \(mistral-tune did not make it\)/);
  assert.equal(fs.readFileSync(step2, 'utf8'), 'mine\n');
});
