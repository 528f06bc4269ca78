// An export into a new folder whose write fails (a full disk, a file too large, a name too long for the temporary beside
// it) names the file under --out as the user gave it (relative stays relative), as an export into an empty folder and a
// GGUF file's do; it named the absolute path the system resolved.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportRun } from '../../src/export/export.ts';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

test('a new --out given relative, too long a name for its temporary: the refusal names it as given', () => {
  const root = tempDir('mt-out-as-given-');
  const rows = Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, ...Array.from({ length: 8 }, (_, j) => 3 + ((i * 31 + j * 7) % 400))] }));
  fs.writeFileSync(path.join(root, 'train.jsonl'), rows.join('\n') + '\n');
  const run = captureStderr(() => train(validate({
    model: TINY_BASE, data: { train: path.join(root, 'train.jsonl') }, lora: { r: 2, alpha: 4, target_modules: ['q_proj'] },
    batch_size: 2, max_steps: 1, eval: { samples: 0 }, output_dir: path.join(root, 'run'),
  }, 'test'))).result.dir;
  const out = path.relative(process.cwd(), path.join(root, 'o'.repeat(250)));
  assert.ok(!path.isAbsolute(out));
  assert.throws(() => exportRun({ run, out, merge: false, best: false }), {
    message: `${out}: cannot write: its name is 250 bytes, and the temporary name it is written under first (a dot, the name, a process id and a suffix) ` +
      'passes the 255 a file system takes: give a name of at most 231 bytes (ENAMETOOLONG)',
  });
  assert.deepEqual(fs.readdirSync(root).sort(), ['run', 'train.jsonl']);
});
