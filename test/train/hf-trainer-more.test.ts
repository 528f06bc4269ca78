// Training options that no other committed fixture holds against HF, run as the CLI runs them (train-like-cli.ts) and
// compared with HF's own Trainer (+ PEFT) step by step (test/fixtures/hf-trainer-more, made by its make_cases.py):
// method: full with weight decay (HF decays every weight but the norms; the pad row gets no gradient from the lookup),
// with tied embeddings and for classification with the model's own head; a DoRA classification adapter with weight
// decay on its factors, magnitudes and head; lora_dropout on LoRA and DoRA (PEFT's modules drawing our run's masks, so
// the test holds where dropout applies, its scale, DoRA's W·dropout(x) term and the seed of every step, micro-batch,
// layer and projection, also for a step of fewer micro-batches than grad_accum at an epoch's end and max_steps across
// epochs); an adapter without task_type continued as classification over the model's own head, which PEFT keeps frozen
// and does not save (task_type null kept); packing as TRL's padding-free batches reach transformers (positions restart per row,
// block-diagonal attention); rows over max_seq_len truncated; rows without labels. Each step's loss, lr and grad norm,
// and every final tensor, within 1e-5 relative (they land at 2.6e-6 or below). An element whose gradient is near 0 can
// carry float32 rounding further through Adam's g / (|g| + eps): another draw of these rows put one at 8e-5 (|g| 8e-8
// at step 1), which is rounding, not a convention.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { assertLikeHf, readCases, trainCase } from './hf-trainer-case.ts';

const TOL = 1e-5;
const REF = path.join(FIXTURES, 'hf-trainer-more');

function taskTypeOf(dir: string): unknown {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8')) as { task_type?: unknown }).task_type;
}

describe('training options against HF\'s own Trainer: full fine-tuning, DoRA classification, dropout, packing, truncation, rows without labels', () => {
  for (const c of readCases(REF)) {
    it(`${c.name}: ${c.steps.length} steps and the final ${c.init_from === null ? 'weights' : 'adapter'}`, (t) => {
      const dir = tempDir(`mt-hf-more-${c.name}-`);
      try {
        const run = trainCase(REF, dir, c);
        const worst = assertLikeHf(REF, c, run, TOL);
        // PEFT's save_pretrained keeps the task_type it loaded: null for untyped_cls (no head saved, the model's own frozen)
        if (c.init_from !== null) assert.equal(taskTypeOf(path.join(run, 'adapter')), taskTypeOf(path.join(REF, c.init_from)), 'adapter_config.json task_type');
        t.diagnostic(`${c.name}: largest rel err ${worst.toExponential(1)}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
