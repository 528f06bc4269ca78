// A LoRA run of one step on the tiny HF fixture (q_proj only, two pre-tokenized rows), trained in `dir`/run by the
// library: what the export tests export.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { TINY_BASE } from '../helpers.ts';

/** Trains the run in `dir`/run (its data in `dir`/train.jsonl) over `model` (default the tiny fixture) and returns its folder. */
export function tinyLoraRun(dir: string, model = TINY_BASE): string {
  fs.writeFileSync(path.join(dir, 'train.jsonl'), '{"input_ids": [1, 5, 9, 14, 20, 7]}\n{"input_ids": [1, 8, 3, 11, 2, 6, 4]}\n');
  return train(validate({
    model, data: { train: path.join(dir, 'train.jsonl') }, lora: { r: 2, alpha: 4, target_modules: ['q_proj'] },
    batch_size: 2, max_steps: 1, eval: { samples: 0 }, output_dir: path.join(dir, 'run'),
  }, 'test')).dir;
}
