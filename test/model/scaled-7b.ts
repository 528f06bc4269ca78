// An HF-shaped Mistral-7B model scaled down for tests: v0.1's config.json with every size divided
// (head ratios, GQA grouping, rope and window kept), random HF-initialised weights stored as BF16.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../../src/backend/backend.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

/** Mistral-7B-v0.1's config.json with every size divided down (ratios and GQA grouping kept). */
export function scaled7bConfig(): Record<string, unknown> {
  const hf = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'configs', 'mistral-7b-v0.1.config.json'), 'utf8')) as Record<string, unknown>;
  return { ...hf, hidden_size: 128, intermediate_size: 448, num_attention_heads: 4, num_key_value_heads: 1, num_hidden_layers: 2, vocab_size: 1024 };
}

/** The scaled 7B model, random (HF init), written as an HF folder with BF16 weights. */
export function makeScaled7b(backend: Backend, dir: string): string {
  const cfg = parseConfig(scaled7bConfig());
  const f32 = createRandomModel(backend, cfg, { seed: 7 });
  const tmp = tempDir('mt-7b-f32-');
  saveModelFolder(f32, tmp, { sourceDir: null, head: 'causal' });
  fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify(scaled7bConfig()));
  saveModelFolder(loadModel(tmp, { backend, dtype: 'bf16' }), dir, { sourceDir: tmp, head: 'causal' });
  fs.rmSync(tmp, { recursive: true, force: true });
  return dir;
}
