// A training case recorded by HF's own Trainer (+ PEFT) in a fixture's trainer-cases.json (made by that folder's
// make_cases.py): the config it ran with, run as the CLI runs it (train-like-cli.ts), and its per-step loss, lr and grad
// norm and final tensors held to ours. Shared by the test files of hf-trainer-more and hf-peft-configs.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { relErr, TINY_BASE } from '../helpers.ts';
import { trainLikeCli } from './train-like-cli.ts';

export interface RefStep { step: number; loss: number; lr: number; grad_norm: number }
export interface RefCase {
  name: string;
  task: 'generation' | 'classification';
  /** The model folder under the fixture folder (null: hf-tiny-mistral's base). */
  model: string | null;
  data: string;
  init_from: string | null;
  config: Record<string, unknown>;
  final: string;
  steps: RefStep[];
}

export function readCases(ref: string): RefCase[] {
  return (JSON.parse(fs.readFileSync(path.join(ref, 'trainer-cases.json'), 'utf8')) as { cases: RefCase[] }).cases;
}

/** |a − b| / |b|, or |a − b| when b is 0 (a warmup step's lr). */
function rel(a: number, b: number): number {
  return b === 0 ? Math.abs(a - b) : Math.abs(a - b) / Math.abs(b);
}

/** The case's config file in `dir` (its run folder dir/run), with `extra` keys over the case's; returns its path. */
export function writeCaseConfig(ref: string, dir: string, c: RefCase, extra: Record<string, unknown> = {}): string {
  const cfg = {
    model: c.model === null ? TINY_BASE : path.join(ref, c.model),
    task: c.task,
    data: { train: path.join(ref, c.data) },
    ...(c.init_from === null ? {} : { lora: { init_from: path.join(ref, c.init_from) } }),
    ...c.config,
    shuffle: false,
    eval: { samples: 0 },
    output_dir: path.join(dir, 'run'),
    ...extra,
  };
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, JSON.stringify(cfg, null, 1) + '\n');
  return file;
}

/** Trains the case in dir/run as the CLI does; returns the run folder. */
export function trainCase(ref: string, dir: string, c: RefCase, extra: Record<string, unknown> = {}): string {
  return trainLikeCli(writeCaseConfig(ref, dir, c, extra)).dir;
}

/** The training rows of a run's metrics.jsonl (no val rows). */
export function trainRows(run: string): Array<Record<string, number>> {
  return fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>).filter((r) => r.split === undefined);
}

/** Asserts every step and final tensor of the run within `tol` of HF's; returns the largest relative error. */
export function assertLikeHf(ref: string, c: RefCase, run: string, tol: number): number {
  const rows = trainRows(run);
  assert.deepEqual(rows.map((r) => r.step), c.steps.map((s) => s.step), 'optimizer steps');
  let worst = 0;
  c.steps.forEach((want, i) => {
    for (const key of ['loss', 'lr', 'grad_norm'] as const) {
      const e = rel(rows[i]![key]!, want[key]);
      worst = Math.max(worst, e);
      assert.ok(e <= tol, `step ${want.step} ${key}: ours ${rows[i]![key]} vs HF ${want[key]} (rel ${e.toExponential(2)})`);
    }
  });
  const out = c.init_from === null ? path.join('model', 'model.safetensors') : path.join('adapter', 'adapter_model.safetensors');
  const ours = SafetensorsFile.open(path.join(run, out));
  const theirs = SafetensorsFile.open(path.join(ref, c.final));
  try {
    assert.deepEqual(ours.names().sort(), theirs.names().sort(), 'tensors');
    for (const name of theirs.names()) {
      const e = relErr(ours.readF32(name), theirs.readF32(name));
      worst = Math.max(worst, e);
      assert.ok(e <= tol, `final ${name}: rel err ${e.toExponential(2)}`);
    }
  } finally {
    ours.close();
    theirs.close();
  }
  return worst;
}
