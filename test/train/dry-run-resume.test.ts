// `train --dry-run --resume` of a run that did not finish foretells the resume's refusal of a config changed since the
// run's config.yaml (what the real resume refuses before it loads anything), in its words, exit 2; nothing is trained.
// The CLI's runs are main() in this process (in-process-cli.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn } from '../cli/in-process-cli.ts';

const rows = Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 13 + i, 17] })).join('\n') + '\n';
const lines = (steps: number): string => [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 1', `max_steps: ${steps}`,
  'eval: {samples: 0}', 'checkpoint: {every_steps: 2}', 'output_dir: run'].join('\n') + '\n';

test('train CONFIG --resume --dry-run of an unfinished run with max_steps changed: refused as the resume refuses it, exit 2, nothing written', async () => {
  // before: "output_dir: …: continued from its newest valid checkpoint (--resume)", exit 0, and the real resume then refused
  const dir = tempDir('mt-dry-run-resume-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows);
  const config = path.join(dir, 'run.yaml');
  fs.writeFileSync(config, lines(3));
  const trained = await cliIn(dir, ['train', 'run.yaml']);
  assert.equal(trained.status, 0, trained.stderr);
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
