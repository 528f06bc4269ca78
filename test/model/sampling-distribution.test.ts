// The distribution a sampled token is drawn from equals transformers 5.17's: its LogitsProcessorList in generate()'s
// order (repetition penalty, temperature, top-k, top-p) softmaxed, within 1e-6, for each case of
// test/fixtures/hf-sampling/probs.json (made by make_sampling.py there): a top-k boundary tie, top-p cutting to one
// token, a penalty below 1 on negative logits, all four together.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { applyRepetitionPenalty, samplingProbabilities } from '../../src/model/sampling.ts';
import { FIXTURES } from '../helpers.ts';

interface Case { name: string; logits: number[]; seen: number[]; repetition_penalty: number; temperature: number; top_k: number; top_p: number; probs: number[] }
const { cases } = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'hf-sampling', 'probs.json'), 'utf8')) as { cases: Case[] };

test('the sampled distribution equals transformers\' processed one within 1e-6 (repetition penalty, temperature, top-k, top-p)', () => {
  assert.equal(cases.length, 6);
  for (const c of cases) {
    const logits = Float32Array.from(c.logits);
    applyRepetitionPenalty(logits, c.seen, c.repetition_penalty);
    const { ids, probs } = samplingProbabilities(logits, { temperature: c.temperature, topK: c.top_k, topP: c.top_p });
    const ours = new Array<number>(logits.length).fill(0);
    ids.forEach((id, j) => { ours[id] = probs[j]!; });
    const kept = (p: number[]): number[] => p.flatMap((x, i) => (x > 0 ? [i] : []));
    assert.deepEqual(kept(ours), kept(c.probs), `${c.name}: the tokens kept`);
    for (let i = 0; i < ours.length; i++) assert.ok(Math.abs(ours[i]! - c.probs[i]!) <= 1e-6, `${c.name}: token ${i}: ${ours[i]} vs transformers' ${c.probs[i]}`);
  }
});

test('greedy (temperature 0) is the argmax alone, whatever top-k and top-p say', () => {
  const logits = Float32Array.from([0.5, 2, -1, 2.5, 1]);
  assert.deepEqual(samplingProbabilities(logits, { temperature: 0, topK: 2, topP: 0.5 }), { ids: [3], probs: [1] });
});
