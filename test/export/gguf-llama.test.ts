// GGUF exports checked by llama.cpp itself (node-llama-cpp 3.21.1's prebuilt binary as the loader): it loads
// each file, its tokenizer gives our ids, its next-token log-probabilities match our model's within a bound
// per tensor type, and greedy generation in f32 is identical. Models are made here: a random one with the
// bundled 32000-token Mistral tokenizer (hidden 64, cheap), one with a 512-token cut of that tokenizer and
// rows of 256 (so Q4_K_M applies, cheap to quantise), a LoRA run trained for 2 steps by the CLI, one with a tiny
// byte-level BPE tokenizer of Tekken's form (test/fixtures/tekken-tiny); a classification adapter and rows Q4_K
// cannot hold are refused. llama.cpp's KV cache is made F32 here:
// its default F16 cache adds ~1e-3 relative error of its own, which is not the file's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { GgmlType, readGgufFileInfo, type Token } from 'node-llama-cpp';
import { createBackend } from '../../src/backend/select.ts';
import { exportGguf } from '../../src/export/gguf/export-gguf.ts';
import type { GgufQuant } from '../../src/export/gguf/tensors.ts';
import { collate } from '../../src/data/batch.ts';
import type { MistralConfig } from '../../src/model/config.ts';
import { generate } from '../../src/model/generate.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { loadModel, type MistralModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { FIXTURES, makeTokenizerModel, TINY_BASE } from '../helpers.ts';
import { corpus as corpusDocs, variedStrings } from '../tokenizer/corpus.ts';
import { tempDir } from '../temp-dir.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const backend = createBackend('cpu');
const tmp = tempDir('mt-gguf-');

type NodeLlama = typeof import('node-llama-cpp');
type Llama = Awaited<ReturnType<NodeLlama['getLlama']>>;
let llama: Llama | null = null, skip: string | false = false;
try {
  const m = await import('node-llama-cpp');
  llama = await m.getLlama({ gpu: false, build: 'never', logLevel: m.LlamaLogLevel.error });
} catch (e) {
  skip = `llama.cpp (node-llama-cpp) cannot load here: ${(e as Error).message.split('\n')[0]}`;
  console.log(`# SKIPPED the llama.cpp checks: ${skip}`);
}

function cli(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'mistral-tune.js'), ...args], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

function config(over: Partial<MistralConfig>): MistralConfig {
  return {
    vocabSize: 32000, hiddenSize: 64, intermediateSize: 128, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16, rmsNormEps: 1e-5,
    ropeTheta: 10000, slidingWindow: null, attentionDropout: 0, tieWordEmbeddings: false, maxPositionEmbeddings: 256, bosTokenId: 1, eosTokenIds: [2],
    padTokenId: null, labels: null, task: 'generation', problemType: null, initializerRange: 0.02, ...over,
  };
}

/** The bundled tokenizer cut to its first n ids (bytes and the earliest merges): a real SentencePiece-BPE vocabulary. */
function cutTokenizer(dir: string, n: number): void {
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number>; merges: Array<string | string[]> } };
  const vocab = Object.fromEntries(Object.entries(json.model.vocab).filter(([, id]) => id < n));
  json.model.vocab = vocab;
  json.model.merges = json.model.merges.filter((m) => {
    const [a, b] = typeof m === 'string' ? m.split(' ') : m;
    return a! in vocab && b! in vocab && a! + b! in vocab;
  });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
}

function randomModelDir(name: string, cfg: MistralConfig, tokenizerSize: number | null): string {
  const dir = path.join(tmp, name);
  saveModelFolder(createRandomModel(backend, cfg, { seed: 7, std: 0.1, normStd: 0.1 }), dir, { sourceDir: null, head: 'causal' });
  if (tokenizerSize) cutTokenizer(dir, tokenizerSize);
  return dir;
}

const full = randomModelDir('full', config({}), null); // bundled tokenizer (32000)
const wide = randomModelDir('wide', config({ vocabSize: 512, hiddenSize: 256, intermediateSize: 512, headDim: 64 }), 512);

