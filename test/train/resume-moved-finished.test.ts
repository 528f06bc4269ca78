// --resume of a finished run whose project folder (config, data, run) moved: the run is complete, as it is unmoved, and
// nothing is loaded; a data key naming another file while the one the run finished with is still there is new data,
// refused as any edit of a finished run is. The CLI's runs are main() in this process (in-process-cli.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn } from '../cli/in-process-cli.ts';

const train = (cwd: string, ...args: string[]): ReturnType<typeof cliIn> => cliIn(cwd, ['train', ...args]);
const rows = (k: number): string => Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 13 + i + k, 17] })).join('\n') + '\n';
const lines = (data: string): string => [`model: ${TINY_BASE}`, `data: {train: ${data}/train.jsonl}`, 'lora: {r: 2}', 'batch_size: 1', 'max_steps: 3',
  'eval: {samples: 0}', 'checkpoint: {every_steps: 2}', 'output_dir: run'].join('\n') + '\n';

/** A finished run of project/run.yaml (data in project/data, the run in project/run). */
async function finishedProject(): Promise<string> {
  const project = path.join(tempDir('mt-resume-moved-finished-'), 'project');
  fs.mkdirSync(path.join(project, 'data'), { recursive: true });
  fs.writeFileSync(path.join(project, 'data', 'train.jsonl'), rows(0));
  fs.writeFileSync(path.join(project, 'run.yaml'), lines('data'));
  const trained = await train(project, 'run.yaml');
  assert.equal(trained.status, 0, trained.stderr);
  return project;
}

test('train CONFIG --resume of a finished run whose project folder moved: complete, exit 0, nothing loaded (as unmoved)', async () => {
  // before: exit 2, "already complete …, so data.train (… then, … now) changed since it finished is not applied", where
  // the same run unmoved (or its model folder moved) was told complete
  const project = await finishedProject();
  const moved = path.join(path.dirname(project), 'moved');
  fs.renameSync(project, moved);
  const r = await train(moved, 'run.yaml', '--resume');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, `run ${path.join(moved, 'run')} is already complete (step 3 of 3); nothing to do\n`);
  const dry = await train(moved, 'run.yaml', '--resume', '--dry-run');
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /output_dir: .*: a complete run: --resume does nothing/);
});

test('train RUN --resume --dry-run of a finished run whose project folder moved: complete, exit 0, as the resume says it', async () => {
  // before: exit 2, "run/config.yaml:…: data.train: …/project/data/train.jsonl: no such file", where the resume it
  // foretells said the run complete (exit 0): the dry run checked and loaded the data that a finished run's resume does not
  const project = await finishedProject();
  const moved = path.join(path.dirname(project), 'moved');
  fs.renameSync(project, moved);
  const r = await train(moved, 'run', '--resume');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /is already complete \(step 3 of 3\); nothing to do/);
  const dry = await train(moved, 'run', '--resume', '--dry-run');
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(dry.stdout, `output_dir: ${path.join(moved, 'run')}: a complete run: --resume does nothing (--overwrite trains it again)\n`);
  const json = await train(moved, 'run', '--resume', '--dry-run', '--json');
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { output_dir_action: 'a complete run: --resume does nothing (--overwrite trains it again)' });
});

test('train CONFIG --resume of a finished run with data.train naming another file while the one it finished with is there: refused as new data', async () => {
  const project = await finishedProject();
  fs.mkdirSync(path.join(project, 'other'));
  fs.writeFileSync(path.join(project, 'other', 'train.jsonl'), rows(1));
  fs.writeFileSync(path.join(project, 'run.yaml'), lines('other'));
  const r = await train(project, 'run.yaml', '--resume');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /cannot resume: the run is already complete \(step 3 of 3\), so data\.train \(.*data\/train\.jsonl" then, .*other\/train\.jsonl" now\) changed since it finished is not applied; to train further, start a new run/);
});
