// --resume checks best/ before it goes on with it as the run's best weights: a damaged one (cut short, a file
// missing, NaN inside) is written again from the checkpoint when that holds its weights, refused when nothing does,
// and a best/ moved away is said and started again from the checkpoint where its step was evaluated, else from the
// evaluations after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listCheckpoints } from '../../src/train/checkpoint.ts';
import { validate, type TrainConfig } from '../../src/train/config.ts';
import { weightsFolderProblem } from '../../src/train/best-check.ts';
import { requireRunWeights } from '../../src/export/export.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { train } from '../../src/train/trainer.ts';
import { isUserError } from '../../src/util/errors.ts';
import { changedError, WRITTEN_RECORD } from '../../src/util/written-record.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomIdRows, TINY_BASE, literal } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

/**
 * A finished 3-step LoRA run evaluated and checkpointed at every step (val improves at steps 1 and 3, not 2; with
 * lr 1, only at step 1), made to look unfinished. Its rows are trained in a fixed order (shuffle off), the one that
 * gives this course of the val loss (an earlier loader's shuffle of seed 0; the shuffle is torch's order now, in which
 * no seed of 0–59 gives it).
 */
function run(lr = 1e-2, every: { eval: number; checkpoint: number } = { eval: 1, checkpoint: 1 }): { cfg: TrainConfig; dir: string; best: string; weights: string } {
  const dir = tempDir('mt-best-resume-');
  const rng = new Rng(5);
  const rows = randomIdRows(rng, 8, 14);
  const order = rows.map((_, i) => i);
  new Rng(0).shuffle(order);
  fs.writeFileSync(path.join(dir, 'train.jsonl'), order.map((i) => rows[i]).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'val.jsonl'), rows.slice(0, 2).join('\n') + '\n');
  const cfg = validate({
    model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl'), val: path.join(dir, 'val.jsonl') }, lora: { r: 2 }, batch_size: 2, max_steps: 3, shuffle: false,
    optimizer: { lr }, schedule: { type: 'constant' }, eval: { samples: 0, every_steps: every.eval }, checkpoint: { every_steps: every.checkpoint, keep: 3 },
    output_dir: path.join(dir, 'run'),
  }, 'test');
  captureStderr(() => train(cfg));
  fs.rmSync(path.join(cfg.output_dir, 'report.json')); // as if killed before its end
  const best = path.join(cfg.output_dir, 'best');
  return { cfg, dir: cfg.output_dir, best, weights: path.join(best, 'adapter_model.safetensors') };
}

/** The val loss of `step` in metrics.jsonl's text. */
const valLoss = (metrics: string, step: number): number => metrics.trim().split('\n').map((l) => JSON.parse(l) as { step: number; split?: string; loss: number })
  .find((r) => r.step === step && r.split === 'val')!.loss;
const resume = (cfg: TrainConfig): string => captureStderr(() => train(cfg, { resume: true })).stderr;

test('--resume rewrites a damaged best/ (cut short, a file missing, NaN inside) from the checkpoint that holds its weights, byte for byte', () => {
  const { cfg, dir, best, weights } = run();
  const report = (): { val: { best: { step: number } } } => JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as { val: { best: { step: number } } };
  const whole = fs.readFileSync(weights);
  const config = fs.readFileSync(path.join(best, 'adapter_config.json'));
  assert.equal(weightsFolderProblem(best, 'lora'), null);
  const nan = Buffer.from(whole);
  nan.writeFloatLE(NaN, nan.length - 4); // the last value of the last tensor
  const damages: Array<[string, () => void, RegExp]> = [
    ['cut short', () => fs.truncateSync(weights, 1000), /adapter_model\.safetensors: changed since mistral-tune wrote it \(it is 1,000 bytes, written as [\d,]+\)/],
    ['weights gone', () => fs.rmSync(weights), /adapter_model\.safetensors nor/],
    ['config gone', () => fs.rmSync(path.join(best, 'adapter_config.json')), /adapter_config\.json is missing/],
    ['a byte changed', () => fs.writeFileSync(weights, nan), /adapter_model\.safetensors: changed since mistral-tune wrote it \(tensor ".*" is not the one recorded\)/],
    // a best/ of an older version, which recorded nothing of its files: the NaN is what is found
    ['NaN inside', () => { fs.rmSync(path.join(best, WRITTEN_RECORD)); fs.writeFileSync(weights, nan); }, /holds NaN \(at index \d+\)/],
  ];
  for (const [what, damage, why] of damages) {
    damage();
    const stderr = resume(cfg);
    assert.match(stderr, new RegExp(`warning: resume: ${literal(best)}: .*: written again from the checkpoint of step 3, which holds the weights of the best val loss so far \\(\\d\\.\\d{4}, step 3\\)`), what);
    assert.match(stderr, why, what);
    assert.ok(fs.readFileSync(weights).equals(whole), `${what}: best/ holds the best weights again`);
    assert.ok(fs.readFileSync(path.join(best, 'adapter_config.json')).equals(config), what);
    assert.equal(report().val.best.step, 3);
    fs.rmSync(path.join(dir, 'report.json'));
  }
  assert.doesNotMatch(resume(cfg), /written again|not there|damaged/, 'a whole best/ is said nothing of');
});

