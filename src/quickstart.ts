// The quickstart: the whole path on the bundled data, on the CPU, in a few minutes. It creates a tiny
// Mistral-architecture model from a config and a seed (random weights: no pre-trained model ships with
// the package yet), prepares the bundled countries Q&A data (clean, deduplicate, split 80/10/10),
// fine-tunes the model on it, evaluates on val and test, and shows samples before and after. Its folder
// is locked while it runs and marked unfinished until the end; only a quickstart's own folder is replaced.
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
import { QUICKSTART_LAYOUT, RUN_LAYOUT, runPath } from './run/layout.ts';
import { acquireRunLock } from './train/run-lock.ts';
import { train, type TrainResult } from './train/trainer.ts';
import { writeFileAtomic } from './util/atomic.ts';
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
  /** Replace an earlier, complete quickstart in `out` (one that was interrupted is replaced anyway). */
  overwrite?: boolean;
  seed: number;
  epochs: number;
  backend: Backend;
}

export interface QuickstartResult {
  modelDir: string;
  dataDir: string;
  run: TrainResult;
}

/** The file that marks a folder as the quickstart's, and says whether it finished. */
export const QUICKSTART_MARKER = QUICKSTART_LAYOUT.marker;

interface Marker {
  format: 'mistral-tune quickstart';
  complete: boolean;
}

export function quickstart(opts: QuickstartOptions): QuickstartResult {
  const lock = acquireRunLock(opts.out);
  try {
    claimFolder(opts.out, opts.overwrite ?? false);
    const marker = (complete: boolean): void => writeFileAtomic(path.join(opts.out, QUICKSTART_MARKER),
      JSON.stringify({ format: 'mistral-tune quickstart', complete } satisfies Marker) + '\n');
    // marked unfinished until the end, so an interrupted quickstart is never taken for a complete one
    marker(false);
    const result = build(opts);
    marker(true);
    return result;
  } finally {
    lock.release();
  }
}

/**
 * Empties `out` for a new quickstart: only a folder that an earlier quickstart made (its marker), and a
 * complete one only with `overwrite`; a folder with anything else in it is refused.
 */
function claimFolder(out: string, overwrite: boolean): void {
  const entries = fs.readdirSync(out).filter((e) => e !== RUN_LAYOUT.lock);
  if (entries.length === 0) return;
  const marker = readMarker(path.join(out, QUICKSTART_MARKER));
  if (!marker) {
    throw new UserError(`--out holds other files that the quickstart did not make (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}): ` +
      'give an empty or new folder', out);
  }
  if (marker.complete && !overwrite) throw new UserError('--out holds an earlier quickstart: pass --overwrite to replace it, or give another --out', out);
  info(`replacing the ${marker.complete ? 'earlier' : 'unfinished (interrupted)'} quickstart in ${out}`);
  for (const e of entries) fs.rmSync(path.join(out, e), { recursive: true, force: true });
}

function readMarker(file: string): Marker | null {
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Marker>;
    return m.format === 'mistral-tune quickstart' ? { format: m.format, complete: m.complete === true } : null;
  } catch {
    return null;
  }
}

function build(opts: QuickstartOptions): QuickstartResult {
  const modelDir = path.join(opts.out, QUICKSTART_LAYOUT.model);
  const dataDir = path.join(opts.out, QUICKSTART_LAYOUT.data);
  const runDir = path.join(opts.out, QUICKSTART_LAYOUT.run);

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
  const run = train(trainCfg);
  return { modelDir, dataDir, run };
}

/** The human summary of a quickstart run: val loss over time, test metrics, samples before and after. */
export function quickstartSummary(r: QuickstartResult): string {
  const rep = r.run.report as {
    val: { first: { loss: number }; last: { loss: number }; best: { step: number; loss: number } } | null;
    test: { loss: number; perplexity: number } | null;
    samples: Array<{ prompt: string; reference: string; before?: string; after?: string }>;
  };
  const metrics = fs.readFileSync(runPath(r.run.dir, 'metrics'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; split?: string; loss: number });
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
    `next: mistral-tune dashboard ${r.run.dir}   |   mistral-tune generate --model ${runPath(r.run.dir, 'model')} --prompt "What is the capital of Peru?"`,
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
}
