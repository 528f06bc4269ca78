// Training options that no other committed fixture holds against HF, run as the CLI runs them (train-like-cli.ts) and
// compared with HF's own Trainer (+ PEFT) step by step (test/fixtures/hf-trainer-more, made by its make_cases.py):
// method: full with weight decay (HF decays every weight but the norms; the pad row gets no gradient from the lookup),
// with tied embeddings and for classification with the model's own head; a DoRA classification adapter with weight
// decay on its factors, magnitudes and head; lora_dropout on LoRA and DoRA (PEFT's modules drawing our run's masks, so
// the test holds where dropout applies, its scale, DoRA's W·dropout(x) term and the seed of every step, micro-batch,
// layer and projection); packing as TRL's padding-free batches reach transformers (positions restart per row,
// block-diagonal attention); rows over max_seq_len truncated; rows without labels. Each step's loss, lr and grad norm,
// and every final tensor, within 1e-5 relative (they land at 2.6e-6 or below). An element whose gradient is near 0 can
// carry float32 rounding further through Adam's g / (|g| + eps): another draw of these rows put one at 8e-5 (|g| 8e-8
// at step 1), which is rounding, not a convention.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { FIXTURES, relErr, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { trainLikeCli } from './train-like-cli.ts';

const TOL = 1e-5;
const REF = path.join(FIXTURES, 'hf-trainer-more');

interface RefStep { step: number; loss: number; lr: number; grad_norm: number }
interface RefCase {
  name: string;
  task: 'generation' | 'classification';
  /** The model folder under REF (null: hf-tiny-mistral's base). */
  model: string | null;
  data: string;
  init_from: string | null;
  config: Record<string, unknown>;
  final: string;
  steps: RefStep[];
}

const cases = (JSON.parse(fs.readFileSync(path.join(REF, 'trainer-cases.json'), 'utf8')) as { cases: RefCase[] }).cases;

/** |a − b| / |b|, or |a − b| when b is 0 (a warmup step's lr). */
function rel(a: number, b: number): number {
  return b === 0 ? Math.abs(a - b) : Math.abs(a - b) / Math.abs(b);
}

function writeConfig(dir: string, c: RefCase): string {
  const cfg = {
    model: c.model === null ? TINY_BASE : path.join(REF, c.model),
    task: c.task,
    data: { train: path.join(REF, c.data) },
    ...(c.init_from === null ? {} : { lora: { init_from: path.join(REF, c.init_from) } }),
    ...c.config,
    shuffle: false,
    eval: { samples: 0 },
    output_dir: path.join(dir, 'run'),
  };
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, JSON.stringify(cfg, null, 1) + '\n');
  return file;
}

describe('training options against HF\'s own Trainer: full fine-tuning, DoRA classification, dropout, packing, truncation, rows without labels', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.steps.length} steps and the final ${c.init_from === null ? 'weights' : 'adapter'}`, (t) => {
      const dir = tempDir(`mt-hf-more-${c.name}-`);
      try {
        trainLikeCli(writeConfig(dir, c));
        const rows = fs.readFileSync(path.join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n')
          .map((l) => JSON.parse(l) as Record<string, number>).filter((r) => r.split === undefined);
        assert.deepEqual(rows.map((r) => r.step), c.steps.map((s) => s.step), 'optimizer steps');
        let worst = 0;
        c.steps.forEach((ref, i) => {
          for (const key of ['loss', 'lr', 'grad_norm'] as const) {
            const e = rel(rows[i]![key]!, ref[key]);
            worst = Math.max(worst, e);
            assert.ok(e <= TOL, `step ${ref.step} ${key}: ours ${rows[i]![key]} vs HF ${ref[key]} (rel ${e.toExponential(2)})`);
          }
        });
        const out = c.init_from === null ? path.join('model', 'model.safetensors') : path.join('adapter', 'adapter_model.safetensors');
        const ours = SafetensorsFile.open(path.join(dir, 'run', out));
        const theirs = SafetensorsFile.open(path.join(REF, c.final));
        try {
          assert.deepEqual(ours.names().sort(), theirs.names().sort(), 'tensors');
          for (const name of theirs.names()) {
            const e = relErr(ours.readF32(name), theirs.readF32(name));
            worst = Math.max(worst, e);
            assert.ok(e <= TOL, `final ${name}: rel err ${e.toExponential(2)}`);
          }
        } finally {
          ours.close();
          theirs.close();
        }
        t.diagnostic(`${c.name}: largest rel err ${worst.toExponential(1)}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
