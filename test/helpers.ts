// Shared test helpers: fixture paths, relative error as the fixtures define it, row building, a literal in a RegExp.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SafetensorsFile } from '../src/model/safetensors.ts';
import type { TokenRow } from '../src/data/batch.ts';
import type { Rng } from '../src/util/rng.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const TINY = path.join(FIXTURES, 'hf-tiny-mistral');
export const TINY_BASE = path.join(TINY, 'base');
export const TINY_CLS = path.join(FIXTURES, 'hf-tiny-mistral-cls');
/** util-linux `script` (a command run on a pseudo-terminal), where it is installed. */
export const SCRIPT_BIN: string | undefined = ['/usr/bin/script', '/bin/script'].find((p) => fs.existsSync(p));

/** `text` as a regular expression source that matches it literally (a temp path's dots, a token's brackets). */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** ‖a − b‖ / ‖b‖ in double precision. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relErr: lengths differ (${a.length} vs ${b.length})`);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
  }
  return Math.sqrt(num) / Math.sqrt(den);
}

/** Reads every tensor of a fixture file: floats as Float32Array, integers as Int32Array. */
export function readFixture(file: string): Record<string, { shape: readonly number[]; data: Float32Array | Int32Array }> {
  const f = SafetensorsFile.open(file);
  const out: Record<string, { shape: readonly number[]; data: Float32Array | Int32Array }> = {};
  for (const name of f.names()) {
    const info = f.info(name);
    out[name] = { shape: info.shape, data: info.dtype.startsWith('I') ? f.readI32(name) : f.readF32(name) };
  }
  f.close();
  return out;
}

/** Splits a (B, T) int tensor into rows. */
export function rowsOf(ids: Int32Array, B: number, T: number): number[][] {
  return Array.from({ length: B }, (_, b) => Array.from(ids.subarray(b * T, b * T + T)));
}

export function tokenRows(ids: Int32Array, labels: Int32Array | null, B: number, T: number): TokenRow[] {
  const idRows = rowsOf(ids, B, T);
  const labelRows = labels ? rowsOf(labels, B, T) : null;
  return idRows.map((inputIds, b) => ({ inputIds, labels: labelRows ? labelRows[b]! : null }));
}

/**
 * A small random Mistral with the bundled 32,000-token tokenizer, saved as an HF folder in `dir`
 * (for tests of commands that tokenize text); with `classes`, a MistralForSequenceClassification of that many
 * classes; `config` overrides keys of its config.json (max_position_embeddings: 16).
 */
export async function makeTokenizerModel(dir: string, seed = 0, opts: { classes?: number; config?: Record<string, unknown> } = {}): Promise<string> {
  const fs = await import('node:fs');
  const { createBackend } = await import('../src/backend/select.ts');
  const { parseConfig } = await import('../src/model/config.ts');
  const { createRandomModel } = await import('../src/model/init.ts');
  const { saveModelFolder } = await import('../src/model/save.ts');
  const { BUNDLED_TOKENIZER_DIR } = await import('../src/tokenizer/load.ts');
  const cfg = parseConfig({
    model_type: 'mistral', vocab_size: 32000, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1,
    num_attention_heads: 2, num_key_value_heads: 1, head_dim: 16, sliding_window: null, tie_word_embeddings: true, pad_token_id: 0, ...opts.config,
  });
  const backend = createBackend('cpu');
  const model = createRandomModel(backend, cfg, { seed, std: 0.05 });
  if (opts.classes !== undefined) {
    const head = backend.alloc('f32', opts.classes * cfg.hiddenSize);
    backend.upload(head, { dtype: 'f32', data: Float32Array.from({ length: opts.classes * cfg.hiddenSize }, (_, i) => Math.sin(i)) });
    model.setScoreHead(head, false);
  }
  saveModelFolder(model, dir, { sourceDir: null, head: opts.classes !== undefined ? 'classification' : 'causal' });
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, f), path.join(dir, f));
  return dir;
}

/** `count` pre-tokenized JSONL rows of BOS and `length` ids drawn from `rng` in 3..502, for the tiny model's runs. */
export function randomIdRows(rng: Rng, count: number, length: number): string[] {
  return Array.from({ length: count }, () => JSON.stringify({ input_ids: [1, ...Array.from({ length }, () => 3 + rng.below(500))] }));
}

/** Runs f with the environment variable `name` set to `value` (unset for undefined), then puts back what it was. */
export function withEnv<T>(name: string, value: string | undefined, f: () => T): T {
  const before = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

/** The pid of a process that has ended (`true`, run to its end): a killed writer's, in the names of what it left. */
export function deadPid(): number {
  return spawnSync('true').pid!;
}
