// Model folders for the GGUF export tests: a MistralConfig with the small defaults they share, a random model saved
// as an HF folder, the bundled tokenizer cut to a small vocabulary (a real SentencePiece-BPE one), the random
// 32000-token model with the bundled tokenizer and its f32 GGUF (made once per test file), and the CLI.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import type { MistralConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { BUNDLED_TOKENIZER_DIR } from '../../src/tokenizer/load.ts';
import { tempDir } from '../temp-dir.ts';

export const backend = createBackend('cpu');
/** This test file's folder for models and GGUF files (removed when its process exits). */
export const tmp = tempDir('mt-gguf-');

/**
 * The mistral-tune CLI, run to its end through main() in this process from its folder (in-process-cli.ts): a process
 * each cost ~1.5 CPU-s of start-up for an export of a few tensors. Imported on the first call, so that the files that
 * only make models here load no CLI.
 */
export async function cli(...args: string[]): Promise<{ status: number; stderr: string }> {
  const { cliIn } = await import('../cli/in-process-cli.ts');
  const r = await cliIn(process.cwd(), args);
  return { status: r.status, stderr: r.stderr };
}

/** A 2-layer model of hidden size 64 with the bundled tokenizer's 32000 tokens, `over` changed. */
export function config(over: Partial<MistralConfig>): MistralConfig {
  return {
    vocabSize: 32000, hiddenSize: 64, intermediateSize: 128, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16, rmsNormEps: 1e-5,
    ropeTheta: 10000, ropeScaling: null, slidingWindow: null, layerTypes: null, attentionDropout: 0, tieWordEmbeddings: false, maxPositionEmbeddings: 256, bosTokenId: 1, eosTokenIds: [2], eosTokenIdIsList: false,
    padTokenId: null, labels: null, task: 'generation', problemType: null, initializerRange: 0.02, ...over,
  };
}

/**
 * The bundled tokenizer cut to n ids, written into `dir`: its tokens in their order (specials, bytes, the earliest
 * merged tokens) with the characters each merged token is made of, renumbered from 0. Every merge whose two pieces and
 * result are kept is kept: each kept token is made by merges as in the whole tokenizer (which lists every pair), so
 * llama.cpp's SentencePiece tokenizer, which joins any two adjacent pieces that make a token, joins what HF's merges
 * do (a cut to the first n ids kept 28 merges, and the GGUF export warned of 232 tokens joined there only).
 */
export function cutTokenizer(dir: string, n: number): void {
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number>; merges: Array<string | string[]> } };
  const pairs = json.model.merges.map((m) => (typeof m === 'string' ? m.split(' ') : m) as [string, string]);
  const merged = new Set(pairs.map(([a, b]) => a + b));
  const kept = new Set<string>();
  for (const [token] of Object.entries(json.model.vocab).sort(([, a], [, b]) => a - b)) {
    const adds = new Set([token, ...(merged.has(token) ? [...token] : [])].filter((t) => t in json.model.vocab && !kept.has(t)));
    if (kept.size + adds.size <= n) for (const t of adds) kept.add(t);
  }
  const vocab = Object.fromEntries([...kept].sort((a, b) => json.model.vocab[a]! - json.model.vocab[b]!).map((t, id) => [t, id]));
  json.model.vocab = vocab;
  json.model.merges = json.model.merges.filter((_, i) => {
    const [a, b] = pairs[i]!;
    return a in vocab && b in vocab && a + b in vocab;
  });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
}

/** A random model of `cfg` (seed 7, std 0.1) saved as tmp/`name`, with a cut tokenizer of `tokenizerSize` ids (null: none, the bundled one serves). */
export function randomModelDir(name: string, cfg: MistralConfig, tokenizerSize: number | null): string {
  const dir = path.join(tmp, name);
  saveModelFolder(createRandomModel(backend, cfg, { seed: 7, std: 0.1, normStd: 0.1 }), dir, { sourceDir: null, head: 'causal' });
  if (tokenizerSize) cutTokenizer(dir, tokenizerSize);
  return dir;
}

let full: string | null = null, fullGguf: string | null = null;

/** The random model with the bundled tokenizer (32000 tokens), made once. */
export function fullModelDir(): string {
  full ??= randomModelDir('full', config({}), null);
  return full;
}

/** fullModelDir() exported by the CLI as an f32 GGUF, once. */
export async function fullF32Gguf(): Promise<string> {
  if (fullGguf) return fullGguf;
  const file = path.join(tmp, 'full-f32.gguf');
  const r = await cli('export', '--model', fullModelDir(), '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  fullGguf = file;
  return file;
}
