// Prepares the HF check of exports (run where python3 has torch, transformers and peft, e.g. the GPU
// machine): trains three tiny LoRA runs on the HF fixture model (generation, classification, and generation with
// DoRA and dropout), exports each as a PEFT adapter and as a merged model, and writes our logits for a probe batch to expected.json;
// also our token ids, logits and greedy continuations of the shipped pre-trained model (models/mistral-tune-tiny,
// bf16 weights computed in f32) for a few sentences, which HF must load unchanged and match.
//   node --import tsx scripts/hf-check/make-exports.ts OUT_DIR && python3 scripts/hf-check/check_exports.py OUT_DIR
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.ts';
import { exportRun } from '../../src/export/export.ts';
import { collate } from '../../src/data/batch.ts';
import { generate } from '../../src/model/generate.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { SHIPPED_MODEL } from '../../src/quickstart.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { Rng } from '../../src/util/rng.ts';

const out = path.resolve(process.argv[2] ?? 'hf-check');
const base = path.resolve('test/fixtures/hf-tiny-mistral/base');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const rng = new Rng(1);
const rows = Array.from({ length: 8 }, (_, i) => ({ ids: [1, ...Array.from({ length: 12 + i }, () => 3 + rng.below(500))], label: i % 3 }));
const backend = new CpuBackend();
const probe = rows.slice(0, 3).map((r) => r.ids);
const expected: Record<string, unknown> = { probe };
for (const [name, task, useDora] of [['generation', 'generation', false], ['classification', 'classification', false], ['dora', 'generation', true]] as const) {
  const data = path.join(out, `${name}.jsonl`);
  fs.writeFileSync(data, rows.map((r) => JSON.stringify(task === 'generation' ? { input_ids: r.ids } : { input_ids: r.ids, label: r.label })).join('\n') + '\n');
  const run = path.join(out, `${name}-run`);
  train(validate({
    model: base, task, labels: task === 'classification' ? ['a', 'b', 'c'] : null, data: { train: data },
    lora: { r: 4, alpha: 8, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], use_dora: useDora,
      dropout: useDora ? 0.1 : 0 },
    optimizer: { lr: 0.05 }, batch_size: 4, max_steps: 3, eval: { samples: 0 }, output_dir: run,
  }, name));
  exportRun({ run, out: path.join(out, `${name}-adapter`), merge: false, best: false, backend });
  exportRun({ run, out: path.join(out, `${name}-merged`), merge: true, best: false, backend, maxShardBytes: 200_000 });
  const model = loadModel(base, { backend });
  loadAdapter(model, path.join(run, 'adapter'), { trainable: false });
  // right-padded probe batch: logits of the real positions (generation) or of the scored token (classification)
  const batch = collate(probe.map((ids) => ({ inputIds: ids })), 0, 0);
  expected[name] = task === 'generation'
    ? Array.from(model.logits(batch))
    : Array.from(model.classLogits(batch));
}
expected.T = Math.max(...probe.map((p) => p.length));
const shippedText = ['In the beginning God created the heaven and the earth.', 'The capital of France is', 'hacker (noun): a programmer who'];
const shippedIds = shippedText.map((t) => [1, ...loadTokenizer(SHIPPED_MODEL).encode(t)]);
const shipped = loadModel(SHIPPED_MODEL, { backend, precision: 'fp32' });
expected.shipped = { text: shippedText, ids: shippedIds, T: Math.max(...shippedIds.map((p) => p.length)),
  logits: Array.from(shipped.logits(collate(shippedIds.map((ids) => ({ inputIds: ids })), 0, 0))),
  // greedy continuations with the KV cache, 24 tokens or up to EOS: HF's generate() must pick the same tokens
  greedy: shippedIds.map((ids) => generate(shipped, ids, { maxNewTokens: 24, eosIds: [2] })) };
fs.writeFileSync(path.join(out, 'expected.json'), JSON.stringify(expected));
console.log(`wrote ${out}: generation/classification/DoRA adapters and merged models, expected.json`);
