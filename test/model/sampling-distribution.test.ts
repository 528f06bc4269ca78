// The distribution a sampled token is drawn from equals transformers 5.17's: its LogitsProcessorList in generate()'s
// order (repetition penalty, temperature, top-k, top-p) softmaxed, within 1e-6, for each case of
// test/fixtures/hf-sampling/probs.json (made by make_sampling.py there): a top-k boundary tie, top-p cutting to one
// token, a penalty below 1 on negative logits, all four together, top_p 0 (taken, as transformers takes it: the most likely alone).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parse } from '../../src/cli/generate-flags.ts';
import { generationSettings, readGenerationConfig } from '../../src/model/generation-config.ts';
import { applyRepetitionPenalty, requireSamplingOptions, samplingProbabilities } from '../../src/model/sampling.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

interface Case { name: string; logits: number[]; seen: number[]; repetition_penalty: number; temperature: number; top_k: number; top_p: number; probs: number[] }
const { cases } = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'hf-sampling', 'probs.json'), 'utf8')) as { cases: Case[] };

test('the sampled distribution equals transformers\' processed one within 1e-6 (repetition penalty, temperature, top-k, top-p)', () => {
  assert.equal(cases.length, 7);
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

test('top_p 0 is taken where transformers 5.17 takes it (TopPLogitsWarper refuses only < 0 or > 1): options, generation_config.json and --top-p', () => {
  // the distribution is probs.json's 'top_p 0' case (the most likely alone); here the checks that refused it
  assert.doesNotThrow(() => requireSamplingOptions({ temperature: 1, topP: 0 }));
  assert.throws(() => requireSamplingOptions({ temperature: 1, topP: -0.1 }), { name: 'UserError', message: 'topP must be in [0, 1] (1 = off), got -0.1' });
  const dir = tempDir('mt-top-p-0-');
  fs.writeFileSync(path.join(dir, 'generation_config.json'), '{"do_sample": true, "top_p": 0.0}');
  assert.equal(generationSettings({}, readGenerationConfig(dir), 3, 100).topP, 0);
  assert.equal(parse(['--model', dir, '--prompt', 'hi', '--top-p', '0'])?.given.topP, 0);
  assert.throws(() => parse(['--model', dir, '--prompt', 'hi', '--top-p', '-0.1']), { name: 'UserError', message: '--top-p must be in [0, 1], got "-0.1"' });
});
