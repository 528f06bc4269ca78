// epsilon_cutoff: the distribution a sampled token is drawn from equals transformers 5.17's (temperature, top-k, top-p,
// min-p, then EpsilonLogitsWarper on the probabilities left, softmaxed) within 1e-6, for each case of
// test/fixtures/hf-sampling/epsilon.json (make_epsilon.py there); one outside [0, 1) is refused in one line.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { requireSamplingOptions, samplingProbabilities } from '../../src/model/sampling.ts';
import { FIXTURES } from '../helpers.ts';

interface Case { name: string; temperature: number; top_k: number; top_p: number; min_p: number; epsilon_cutoff: number; probs: number[] }
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'hf-sampling', 'epsilon.json'), 'utf8')) as { logits: number[]; cases: Case[] };

test('epsilon_cutoff: the sampled distribution equals transformers\' within 1e-6 (alone, after temperature, after top-k, top-p and min-p, above every probability)', () => {
  assert.equal(ref.cases.length, 4);
  const logits = Float32Array.from(ref.logits);
  for (const c of ref.cases) {
    const { ids, probs } = samplingProbabilities(logits, { temperature: c.temperature, topK: c.top_k, topP: c.top_p, minP: c.min_p, epsilonCutoff: c.epsilon_cutoff });
    const ours = new Array<number>(logits.length).fill(0);
    ids.forEach((id, j) => { ours[id] = probs[j]!; });
    const kept = (p: number[]): number[] => p.flatMap((x, i) => (x > 0 ? [i] : []));
    assert.deepEqual(kept(ours), kept(c.probs), `${c.name}: the tokens kept`);
    for (let i = 0; i < ours.length; i++) assert.ok(Math.abs(ours[i]! - c.probs[i]!) <= 1e-6, `${c.name}: token ${i}: ${ours[i]} vs transformers' ${c.probs[i]}`);
    // the cutoff cuts (else the case could not fail)
    const without = samplingProbabilities(logits, { temperature: c.temperature, topK: c.top_k, topP: c.top_p, minP: c.min_p }).ids.length;
    assert.ok(kept(c.probs).length < without, c.name);
  }
});

test('an epsilon_cutoff outside [0, 1) is refused in one line (transformers applies it only in (0, 1), dropping others unsaid)', () => {
  for (const epsilonCutoff of [-0.1, 1, Number.NaN]) {
    assert.throws(() => requireSamplingOptions({ temperature: 1, epsilonCutoff }), { name: 'UserError', message: `epsilonCutoff must be in [0, 1) (0 = off), got ${epsilonCutoff}` });
  }
});

test('epsilon_cutoff keeps every token tied with the most likely, as transformers\' EpsilonLogitsWarper keeps those not below the top score', () => {
  // HF 5.17: EpsilonLogitsWarper(0.6) on [0, 0, -10, -1] gives [0, 0, -inf, -inf]: both tied tokens stay (p 0.5 each < 0.6)
  const { ids, probs } = samplingProbabilities(Float32Array.from([0, 0, -10, -1]), { temperature: 1, epsilonCutoff: 0.6 });
  assert.deepEqual(ids, [0, 1]);
  assert.deepEqual(probs, [0.5, 0.5]);
  // a token just below the top is cut (HF: [1, 0, 0, -10] at 0.3 keeps only token 0)
  assert.deepEqual(samplingProbabilities(Float32Array.from([1, 0, 0, -10]), { temperature: 1, epsilonCutoff: 0.3 }).ids, [0]);
});
