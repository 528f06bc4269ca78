// A LoRA run trained for 2 steps by the CLI, exported to GGUF and checked by llama.cpp itself (llama-cpp.ts): merged
// into the model (--run), and as an adapter file beside the base GGUF (--format gguf-lora, rsLoRA's scaling too, and
// per-module ranks and alphas), each with the next-token log-probabilities of base + adapter; the adapter file's refusals;
// and a DoRA adapter merged.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { GgmlType, readGgufFileInfo } from 'node-llama-cpp';
import { loadModel } from '../../src/model/mistral.ts';
import { exportLoraGguf } from '../../src/export/gguf/export-lora-gguf.ts';
import { folderProvenance } from '../../src/export/gguf/from-source.ts';
import { loadConfig } from '../../src/model/config.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { backend, cli, cutTokenizer, fullF32Gguf, fullModelDir, tmp } from './gguf-models.ts';
import { compare, llamaLogProbs, ourLogProbs, PROMPT_TEXTS, skip } from './llama-cpp.ts';
import { WRITTEN_RECORD } from '../../src/util/written-record.ts';

const full = fullModelDir(); // bundled tokenizer (32000)
let loraRun: string | null = null;

/** A LoRA run of 2 steps on `full` by the CLI (trained once, for the tests below). */
async function trainedLoraRun(): Promise<string> {
  if (loraRun) return loraRun;
  const dir = path.join(tmp, 'run');
  fs.mkdirSync(dir);
  const tok = loadTokenizer(full);
  const lines = ['a small story about a cat', 'the dog ran to the park', 'rain falls on the quiet town', 'we sing songs in the evening'];
  fs.writeFileSync(path.join(dir, 'train.jsonl'), lines.map((t) => JSON.stringify({ input_ids: [1, ...tok.encode(t)] })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'cfg.json'), JSON.stringify({
    model: full, data: { train: 'train.jsonl' }, lora: { r: 4, alpha: 8, target_modules: ['q_proj', 'k_proj', 'v_proj', 'down_proj'] },
    optimizer: { lr: 0.05 }, batch_size: 2, max_steps: 2, eval: { samples: 0 }, seed: 1,
  }));
  const run = path.join(dir, 'out');
  const t = await cli('train', path.join(dir, 'cfg.json'), '--output_dir', run);
  assert.equal(t.status, 0, t.stderr);
  loraRun = run;
  return run;
}