/** Centered next-token log-probabilities (= logits up to their mean) after `ids`, from llama.cpp and from us. */
async function llamaLogProbs(file: string, prompts: number[][], greedy = 0, lora?: string): Promise<{ lp: Float64Array[]; gen: number[] }> {
  const model = await llama!.loadModel({ modelPath: file });
  const ctx = await model.createContext({
    contextSize: 128, threads: 1, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
    ...(lora ? { lora: { adapters: [{ filePath: lora }] } } : {}),
  });
  const seq = ctx.getSequence();
  const lp: Float64Array[] = [];
  let gen: number[] = [];
  try {
    for (const ids of prompts) {
      await seq.clearHistory();
      for await (const r of seq.evaluateWithMetadata(ids as Token[], { probabilities: true }, { temperature: 0 })) {
        const out = new Float64Array(r.probabilities.size);
        for (const [t, p] of r.probabilities) out[t] = Math.log(p);
        lp.push(center(out));
        break;
      }
    }
    if (greedy) {
      await seq.clearHistory();
      for await (const t of seq.evaluate(prompts[0] as Token[], { temperature: 0 })) {
        gen.push(t);
        if (gen.length === greedy) break;
      }
    }
  } finally {
    await ctx.dispose();
    await model.dispose();
  }
  return { lp, gen };
}

function center(x: ArrayLike<number>): Float64Array {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length;
  return Float64Array.from(x, (v) => v - mean);
}

function ourLogProbs(model: MistralModel, prompts: number[][]): Float64Array[] {
  const V = model.cfg.vocabSize;
  return prompts.map((ids) => center(model.logits(collate([{ inputIds: ids }], 0, 0)).subarray((ids.length - 1) * V, ids.length * V)));
}

/** max |a − b| / max |b| over all prompts, and the worst cosine similarity. */
function compare(a: Float64Array[], b: Float64Array[]): { rel: number; cos: number } {
  let err = 0, mag = 0, cos = 1;
  a.forEach((x, k) => {
    const y = b[k]!;
    assert.equal(x.length, y.length);
    let dot = 0, nx = 0, ny = 0;
    for (let i = 0; i < x.length; i++) {
      err = Math.max(err, Math.abs(x[i]! - y[i]!));
      mag = Math.max(mag, Math.abs(y[i]!));
      dot += x[i]! * y[i]!; nx += x[i]! ** 2; ny += y[i]! ** 2;
    }
    cos = Math.min(cos, dot / Math.sqrt(nx * ny));
  });
  return { rel: err / mag, cos };
}

/** The tokenizer of model folder `dir` with its tokenizer.json's own pipeline (its config without the tokenizer class). */
function tokenizerAsWritten(dir: string) {
  const copy = tempDir('mt-gguf-tok-');
  fs.copyFileSync(path.join(dir, 'tokenizer.json'), path.join(copy, 'tokenizer.json'));
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  delete cfg['tokenizer_class'];
  fs.writeFileSync(path.join(copy, 'tokenizer_config.json'), JSON.stringify(cfg));
  return loadTokenizer(copy);
}

const PROMPT_TEXTS = ['The quick brown fox jumps over', 'Once upon a time, in a land far away', '[INST] Write a haiku about rain. [/INST]'];

let fullGguf: string | null = null;

