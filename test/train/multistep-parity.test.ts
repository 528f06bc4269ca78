// Multi-step training parity with HF Trainer + PEFT: for every case of test/fixtures/train-reference
// (full batch, accumulation with short groups and several epochs, warmup, cosine, weight decay,
// clipping, max_steps past an epoch, classification), training from the case's config file and the same PEFT adapter
// logs the reference's loss, lr and grad_norm at every optimizer step and ends with the reference's adapter, tensor by
// tensor, within 1e-3 relative (most land near 1e-6; the largest, 1.6e-4, is one element whose float32 rounding
// Adam's eps amplifies: docs/train-parity.md). Also a DoRA run and six runs of other options against HF's own Trainer + PEFT
// (test/fixtures/hf-tiny-mistral-dora/trainer-cases.json and test/fixtures/hf-trainer-options/trainer-cases.json,
// one of them shuffled in group_by_length's order with evaluations between steps, one TRL's SFTTrainer(packing=True), one a
// DoRA + rsLoRA adapter of r 64 above k_proj's 32,
// made by the make_*.py beside them). The first case runs through the real CLI (`mistral-tune train CONFIG`), the others
// in this process as the CLI runs them (train-like-cli.ts): the same trainer, without ~2 CPU-s of a process each.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { FIXTURES, relErr, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { trainLikeCli } from './train-like-cli.ts';

const TOL = 1e-3;
const REF = path.join(FIXTURES, 'train-reference');
const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const run = promisify(execFile);

interface RefStep { step: number; loss: number; lr: number; grad_norm: number }
interface RefCase {
  name: string;
  task: 'generation' | 'classification';
  labels?: string[];
  data: string;
  /** Val rows (evaluated on start and as config.eval says), where the case has them. */
  val?: string;
  init_from: string;
  config: Record<string, unknown>;
  final: string;
  steps: RefStep[];
  float32_vs_float64: number;
  sensitivity: { alternative: string; max_rel: number };
}

const reference = JSON.parse(fs.readFileSync(path.join(REF, 'cases.json'), 'utf8')) as { cases: RefCase[] };
const DORA = path.join(FIXTURES, 'hf-tiny-mistral-dora');
const doraCases = (JSON.parse(fs.readFileSync(path.join(DORA, 'trainer-cases.json'), 'utf8')) as { cases: RefCase[] }).cases;
// HF Trainer's own runs of options the reference leaves out: warmup as a fraction (rounded up), uneven accumulation with
// other betas / eps / clipping, layers_to_transform, group_by_length with evaluations, TRL's SFTTrainer with packing
// (test/fixtures/hf-trainer-options, made by its make_cases.py)
const OPTIONS = path.join(FIXTURES, 'hf-trainer-options');
const optionCases = (JSON.parse(fs.readFileSync(path.join(OPTIONS, 'trainer-cases.json'), 'utf8')) as { cases: RefCase[] }).cases;
/** Each case with the folder its paths are relative to: the reference's, or HF Trainer's own runs. */
const allCases = [...reference.cases.map((c) => ({ c, dir: REF })), ...doraCases.map((c) => ({ c, dir: DORA })),
  ...optionCases.map((c) => ({ c, dir: OPTIONS }))];

/** |a − b| / |b|, or |a − b| when b is 0 (a warmup step's lr). */
function rel(a: number, b: number): number {
  return b === 0 ? Math.abs(a - b) : Math.abs(a - b) / Math.abs(b);
}

/** The run's config: the case's keys plus the model, data, adapter and run directory (JSON is YAML). */
function writeConfig(dir: string, c: RefCase, from: string): string {
  const cfg = {
    model: TINY_BASE,
    task: c.task,
    ...(c.labels ? { labels: c.labels } : {}),
    data: { train: path.join(from, c.data), ...(c.val ? { val: path.join(from, c.val) } : {}) },
    lora: { init_from: path.join(from, c.init_from) },
    shuffle: false,
    eval: { samples: 0 },
    ...c.config,
    output_dir: path.join(dir, 'run'),
  };
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, JSON.stringify(cfg, null, 1) + '\n');
  return file;
}

function trainingRows(file: string): Array<Record<string, number>> {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.split === undefined) as Array<Record<string, number>>;
}

/**
 * Cases where our trainer is known to differ from HF, run as todo (reported, not failing the suite) until
 * src is fixed: the reason says where.
 */
const KNOWN: Record<string, string> = {};

const worst: Record<string, { loss: number; lr: number; grad_norm: number; adapter: number }> = {};

