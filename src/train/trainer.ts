// `mistral-tune train`: the loop that minimises the loss. Evaluates on val at step 0 and every
// eval.every_steps (or each epoch end) and at the last step, keeps the best adapter, stops early when
// val stops improving, and ends with the test evaluation, samples before vs after, report.json and the
// loss curve. Every optimizer step and evaluation is a row of metrics.jsonl.
import { collate, type Batch, type TokenRow } from '../model/batch.ts';
import { saveAdapter } from '../model/peft.ts';
import { saveModelFolder } from '../model/save.ts';
import { loadTokenizer } from '../tokenizer/load.ts';
import type { Tokenizer } from '../tokenizer/types.ts';
import { info, warn } from '../util/log.ts';
import { Progress } from '../util/progress.ts';
import { epochBatches } from './batches.ts';
import { configToYaml, type TrainConfig } from './config.ts';
import { evaluateSplit, type EvalRow } from './evaluate-split.ts';
import { lossCurveSvg } from './loss-curve.ts';
import { MetricsLog, RunDir } from './run-dir.ts';
import { runSamples, samplePrompts, type SamplePrompt } from './samples.ts';
import { lrAtStep } from './schedule.ts';
import { setupRun, type RunSetup } from './setup.ts';
import { optimizerStep } from './step.ts';

export interface TrainOptions {
  overwrite?: boolean;
  /** Tokenizer for decoding samples (default: the model folder's, or the bundled one). */
  tokenizer?: Tokenizer | null;
  /** Called once the run directory exists (e.g. to start the dashboard on it). */
  onRunDir?: (dir: string) => void;
}

export interface TrainResult {
  dir: string;
  steps: number;
  report: Record<string, unknown>;
}

