// Milliseconds per sampled token of sampleToken (src/model/sampling.ts) on random float32 logits: the vocabulary,
// temperature, top-k and top-p given; prints the median over --reps rounds of --tokens tokens each. Run it at two
// commits (git stash / checkout) to compare.
// Usage: node --import tsx bench/sampling.ts [--vocab 131072] [--top-k 50] [--top-p 0.9] [--temperature 0.7] [--tokens 50] [--reps 5]
import { parseArgs } from 'node:util';
import { sampleToken } from '../src/model/sampling.ts';
import { Rng } from '../src/util/rng.ts';

const { values: a } = parseArgs({
  options: {
    vocab: { type: 'string', default: '131072' }, 'top-k': { type: 'string', default: '50' }, 'top-p': { type: 'string', default: '0.9' },
    temperature: { type: 'string', default: '0.7' }, tokens: { type: 'string', default: '50' }, reps: { type: 'string', default: '5' },
  },
});
const V = Number(a.vocab), tokens = Number(a.tokens), reps = Number(a.reps);
const opts = { temperature: Number(a.temperature), topK: Number(a['top-k']), topP: Number(a['top-p']) };
const rng = new Rng(1);
// logits of a language model's rough shape: most near 0, a few far above (sum of uniforms ≈ normal, σ 2)
const rows = Array.from({ length: tokens }, () => Float32Array.from({ length: V }, () => (rng.next() + rng.next() + rng.next() - 1.5) * 4));
const times: number[] = [];
let sink = 0;
for (let r = 0; r < reps; r++) {
  const t0 = performance.now();
  for (const logits of rows) sink += sampleToken(logits, opts, rng);
  times.push((performance.now() - t0) / tokens);
}
times.sort((x, y) => x - y);
console.log(`vocab ${V}, temperature ${opts.temperature}, top_k ${opts.topK}, top_p ${opts.topP}: ${times[reps >> 1]!.toFixed(3)} ms per sampled token (median of ${reps} rounds of ${tokens}; ${sink % 2})`);