/** `full` exported by the CLI as an f32 GGUF (once, for the tests below). */
function fullF32Gguf(): string {
  if (fullGguf) return fullGguf;
  const file = path.join(tmp, 'full-f32.gguf');
  const r = cli('export', '--model', full, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  fullGguf = file;
  return file;
}

test('f32 GGUF of a 32000-token model: llama.cpp tokenizes as we do, its logits match ≤ 1e-4, greedy 32 tokens identical', { skip }, async () => {
  const file = fullF32Gguf();
  const tok = loadTokenizer(full);
  const lm = await llama!.loadModel({ modelPath: file });
  const strings = [
    'Hello world', ' leading space', 'trailing space ', '<s>[INST] special tokens inside [/INST]</s> and after', 'a</s>b<unk>c',
    '  two   three    four     spaces', 'tabs\tand\nnew\n\nlines\r\n', 'Здравствуй, мир! Ελληνικά', '你好世界, こんにちは, 안녕하세요',
    'emoji 🙂🚀 and rare 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'bytes: \u0001\u0002\u007f\u00ff\u2028', 'ﬁ ligature, e\u0301 combining', '', ' ', '12345 67.89e-3',
  ];
  // llama.cpp tokenizes as SentencePiece does, which is the tokenizer.json as written; transformers 5 (and we: a
  // LlamaTokenizer-class config, src/tokenizer/llama-class.ts) differ only where a text starts with a space
  const asWritten = tokenizerAsWritten(full);
  const startsWithSpace = (s: string): boolean => s.split(/<s>|<\/s>|<unk>/).some((part) => part.startsWith(' '));
  try {
    for (const s of strings) {
      assert.deepEqual(lm.tokenize(s, true), asWritten.encode(s), `tokenizing ${JSON.stringify(s)}`);
      if (!startsWithSpace(s)) assert.deepEqual(lm.tokenize(s, true), tok.encode(s), `tokenizing ${JSON.stringify(s)}`);
    }
    assert.deepEqual(tok.encode(' leading space'), asWritten.encode(' leading space').slice(1), 'transformers 5: no lone "▁" before a leading space');
  } finally {
    await lm.dispose();
  }
  const prompts = PROMPT_TEXTS.map((t) => [1, ...tok.encode(t)]);
  const ours = loadModel(full, { backend });
  const ll = await llamaLogProbs(file, prompts, 32);
  const { rel } = compare(ll.lp, ourLogProbs(ours, prompts));
  console.log(`# f32 (32000-token model): logits max rel error ${rel.toExponential(2)}`);
  assert.ok(rel <= 1e-4, `f32 logits rel error ${rel}`);
  assert.deepEqual(ll.gen, generate(ours, prompts[0]!, { maxNewTokens: 32, temperature: 0, eosIds: [] }));
});

// measured on this model (random, std 0.1, rows of 256; llama.cpp also rounds activations to 8 bits
// for quantised weights: f32 1.5e-6, f16 1.1e-3, bf16 1.8e-2, q8_0 4.1e-2, q4_k_m 0.46 (cosine 0.88)); bounds ~2×
const BOUNDS: Record<GgufQuant, { rel: number; cos: number }> = {
  f32: { rel: 1e-4, cos: 0.999999 }, f16: { rel: 3e-3, cos: 0.99999 }, bf16: { rel: 4e-2, cos: 0.999 },
  q8_0: { rel: 0.1, cos: 0.995 }, q4_k_m: { rel: 0.9, cos: 0.8 },
};

test('every --quant type: llama.cpp loads it and its logits stay within the bound measured for the type', { skip }, async () => {
  const tok = loadTokenizer(wide);
  const prompts = PROMPT_TEXTS.map((t) => [1, ...tok.encode(t)]);
  const model = loadModel(wide, { backend });
  const ours = ourLogProbs(model, prompts);
  for (const quant of Object.keys(BOUNDS) as GgufQuant[]) {
    const file = path.join(tmp, `wide-${quant}.gguf`);
    const { bytes } = exportGguf(model, wide, file, quant, { name: 'wide', baseModel: wide, adapter: null, run: null }, { progress: false });
    const { rel, cos } = compare((await llamaLogProbs(file, prompts)).lp, ours);
    console.log(`# ${quant}: ${bytes} bytes, logits max rel error ${rel.toExponential(2)}, cosine ${cos.toFixed(6)}`);
    if (quant === 'q4_k_m') {
      // llama.cpp's own GGUF reader: the metadata and the types llama_model_quantize would choose for 2 layers
      // (use_more_bits: layer 1 of 2 keeps attn_v / ffn_down at Q6_K; output Q6_K; the rest Q4_K; norms F32)
      const info = await readGgufFileInfo(file, { logWarnings: false });
      const type = (name: string): string => GgmlType[info.fullTensorInfo!.find((t) => t.name === name)!.ggmlType]!;
      assert.deepEqual(['token_embd.weight', 'blk.0.attn_v.weight', 'blk.1.attn_v.weight', 'blk.0.ffn_down.weight', 'blk.1.ffn_down.weight', 'blk.1.attn_q.weight', 'output.weight', 'output_norm.weight'].map(type),
        ['Q4_K', 'Q4_K', 'Q6_K', 'Q4_K', 'Q6_K', 'Q4_K', 'Q6_K', 'F32']);
      const md = info.metadata as unknown as Record<string, Record<string, unknown>>;
      assert.equal(md['general']!['architecture'], 'llama');
      assert.equal(md['general']!['alignment'], 32);
      assert.equal(md['general']!['file_type'], 15);
      assert.deepEqual(md['llama']!['attention'], { head_count: 4, head_count_kv: 2, layer_norm_rms_epsilon: Math.fround(1e-5) });
    }
    assert.ok(rel <= BOUNDS[quant].rel && cos >= BOUNDS[quant].cos, `${quant}: rel ${rel}, cos ${cos}`);
  }
});

let loraRun: string | null = null;

/** A LoRA run of 2 steps on `full` by the CLI (trained once, for the tests below). */
function trainedLoraRun(): string {
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
  const t = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'mistral-tune.js'), 'train', path.join(dir, 'cfg.json'), '--output_dir', run], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  loraRun = run;
  return run;
}

