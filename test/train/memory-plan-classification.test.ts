// The memory plan of a classification run: its forwards feed the score head alone, so neither its plan nor its run
// holds the LM head's logits chunk (512 × vocab_size floats, 62.5 MiB at Mistral 7B's 32000, and under bf16 their
// gradient's bf16 copy): at 7B shapes the plan is the LM run's less exactly those, plus the head's (B, classes) scratch;
// and a tiny classification run's mem_bytes agrees with `train --dry-run`'s plan (as memory-plan.test.ts checks for
// generation), with no chunk in either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../src/model/config.ts';
import { LOGIT_ROWS } from '../../src/model/activations.ts';
import { validate } from '../../src/train/config.ts';
import { dryRun, describeDryRun } from '../../src/train/dry-run.ts';
import { planMemory } from '../../src/train/memory-plan.ts';
import { train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const MISTRAL_7B = parseConfig({ model_type: 'mistral', vocab_size: 32000, max_position_embeddings: 32768 }, 'Mistral-7B-v0.1 config.json');
const LABELS = ['a', 'b', 'c'];

test('at Mistral 7B shapes a classification plan has no logits chunk: the LM plan less the chunk (and its bf16 gradient), plus the head\'s scratch', () => {
  for (const [device, precision] of [['cuda', 'bf16'], ['cpu', 'fp32'], ['cpu', 'bf16']] as const) {
    const plan = (task: 'generation' | 'classification') => planMemory(validate({
      model: 'Mistral-7B-v0.1', data: { train: 'train.jsonl' }, task, ...(task === 'classification' ? { labels: LABELS } : {}),
      lora: { r: 16 }, batch_size: 1, max_seq_len: 2048, device, precision,
    }, 'test'), MISTRAL_7B, { B: 1, T: 2048 }, device);
    const lm = plan('generation'), cls = plan('classification');
    const V = MISTRAL_7B.vocabSize, C = MISTRAL_7B.hiddenSize, B = 1;
    const chunk = LOGIT_ROWS * V * 4, dlogits = precision === 'bf16' ? LOGIT_ROWS * V * 2 : 0;
    const scratch = (B + B * LABELS.length + B) * 4 + B * C * 4; // labels (i32), logits, losses, dpooled (f32)
    assert.equal(lm.logitsChunk, chunk, `${device} ${precision}: the LM plan's chunk`);
    assert.equal(cls.logitsChunk, 0, `${device} ${precision}: the classification plan's chunk`);
    assert.equal(lm.activations - cls.activations, chunk + dlogits - scratch, `${device} ${precision}: LM plan ${lm.activations} B, classification plan ${cls.activations} B`);
  }
});

test('a tiny classification run holds what its dry run plans, without a logits chunk', () => {
  const dir = tempDir('mt-memplan-cls-');
  try {
    const rng = new Rng(7);
    const rows = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ input_ids: [1, ...Array.from({ length: 5 + rng.below(12) }, () => 3 + rng.below(500))], label: i % 3 })).join('\n') + '\n';
    fs.writeFileSync(path.join(dir, 'train.jsonl'), rows(12));
    fs.writeFileSync(path.join(dir, 'val.jsonl'), rows(6));
    const cfg = validate({
      model: TINY_BASE, task: 'classification', labels: LABELS, data: { train: path.join(dir, 'train.jsonl'), val: path.join(dir, 'val.jsonl') },
      lora: { r: 4, alpha: 8 }, batch_size: 3, max_steps: 2, eval: { every_steps: 2, samples: 0, batch_size: 6 }, seed: 1, output_dir: path.join(dir, 'run'),
    }, 'test');
    const r = dryRun(cfg);
    assert.equal(r.plan.logitsChunk, 0);
    assert.match(describeDryRun(r, cfg), /activations .*no LM logits chunk/);
    train(cfg);
    const steps = fs.readFileSync(path.join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>).filter((m) => m.split === undefined);
    const measured = Math.max(...steps.map((m) => m.mem_bytes as number));
    const planned = r.plan.total - r.plan.workspace - r.plan.saving; // as memory-plan.test.ts: backend buffers only
    console.log(`classification run: planned ${planned} B (activations ${r.plan.activations} B), mem_bytes ${measured} B`);
    assert.ok(Math.abs(planned - measured) <= 0.05 * measured, `plan ${planned} vs mem_bytes ${measured}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
