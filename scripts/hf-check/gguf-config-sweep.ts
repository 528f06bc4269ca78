// The GGUF export over model configs a user could bring, made here from a seed (no HF files needed), checked by llama.cpp
// (node-llama-cpp 3.21.1's prebuilt binary, test/export/llama-cpp.ts). Not part of the product or the tests. For each
// case: the model exported at every --quant (or those in QUANTS=a,b), loaded by llama.cpp, next-token logits against
// our CPU forward (max |Δ| / max |ours| and the worst cosine, two prompts of 30 and 12 ids, F32 KV cache, one thread),
// the matrix types written; at f32 also 40 greedy tokens through llama.cpp's KV cache against our generate (a sliding
// window shorter than prompt + tokens differs past it by design: llama.context_length is the window). With ADAPTER=1 a
// random LoRA adapter on every projection (r 4) is written beside the model: the adapter file (--format gguf-lora, f32/
// f16/bf16) over the f32 base, and the merged model at each --quant, against our base + adapter. With LLAMA (a llama.cpp
// tree: git clone node_modules/node-llama-cpp/llama/gitRelease.bundle) each file other than f32 is also read back by
// gguf-py into a model folder (gguf_dequant.py; PYTHON with numpy and safetensors, default python3) and llama.cpp is
// compared with our forward on those dequantised weights: what is left is llama.cpp's own arithmetic, not quantisation.
//   [LLAMA=/tmp/llama PYTHON=...] [QUANTS=f32,q4_k_m] [ADAPTER=1] node --import tsx scripts/hf-check/gguf-config-sweep.ts [CASE...]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GgmlType, readGgufFileInfo } from 'node-llama-cpp';
import { exportGgufFile } from '../../src/export/gguf/export-file.ts';
import { GGUF_QUANTS, type GgufQuant } from '../../src/export/gguf/quant-choices.ts';
import { loadConfig, type MistralConfig } from '../../src/model/config.ts';
import { generate } from '../../src/model/generate.ts';
import { loadModel, type MistralModel } from '../../src/model/mistral.ts';
import { loraKey } from '../../src/model/names.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { PROJECTIONS, projectionShape } from '../../src/model/weights.ts';
import { Rng } from '../../src/util/rng.ts';
import { backend, config, randomModelDir, tmp } from '../../test/export/gguf-models.ts';
import { compare, greedyAgreement, llama, llamaLogProbs, ourLogProbs } from '../../test/export/llama-cpp.ts';

if (!llama) throw new Error('llama.cpp (node-llama-cpp) does not load here');
const only = process.argv.slice(2);
const quants = (process.env.QUANTS?.split(',') ?? GGUF_QUANTS) as GgufQuant[];
const PROMPTS = [[1, ...Array.from({ length: 29 }, (_, i) => 5 + ((i * 37) % 500))], [1, ...Array.from({ length: 11 }, (_, i) => 300 - i * 11)]];
// rows of 256, so that every K type fits (narrower rows and their fallbacks: test/export/gguf-llama-logits.test.ts)
const H: Partial<MistralConfig> = { hiddenSize: 256, intermediateSize: 512, headDim: 64, numHeads: 4, numKvHeads: 2, vocabSize: 512 };
const NEMO: Partial<MistralConfig> = { ...H, headDim: 96, numKvHeads: 1, vocabSize: 515 }; // head_dim·heads ≠ hidden, MQA, 3 padding rows
const YARN = { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32 };
const LLAMA3 = { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 32 };
// name: (shape over the small defaults, rope_parameters over θ 100 or null for config.json's plain θ 10000)
const CASES: Record<string, [Partial<MistralConfig>, Record<string, unknown> | null]> = {
  plain: [H, null],
  mha_vocab517: [{ ...H, numKvHeads: 4, vocabSize: 517 }, null], // MHA (kv heads = heads), 517 rows: no multiple of 32
  nemo_mqa_vocab515: [NEMO, null],
  tied: [{ ...H, tieWordEmbeddings: true }, null],
  window64: [{ ...H, slidingWindow: 64 }, null],
  linear: [H, { rope_type: 'linear', factor: 4 }],
  linear_half: [H, { rope_type: 'linear', factor: 0.5 }],
  yarn: [H, YARN],
  yarn_factor1: [H, { ...YARN, factor: 1 }],
  yarn_betas: [H, { ...YARN, attention_factor: 0.8, beta_fast: 4, beta_slow: 0.5, truncate: false }],
  llama3: [H, LLAMA3],
  dynamic: [{ ...H, maxPositionEmbeddings: 128 }, { rope_type: 'dynamic', factor: 4 }],
  nemo_yarn: [NEMO, YARN],
  nemo_llama3_tied_window: [{ ...NEMO, tieWordEmbeddings: true, slidingWindow: 4096 }, LLAMA3],
};

