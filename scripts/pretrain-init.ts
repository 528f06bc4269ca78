// The random starting point of a pre-training run: a Mistral model folder (config.json, model.safetensors
// in f32, the bundled Mistral 7B tokenizer) with weights drawn as transformers' _init_weights does
// (normal(0, initializer_range), norms exactly 1), from a seed. `mistral-tune train --method full` then
// trains every weight of it (scripts/pretrain.sh).
//   node --import tsx scripts/pretrain-init.ts CONFIG.json OUT_DIR [--seed 0]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../src/backend/select.ts';
import { parameterCount, parseConfig } from '../src/model/config.ts';
import { createRandomModel } from '../src/model/init.ts';
import { saveModelFolder } from '../src/model/save.ts';
import { BUNDLED_TOKENIZER_DIR } from '../src/tokenizer/load.ts';

const [configFile, out] = process.argv.slice(2);
if (!configFile || !out) throw new Error('usage: pretrain-init.ts CONFIG.json OUT_DIR [--seed N]');
const seedAt = process.argv.indexOf('--seed');
const seed = seedAt > 0 ? Number(process.argv[seedAt + 1]) : 0;
const raw = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
const cfg = parseConfig(raw, configFile);
const std = typeof raw.initializer_range === 'number' ? raw.initializer_range : 0.02;
const model = createRandomModel(createBackend('cpu'), cfg, { seed, std });
saveModelFolder(model, out, { sourceDir: null, head: 'causal' });
for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, f), path.join(out, f));
console.log(`random init (seed ${seed}, std ${std}): ${(parameterCount(cfg) / 1e6).toFixed(2)}M parameters → ${path.resolve(out)}`);