test('--resume refuses a damaged best/ whose weights no checkpoint holds, leaving the run as it was; moved away, the run goes on and says so', () => {
  const { cfg, dir, best, weights } = run();
  fs.rmSync(listCheckpoints(dir)[2]!, { recursive: true }); // resumed from step 2, whose best is step 1's
  const metrics = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
  const size = fs.statSync(weights).size;
  fs.truncateSync(weights, 1000);
  assert.throws(() => resume(cfg), (e: Error) => isUserError(e) && e.message === `${best}: cannot resume: best/ is damaged (` +
    `${changedError(weights, `it is 1,000 bytes, written as ${size.toLocaleString('en-US')}`).message}); it should hold the weights ` +
    `of the best val loss so far (${valLoss(metrics, 1).toFixed(4)}, step 1), which the checkpoint of step 2 does not: move it away to resume ` +
    `without them (it starts again from the checkpoint of step 2, whose weights had val loss ${valLoss(metrics, 2).toFixed(4)}, and takes any ` +
    'lower val evaluation after it), or train again with options.overwrite'); // a library call (the CLI: --overwrite)
  assert.equal(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8'), metrics, 'nothing of the run changed');
  assert.equal(fs.statSync(weights).size, 1000);
  assert.equal(listCheckpoints(dir).length, 2);
  fs.rmSync(best, { recursive: true });
  const stderr = resume(cfg);
  assert.match(stderr, new RegExp(`warning: resume: .*best: it is not there, so the weights of the best val loss so far \\(\\d\\.\\d{4}, step 1\\) are gone: ` +
    `it starts again from the checkpoint of step 2, whose weights had val loss ${valLoss(metrics, 2).toFixed(4)}, and takes any lower val evaluation after it$`, 'm'));
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as { val: { best: { step: number } } };
  assert.equal(report.val.best.step, 3, 'best/ is of an evaluation after the checkpoint');
  assert.equal(weightsFolderProblem(best, 'lora'), null);
});

test('--resume with a val set that changed since the checkpoint starts best/ and early stopping afresh on it: a loss of the old val set is not compared with one of the new', () => {
  const { cfg, dir, best } = run();
  const [, second, third] = listCheckpoints(dir);
  fs.rmSync(third!, { recursive: true }); // resumed from step 2, whose best is step 1's
  // the old val set scored far lower than any the new one will (its best loss set so, in a checkpoint of an older
  // version, which recorded nothing of its files)
  const stateFile = path.join(second!, 'trainer_state.json');
  fs.rmSync(path.join(second!, WRITTEN_RECORD));
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { loop: { best: { step: number; loss: number }; bestMetric: unknown } };
  state.loop.best.loss = 0.5;
  state.loop.bestMetric = state.loop.best; // the lowest val loss too
  fs.writeFileSync(stateFile, JSON.stringify(state));
  // another val set (prepare run again)
  const other = new Rng(9);
  fs.writeFileSync(cfg.data.val!, randomIdRows(other, 2, 14).join('\n') + '\n');
  const stderr = resume(cfg);
  assert.match(stderr, new RegExp(`warning: resume: ${literal(best)} holds the weights of the best val loss \\(0\\.5000, step 1\\) on the val data ` +
    'before it changed: the next evaluation starts best/ and early stopping again, on the new val data$', 'm'));
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as { val: { best: { step: number } } };
  assert.equal(report.val.best.step, 3, 'best/ is the best evaluation on the new val set');
  assert.equal(weightsFolderProblem(best, 'lora'), null);
  // each val row says which val set it measured (the dashboard compares the rows of one set only)
  const sets = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { split?: string; data_fingerprint?: string })
    .filter((r) => r.split === 'val').map((r) => r.data_fingerprint);
  assert.equal(sets.length, 4);
  assert.match(sets[0]!, /^[0-9a-f]{16}$/);
  assert.deepEqual(sets, [sets[0], sets[0], sets[0], sets[3]]);
  assert.notEqual(sets[3], sets[0], 'the new val set\'s row');
});