test('a LoRA run trained by the CLI exports (--run) with the adapter merged: llama.cpp matches base + adapter', { skip }, async () => {
  const run = trainedLoraRun();
  const tok = loadTokenizer(full);
  const file = path.join(tmp, 'run.gguf');
  const r = cli('export', '--run', run, '--out', file, '--format', 'gguf', '--quant', 'f32');
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
  const run = trainedLoraRun();
  const tok = loadTokenizer(full);
  const baseFile = fullF32Gguf();
  const rslora = path.join(tmp, 'adapter-rslora');
  fs.cpSync(path.join(run, 'adapter'), rslora, { recursive: true });
  const cfgFile = path.join(rslora, 'adapter_config.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), use_rslora: true }));
  const prompts = PROMPT_TEXTS.map((x) => [1, ...tok.encode(x)]);
  for (const [name, args, adapter] of [['run', ['--run', run], path.join(run, 'adapter')], ['rsLoRA', ['--model', full, '--adapter', rslora], rslora]] as const) {
    const file = path.join(tmp, `lora-${name}.gguf`);
    const r = cli('export', ...args, '--out', file, '--format', 'gguf-lora', '--quant', 'f32');
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
  assert.equal(cli('export', '--run', run, '--out', f16, '--format', 'gguf-lora').status, 0, 'f16 by default');
  assert.equal((await readGgufFileInfo(f16, { logWarnings: false })).fullTensorInfo!.every((t) => GgmlType[t.ggmlType] === 'F16'), true);
  const q = cli('export', '--run', run, '--out', path.join(tmp, 'lora-q8.gguf'), '--format', 'gguf-lora', '--quant', 'q8_0');
  assert.equal(q.status, 2);
  assert.match(q.stderr, /--quant q8_0: an adapter file is written as f32, f16 or bf16/);
  const noAdapter = cli('export', '--model', full, '--out', path.join(tmp, 'lora-none.gguf'), '--format', 'gguf-lora');
  assert.equal(noAdapter.status, 2);
  assert.match(noAdapter.stderr, /needs --adapter DIR/);
  assert.equal(fs.existsSync(path.join(tmp, 'lora-q8.gguf')) || fs.existsSync(path.join(tmp, 'lora-none.gguf')), false, 'nothing written');
});

test("other Mistral shapes: head_dim apart from hidden/heads (Nemo's form), tied embeddings, rope_theta 1e6, rms eps 1e-6: f32 logits match", { skip }, async () => {
  const cfg = config({ vocabSize: 512, hiddenSize: 64, numHeads: 4, numKvHeads: 1, headDim: 32, tieWordEmbeddings: true, ropeTheta: 1e6, rmsNormEps: 1e-6 });
  const dir = randomModelDir('nemo-shaped', cfg, 512);
  const file = path.join(tmp, 'nemo-shaped-f32.gguf');
  const r = cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  const info = await readGgufFileInfo(file, { logWarnings: false });
  assert.equal(info.fullTensorInfo!.some((t) => t.name === 'output.weight'), false, 'tied: no output.weight');
  const prompts = [[1, 415, 293, 460, 300, 301], [1, 260, 300, 400, 500, 280, 270, 302, 303, 304, 305, 306]];
  const { rel } = compare((await llamaLogProbs(file, prompts)).lp, ourLogProbs(loadModel(dir, { backend }), prompts));
  console.log(`# Nemo-shaped (head_dim 32 × 4 heads over hidden 64, GQA 4/1, tied) f32: logits max rel error ${rel.toExponential(2)}`);
  assert.ok(rel <= 1e-4, `rel ${rel}`);
});

test('the tiny HF fixture (given a 512-token tokenizer): context_length is its window of 8; f32 matches, q4_k_m falls back as llama.cpp', { skip }, async () => {
  const dir = path.join(tmp, 'tiny');
  fs.cpSync(TINY_BASE, dir, { recursive: true });
  cutTokenizer(dir, 512);
  const prompts = [[1, 415, 293, 460], [1, 260, 300, 400, 500, 280, 270]]; // within the window: full attention = the window's
  const ours = ourLogProbs(loadModel(dir, { backend }), prompts);
  const f32 = path.join(tmp, 'tiny-f32.gguf');
  let r = cli('export', '--model', dir, '--out', f32, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /llama\.context_length = 8, the sliding window/);
  const exact = compare((await llamaLogProbs(f32, prompts)).lp, ours);
  console.log(`# tiny fixture f32: logits max rel error ${exact.rel.toExponential(2)}`);
  assert.ok(exact.rel <= 1e-4, `rel ${exact.rel}`);
  // rows of 64 and 160: llama.cpp's tensor_type_fallback (Q4_K → Q5_0, Q6_K → Q8_0; the output's own rule gives Q8_0)
  const q4 = path.join(tmp, 'tiny-q4_k_m.gguf');
  r = cli('export', '--model', dir, '--out', q4, '--format', 'gguf', '--quant', 'q4_k_m');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /fall back as llama\.cpp does: token_embd\.weight Q4_K→Q5_0/);
  const info = await readGgufFileInfo(q4, { logWarnings: false });
  const type = (name: string): string => GgmlType[info.fullTensorInfo!.find((t) => t.name === name)!.ggmlType]!;
  assert.deepEqual(['token_embd.weight', 'blk.0.attn_q.weight', 'blk.0.ffn_down.weight', 'blk.1.attn_v.weight', 'blk.1.ffn_down.weight', 'output.weight'].map(type),
    ['Q5_0', 'Q5_0', 'Q5_0', 'Q8_0', 'Q8_0', 'Q8_0']);
  const { rel, cos } = compare((await llamaLogProbs(q4, prompts)).lp, ours);
  console.log(`# tiny fixture q4_k_m (Q5_0/Q8_0 fallbacks): logits max rel error ${rel.toExponential(2)}, cosine ${cos.toFixed(6)}`);
  assert.ok(rel <= 0.25 && cos >= 0.97, `rel ${rel}, cos ${cos}`); // measured 0.12, 0.991
});

test('a tokenizer without the space prefix (Metaspace, prepend_scheme never) and an added token repeating a vocabulary entry: llama.cpp loads it and tokenizes as we do', { skip }, async () => {
  const dir = randomModelDir('metaspace', config({ vocabSize: 32001 }), null);
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown> & { added_tokens: unknown[]; model: { vocab: Record<string, number> } };
  json.normalizer = null;
  json.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'never', split: false };
  json.decoder = { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '\u2581' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }] };
  // "hello" is also vocabulary entry 21558: llama.cpp aborts on a token text written twice
  json.added_tokens.push({ id: 32000, content: 'hello', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const file = path.join(tmp, 'metaspace-f32.gguf');
  const r = cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  const info = await readGgufFileInfo(file, { logWarnings: false });
  const meta = info.metadata.tokenizer.ggml as unknown as Record<string, unknown> & { tokens: string[]; scores: number[] };
  assert.equal(meta.add_space_prefix, false);
  assert.equal(meta.tokens[json.model.vocab['hello']!], `[UNUSED${json.model.vocab['hello']}]`);
  assert.equal(meta.tokens[32000], 'hello');
  const tok = loadTokenizer(dir);
  assert.equal(tok.encode('hello')[0], 32000);
  const lm = await llama!.loadModel({ modelPath: file });
  try {
    for (const s of ['Hello world', 'say hello twice: hello!', 'no space prefix', ' one leading space', '[INST] a question [/INST]</s>next', 'Здравствуй, мир']) {
      assert.deepEqual(lm.tokenize(s, true), tok.encode(s), `tokenizing ${JSON.stringify(s)}`);
    }
  } finally {
    await lm.dispose();
  }
});