test('a LoRA run trained by the CLI exports (--run) with the adapter merged: llama.cpp matches base + adapter', { skip }, async () => {
  const run = await trainedLoraRun();
  const tok = loadTokenizer(full);
  const file = path.join(tmp, 'run.gguf');
  const r = await cli('export', '--run', run, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  const prompts = PROMPT_TEXTS.map((x) => [1, ...tok.encode(x)]);
  const base = loadModel(full, { backend });
  const baseLp = ourLogProbs(base, prompts);
  loadAdapter(base, path.join(run, 'adapter'), { trainable: false });
  const ours = ourLogProbs(base, prompts);
  assert.ok(compare(ours, baseLp).rel > 1e-3, 'the adapter changes the logits (else this test proves nothing)');
  const { rel } = compare((await llamaLogProbs(file, prompts)).lp, ours);
  console.log(`# LoRA run f32: logits max rel error ${rel.toExponential(2)}`);
  assert.ok(rel <= 1e-4, `rel ${rel}`);
});

test('the adapter alone (--format gguf-lora) beside the base GGUF: llama.cpp matches base + adapter, rsLoRA\'s scaling too; refusals', { skip }, async () => {
  const run = await trainedLoraRun();
  const tok = loadTokenizer(full);
  const baseFile = await fullF32Gguf();
  const rslora = path.join(tmp, 'adapter-rslora');
  // the run's adapter edited by hand: without the record of what train wrote, against which the edit is a change
  fs.cpSync(path.join(run, 'adapter'), rslora, { recursive: true, filter: (src) => path.basename(src) !== WRITTEN_RECORD });
  const cfgFile = path.join(rslora, 'adapter_config.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), use_rslora: true }));
  const prompts = PROMPT_TEXTS.map((x) => [1, ...tok.encode(x)]);
  for (const [name, args, adapter] of [['run', ['--run', run], path.join(run, 'adapter')], ['rsLoRA', ['--model', full, '--adapter', rslora], rslora]] as const) {
    const file = path.join(tmp, `lora-${name}.gguf`);
    const r = await cli('export', ...args, '--out', file, '--format', 'gguf-lora', '--quant', 'f32');
    assert.equal(r.status, 0, r.stderr);
    const info = await readGgufFileInfo(file, { logWarnings: false });
    assert.equal((info.metadata.general as Record<string, unknown>)['type'], 'adapter');
    assert.deepEqual(info.fullTensorInfo!.slice(0, 4).map((t) => [t.name, [...t.dimensions].map(Number)]),
      [['blk.0.attn_q.weight.lora_a', [64, 4]], ['blk.0.attn_q.weight.lora_b', [4, 64]], ['blk.0.attn_k.weight.lora_a', [64, 4]], ['blk.0.attn_k.weight.lora_b', [4, 32]]]);
    const model = loadModel(full, { backend });
    loadAdapter(model, adapter, { trainable: false });
    const { rel } = compare((await llamaLogProbs(baseFile, prompts, 0, file)).lp, ourLogProbs(model, prompts));
    console.log(`# LoRA adapter GGUF (${name}) beside the f32 base: logits max rel error ${rel.toExponential(2)}`);
    assert.ok(rel <= 1e-4, `${name}: rel ${rel}`);
  }
  const f16 = path.join(tmp, 'lora-f16.gguf');
  assert.equal((await cli('export', '--run', run, '--out', f16, '--format', 'gguf-lora')).status, 0, 'f16 by default');
  assert.equal((await readGgufFileInfo(f16, { logWarnings: false })).fullTensorInfo!.every((t) => GgmlType[t.ggmlType] === 'F16'), true);
  const q = await cli('export', '--run', run, '--out', path.join(tmp, 'lora-q8.gguf'), '--format', 'gguf-lora', '--quant', 'q8_0');
  assert.equal(q.status, 2);
  assert.match(q.stderr, /--quant q8_0: an adapter file is written as f32, f16 or bf16/);
  const noAdapter = await cli('export', '--model', full, '--out', path.join(tmp, 'lora-none.gguf'), '--format', 'gguf-lora');
  assert.equal(noAdapter.status, 2);
  assert.match(noAdapter.stderr, /needs --adapter DIR/);
  assert.equal(fs.existsSync(path.join(tmp, 'lora-q8.gguf')) || fs.existsSync(path.join(tmp, 'lora-none.gguf')), false, 'nothing written');
});

test('an adapter with per-module ranks and alphas (rank_pattern, alpha_pattern, rsLoRA) as a GGUF adapter file: llama.cpp matches base + adapter', { skip }, async () => {
  // llama.cpp scales each pair by the file's alpha over that pair's own rank (its lora_a rows): a module's rank is
  // written as it is, and its own scaling over that is folded into its B
  const run = await trainedLoraRun();
  const tok = loadTokenizer(full);
  const prompts = PROMPT_TEXTS.map((x) => [1, ...tok.encode(x)]);
  const dir = path.join(tmp, 'patterned');
  fs.cpSync(path.join(run, 'adapter'), dir, { recursive: true, filter: (src) => path.basename(src) !== WRITTEN_RECORD }); // edited below
  const cfgFile = path.join(dir, 'adapter_config.json');
  const rankOf = (key: string): number | null => (/self_attn\.k_proj/.test(key) ? 2 : /layers\.1\.self_attn\.q_proj/.test(key) ? 3 : null);
  fs.writeFileSync(cfgFile, JSON.stringify({
    ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), rank_pattern: { k_proj: 2, 'layers.1.self_attn.q_proj': 3 }, alpha_pattern: { v_proj: 20 }, use_rslora: true,
  }));
  // the modules of a smaller rank keep their first rows of A and columns of B, as PEFT would have saved them
  const st = SafetensorsFile.open(path.join(dir, 'adapter_model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const key of st.names()) {
    const [rows, cols] = st.info(key).shape as [number, number];
    const data = st.readF32(key), r = rankOf(key);
    tensors[key] = r === null ? { dtype: 'F32', shape: [rows, cols], data }
      : key.includes('lora_A') ? { dtype: 'F32', shape: [r, cols], data: data.slice(0, r * cols) }
        : { dtype: 'F32', shape: [rows, r], data: Float32Array.from({ length: rows * r }, (_, k) => data[Math.floor(k / r) * cols + (k % r)]!) };
  }
  st.close();
  writeSafetensors(path.join(dir, 'adapter_model.safetensors'), tensors);
  const file = path.join(tmp, 'patterned.gguf');
  exportLoraGguf(loadConfig(full), dir, file, 'f32', folderProvenance(full, dir));
  const model = loadModel(full, { backend });
  const plain = ourLogProbs(model, prompts);
  loadAdapter(model, dir, { trainable: false });
  const ours = ourLogProbs(model, prompts);
  assert.ok(compare(ours, plain).rel > 1e-3, 'the adapter changes the logits');
  const { rel } = compare((await llamaLogProbs(await fullF32Gguf(), prompts, 0, file)).lp, ours);
  console.log(`# patterned adapter GGUF (rank_pattern, alpha_pattern, rsLoRA) beside the f32 base: logits max rel error ${rel.toExponential(2)}`);
  assert.ok(rel <= 1e-4, `rel ${rel}`);
});

test("a DoRA adapter (the tiny fixture's, PEFT-trained one step) merged into an f32 GGUF: llama.cpp matches base + DoRA", { skip }, async () => {
  // DoRA has no adapter file (llama.cpp has no magnitudes): merged is its one GGUF form, so its merge is checked here
  const dir = path.join(tmp, 'tiny-dora-base');
  fs.cpSync(TINY_BASE, dir, { recursive: true });
  cutTokenizer(dir, 512);
  const prompts = [[1, 415, 293, 460], [1, 260, 300, 400, 500, 280, 270]]; // within the fixture's window of 8
  const adapter = path.join(FIXTURES, 'hf-tiny-mistral-dora', 'adapter_step1');
  const file = path.join(tmp, 'tiny-dora.gguf');
  const r = await cli('export', '--model', dir, '--adapter', adapter, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  const model = loadModel(dir, { backend });
  const plain = ourLogProbs(model, prompts);
  loadAdapter(model, adapter, { trainable: false });
  const ours = ourLogProbs(model, prompts);
  assert.ok(compare(ours, plain).rel > 1e-3, 'the adapter changes the logits');
  const { rel } = compare((await llamaLogProbs(file, prompts)).lp, ours);
  console.log(`# DoRA merged, f32: logits max rel error ${rel.toExponential(2)}`); // measured 5.0e-7
  assert.ok(rel <= 1e-4, `rel ${rel}`);
});
