// --resume of a run whose data files moved since its checkpoint (a project folder moved or copied to another machine):
// the config naming them where they are now goes on when they hold the tokens the checkpoint recorded (its data
// fingerprints), as a moved model folder holding the same weights does; a file of other tokens at the new path is refused.
// The CLI's runs are main() in this process (in-process-cli.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn } from '../cli/in-process-cli.ts';
import { listCheckpoints } from '../../src/train/checkpoint.ts';
import { WRITTEN_RECORD } from '../../src/util/written-record.ts';

const train = (...args: string[]): ReturnType<typeof cliIn> => cliIn(process.cwd(), ['train', ...args]);
const rows = (k: number): string => Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 13 + i + k, 17] })).join('\n') + '\n';

/**
 * A LoRA run of the tiny model over DIR/data/train.jsonl (config DIR/run.yaml, output_dir DIR/run) stopped before its end
 * (its report.json removed): with its checkpoint of step 2, or with no checkpoint. `lines(folder)`: the config naming
 * FOLDER/train.jsonl as its data.
 */
async function stoppedRun(checkpoint: 'step 2' | 'none'): Promise<{ dir: string; config: string; run: string; lines: (data: string) => string }> {
  const dir = tempDir('mt-resume-moved-data-');
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data', 'train.jsonl'), rows(0));
  const config = path.join(dir, 'run.yaml');
  const lines = (data: string): string => [`model: ${TINY_BASE}`, `data: {train: ${data}/train.jsonl}`, 'lora: {r: 2}', 'batch_size: 1', 'max_steps: 3',
    'eval: {samples: 0}', `checkpoint: {every_steps: ${checkpoint === 'none' ? 'null' : 2}}`, 'output_dir: run'].join('\n') + '\n';
  fs.writeFileSync(config, lines('data'));
  const trained = await train(config);
  assert.equal(trained.status, 0, trained.stderr);
  const run = path.join(dir, 'run');
  fs.rmSync(path.join(run, 'report.json')); // as if the run had stopped before its end
  return { dir, config, run, lines };
}

test('train CONFIG --resume with data.train moved to another folder: the same tokens go on from the checkpoint to the same adapter; other tokens there are refused naming data.train', async () => {
  // before: "cannot resume with a different config: data.train (… then, … now) changed", and train RUN --resume found no
  // file at the old path, so a moved run could only be trained again from step 0
  const { dir, config, run, lines } = await stoppedRun('step 2');
  const adapter = fs.readFileSync(path.join(run, 'adapter', 'adapter_model.safetensors'));
  fs.renameSync(path.join(dir, 'data'), path.join(dir, 'moved'));
  fs.mkdirSync(path.join(dir, 'other'));
  fs.writeFileSync(path.join(dir, 'other', 'train.jsonl'), rows(1));

  fs.writeFileSync(config, lines('other'));
  const refused = await train(config, '--resume');
  assert.equal(refused.status, 2, refused.stderr);
  // at data.train's line, with why the new path is refused (as "other weights" says of a model folder), not at model:'s
  assert.match(refused.stderr, /error: .*run\.yaml:2:\d+: cannot resume: data\.train \(.*data\/train\.jsonl" then, .*other\/train\.jsonl" now; other tokens\) changed since the checkpoint of step 2/);

  fs.writeFileSync(config, lines('moved'));
  fs.rmSync(path.join(run, 'adapter'), { recursive: true }); // the adapter compared below is the resumed run's, not the one left
  const r = await train(config, '--resume');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: resume: data\.train \(.*data\/train\.jsonl" then, .*moved\/train\.jsonl" now; the same tokens\) changed since the checkpoint of step 2 was written/);
  assert.match(r.stderr, /resume: from the checkpoint of step 2/);
  assert.ok(fs.readFileSync(path.join(run, 'adapter', 'adapter_model.safetensors')).equals(adapter), 'the adapter an uninterrupted run made');
  assert.match(fs.readFileSync(path.join(run, 'config.yaml'), 'utf8'), /moved\/train\.jsonl/, 'config.yaml names where the data now are');
});

