// One owner for the run folder's layout: no TypeScript file under src/ spells a run-folder name
// (config.yaml, metrics.jsonl, report.json, loss_curve.svg, the markers, the lock, checkpoints) as a
// string literal, or joins 'adapter' / 'model' / 'best' onto a path, except src/run/layout.ts (and
// src/data/sources.ts for prepare's own report.json). A new literal elsewhere fails here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { QUICKSTART_LAYOUT, RUN_LAYOUT, runWeightsDir } from '../../src/run/layout.ts';
import { literal } from '../helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');
const OWNER = 'run/layout.ts';
/** prepare's output folder has a report.json of its own, named in data/prepare-report.ts. */
const ALLOWED: Record<string, readonly string[]> = { 'data/prepare-report.ts': ['report.json'] };

const NAMES = ['config.yaml', 'metrics.jsonl', 'report.json', 'loss_curve.svg', 'checkpoints', RUN_LAYOUT.marker, RUN_LAYOUT.lock, QUICKSTART_LAYOUT.marker];
/** A quoted literal that is exactly one of the names (in '…', "…" or `…`). */
const LITERAL = new RegExp(`(['"\`])(${NAMES.map(literal).join('|')})\\1`, 'g');
/** A sub-folder name joined onto a path: join(…, 'adapter'), or a ternary of them inside a join. */
const JOINED = /\bjoin\([^)]*['"](adapter|model|best)['"]/g;

function sources(): string[] {
  return (fs.readdirSync(SRC, { recursive: true, encoding: 'utf8' })).filter((f) => f.endsWith('.ts')).map((f) => f.split(path.sep).join('/'));
}

test('run-folder names are spelled only in src/run/layout.ts', () => {
  const files = sources();
  assert.ok(files.includes(OWNER) && files.length > 50, `files: ${files.length}`);
  const offenders: string[] = [];
  for (const f of files) {
    if (f === OWNER) continue;
    const lines = fs.readFileSync(path.join(SRC, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/^\s*(\/\/|\*|\/\*)/.test(line)) return; // comments may describe the layout
      for (const m of line.matchAll(LITERAL)) if (!ALLOWED[f]?.includes(m[2]!)) offenders.push(`src/${f}:${i + 1}: '${m[2]}'`);
      for (const m of line.matchAll(JOINED)) offenders.push(`src/${f}:${i + 1}: join(…'${m[1]}')`);
    });
  }
  assert.deepEqual(offenders, []);
});

test('the weights folder of a run: adapter/ (LoRA) or model/ (full), best/ when asked', () => {
  assert.equal(runWeightsDir('r', 'lora', false), path.join('r', 'adapter'));
  assert.equal(runWeightsDir('r', 'full', false), path.join('r', 'model'));
  assert.equal(runWeightsDir('r', 'lora', true), path.join('r', 'best'));
});
