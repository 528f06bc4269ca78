// The quickstart: the whole path on the bundled data, on the CPU, in a few minutes. It creates a tiny
// Mistral-architecture model from a config and a seed (random weights: no pre-trained model ships with
// the package yet), prepares the bundled countries Q&A data (clean, deduplicate, split 80/10/10),
// fine-tunes the model on it, evaluates on val and test, and shows samples before and after.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from './backend/backend.ts';
import { prepare } from './data/prepare.ts';
import { parameterCount, parseConfig } from './model/config.ts';
import { createRandomModel } from './model/init.ts';
import { saveModelFolder } from './model/save.ts';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from './tokenizer/load.ts';
import { validate } from './train/config.ts';
import { train, type TrainResult } from './train/trainer.ts';
import { UserError } from './util/errors.ts';
import { info } from './util/log.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SAMPLE_DATA = path.join(ROOT, 'examples', 'data', 'countries-qa.jsonl');

/** A tiny Mistral (Mistral 7B's tokenizer and architecture, 2 layers of width 128): ~4.4M parameters. */
export const QUICKSTART_MODEL = {
  architectures: ['MistralForCausalLM'], model_type: 'mistral', vocab_size: 32000, hidden_size: 128,
  intermediate_size: 384, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 32,
  hidden_act: 'silu', max_position_embeddings: 512, rms_norm_eps: 1e-5, rope_theta: 10000, sliding_window: null,
  tie_word_embeddings: true, bos_token_id: 1, eos_token_id: 2, initializer_range: 0.02,
};

export interface QuickstartOptions {
  out: string;
  seed: number;
  epochs: number;
  backend: Backend;
}

export interface QuickstartResult {
  modelDir: string;
  dataDir: string;
  run: TrainResult;
}

const OWN = ['model', 'data', 'run'];

export function quickstart(opts: QuickstartOptions): QuickstartResult {
  // the folder is replaced only when it is absent, empty, or an earlier quickstart's
  if (fs.existsSync(opts.out)) {
    const foreign = fs.readdirSync(opts.out).filter((e) => !OWN.includes(e));
    if (foreign.length > 0) throw new UserError(`--out holds other files (${foreign.slice(0, 3).join(', ')}…): give an empty or new folder`, opts.out);
  }
  fs.rmSync(opts.out, { recursive: true, force: true });
  const modelDir = path.join(opts.out, 'model');
  const dataDir = path.join(opts.out, 'data');
  const runDir = path.join(opts.out, 'run');

  info('\n== 1. model ==');
  const cfg = parseConfig(QUICKSTART_MODEL, 'quickstart model');
  const model = createRandomModel(opts.backend, cfg, { seed: opts.seed, std: 0.02 });
  saveModelFolder(model, modelDir, { sourceDir: null, head: 'causal' });
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, f), path.join(modelDir, f));
  const params = parameterCount(cfg);
  info(`A tiny Mistral-architecture model (${(params / 1e6).toFixed(1)}M parameters: ${cfg.numLayers} layers, width ${cfg.hiddenSize}, ` +
    `Mistral 7B's 32,000-token tokenizer) with RANDOM weights from seed ${opts.seed}: it is not a pre-trained model, so it ` +
    `learns the data's patterns, not world knowledge. Written to ${modelDir}.`);

  info('\n== 2. data ==');
  const { summary } = prepare({
    inputs: [SAMPLE_DATA], outDir: dataDir, tokenizer: loadTokenizer(modelDir), tokenizerName: 'mistral-7b-v0.1', seed: opts.seed,
  });
  info(summary);

  info('\n== 3. fine-tuning (full, on the CPU) ==');
  const trainCfg = validate({
    model: modelDir, task: 'generation', method: 'full',
    data: { train: path.join(dataDir, 'train.jsonl'), val: path.join(dataDir, 'val.jsonl'), test: path.join(dataDir, 'test.jsonl') },
    optimizer: { lr: 3e-3, weight_decay: 0.01 }, schedule: { type: 'cosine', warmup_steps: 10 },
    batch_size: 16, epochs: opts.epochs, max_seq_len: 64, grad_clip: 1, seed: opts.seed,
    eval: { every_steps: 25, batch_size: 32, samples: 3, max_new_tokens: 24 }, output_dir: runDir,
  }, 'quickstart');
  const run = train(trainCfg, { overwrite: true });
  return { modelDir, dataDir, run };
}

/** The human summary of a quickstart run: val loss over time, test metrics, samples before and after. */
export function quickstartSummary(r: QuickstartResult): string {
  const rep = r.run.report as {
    val: { first: { loss: number }; last: { loss: number }; best: { step: number; loss: number } } | null;
    test: { loss: number; perplexity: number } | null;
    samples: Array<{ prompt: string; reference: string; before?: string; after?: string }>;
  };
  const metrics = fs.readFileSync(path.join(r.run.dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; split?: string; loss: number });
  const val = metrics.filter((m) => m.split === 'val').map((m) => `${m.step}: ${m.loss.toFixed(3)}`).join('  ');
  const lines = [
    '\n== 4. results ==',
    `val loss by step   ${val}`,
    rep.test ? `test               loss ${rep.test.loss.toFixed(3)}, perplexity ${rep.test.perplexity.toFixed(1)}` : '',
    '',
    ...rep.samples.flatMap((s) => [
      `prompt:    ${JSON.stringify(s.prompt)}`,
      `reference: ${JSON.stringify(s.reference)}`,
      `before:    ${JSON.stringify(s.before ?? '')}`,
      `after:     ${JSON.stringify(s.after ?? '')}`,
      '',
    ]),
    `run directory: ${r.run.dir} (metrics.jsonl, report.json, loss_curve.svg, model/, best/)`,
    `next: mistral-tune dashboard ${r.run.dir}   |   mistral-tune generate --model ${path.join(r.run.dir, 'model')} --prompt "What is the capital of Peru?"`,
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
}