test('train CONFIG --resume of a run with no checkpoint with data.train naming another file: refused naming data.train, config.yaml left as it was', async () => {
  // no checkpoint records the data's tokens, so nothing tells a moved file from another one: the run started again from
  // step 0 over the other data, without a word of it, and config.yaml was rewritten to name it
  const { dir, config, run, lines } = await stoppedRun('none');
  fs.mkdirSync(path.join(dir, 'other'));
  fs.writeFileSync(path.join(dir, 'other', 'train.jsonl'), rows(1));
  const yaml = fs.readFileSync(path.join(run, 'config.yaml'), 'utf8');

  fs.writeFileSync(config, lines('other'));
  const refused = await train(config, '--resume');
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /error: .*run\.yaml:2:\d+: cannot resume: data\.train \(.*data\/train\.jsonl" then, .*other\/train\.jsonl" now\) changed since the run started, and the run has no checkpoint/);
  assert.equal(fs.readFileSync(path.join(run, 'config.yaml'), 'utf8'), yaml, 'config.yaml left as it was');
});

test('a checkpoint that recorded the data but not the config (an older one): data.train moved is warned as "the same tokens" too', async () => {
  // the warning was computed only from the checkpoint's config record: such a checkpoint went on over the moved file in silence
  const { dir, config, run, lines } = await stoppedRun('step 2');
  const stateFile = path.join(listCheckpoints(run).at(-1)!, 'trainer_state.json');
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { extra: Record<string, unknown> };
  assert.ok(state.extra.data !== undefined, 'the checkpoint records the data');
  delete state.extra.config;
  fs.writeFileSync(stateFile, JSON.stringify(state));
  fs.rmSync(path.join(path.dirname(stateFile), WRITTEN_RECORD)); // nor the files it wrote
  fs.renameSync(path.join(dir, 'data'), path.join(dir, 'moved'));
  fs.writeFileSync(config, lines('moved'));
  const r = await train(config, '--resume');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: resume: data\.train \(.*data\/train\.jsonl" then, .*moved\/train\.jsonl" now; the same tokens\) changed since the checkpoint of step 2 was written/);
});

test('train RUN --resume with its data moved (config.yaml not edited): the error says to set data.train in RUN/config.yaml, which then goes on', async () => {
  // before: "config.yaml:6:3: data.train: …: no such file (set data.train; `mistral-tune prepare …` makes it)", the hint of a
  // new config's missing data, where the file is the run's and has moved
  const { dir, run } = await stoppedRun('step 2');
  const yaml = path.join(run, 'config.yaml');
  fs.renameSync(path.join(dir, 'data'), path.join(dir, 'moved'));
  const r = await cliIn(dir, ['train', 'run', '--resume']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /error: run\/config\.yaml:\d+:\d+: data\.train: .*data\/train\.jsonl: no such file \(the run's config\.yaml names it where it was when the run started: if it moved, set data\.train in run\/config\.yaml to where it now is, or resume with the config file that names it: mistral-tune train CONFIG --resume\)\n/);
  assert.doesNotMatch(r.stderr, /prepare/);
  const dry = await cliIn(dir, ['train', 'run', '--resume', '--dry-run']); // foretold in the same words
  assert.equal(dry.status, 2, dry.stderr);
  assert.equal(dry.stderr.split('\n').find((l) => l.startsWith('error: ')), r.stderr.split('\n').find((l) => l.startsWith('error: ')));
  fs.writeFileSync(yaml, fs.readFileSync(yaml, 'utf8').replace(path.join(dir, 'data', 'train.jsonl'), path.join(dir, 'moved', 'train.jsonl')));
  const resumed = await cliIn(dir, ['train', 'run', '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /warning: resume: data\.train \(.*data\/train\.jsonl" then, .*moved\/train\.jsonl" now; the same tokens\) changed since the checkpoint of step 2 was written/);
});
