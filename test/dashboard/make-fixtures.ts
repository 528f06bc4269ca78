// Writes the dashboard's fixture runs from REAL CPU training runs: test/fixtures/dashboard-run (generation:
// the shipped models/mistral-tune-tiny fully fine-tuned on the bundled countries Q&A data, 60 steps, val
// every 10) and dashboard-run-cls (classification of three continents from country names, 40 steps). Only
// the run files the dashboard reads are kept (metrics.jsonl, config.yaml, report.json, loss_curve.svg), with
// the temporary paths in config.yaml made relative. Run: node --import tsx test/dashboard/make-fixtures.ts
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepare } from '../../src/data/prepare.ts';
import { SHIPPED_MODEL } from '../../src/quickstart.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const EXAMPLES = path.join(FIXTURES, '..', '..', 'examples', 'data');
const work = tempDir('mt-dashboard-fixtures-');

const modelDir = SHIPPED_MODEL;
const tokenizer = loadTokenizer(modelDir);

// three continents keep the confusion matrix readable
const clsCsv = path.join(work, 'continents.csv');
const keep = new Set(['Africa', 'Asia', 'Europe']);
const lines = fs.readFileSync(path.join(EXAMPLES, 'countries-continent.csv'), 'utf8').trim().split('\n');
fs.writeFileSync(clsCsv, [lines[0], ...lines.slice(1).filter((l) => keep.has(l.slice(l.lastIndexOf(',') + 1)))].join('\n') + '\n');

const runs = [
  { name: 'dashboard-run', input: path.join(EXAMPLES, 'countries-qa.jsonl'), task: 'generation' as const, steps: 60, lr: 3e-3 },
  { name: 'dashboard-run-cls', input: clsCsv, task: 'classification' as const, steps: 40, lr: 3e-4 },
];
for (const r of runs) {
  const data = path.join(work, `${r.name}-data`);
  const { report } = prepare({ inputs: [r.input], outDir: data, tokenizer, tokenizerName: 'mistral-7b-v0.1', task: r.task });
  const out = path.join(work, r.name);
  const cfg = validate({
    model: modelDir, task: r.task, method: 'full', labels: r.task === 'classification' ? (report as { labels?: string[] }).labels : null,
    data: { train: path.join(data, 'train.jsonl'), val: path.join(data, 'val.jsonl'), test: path.join(data, 'test.jsonl') },
    optimizer: { lr: r.lr, weight_decay: 0.01 }, schedule: { type: 'cosine', warmup_steps: 5 }, batch_size: 16, max_steps: r.steps,
    max_seq_len: 64, eval: { every_steps: 10, batch_size: 32, samples: 3, max_new_tokens: 16 }, output_dir: out, seed: 0,
  }, r.name);
  train(cfg);
  const dest = path.join(FIXTURES, r.name);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  const relative = (text: string): string => text.split(work + path.sep).join('').split(work).join('.');
  for (const f of ['metrics.jsonl', 'config.yaml', 'report.json', 'loss_curve.svg']) {
    fs.writeFileSync(path.join(dest, f), relative(fs.readFileSync(path.join(out, f), 'utf8')));
  }
  fs.writeFileSync(path.join(dest, 'REAL-RUN.md'), `# A real CPU training run

Made by \`node --import tsx test/dashboard/make-fixtures.ts\`: the quickstart's tiny Mistral-architecture model
(random weights from seed 0, Mistral 7B's tokenizer), fully fine-tuned on the CPU for ${r.steps} steps on
${r.task === 'generation' ? 'the bundled countries Q&A data (examples/data/countries-qa.jsonl)' : 'country → continent (Africa, Asia, Europe) from examples/data/countries-continent.csv'},
prepared by \`prepare\` (80/10/10). Only the files the dashboard reads are kept; the model weights are not.
Timings (tokens_per_s) and memory are those of the machine that ran it.
`);
  console.log(`${r.name}: ${r.steps} steps → ${dest}`);
}
fs.rmSync(work, { recursive: true, force: true });