function modelDir(name: string, shape: Partial<MistralConfig>, rope: Record<string, unknown> | null): string {
  const dir = randomModelDir(name, config({ maxPositionEmbeddings: 256, ...shape }), 512);
  if (rope) {
    const file = path.join(dir, 'config.json');
    const { rope_theta: _, ...c } = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...c, rope_parameters: { rope_theta: 100, ...rope } }, null, 2));
  }
  return dir;
}

/** A PEFT adapter of rank 4 on every projection, A and B uniform in ±0.1 (seeded): it moves the logits by ~1. */
function randomAdapter(dir: string, cfg: MistralConfig): void {
  const rng = new Rng(12345), r = 4, tensors: Record<string, TensorToWrite> = {};
  const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 0.2);
  for (let i = 0; i < cfg.numLayers; i++) {
    for (const p of PROJECTIONS) {
      const [o, n] = projectionShape(cfg, p);
      tensors[loraKey(i, p, 'A')] = { dtype: 'F32', shape: [r, n], data: random(r * n) };
      tensors[loraKey(i, p, 'B')] = { dtype: 'F32', shape: [o, r], data: random(o * r) };
    }
  }
  fs.mkdirSync(dir);
  writeSafetensors(path.join(dir, 'adapter_model.safetensors'), tensors);
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r, lora_alpha: 8, target_modules: [...PROJECTIONS] }));
}

/** `dir`: the model folder the file was made from (its config and tokenizer for the dequantised folder; null: none read back). */
async function row(label: string, file: string, ours: Float64Array[], model: MistralModel | null, dir: string | null, lora?: string): Promise<void> {
  const ll = await llamaLogProbs(file, PROMPTS, model ? 40 : 0, lora);
  const { rel, cos } = compare(ll.lp, ours);
  const types = lora ? '' : [...new Set((await readGgufFileInfo(file, { logWarnings: false })).fullTensorInfo!.filter((t) => t.dimensions.length > 1).map((t) => GgmlType[t.ggmlType]))].join('/');
  let greedy = '';
  if (model) {
    const g = generate(model, PROMPTS[0]!, { maxNewTokens: 40, temperature: 0, eosIds: [] });
    greedy = ` | ${greedyAgreement(g, ll, PROMPTS[0]!.length)}`;
  }
  let dequantised = '';
  if (process.env.LLAMA && !lora && !types.startsWith('F32') && dir) {
    const back = path.join(tmp, 'dequantised');
    fs.rmSync(back, { recursive: true, force: true });
    execFileSync(process.env.PYTHON ?? 'python3', [path.join(import.meta.dirname, 'gguf_dequant.py'), process.env.LLAMA, file, dir, back]);
    const d = compare(ll.lp, ourLogProbs(loadModel(back, { backend }), PROMPTS));
    dequantised = ` | vs ours on its dequantised weights: rel ${d.rel.toExponential(2)} cos ${d.cos.toFixed(6)}`;
  }
  console.log(`${label} | rel ${rel.toExponential(2)} cos ${cos.toFixed(6)} | ${types}${greedy}${dequantised}`);
}

for (const [name, [shape, rope]] of Object.entries(CASES)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const dir = modelDir(name, shape, rope);
  const model = loadModel(dir, { backend });
  const ours = ourLogProbs(model, PROMPTS);
  for (const quant of quants) {
    const file = path.join(tmp, `${name}-${quant}.gguf`);
    exportGgufFile({ model: dir, out: file, quant, backend });
    await row(`${name} ${quant}`, file, ours, quant === 'f32' ? model : null, dir);
    if (quant !== 'f32') fs.rmSync(file);
  }
  if (process.env.ADAPTER !== '1') continue;
  const adapter = path.join(tmp, `${name}-adapter`);
  randomAdapter(adapter, loadConfig(dir));
  loadAdapter(model, adapter, { trainable: false });
  const merged = ourLogProbs(model, PROMPTS);
  console.log(`${name}: the adapter moves our logits by ${compare(merged, ours).rel.toExponential(2)}`);
  const base = path.join(tmp, `${name}-base-f32.gguf`);
  if (!fs.existsSync(base)) exportGgufFile({ model: dir, out: base, quant: 'f32', backend });
  for (const quant of ['f32', 'f16', 'bf16'] as const) {
    const file = path.join(tmp, `${name}-lora-${quant}.gguf`);
    exportGgufFile({ model: dir, adapter, out: file, format: 'gguf-lora', quant });
    await row(`${name} gguf-lora ${quant} over base f32`, base, merged, null, null, file);
  }
  for (const quant of quants) {
    const file = path.join(tmp, `${name}-merged-${quant}.gguf`);
    exportGgufFile({ model: dir, adapter, out: file, quant, backend });
    await row(`${name} merged ${quant}`, file, merged, null, dir);
    fs.rmSync(file);
  }
}