const TEKKEN = path.join(FIXTURES, 'tekken-tiny');
type TekkenJson = { model: { merges: string[]; ignore_merges: boolean }; pre_tokenizer: unknown; added_tokens: Array<{ content: string }> };
const tekkenJson = (): TekkenJson => JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer.json'), 'utf8')) as TekkenJson;
/** The Split regex of the fixture: Tekken's, as Mistral Nemo's tokenizer.json has it. */
const TEKKEN_REGEX = (tekkenJson().pre_tokenizer as { pretokenizers: Array<{ pattern: { Regex: string } }> }).pretokenizers[0]!.pattern.Regex;

/**
 * llama.cpp's rewrite of Tekken's regex (llama-vocab.cpp, LLAMA_VOCAB_PRE_TYPE_TEKKEN), its groups made
 * non-capturing: "a letter but a-z" and "a letter but A-Z" stand for the upper- and lower-case classes, which also
 * hold the combining marks (\p{M}, not letters), so llama.cpp splits a mark off the word it ends (a Devanagari
 * vowel sign before a newline, say) where HF does not — its own difference from HF, whatever the GGUF says.
 */
const LLAMA_TEKKEN_REGEX = String.raw`[^\r\n\p{L}\p{N}]?(?:(?=\p{L})[^a-z])*(?:(?=\p{L})[^A-Z])+|[^\r\n\p{L}\p{N}]?(?:(?=\p{L})[^a-z])+(?:(?=\p{L})[^A-Z])*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

/** The pre-tokenized pieces of `text`: split at the special tokens first (both tokenizers do), then by `regex`. */
function pieces(text: string, regex: string, specials: readonly string[]): string[] {
  const at = new RegExp(specials.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gu');
  return text.split(at).flatMap((part) => [...part.matchAll(new RegExp(regex, 'gu'))].map((m) => m[0]));
}

/** Edge cases, then the varied test corpus with special tokens and the user-defined token put in. */
const BPE_STRINGS = [
  '', ' ', '\n', 'Hello world', "I've been 'told he's there, 'RE you sure? We'Ve a'lL", 'CamelCaseWord and ALLCAPS then lowerUPPER',
  '12345 67.89e-3 3..3 3...3', '  two   three    four     spaces\n\n\n', 'tabs\tand\r\nnew\n \nlines', 'path/to/file.ts\n/', '你好世界, こんにちは, 안녕하세요',
  'emoji 🙂🚀 👨‍👩‍👧‍👦 and rare 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'bytes: \u0001\u0002\u007f\u00ff\u2028', '<s>[INST] special tokens inside [/INST]</s> and after', 'a</s>b<unk>c[CUSTOM]d [CUSTOM] e',
  ...[...variedStrings(1200, 5), ...corpusDocs(40_000, 9)].map((s, i) => (i % 3 === 0 ? `<s>[INST] ${s}[/INST]${s.slice(0, 20)}</s>` : i % 3 === 1 ? `${s.slice(0, 10)}[CUSTOM]${s.slice(10)}` : s)),
];

/**
 * A model folder with the Tekken fixture's tokenizer (`edit`ed; `cleanUpSpaces`: its clean_up_tokenization_spaces,
 * which llama.cpp fixes by pre-tokenizer: false for tekken, true for llama-bpe and gpt-2, as their HF configs
 * say), exported to f32 GGUF by the CLI; checks that
 * llama.cpp detokenizes our ids as we decode them and tokenizes each string as we do, or, where `explained` says
 * its pre-tokenizer splits the string otherwise, differently; returns the file and how many strings differed.
 */
async function checkByteLevel(name: string, edit: (json: TekkenJson) => void, explained: (s: string) => boolean, cleanUpSpaces = false): Promise<{ file: string; dir: string; differ: number }> {
  const dir = randomModelDir(name, config({ vocabSize: 896 }), null); // 873 tokens: 23 padding rows
  const json = tekkenJson();
  edit(json);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...tokenizerConfig, clean_up_tokenization_spaces: cleanUpSpaces }));
  const file = path.join(tmp, `${name}-f32.gguf`);
  const r = cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /gguf:.*(differently|cannot)/, 'no tokenizer warning');
  const tok = loadTokenizer(dir);
  const lm = await llama!.loadModel({ modelPath: file });
  let differ = 0;
  try {
    for (const s of BPE_STRINGS) {
      const ids = tok.encode(s);
      assert.equal(lm.detokenize(ids as Token[], true), tok.decode(ids, { skipSpecialTokens: false }), `detokenizing ${JSON.stringify(s)}`);
      const theirs = lm.tokenize(s, true);
      if (JSON.stringify(theirs) === JSON.stringify(ids)) continue;
      assert.ok(explained(s), `tokenizing ${JSON.stringify(s)}: ${JSON.stringify(theirs)} ≠ ${JSON.stringify(ids)}`);
      differ++;
    }
  } finally {
    await lm.dispose();
  }
  console.log(`# ${name}: ${BPE_STRINGS.length - differ} of ${BPE_STRINGS.length} strings tokenized identically by llama.cpp${differ ? `; ${differ} otherwise, each where llama.cpp's own regex splits otherwise` : ''}`);
  return { file, dir, differ };
}

