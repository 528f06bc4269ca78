// best/ is in place before metrics.jsonl shows the val row whose loss it holds: a reader that sees the row (the
// dashboard's "best val", which says best/ is gone when it finds no folder) never finds best/ not yet written for it.
// Checked at each rename that puts a new best/ in place, in this process (fs patched as the kill-at tests do).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomIdRows, TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

test('each best/ is in place before its val row is in metrics.jsonl', () => {
  const dir = tempDir('mt-best-order-');
  const rng = new Rng(3);
  const rows = randomIdRows(rng, 6, 12);
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'val.jsonl'), rows.slice(0, 2).join('\n') + '\n');
  const cfg = validate({
    model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl'), val: path.join(dir, 'val.jsonl') }, lora: { r: 2 }, batch_size: 2, max_steps: 3,
    optimizer: { lr: 1e-2 }, schedule: { type: 'constant' }, eval: { samples: 0, every_steps: 1 }, checkpoint: { every_steps: null },
    output_dir: path.join(dir, 'run'),
  }, 'test');
  const best = path.join(cfg.output_dir, 'best');
  const seen: Array<{ step: number; rowWritten: boolean }> = [];
  const rename = fs.renameSync;
  fs.renameSync = ((from: fs.PathLike, to: fs.PathLike): void => {
    if (path.resolve(String(to)) === best) {
      const held = JSON.parse(fs.readFileSync(path.join(String(from), 'evaluation.json'), 'utf8')) as { step: number };
      const metrics = fs.readFileSync(path.join(cfg.output_dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; split?: string });
      seen.push({ step: held.step, rowWritten: metrics.some((m) => m.split === 'val' && m.step === held.step) });
    }
    rename(from, to);
  }) as typeof fs.renameSync;
  syncBuiltinESMExports();
  try {
    captureStderr(() => train(cfg));
  } finally {
    fs.renameSync = rename;
    syncBuiltinESMExports();
  }
  assert.ok(seen.length >= 1, 'best/ was written');
  assert.deepEqual(seen.filter((s) => s.rowWritten), [], 'no val row was in metrics.jsonl before its best/');
});
