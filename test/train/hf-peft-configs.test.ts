// LoRA training on model configs unlike the bundled one, against HF's own Trainer + PEFT (test/fixtures/hf-peft-configs,
// made by its make_cases.py): yarn rope with head_dim apart from hidden/heads, one KV head, an odd intermediate size,
// vocab 37, tied embeddings and a sliding window under the rows — rsLoRA on q/v with uneven accumulation, and all-linear
// with packing; a llama3-rope MHA classifier with LoRA on k/o/down and its score head. Each step's loss, lr and grad norm
// and every final tensor within 1e-5 relative. The yarn rsLoRA run is also resumed (the real CLI's --resume) from its
// checkpoint of step 4, inside its second epoch, and held to HF's numbers again; and exported with --merge, the merged
// folder's config.json keeping the rope, head_dim, window and tying as transformers reads them, and its logits on a row
// those of PEFT's merge_and_unload of HF's final adapter (logits.json).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collate } from '../../src/data/batch.ts';
import { loadConfig } from '../../src/model/config.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { listCheckpoints } from '../../src/train/checkpoint.ts';
import { testBackend } from '../backend/device.ts';
import { cli } from '../cli/in-process-cli.ts';
import { FIXTURES, relErr } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { assertLikeHf, readCases, trainCase, writeCaseConfig } from './hf-trainer-case.ts';

const TOL = 1e-5;
const REF = path.join(FIXTURES, 'hf-peft-configs');
const cases = readCases(REF);

describe('LoRA on yarn / llama3 rope, GQA 2:1, head_dim apart, tied, odd sizes, against HF\'s Trainer + PEFT', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.steps.length} steps and the final adapter`, (t) => {
      const dir = tempDir(`mt-hf-peft-${c.name}-`);
      try {
        const worst = assertLikeHf(REF, c, trainCase(REF, dir, c), TOL);
        t.diagnostic(`${c.name}: largest rel err ${worst.toExponential(1)}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('the yarn rsLoRA run resumed mid-epoch and exported merged, against HF', () => {
  const c = cases.find((k) => k.name === 'yarn_rslora_qv_accum')!;

  it('resumed from the checkpoint of step 4 (epoch 2 of 3-step epochs): every step and the final adapter as HF\'s', async () => {
    const dir = tempDir('mt-hf-peft-resume-');
    try {
      const run = trainCase(REF, dir, c, { checkpoint: { every_steps: 1, keep: 10 } });
      // as if killed after step 4's checkpoint: no report, no checkpoints after it, metrics and adapter/ of later steps left
      fs.rmSync(path.join(run, 'report.json'));
      const checkpoints = listCheckpoints(run);
      assert.equal(checkpoints.length, 6);
      for (const k of checkpoints.slice(4)) fs.rmSync(k, { recursive: true });
      const r = await cli(['train', writeCaseConfig(REF, dir, c, { checkpoint: { every_steps: 1, keep: 10 } }), '--resume']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /resume: from the checkpoint of step 4 \(epoch 1, micro-batch 2\)/, 'resumed inside epoch 2');
      assertLikeHf(REF, c, run, TOL);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--merge: config.json read as the base\'s, logits as PEFT\'s merge_and_unload of HF\'s adapter', async () => {
    const dir = tempDir('mt-hf-peft-merge-');
    try {
      const run = trainCase(REF, dir, c);
      const out = path.join(dir, 'merged');
      const r = await cli(['export', '--run', run, '--out', out, '--merge']);
      assert.equal(r.code, 0, r.err);
      // read as the base is read (the rope is written with its defaults filled in: transformers reads it to the same frequencies)
      assert.deepEqual(loadConfig(out), loadConfig(path.join(REF, c.model!)));
      const want = JSON.parse(fs.readFileSync(path.join(REF, 'logits.json'), 'utf8')) as { input_ids: number[]; logits: number[][] };
      const model = loadModel(out, { backend: testBackend() });
      const got = model.logits(collate([{ inputIds: want.input_ids }], 0, null));
      const e = relErr(got, want.logits.flat());
      assert.ok(e <= TOL, `merged logits: rel err ${e.toExponential(2)}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
