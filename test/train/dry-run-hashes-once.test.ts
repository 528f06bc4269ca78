// `train --resume --dry-run` of a run whose data files moved (a project folder moved): each moved data key is judged by
// the tokens the checkpoint recorded (sameData), and the data's fingerprints, which hash every token of every split,
// are worked out once for all of them, as the trainer does (it hashed all three splits up to twice per moved file).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { mock, test } from 'node:test';
import { validate } from '../../src/train/config.ts';
import { dryRun } from '../../src/train/dry-run.ts';
import { train } from '../../src/train/trainer.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const rows = (k: number): string => Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i + k, 9, 13 + i, 17] })).join('\n') + '\n';
const config = (root: string, folder: string) => validate({
  model: TINY_BASE, lora: { r: 2, target_modules: ['q_proj'] }, batch_size: 1, max_steps: 3, eval: { every_steps: 2, samples: 0 }, checkpoint: { every_steps: 2 },
  data: { train: path.join(root, folder, 'train.jsonl'), val: path.join(root, folder, 'val.jsonl'), test: path.join(root, folder, 'test.jsonl') },
  output_dir: path.join(root, 'run'),
}, 'test');

/** How many splits the call `f` fingerprinted (splitFingerprint: one SHA-256 over every token of a split). */
function splitsHashed(f: () => void): number {
  let count = 0;
  const createHash = crypto.createHash;
  mock.method(crypto, 'createHash', (...args: Parameters<typeof createHash>) => {
    if (new Error().stack!.includes('splitFingerprint')) count++;
    return createHash(...args);
  });
  syncBuiltinESMExports(); // the modules' `import { createHash }` see the counting one
  try {
    f();
  } finally {
    mock.restoreAll();
    syncBuiltinESMExports();
  }
  return count;
}

test('train --resume --dry-run of a run whose three data files moved: each split hashed once, and the resume is foretold as going on', () => {
  const root = tempDir('mt-dry-run-hashes-');
  fs.mkdirSync(path.join(root, 'data'));
  for (const [split, k] of [['train', 0], ['val', 1], ['test', 2]] as const) fs.writeFileSync(path.join(root, 'data', `${split}.jsonl`), rows(k));
  captureStderr(() => train(config(root, 'data')));
  fs.rmSync(path.join(root, 'run', 'report.json')); // as if it had stopped after its checkpoint of step 2
  fs.renameSync(path.join(root, 'data'), path.join(root, 'moved'));
  let output = '';
  assert.equal(splitsHashed(() => { output = captureStderr(() => dryRun(config(root, 'moved'), { resume: true })).result.output; }), 3);
  assert.match(output, /continued from its newest valid checkpoint/);
});
