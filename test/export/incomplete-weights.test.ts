// A run's weights folder missing a file that loading needs (adapter_config.json or adapter_model.safetensors of a
// LoRA run; config.json, or a shard of a full run's model/) was exported as it was, "exported the PEFT adapter to
// out: README.md, adapter_model.safetensors" and exit 0, an export PEFT and transformers cannot load (an emptied
// adapter/ gave an empty folder); eval, generate and the GGUF export refuse the same folder. It is now refused,
// naming the missing file, and nothing is exported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportRun } from '../../src/export/export.ts';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

function trainedRun(method: 'lora' | 'full'): string {
  const dir = tempDir('mt-export-incomplete-');
  const rows = [[1, 5, 9, 13, 17, 21], [1, 6, 10, 14, 18], [1, 7, 11, 15, 19, 23, 27]];
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.map((ids) => JSON.stringify({ input_ids: ids })).join('\n') + '\n');
  const cfg = validate({
    model: TINY_BASE, method, data: { train: path.join(dir, 'train.jsonl') }, lora: { r: 2, alpha: 4, target_modules: ['q_proj'] },
    batch_size: 3, max_steps: 1, eval: { samples: 0 }, output_dir: path.join(dir, 'run'),
  }, 'test');
  return train(cfg).dir;
}

/** Exports `run` with `file` of its weights folder moved away: refused naming the file, nothing at --out; then put back and exported. */
function refusedWithout(run: string, weights: string, file: string, said: RegExp): void {
  const where = path.join(run, weights, file);
  fs.renameSync(where, `${where}.away`);
  const out = path.join(tempDir('mt-export-incomplete-out-'), 'out');
  try {
    assert.throws(() => exportRun({ run, out, merge: false, best: false }), (e: unknown) => e instanceof Error && e.message.startsWith(`${where}: `) && said.test(e.message),
      `${file} missing`);
    assert.equal(fs.existsSync(out), false, `${file} missing: nothing is exported`);
  } finally {
    fs.renameSync(`${where}.away`, where);
  }
  exportRun({ run, out, merge: false, best: false });
  assert.ok(fs.existsSync(path.join(out, file)), `${file} back: exported`);
}

test('export of a LoRA run whose adapter/ lacks adapter_config.json or adapter_model.safetensors is refused naming it, not written without it', () => {
  const run = trainedRun('lora');
  refusedWithout(run, 'adapter', 'adapter_config.json', /not found/);
  refusedWithout(run, 'adapter', 'adapter_model.safetensors', /not found/);
});

test('export of a full run whose model/ lacks config.json or its weights is refused naming it', () => {
  const run = trainedRun('full');
  refusedWithout(run, 'model', 'config.json', /not found/);
  refusedWithout(run, 'model', 'model.safetensors', /not found/);
});