test('a byte-level BPE tokenizer (Tekken\'s form) exports as llama.cpp\'s "gpt2" with pre "tekken": llama.cpp tokenizes and detokenizes a varied corpus as we do; the named chat templates are in the file', { skip }, async () => {
  const specials = tekkenJson().added_tokens.map((t) => t.content);
  const otherSplit = (s: string): boolean => pieces(s, LLAMA_TEKKEN_REGEX, specials).join('\u0000') !== pieces(s, TEKKEN_REGEX, specials).join('\u0000');
  const { file, dir, differ } = await checkByteLevel('tekken', () => {}, otherSplit);
  assert.ok(differ <= 0.02 * BPE_STRINGS.length, `${differ}`); // 0 measured
  const json = tekkenJson();
  const templates = (JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer_config.json'), 'utf8')) as { chat_template: Array<{ name: string; template: string }> }).chat_template;
  const md = (await readGgufFileInfo(file, { logWarnings: false })).metadata as unknown as { tokenizer: Record<string, unknown> & { ggml: Record<string, unknown> & { tokens: string[]; token_type: number[] } } };
  const g = md.tokenizer.ggml;
  assert.deepEqual([g['model'], g['pre'], g['bos_token_id'], g['eos_token_id'], g['unknown_token_id'], g['padding_token_id'], g['add_bos_token'], g['add_eos_token']], ['gpt2', 'tekken', 1, 2, 0, 10, true, false]);
  assert.deepEqual(g['merges'], json.model.merges);
  assert.deepEqual([g.tokens[16], g.tokens[17 + 0x20], g.tokens[873], g.tokens[895]], ['[CUSTOM]', 'Ġ', '[PAD873]', '[PAD895]']);
  assert.deepEqual([g.token_type[0], g.token_type[3], g.token_type[16], g.token_type[17], g.token_type[872], g.token_type[873]], [3, 3, 4, 1, 1, 5]);
  assert.equal(md.tokenizer['chat_template'], templates[0]!.template);
  assert.equal(md.tokenizer['chat_template.tool_use'], templates[1]!.template, 'a named template under its name');
  assert.equal(md.tokenizer['chat_template.rag_v1'], templates[2]!.template, '"rag-v1": other characters as "_", as gguf-py');
  assert.deepEqual(md.tokenizer['chat_templates'], ['tool_use', 'rag_v1']);
  // the check sees the pre-tokenizer: the same file read with Llama 3's (the fixture's merges join what Tekken's regex splits apart)
  const bytes = fs.readFileSync(file);
  const key = 'tokenizer.ggml.pre';
  bytes.write('llama3', bytes.indexOf(key) + key.length + 4 + 8, 'latin1'); // after the key: its type (u32), length (u64)
  const asLlama3 = path.join(tmp, 'tekken-as-llama3.gguf');
  fs.writeFileSync(asLlama3, bytes);
  const tok = loadTokenizer(dir);
  const lm = await llama!.loadModel({ modelPath: asLlama3 });
  try {
    const wrong = BPE_STRINGS.filter((s) => JSON.stringify(lm.tokenize(s, true)) !== JSON.stringify(tok.encode(s))).length;
    console.log(`# tekken: with pre "llama3" instead, ${wrong} of ${BPE_STRINGS.length} strings tokenize otherwise`);
    assert.ok(wrong > 0.05 * BPE_STRINGS.length, `${wrong}`);
  } finally {
    await lm.dispose();
  }
});

test('the same vocabulary with Llama 3\'s Split regex (pre "llama-bpe") and with GPT-2\'s ByteLevel regex (pre "gpt-2"): llama.cpp tokenizes every string as we do', { skip }, async () => {
  const llama3 = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
  const none = (): boolean => false;
  await checkByteLevel('llama-bpe', (j) => { (j.pre_tokenizer as { pretokenizers: Array<{ pattern: { Regex: string } }> }).pretokenizers[0]!.pattern.Regex = llama3; }, none, true);
  await checkByteLevel('gpt-2', (j) => { j.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }; j.model.ignore_merges = false; }, none, true);
});

