// scripts/device-check.sh runs on the GPU machine alone, in one short call: what can be held here is held here — the
// ONLY= names it accepts, and which python3 its HF steps run (scripts/device-python.sh) and what summary.txt says of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../temp-dir.ts';

const scripts = path.resolve(import.meta.dirname, '../../scripts');
const script = fs.readFileSync(path.join(scripts, 'device-check.sh'), 'utf8');

test('device-check: ONLY naming no step is refused before anything runs (not every step "not selected" and "0 failed")', () => {
  const dir = tempDir('device-check-only-');
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(scripts, 'device-check.sh'), path.join(dir, 'scripts/device-check.sh'));
  const run = (only: string) => spawnSync('bash', ['scripts/device-check.sh'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ONLY: only, OUT: path.join(dir, 'out') } });
  const bad = run('smoke,test-gpu');
  assert.equal(bad.status, 2, bad.stderr);
  assert.equal(bad.stderr, 'device-check: ONLY names test-gpu, which is no step (steps: dist,smoke,bindings,test-gpu-fp32,test-gpu-bf16,attn-variants,hf-check,bench-gpu)\n');
  assert.ok(!fs.existsSync(path.join(dir, 'out')), 'nothing run, no summary');
  // known names (a space after a comma too) pass the check: here the next thing, device-unpack.sh, is missing
  const good = run('smoke, bench-gpu');
  assert.equal(good.status, 1);
  assert.match(good.stderr, /device-unpack\.sh/);
});

test("device-check: STEPS names every step the script runs, in the order it runs them", () => {
  const steps = /^STEPS="([^"]*)"/m.exec(script)?.[1];
  assert.ok(steps, 'STEPS found');
  const run = [...script.matchAll(/^\s*(?:ONLY= )?(?:step|step_bg|step_bg_hf) ([a-z0-9-]+) \d+ /gm)].map((m) => m[1]);
  assert.deepEqual(run, steps.split(' '));
});

