// The export check on models of other configs (make_bases.py saves them with HF's own save_pretrained): for each
// base, trains with the CLI as a user would (LoRA generation, LoRA classification, full fine-tuning), exports each
// run (`export`, and `export --merge` for LoRA), and writes our logits for a probe batch (the base with the run's
// adapter, or the fully trained weights) to expected.json, which check_export_matrix.py compares with what HF
// transformers and PEFT compute from the exported folders. Not part of the product.
//   python3 scripts/hf-check/make_bases.py DIR && node --import tsx scripts/hf-check/export-matrix.ts DIR && python3 scripts/hf-check/check_export_matrix.py DIR
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.ts';
import { collate } from '../../src/data/batch.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { Rng } from '../../src/util/rng.ts';

const dir = path.resolve(process.argv[2] ?? 'matrix');
const cli = path.resolve('bin/mistral-tune.js');
const backend = new CpuBackend();
const rng = new Rng(7);
// sequences longer than the smallest sliding window of make_bases.py (6), of varied lengths (padding)
const rows = Array.from({ length: 12 }, (_, i) => ({ ids: [1, ...Array.from({ length: 9 + i }, () => 3 + rng.below(500))], label: i % 3 }));
const probe = rows.slice(0, 3).map((r) => r.ids);
const runs = [
  { name: 'lora-generation', task: 'generation', method: 'lora' },
  { name: 'lora-classification', task: 'classification', method: 'lora' },
  { name: 'full-generation', task: 'generation', method: 'full' },
] as const;

function cliRun(args: string[]): void {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mistral-tune ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
}

for (const name of fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'config.json'))).sort()) {
  const base = path.join(dir, name);
  const work = path.join(dir, `${name}.out`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work);
  const expected: Record<string, unknown> = { probe, T: Math.max(...probe.map((p) => p.length)) };
  for (const r of runs) {
    const data = path.join(work, `${r.task}.jsonl`);
    fs.writeFileSync(data, rows.map((x) => JSON.stringify(r.task === 'generation' ? { input_ids: x.ids } : { input_ids: x.ids, label: x.label })).join('\n') + '\n');
    const run = path.join(work, `${r.name}-run`);
    const config = path.join(work, `${r.name}.yaml`);
    fs.writeFileSync(config, [
      `model: ${base}`, `task: ${r.task}`, `method: ${r.method}`, ...(r.task === 'classification' ? ['labels: [a, b, c]'] : []),
      `data: {train: ${data}}`, 'lora: {r: 4, alpha: 8}', 'optimizer: {lr: 0.02}', 'batch_size: 4', 'max_steps: 3',
      'eval: {samples: 0}', 'device: cpu', `output_dir: ${run}`,
    ].join('\n') + '\n');
    cliRun(['train', config]);
    cliRun(['export', '--run', run, '--out', path.join(work, `${r.name}-export`)]);
    if (r.method === 'lora') cliRun(['export', '--run', run, '--merge', '--out', path.join(work, `${r.name}-merged`)]);
    const model = r.method === 'full' ? loadModel(path.join(run, 'model'), { backend }) : loadModel(base, { backend });
    if (r.method === 'lora') loadAdapter(model, path.join(run, 'adapter'), { trainable: false });
    const batch = collate(probe.map((ids) => ({ inputIds: ids })), 0, 0);
    expected[r.name] = Array.from(r.task === 'generation' ? model.logits(batch) : model.classLogits(batch));
    model.releaseActivations();
  }
  fs.writeFileSync(path.join(work, 'expected.json'), JSON.stringify(expected));
  console.log(`${name}: trained and exported ${runs.map((r) => r.name).join(', ')}`);
}
