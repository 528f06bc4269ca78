// llama.cpp (node-llama-cpp 3.21.1's prebuilt binary) as the loader of the GGUF export tests: `skip` when it cannot
// load here; next-token log-probabilities of a file from llama.cpp and of a model from us, and how far apart they are.
// llama.cpp's KV cache is made F32 here: its default F16 cache adds ~1e-3 relative error of its own, which is not the file's.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Token } from 'node-llama-cpp';
import { collate } from '../../src/data/batch.ts';
import type { MistralModel } from '../../src/model/mistral.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { tempDir } from '../temp-dir.ts';

type NodeLlama = typeof import('node-llama-cpp');
type Llama = Awaited<ReturnType<NodeLlama['getLlama']>>;
/** llama.cpp when its prebuilt binary loads here; else null, and `skip` says why (the tests that need it are skipped). */
async function loadLlama(): Promise<{ llama: Llama | null; skip: string | false }> {
  try {
    const m = await import('node-llama-cpp');
    return { llama: await m.getLlama({ gpu: false, build: 'never', logLevel: m.LlamaLogLevel.error }), skip: false };
  } catch (e) {
    const skip = `llama.cpp (node-llama-cpp) cannot load here: ${(e as Error).message.split('\n')[0]}`;
    console.log(`# SKIPPED the llama.cpp checks: ${skip}`);
    return { llama: null, skip };
  }
}

export const { llama, skip } = await loadLlama();

/**
 * Centered next-token log-probabilities (= logits up to their mean) after each of `prompts`, from llama.cpp (ours:
 * ourLogProbs); with `greedy`, up to that many greedy tokens after the first prompt (`gen`), and `stop`: the
 * end-of-generation token llama.cpp ended them at, not in `gen` (null: it gave all `greedy`).
 */
export async function llamaLogProbs(file: string, prompts: number[][], greedy = 0, lora?: string): Promise<{ lp: Float64Array[]; gen: number[]; stop: GreedyStop | null }> {
  const model = await llama!.loadModel({ modelPath: file });
  const ctx = await model.createContext({
    contextSize: 128, threads: 1, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
    ...(lora ? { lora: { adapters: [{ filePath: lora }] } } : {}),
  });
  const seq = ctx.getSequence();
  const lp: Float64Array[] = [];
  const gen: number[] = [];
  let stop: GreedyStop | null = null;
  try {
    for (const [k, ids] of prompts.entries()) {
      await seq.clearHistory();
      // yieldEogToken: without it a prompt whose greedy next token ends generation (an EOS, <|eot_id|>) yields
      // nothing, and the log-probabilities of the prompts after it would be compared with the wrong prompt's
      for await (const r of seq.evaluateWithMetadata(ids as Token[], { probabilities: true }, { temperature: 0, yieldEogToken: true })) {
        const out = new Float64Array(r.probabilities.size);
        for (const [t, p] of r.probabilities) out[t] = Math.log(p);
        lp.push(center(out));
        break;
      }
      assert.equal(lp.length, k + 1, `llama.cpp gave no next-token probabilities after prompt ${k}`);
    }
    if (greedy) {
      await seq.clearHistory();
      // yieldEogToken: the token it ends at, which it does not yield otherwise (the run just ends shorter)
      for await (const t of seq.evaluate(prompts[0] as Token[], { temperature: 0, yieldEogToken: true })) {
        if (model.isEogToken(t)) {
          stop = { id: t, eos: t === model.tokens.eos };
          break;
        }
        gen.push(t);
        if (gen.length === greedy) break;
      }
    }
  } finally {
    await ctx.dispose();
    await model.dispose();
  }
  return { lp, gen, stop };
}

export function center(x: ArrayLike<number>): Float64Array {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length;
  return Float64Array.from(x, (v) => v - mean);
}

export function ourLogProbs(model: MistralModel, prompts: number[][]): Float64Array[] {
  const V = model.cfg.vocabSize;
  return prompts.map((ids) => center(model.logits(collate([{ inputIds: ids }], 0, 0)).subarray((ids.length - 1) * V, ids.length * V)));
}

/** The end-of-generation token llama.cpp's greedy run ended at, and whether it is the file's EOS. */
export interface GreedyStop {
  id: number;
  eos: boolean;
}

/**
 * How llama.cpp's greedy tokens (`gen`, ended at `stop` or after `ours.length`) agree with ours (generated without
 * stopping), after a prompt of `promptLength` ids: over what both gave, then where llama.cpp ended generation.
 */
export function greedyAgreement(ours: readonly number[], { gen, stop }: { gen: readonly number[]; stop: GreedyStop | null }, promptLength: number): string {
  const at = gen.findIndex((t, i) => t !== ours[i]);
  if (at >= 0) return `greedy differs from token ${at} (position ${promptLength + at})`;
  if (stop === null) return gen.length === ours.length ? `greedy ${gen.length} same` : `greedy ${gen.length} same, then llama.cpp gave no more`;
  const n = gen.length, what = `${stop.eos ? 'EOS' : 'end-of-generation token'} id ${stop.id}`;
  return ours[n] === stop.id
    ? `greedy ${n} same, then both give ${what}, where llama.cpp stops`
    : `greedy ${n} same, then llama.cpp stops at ${what} where ours gives id ${ours[n]} (token ${n}, position ${promptLength + n})`;
}

/** max |a − b| / max |b| over all prompts, and the worst cosine similarity. */
export function compare(a: Float64Array[], b: Float64Array[]): { rel: number; cos: number } {
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
export function tokenizerAsWritten(dir: string) {
  const copy = tempDir('mt-gguf-tok-');
  fs.copyFileSync(path.join(dir, 'tokenizer.json'), path.join(copy, 'tokenizer.json'));
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  delete cfg['tokenizer_class'];
  fs.writeFileSync(path.join(copy, 'tokenizer_config.json'), JSON.stringify(cfg));
  return loadTokenizer(copy);
}

/** Texts whose ids (after BOS) are the prompts the logits are compared on. */
export const PROMPT_TEXTS = ['The quick brown fox jumps over', 'Once upon a time, in a land far away', '[INST] Write a haiku about rain. [/INST]'];