describe('multi-step training matches the HF Trainer + PEFT reference per step', { concurrency: 2 }, () => {
  it('the reference is trustworthy: far below the tolerance in float32 vs float64, and sensitive to each convention', () => {
    // The reference's own float32 error (vs its float64 run) may take a fifth of the tolerance: our float32 run has an
    // error of the same kind and size, and the two stay far below TOL together. Measured with torch 2.13: 1.2e-4 for
    // weight_decay (one lora_B element whose step-1 gradient, a sum of 24 terms that cancel 4.5e4-fold, is 0.73·eps,
    // where Adam's first update g/(|g|+eps) turns float32's 1.4e-8 on it into 9.4e-5), 5.0e-5 for grad_clip, ≤ 1.4e-5
    // for the others; ours lies 3.7e-5 and 1.0e-5 from those two float64 runs, 4.3e-5 for accum_1x3_leftover_2_epochs
    // (docs/train-parity.md).
    for (const c of reference.cases) {
      assert.ok(c.float32_vs_float64 < TOL / 5, `${c.name}: the float32 reference is ${c.float32_vs_float64} from float64`);
      assert.ok(c.sensitivity.max_rel > 5 * TOL, `${c.name}: ${c.sensitivity.alternative} changes the reference by only ${c.sensitivity.max_rel}`);
    }
    // small errors in AdamW's terms fail too: a case where weight decay 1% larger, one where a bias correction 1 − β1^t
    // 1e-4 larger, moves the reference past 5·TOL (weight_decay's own 0.1 at lr 2e-2 over 4 steps moved it 7e-5 per 1%)
    const alternatives = new Set(reference.cases.map((c) => c.sensitivity.alternative));
    for (const a of ['weight_decay_1pct_more', 'bias_correction_1e-4', 'lr_of_step_k']) assert.ok(alternatives.has(a), `no case is sensitive to ${a}`);
  });

  allCases.forEach(({ c, dir: from }, k) => {
    it(`${c.name}: ${c.steps.length} steps${k === 0 ? ' (the real CLI)' : ''}`, { todo: KNOWN[c.name] }, async (t) => {
      const dir = tempDir(`mt-multistep-${c.name}-`);
      try {
        const config = writeConfig(dir, c, from);
        if (k === 0) await run(process.execPath, [BIN, 'train', config], { encoding: 'utf8' });
        else trainLikeCli(config);
        const rows = trainingRows(path.join(dir, 'run', 'metrics.jsonl'));
        assert.deepEqual(rows.map((r) => r.step), c.steps.map((s) => s.step), 'optimizer steps');
        const w = { loss: 0, lr: 0, grad_norm: 0, adapter: 0 };
        c.steps.forEach((ref, i) => {
          for (const key of ['loss', 'lr', 'grad_norm'] as const) {
            const e = rel(rows[i]![key]!, ref[key]);
            w[key] = Math.max(w[key], e);
            assert.ok(e <= TOL, `step ${ref.step} ${key}: ours ${rows[i]![key]} vs reference ${ref[key]} (rel ${e.toExponential(2)})`);
          }
        });
        const ours = SafetensorsFile.open(path.join(dir, 'run', 'adapter', 'adapter_model.safetensors'));
        const theirs = SafetensorsFile.open(path.join(from, c.final));
        try {
          assert.deepEqual(ours.names().sort(), theirs.names().sort(), 'adapter tensors');
          for (const name of theirs.names()) {
            assert.deepEqual(ours.info(name).shape, theirs.info(name).shape, `${name}: shape`);
            const e = relErr(ours.readF32(name), theirs.readF32(name));
            w.adapter = Math.max(w.adapter, e);
            assert.ok(e <= TOL, `final ${name}: rel err ${e.toExponential(2)}`);
          }
        } finally {
          ours.close();
          theirs.close();
        }
        worst[c.name] = w;
        t.diagnostic(`${c.name}: max rel err: loss ${w.loss.toExponential(1)}, lr ${w.lr.toExponential(1)}, grad_norm ${w.grad_norm.toExponential(1)}, adapter ${w.adapter.toExponential(1)}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  after(() => {
    const all = Object.entries(worst).filter(([name]) => !KNOWN[name]).map(([, w]) => w).flatMap((w) => [w.loss, w.lr, w.grad_norm, w.adapter]);
    if (all.length) console.log(`# multi-step parity: largest rel err over ${all.length / 4} cases ${Math.max(...all).toExponential(2)} (tolerance ${TOL})`);
  });
});