export function train(cfg: TrainConfig, opts: TrainOptions = {}): TrainResult {
  const dir = RunDir.create(cfg.output_dir, opts.overwrite ?? false);
  dir.writeText('config.yaml', configToYaml(cfg));
  const metrics = new MetricsLog(dir.file('metrics.jsonl'));
  opts.onRunDir?.(dir.dir);
  const run = setupRun(cfg);
  const { model, backend } = run;
  const trainable = run.params.reduce((s, p) => s + p.value.length, 0);
  info(`train: ${cfg.task} with ${cfg.method === 'lora' ? `LoRA r=${cfg.lora.r}` : 'full fine-tuning'} on ${backend.describe()}; ` +
    `${trainable.toLocaleString('en')} trainable parameters; ${run.train.length} training examples, ` +
    `${run.microBatchesPerEpoch} micro-batches and ${run.stepsPerEpoch} optimizer steps per epoch, ${run.totalSteps} steps in all`);
  const maxLen = Math.max(...run.train.map((r) => r.inputIds.length));
  const acts = model.activations(Math.min(cfg.batch_size, run.train.length), maxLen, true);
  info(`memory: activations ${(acts.bytes / 2 ** 20).toFixed(1)} MiB planned for ${acts.capacity.B} × ${acts.capacity.T} tokens; ${(backend.bytesInUse() / 2 ** 20).toFixed(1)} MiB on the backend in all`);

  const tokenizer = opts.tokenizer !== undefined ? opts.tokenizer : samplesTokenizer(run);
  const prompts = cfg.task === 'generation' && tokenizer && cfg.eval.samples > 0
    ? samplePrompts(run.val ?? run.train, cfg.eval.samples, tokenizer) : [];
  if (tokenizer) runSamples(model, prompts, tokenizer, cfg.eval.max_new_tokens, 'before');

  const saveTo = (name: string): void => {
    if (cfg.method === 'lora') saveAdapter(model, dir.file(name), { taskType: run.taskType, baseModel: cfg.model });
    else saveModelFolder(model, dir.file(name), { sourceDir: cfg.model, head: cfg.task === 'classification' ? 'classification' : 'causal', labels: cfg.labels });
  };
  const evalRows: EvalRow[] = [];
  let best: { step: number; loss: number } | null = null;
  let sinceBest = 0;
  /** Evaluates val; returns true when early stopping says stop. */
  const validate = (step: number): boolean => {
    if (!run.val || evalRows.some((r) => r.step === step && r.split === 'val')) return false;
    const row = evaluateSplit(model, run.val, cfg.task, cfg.eval.batch_size, step, 'val');
    evalRows.push(row);
    metrics.append(stripUndefined({ ...row, confusion: undefined }));
    info(`\nval @ step ${step}: loss ${row.loss.toFixed(4)}${row.perplexity !== undefined ? `, perplexity ${row.perplexity.toFixed(2)}` : ''}${row.accuracy !== undefined ? `, accuracy ${row.accuracy.toFixed(3)}, macro-F1 ${row.macro_f1!.toFixed(3)}` : ''}`);
    if (!best || row.loss < best.loss - cfg.early_stopping.min_delta) {
      best = { step, loss: row.loss };
      sinceBest = 0;
      saveTo('best');
      return false;
    }
    sinceBest++;
    return cfg.early_stopping.patience !== null && sinceBest >= cfg.early_stopping.patience;
  };

  validate(0);
  const progress = new Progress({ label: 'train', total: run.totalSteps, unit: 'steps' });
  const scratch = backend.alloc(model.dtype, 1);
  const padId = model.cfg.padTokenId ?? 0;
  const toBatch = (rows: TokenRow[]): Batch => collate(rows, padId, model.cfg.padTokenId);
  let step = 0, stoppedEarly = false, lastLoss: number | null = null;
  outer: for (let epoch = 0; ; epoch++) {
    const micro = epochBatches(run.train, cfg.batch_size, cfg.shuffle, cfg.seed, epoch);
    for (let i = 0; i < micro.length; i += cfg.grad_accum) {
      step++;
      const t0 = performance.now();
      const lr = lrAtStep(run.schedule, cfg.optimizer.lr, step);
      const st = optimizerStep(run, micro.slice(i, i + cfg.grad_accum).map(toBatch), lr, cfg.seed * 1_000_003 + step * 1009, scratch);
      const seconds = (performance.now() - t0) / 1000;
      lastLoss = st.loss;
      metrics.append({ step, loss: st.loss, lr, grad_norm: st.gradNorm, tokens_per_s: st.tokens / seconds, mem_bytes: backend.bytesInUse() });
      progress.tick(1, { loss: st.loss === null ? '-' : st.loss.toFixed(4), lr: lr.toExponential(2), 'tok/s': (st.tokens / seconds).toFixed(0) });
      if (cfg.eval.every_steps !== null && step % cfg.eval.every_steps === 0 && validate(step)) {
        stoppedEarly = true;
        break outer;
      }
      if (step >= run.totalSteps) break outer;
    }
    if (cfg.eval.every_steps === null && validate(step)) {
      stoppedEarly = true;
      break;
    }
  }
  progress.finish();
  validate(step);
  backend.free(scratch);
  if (stoppedEarly) info(`early stopping: no val improvement ≥ ${cfg.early_stopping.min_delta} in ${cfg.early_stopping.patience} evaluations`);
  saveTo(cfg.method === 'lora' ? 'adapter' : 'model');

  let test: EvalRow | null = null;
  if (run.test) {
    test = evaluateSplit(model, run.test, cfg.task, cfg.eval.batch_size, step, 'test');
    metrics.append(stripUndefined({ ...test }));
    info(`test: loss ${test.loss.toFixed(4)}${test.perplexity !== undefined ? `, perplexity ${test.perplexity.toFixed(2)}` : ''}${test.accuracy !== undefined ? `, accuracy ${test.accuracy.toFixed(3)}, macro-F1 ${test.macro_f1!.toFixed(3)}` : ''}`);
  }
  if (tokenizer) runSamples(model, prompts, tokenizer, cfg.eval.max_new_tokens, 'after');

  const report = buildReport(run, { steps: step, epochs: step / run.stepsPerEpoch, stoppedEarly, lastLoss, best, evalRows, test, prompts });
  dir.writeJson('report.json', report);
  const rows = metrics.rows();
  dir.writeText('loss_curve.svg', lossCurveSvg(
    rows.filter((r) => r.split === undefined && typeof r.loss === 'number').map((r) => ({ step: r.step as number, loss: r.loss as number })),
    rows.filter((r) => r.split === 'val').map((r) => ({ step: r.step as number, loss: r.loss as number })),
    `${cfg.task} loss — ${cfg.model.split('/').pop()}`,
  ));
  model.releaseActivations();
  return { dir: dir.dir, steps: step, report };
}

/** The tokenizer for decoding samples, when its vocabulary fits the model's. */
function samplesTokenizer(run: RunSetup): Tokenizer | null {
  if (run.cfg.task !== 'generation' || run.cfg.eval.samples === 0) return null;
  const tok = loadTokenizer(run.cfg.model);
  if (tok.vocabSize > run.model.cfg.vocabSize) {
    warn(`samples skipped: the tokenizer has ${tok.vocabSize} tokens, the model ${run.model.cfg.vocabSize}`);
    return null;
  }
  return tok;
}

function stripUndefined(row: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined));
}

function buildReport(run: RunSetup, r: {
  steps: number; epochs: number; stoppedEarly: boolean; lastLoss: number | null; best: { step: number; loss: number } | null;
  evalRows: EvalRow[]; test: EvalRow | null; prompts: SamplePrompt[];
}): Record<string, unknown> {
  const val = r.evalRows.filter((e) => e.split === 'val');
  return {
    task: run.cfg.task,
    method: run.cfg.method,
    model: run.cfg.model,
    labels: run.cfg.labels,
    examples: { train: run.train.length, val: run.val?.length ?? 0, test: run.test?.length ?? 0 },
    steps: r.steps,
    total_steps: run.totalSteps,
    epochs: r.epochs,
    stopped_early: r.stoppedEarly,
    final_train_loss: r.lastLoss,
    val: val.length ? { first: val[0], last: val[val.length - 1], best: r.best } : null,
    test: r.test,
    samples: r.prompts.map((p) => p.sample),
  };
}