test('--resume with a val set that changed, from a checkpoint of the last step not yet evaluated, starts best/ afresh at the evaluation still to come', () => {
  const { cfg, dir } = run(1e-2, { eval: 2, checkpoint: 3 }); // evaluated at steps 0, 2 and (after the loop) 3; checkpointed at 3 before that
  const [third] = listCheckpoints(dir);
  const stateFile = path.join(third!, 'trainer_state.json');
  fs.rmSync(path.join(third!, WRITTEN_RECORD)); // an older version's checkpoint, which recorded nothing of its files
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { loop: { best: { step: number; loss: number }; bestMetric: unknown } };
  assert.equal(state.loop.best.step, 2);
  state.loop.best.loss = 0.5; // the old val set scored lower than the new one will
  state.loop.bestMetric = state.loop.best; // the lowest val loss too
  fs.writeFileSync(stateFile, JSON.stringify(state));
  const other = new Rng(9);
  fs.writeFileSync(cfg.data.val!, randomIdRows(other, 2, 14).join('\n') + '\n');
  const stderr = resume(cfg);
  // before: "and the run evaluates no more: it stays so", and step 3's evaluation, on the new val data, was compared with 0.5
  assert.match(stderr, /step 2\) on the val data before it changed: the next evaluation starts best\/ and early stopping again, on the new val data$/m);
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as { val: { best: { step: number } } };
  assert.equal(report.val.best.step, 3);
});

test('--resume without best/ from a checkpoint at the last evaluation (none left after it) starts best/ again from the weights that evaluation measured', () => {
  const { cfg, dir, best } = run(1); // val best at step 1, resumed from step 3's checkpoint, step 3 evaluated
  const metrics = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
  assert.ok(valLoss(metrics, 1) < valLoss(metrics, 3) && valLoss(metrics, 1) < valLoss(metrics, 2), 'step 1 is the best');
  fs.rmSync(best, { recursive: true });
  const stderr = resume(cfg);
  // before: "it will hold the best val evaluation after step 3", and the run ended with "best": null and no best/
  assert.match(stderr, new RegExp(`warning: resume: ${literal(best)}: it is not there, so the weights of the best val loss so far \\(${valLoss(metrics, 1).toFixed(4)}, ` +
    `step 1\\) are gone: it starts again from the checkpoint of step 3, whose weights had val loss ${valLoss(metrics, 3).toFixed(4)} \\(the run evaluates no more\\)$`, 'm'));
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as { val: { best: { step: number; loss: number } } };
  assert.deepEqual(report.val.best, { step: 3, loss: valLoss(metrics, 3) });
  assert.equal(requireRunWeights(dir, cfg, true, FLAG_WORDS), best);
  assert.ok(fs.readFileSync(path.join(best, 'adapter_model.safetensors')).equals(fs.readFileSync(path.join(dir, 'adapter', 'adapter_model.safetensors'))), 'best/ holds step 3\'s weights');
});

