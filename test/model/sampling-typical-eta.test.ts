// typical_p and eta_cutoff: the distribution a sampled token is drawn from equals transformers 5.17's (temperature,
// top-k, top-p, min-p, TypicalLogitsWarper, epsilon, EtaLogitsWarper, softmaxed) within 1e-6, for each case of
// test/fixtures/hf-sampling/typical-eta.json (make_typical_eta.py there); typical_p 1 and eta 0 are off.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { requireSamplingOptions, samplingProbabilities, type SamplingOptions } from '../../src/model/sampling.ts';
import { FIXTURES } from '../helpers.ts';
import { Rng } from '../../src/util/rng.ts';

interface Case { name: string; logits?: 'peaked'; temperature: number; top_k: number; top_p: number; min_p: number; typical_p: number; epsilon_cutoff: number; eta_cutoff: number; probs: number[] }
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'hf-sampling', 'typical-eta.json'), 'utf8')) as { logits: number[]; peaked: number[]; cases: Case[] };

/** Our distribution over the whole vocabulary, 0 for the tokens cut. */
function ours(logits: Float32Array, opts: SamplingOptions): number[] {
  const { ids, probs } = samplingProbabilities(logits, opts);
  const all = new Array<number>(logits.length).fill(0);
  ids.forEach((id, j) => { all[id] = probs[j]!; });
  return all;
}
const kept = (p: number[]): number[] => p.flatMap((x, i) => (x > 0 ? [i] : []));

test('typical_p and eta_cutoff: the sampled distribution equals transformers\' within 1e-6 (alone, after temperature, top-k, top-p, min-p and epsilon, peaked logits)', () => {
  assert.equal(ref.cases.length, 9);
  for (const c of ref.cases) {
    const logits = Float32Array.from(c.logits === 'peaked' ? ref.peaked : ref.logits);
    const opts = { temperature: c.temperature, topK: c.top_k, topP: c.top_p, minP: c.min_p, typicalP: c.typical_p, epsilonCutoff: c.epsilon_cutoff, etaCutoff: c.eta_cutoff };
    const p = ours(logits, opts);
    assert.deepEqual(kept(p), kept(c.probs), `${c.name}: the tokens kept`);
    for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i]! - c.probs[i]!) <= 1e-6, `${c.name}: token ${i}: ${p[i]} vs transformers' ${c.probs[i]}`);
    // typical_p and eta each cut (else the case could not fail)
    assert.ok(kept(c.probs).length < kept(ours(logits, { ...opts, typicalP: 1, etaCutoff: 0 })).length, c.name);
  }
  // typical sampling may drop the most likely token (its surprise far below the entropy)
  assert.equal(ref.cases[3]!.probs[0], 0);
});

test('typical_p 1 and eta_cutoff 0 change nothing; values outside their ranges are refused in one line', () => {
  const logits = Float32Array.from(ref.logits);
  assert.deepEqual(samplingProbabilities(logits, { temperature: 0.8, typicalP: 1, etaCutoff: 0 }), samplingProbabilities(logits, { temperature: 0.8 }));
  for (const typicalP of [0, -0.5, 1.5, Number.NaN]) {
    assert.throws(() => requireSamplingOptions({ temperature: 1, typicalP }), { name: 'UserError', message: `typicalP must be in (0, 1] (1 = off), got ${typicalP}` });
  }
  for (const etaCutoff of [-0.1, 1, Number.NaN]) {
    assert.throws(() => requireSamplingOptions({ temperature: 1, etaCutoff }), { name: 'UserError', message: `etaCutoff must be in [0, 1) (0 = off), got ${etaCutoff}` });
  }
});

test('the tokens come most likely first, the lower id first among equal logits (-0 and 0, -Infinity ones too), float32 and float64 logits alike', () => {
  const rng = new Rng(7);
  const xs = Array.from({ length: 5000 }, (_, i) => (i % 97 === 0 ? -Infinity : i % 89 === 0 ? -0 : i % 83 === 0 ? 0 : Math.round((rng.next() - 0.5) * 64) / 4));
  const want = xs.map((_, i) => i).sort((a, b) => xs[b]! - xs[a]! || a - b).filter((i) => xs[i] !== -Infinity);
  for (const logits of [Float32Array.from(xs), Float64Array.from(xs, (x, i) => (i % 5 === 0 ? x + 1e-12 * (x === -Infinity ? 0 : 1) : x))]) {
    const ref = [...logits.keys()].sort((a, b) => logits[b]! - logits[a]! || a - b);
    assert.deepEqual(samplingProbabilities(logits, { temperature: 1e3 }).ids, ref);
  }
  assert.ok(want.length > 4000);
});
