// Helper of scripts/hf-check/cli_e2e.py: our next-token logits of CASE/model with CASE/run's adapter (the CLI's loader,
// fp32 on the CPU) after each prompt, and llama.cpp's centered log-probs of each GGUF (node-llama-cpp; "BASE|ADAPTER": a gguf-lora file over its base), greedy tokens at f32.
//   node --import tsx scripts/hf-check/cli-e2e.ts CASE_DIR PROMPTS_JSON GGUFS_JSON
import * as path from 'node:path';
import { collate } from '../../src/data/batch.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { backend } from '../../test/export/gguf-models.ts';
import { llamaLogProbs } from '../../test/export/llama-cpp.ts';

const [dir, promptsJson, ggufsJson] = process.argv.slice(2) as [string, string, string];
const prompts = JSON.parse(promptsJson) as number[][];
const model = loadModel(path.join(dir, 'model'), { backend, precision: 'fp32' });
loadAdapter(model, path.join(dir, 'run', 'adapter'));
const V = model.cfg.vocabSize;
const ours = prompts.map((ids) => Array.from(model.logits(collate([{ inputIds: ids }], 0, 0)).subarray((ids.length - 1) * V, ids.length * V)));
const llama: Record<string, number[][]> = {};
let gen: number[] | undefined;
for (const [q, file] of Object.entries(JSON.parse(ggufsJson) as Record<string, string>)) {
  const [model, lora] = file.split('|') as [string, string | undefined]; // a gguf-lora file: "BASE|ADAPTER"
  const r = await llamaLogProbs(model, prompts, q === 'f32' ? 12 : 0, lora);
  llama[q] = r.lp.map((x) => Array.from(x));
  if (q === 'f32') gen = r.gen;
}
console.log(JSON.stringify({ ours, llama, gen }));
