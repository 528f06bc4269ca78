// min_p: the distribution a sampled token is drawn from equals transformers 5.17's (temperature, top-k, top-p, then
// MinPLogitsWarper, softmaxed) within 1e-6, for each case of test/fixtures/hf-sampling/min-p.json (make_min_p.py there);
// a min_p outside [0, 1], which transformers refuses, is refused in one line.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { requireSamplingOptions, samplingProbabilities } from '../../src/model/sampling.ts';
import { FIXTURES } from '../helpers.ts';

interface Case { name: string; temperature: number; top_k: number; top_p: number; min_p: number; probs: number[] }
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'hf-sampling', 'min-p.json'), 'utf8')) as { logits: number[]; cases: Case[] };

test('min_p: the sampled distribution equals transformers\' within 1e-6 (alone, after temperature, with top-k and top-p, 1 and 0)', () => {
  assert.equal(ref.cases.length, 5);
  const logits = Float32Array.from(ref.logits);
  for (const c of ref.cases) {
    const { ids, probs } = samplingProbabilities(logits, { temperature: c.temperature, topK: c.top_k, topP: c.top_p, minP: c.min_p });
    const ours = new Array<number>(logits.length).fill(0);
    ids.forEach((id, j) => { ours[id] = probs[j]!; });
    const kept = (p: number[]): number[] => p.flatMap((x, i) => (x > 0 ? [i] : []));
    assert.deepEqual(kept(ours), kept(c.probs), `${c.name}: the tokens kept`);
    for (let i = 0; i < ours.length; i++) assert.ok(Math.abs(ours[i]! - c.probs[i]!) <= 1e-6, `${c.name}: token ${i}: ${ours[i]} vs transformers' ${c.probs[i]}`);
  }
  // min_p cuts (else the cases could not fail): fewer tokens than without it
  const without = samplingProbabilities(logits, { temperature: 1 }).ids.length;
  assert.ok(ref.cases[0]!.probs.filter((p) => p > 0).length < without);
});

test('a min_p outside [0, 1] is refused in one line, as transformers\' MinPLogitsWarper refuses it', () => {
  for (const minP of [-0.1, 1.5, Number.NaN]) {
    assert.throws(() => requireSamplingOptions({ temperature: 1, minP }), { name: 'UserError', message: `minP must be in [0, 1] (0 = off), got ${minP}` });
  }
});