test('refused with one line, nothing written: a classification adapter, a vocabulary the tokenizer does not fit', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--model', TINY_BASE, '--adapter', path.join(FIXTURES, 'hf-tiny-mistral-cls', 'adapter_init')], /classification model cannot be exported to GGUF/],
    [['--model', TINY_BASE], /tokenizer has 32000 tokens but the model's embedding has 512 rows/],
  ];
  for (const [args, msg] of cases) {
    const out = path.join(tmp, 'refused.gguf');
    const r = cli('export', ...args, '--out', out, '--format', 'gguf');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('cpu backend') && !l.startsWith('device auto') && !l.startsWith('tokenizer:')).length, 1, r.stderr);
    assert.ok(!fs.existsSync(out) && fs.readdirSync(tmp).every((f) => !f.endsWith('.tmp')), 'nothing left behind');
  }
});

test('--out of a GGUF export: missing folders above the file are made; an existing folder is refused as a folder, not a file', async () => {
  const model = await makeTokenizerModel(path.join(tmp, 'paths-model'));
  const adapter = path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init');
  const cases: Array<[string, string[]]> = [['gguf', ['--model', model]], ['gguf-lora', ['--model', TINY_BASE, '--adapter', adapter]]];
  for (const [format, args] of cases) {
    const file = path.join(tmp, `new-${format}`, 'deeper', 'x.gguf');
    const r = cli('export', ...args, '--out', file, '--format', format);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.statSync(file).size > 0, file);
    const empty = path.join(tmp, `empty-${format}`);
    fs.mkdirSync(empty);
    const refused = cli('export', ...args, '--out', empty, '--format', format);
    assert.equal(refused.status, 2, refused.stderr);
    assert.equal(refused.stderr, `error: ${empty}: is a folder: --format ${format} writes one file, so give a file path (e.g. ${path.join(empty, format === 'gguf' ? 'model.gguf' : 'adapter.gguf')})\n`);
    assert.deepEqual(fs.readdirSync(empty), []);
    // killed between putting the file in place (a hard link) and removing its temporary name: the refusal removes that
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    fs.linkSync(file, path.join(path.dirname(file), `.x.gguf.${dead}.1.tmp`));
    const again = cli('export', ...args, '--out', file, '--format', format);
    assert.match(again.stderr, /output file exists \(a GGUF export does not overwrite\)/);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['x.gguf']);
  }
});
