// The quickstart fine-tunes the shipped pre-trained model (models/mistral-tune-tiny) with LoRA: its model/
// folder is that model's weights byte for byte, and training starts as LoRA, not full fine-tuning of a
// random model. A real CLI process, stopped once training has started (the whole quickstart takes a minute).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const ROOT = path.join(FIXTURES, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const SHIPPED = path.join(ROOT, 'models', 'mistral-tune-tiny');

test('the quickstart LoRA-fine-tunes the shipped pre-trained model', { timeout: 60_000 }, async () => {
  const out = path.join(tempDir('mt-qsmodel-'), 'qs');
  // a relative --out, as `npx mistral-tune quickstart` gives runs/quickstart
  const child = spawn(process.execPath, [BIN, 'quickstart', '--out', 'qs', '--epochs', '1'], { stdio: ['ignore', 'ignore', 'pipe'], cwd: path.dirname(out) });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`training never started:\n${stderr}`)), 50_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/^train: /m.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => { clearTimeout(timer); reject(new Error(`exited early (${child.exitCode}):\n${stderr}`)); });
  }).finally(() => child.kill('SIGKILL'));
  await exited;
  assert.match(stderr, /^train: generation with LoRA r=\d+/m);
  assert.match(stderr, /pre-trained/);
  for (const f of ['model.safetensors', 'config.json', 'tokenizer.json']) {
    assert.ok(fs.readFileSync(path.join(out, 'model', f)).equals(fs.readFileSync(path.join(SHIPPED, f))), `model/${f} is not the shipped model's`);
  }
  // the run's config.yaml names its model and data wherever --run is given from: it held `model: qs/model`, relative to
  // the quickstart's cwd, so `eval --run …/qs/run` from another folder said the model folder was not there
  const saved = YAML.parse(fs.readFileSync(path.join(out, 'run', 'config.yaml'), 'utf8')) as { model: string; data: Record<string, string>; output_dir: string };
  assert.deepEqual([saved.model, saved.data.train, saved.data.val, saved.data.test, saved.output_dir],
    [path.join(out, 'model'), ...['train', 'val', 'test'].map((s) => path.join(out, 'data', `${s}.jsonl`)), path.join(out, 'run')]);
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
});
