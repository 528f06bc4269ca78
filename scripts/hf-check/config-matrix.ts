// For scripts/hf-check/config_matrix.py: our library's logits of pre-tokenized rows through a model folder (and a PEFT
// adapter), on the CPU in fp32, written as JSON: (N, V) of the rows' real positions, in row order, for a causal LM;
// (B, K) for a classification model.
//   node --import tsx scripts/hf-check/config-matrix.ts MODEL_DIR ROWS.jsonl OUT.json [ADAPTER_DIR]
import * as fs from 'node:fs';
import { createBackend } from '../../src/backend/select.ts';
import type { TokenRow } from '../../src/data/batch.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';

const [dir, rowsFile, outFile, adapter] = process.argv.slice(2) as [string, string, string, string | undefined];
const model = loadModel(dir, { backend: createBackend('cpu'), precision: 'fp32' });
if (adapter) loadAdapter(model, adapter, { trainable: false });
const raw = fs.readFileSync(rowsFile, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { input_ids: number[]; labels?: number[]; label?: number });
const rows: TokenRow[] = raw.map((r) => ({ inputIds: r.input_ids, ...(r.label !== undefined ? { label: r.label } : { labels: r.labels }) }));
const batch = model.collate(rows);
let out: number[][];
if (model.cfg.task === 'classification') {
  const lg = model.classLogits(batch), K = lg.length / batch.B;
  out = rows.map((_, b) => Array.from(lg.subarray(b * K, (b + 1) * K)));
} else {
  const lg = model.logits(batch), V = model.cfg.vocabSize;
  out = raw.flatMap((r, b) => r.input_ids.map((_, t) => Array.from(lg.subarray((b * batch.T + t) * V, (b * batch.T + t + 1) * V))));
}
fs.writeFileSync(outFile, JSON.stringify(out));
