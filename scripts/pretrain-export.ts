// Ships a pre-training run's final model as models/mistral-tune-tiny: the weights rounded once to bf16
// (round to nearest even, as torch does), config.json, generation_config.json and the bundled tokenizer
// files. Loading the written folder in bf16 and saving it again gives the same bytes (test/models/).
//   node --import tsx scripts/pretrain-export.ts RUN_DIR/model models/mistral-tune-tiny
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../src/backend/select.ts';
import { loadModel } from '../src/model/mistral.ts';
import { modelFilesIn } from '../src/model/folder-files.ts';
import { saveModelFolder } from '../src/model/save.ts';
import { BUNDLED_TOKENIZER_DIR } from '../src/tokenizer/load.ts';

const [src, out] = process.argv.slice(2);
if (!src || !out) throw new Error('usage: pretrain-export.ts RUN_DIR/model OUT_DIR');
const model = loadModel(src, { backend: createBackend('cpu'), precision: 'bf16' });
fs.mkdirSync(out, { recursive: true });
// the model this replaces (saveModelFolder writes over no file): its recipe/ and README stay
for (const f of modelFilesIn(out)) fs.rmSync(path.join(out, f), { recursive: true });
saveModelFolder(model, out, { sourceDir: null, head: 'causal' });
for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, f), path.join(out, f));
const bytes = fs.statSync(path.join(out, 'model.safetensors')).size;
console.log(`wrote ${path.resolve(out)}: model.safetensors ${(bytes / 1e6).toFixed(2)} MB (bf16)`);
