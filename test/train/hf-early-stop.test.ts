// Evaluation and early stopping against HF's own Trainer + PEFT (test/fixtures/hf-early-stop, made by its
// make_cases.py): eval_strategy steps with eval_on_start, EarlyStoppingCallback(patience, threshold) and
// load_best_model_at_end on eval_loss. Each case trains as the CLI does and holds: every optimizer step's loss, the
// steps evaluated on val (step 0, every eval.every_steps, and the last step where it is no multiple of them) and their
// loss (the whole val split is one HF eval batch, where HF's mean of batch means is our token-weighted loss), the step
// training ends at, the best step (best/'s evaluation and report.json's), and best/'s adapter against the checkpoint HF
// loads at the end. The cases pin patience counted in evaluations after step 0's baseline, min_delta as HF's threshold
// (an improvement of at most it counts as none, while best/ still takes any lower loss), step 0's evaluation as a
// baseline that is neither a best nor a loss patience counts against (from an adapter fitted to val, where it is the
// lowest), the last step's evaluation, and evaluations at each epoch's end (eval.every_steps null, HF's eval_strategy epoch).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { FIXTURES, relErr, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { trainLikeCli } from './train-like-cli.ts';

const TOL = 1e-5;
const REF = path.join(FIXTURES, 'hf-early-stop');

interface RefEval { step: number; loss: number }
interface RefCase {
  name: string;
  config: Record<string, unknown>;
  /** The adapter the run starts from, under REF. */
  init_from: string;
  steps: RefEval[];
  evals: RefEval[];
  stopped_at: number;
  best_step: number;
  best_metric: number;
  best_adapter: string;
}

const cases = (JSON.parse(fs.readFileSync(path.join(REF, 'cases.json'), 'utf8')) as { cases: RefCase[] }).cases;

function writeConfig(dir: string, c: RefCase): string {
  const cfg = {
    ...c.config,
    model: TINY_BASE,
    data: { train: path.join(REF, 'train.jsonl'), val: path.join(REF, 'val.jsonl') },
    lora: { init_from: path.join(REF, c.init_from) },
    shuffle: false,
    eval: { ...(c.config.eval as object), samples: 0 },
    output_dir: path.join(dir, 'run'),
  };
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, JSON.stringify(cfg, null, 1) + '\n');
  return file;
}

function close(ours: number, ref: number, what: string): void {
  const e = Math.abs(ours - ref) / Math.abs(ref);
  assert.ok(e <= TOL, `${what}: ours ${ours} vs HF ${ref} (rel ${e.toExponential(2)})`);
}

describe("evaluation and early stopping against HF's Trainer (EarlyStoppingCallback, load_best_model_at_end)", () => {
  for (const c of cases) {
    it(`${c.name}: evaluations, the step it ends at and best/`, () => {
      const dir = tempDir(`mt-hf-early-${c.name}-`);
      try {
        trainLikeCli(writeConfig(dir, c));
        const run = path.join(dir, 'run');
        const rows = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
        const steps = rows.filter((r) => r.split === undefined) as unknown as RefEval[];
        const vals = rows.filter((r) => r.split === 'val') as unknown as RefEval[];
        assert.deepEqual(steps.map((r) => r.step), c.steps.map((s) => s.step), 'optimizer steps (the step training ends at)');
        c.steps.forEach((ref, i) => close(steps[i]!.loss, ref.loss, `step ${ref.step} loss`));
        assert.deepEqual(vals.map((r) => r.step), c.evals.map((e) => e.step), 'steps evaluated on val');
        c.evals.forEach((ref, i) => close(vals[i]!.loss, ref.loss, `val loss at step ${ref.step}`));
        const report = JSON.parse(fs.readFileSync(path.join(run, 'report.json'), 'utf8')) as { steps: number; stopped_early: boolean; val: { best: RefEval } };
        assert.equal(report.steps, c.stopped_at, 'report.json steps');
        assert.equal(report.stopped_early, hfStoppedEarly(c), 'report.json stopped_early');
        assert.equal(report.val.best.step, c.best_step, 'best step');
        close(report.val.best.loss, c.best_metric, 'best val loss');
        const ours = SafetensorsFile.open(path.join(run, 'best', 'adapter_model.safetensors'));
        const theirs = SafetensorsFile.open(path.join(REF, c.best_adapter));
        try {
          assert.deepEqual(ours.names().sort(), theirs.names().sort(), 'tensors');
          for (const name of theirs.names()) {
            const e = relErr(ours.readF32(name), theirs.readF32(name));
            assert.ok(e <= TOL, `best/ ${name}: rel err ${e.toExponential(2)}`);
          }
        } finally {
          ours.close();
          theirs.close();
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

const TRAIN_ROWS = fs.readFileSync(path.join(REF, 'train.jsonl'), 'utf8').trim().split('\n').length;

/** Whether HF ended before its planned steps (epochs × steps per epoch): its early stop. */
function hfStoppedEarly(c: RefCase): boolean {
  const perEpoch = Math.ceil(TRAIN_ROWS / (c.config.batch_size as number));
  return c.stopped_at < perEpoch * (c.config.epochs as number);
}