test('--resume without best/ whose val data changed and which evaluates no more ends without best/, said so; export --best then says best/ went', () => {
  const { cfg, dir, best } = run(1);
  fs.rmSync(best, { recursive: true });
  const other = new Rng(9);
  fs.writeFileSync(cfg.data.val!, randomIdRows(other, 2, 14).join('\n') + '\n');
  const stderr = resume(cfg);
  assert.match(stderr, /best: it is not there, so the weights of the best val loss so far \(\d\.\d{4}, step 1\) are gone: the run evaluates no more, so it ends without best\/$/m);
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as { val: { best: null } };
  assert.equal(report.val.best, null);
  assert.ok(!fs.existsSync(best));
  // before: "this one stopped before its first evaluation after step 0", of a run that evaluated at every step
  assert.throws(() => requireRunWeights(dir, cfg, true, FLAG_WORDS), { message: `${best}: best/ not found: the run evaluated its val data at step 1 (metrics.jsonl), which wrote it, ` +
    "so it was moved or deleted since: put it back, leave out --best for the last step's weights, or train the run again with --overwrite" });
});

test('--resume of an older checkpoint whose best is step 0\'s checks best/ too: damaged, refused where the run evaluates no more, said and replaced where it evaluates again', () => {
  const { cfg, dir, best, weights } = run();
  const [, second, third] = listCheckpoints(dir);
  const metrics = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
  /** Makes the checkpoint `ckpt` one of an older version whose best was step 0's evaluation. */
  const older = (ckpt: string): void => {
    const file = path.join(ckpt, 'trainer_state.json');
    fs.rmSync(path.join(ckpt, WRITTEN_RECORD)); // which recorded nothing of its files
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as { loop: Record<string, unknown> };
    state.loop.best = { step: 0, loss: valLoss(metrics, 0) };
    delete state.loop.bestMetric;
    fs.writeFileSync(file, JSON.stringify(state));
  };
  older(third!);
  older(second!);
  // another val set (prepare run again): the checkpoint's step was not evaluated on it, so best/ cannot start again from it
  fs.writeFileSync(cfg.data.val!, randomIdRows(new Rng(9), 2, 14).join('\n') + '\n');
  const whole = path.join(dir, '..', 'best-whole');
  fs.cpSync(best, whole, { recursive: true });
  fs.truncateSync(weights, 1000);
  // from step 3, the last, evaluated: the run evaluates no more, and would end with the damaged best/ as its best
  // (before: "it stays so", report.json's best step 0's)
  assert.throws(() => resume(cfg), (e: Error) => isUserError(e) && e.message.startsWith(`${best}: cannot resume: best/ is damaged (${weights}: changed since mistral-tune wrote it (it is 1,000 bytes`) &&
    e.message.endsWith(`; it holds the weights of step 0's val evaluation (${valLoss(metrics, 0).toFixed(4)}), which an older version kept as the best, and the run ` +
      'evaluates no more: move it away to resume without it (the run then ends without best/), or train again with options.overwrite'), 'refused');
  assert.equal(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8'), metrics, 'nothing of the run changed');
  fs.rmSync(best, { recursive: true });
  assert.match(resume(cfg), /best: it is not there; it held the weights of step 0's val evaluation \(\d\.\d{4}\), which an older version kept as the best; .*: the run evaluates no more, so it ends without best\/$/m);
  assert.equal((JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as { val: { best: unknown } }).val.best, null);
  // from step 2: the run evaluates step 3, which replaces the damaged best/ (before: not a word of the damage)
  fs.rmSync(path.join(dir, 'report.json'));
  fs.rmSync(listCheckpoints(dir)[2]!, { recursive: true });
  fs.cpSync(whole, best, { recursive: true });
  fs.truncateSync(weights, 1000);
  assert.match(resume(cfg), /best: it is damaged \(.*adapter_model\.safetensors: changed since mistral-tune wrote it \(it is 1,000 bytes.*\); it held the weights of step 0's val evaluation .*: the next val evaluation replaces it$/m);
  assert.equal(weightsFolderProblem(best, 'lora'), null);
  assert.equal((JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as { val: { best: { step: number } } }).val.best.step, 3);
});
