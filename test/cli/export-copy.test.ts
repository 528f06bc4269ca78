// `mistral-tune export` of a run without --merge copies files: it starts no compute backend (it said "device auto:
// using the CPU" and "cpu backend: …", and --device cuda failed on a machine without a GPU), and --precision or
// --device, which only a merge uses, is refused in one line rather than ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { tinyLoraRun } from './tiny-lora-run.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, 'export', ...args], { encoding: 'utf8' });

test('export of a run\'s adapter without --merge starts no backend, and refuses --precision and --device in one line', () => {
  const dir = tempDir('mt-export-copy-');
  const run = tinyLoraRun(dir);
  const out = path.join(dir, 'out');
  const copy = cli('--run', run, '--out', out);
  assert.equal(copy.status, 0, copy.stderr);
  assert.equal(copy.stderr, `exported the PEFT adapter to ${out}: README.md, adapter_config.json, adapter_model.safetensors\n`);
  for (const [flag, value] of [['--precision', 'bf16'], ['--device', 'cuda'], ['--precision', 'fp32']]) {
    const r = cli('--run', run, '--out', path.join(dir, 'refused'), flag!, value!);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, 'error: --device and --precision apply to a merge (--merge of a LoRA run): this export copies the run\'s files as they are, computing nothing\n');
    assert.equal(fs.existsSync(path.join(dir, 'refused')), false);
  }
});

test('an --out ending in .gguf without --format is refused, naming the formats (it wrote a folder named x.gguf)', () => {
  const dir = tempDir('mt-export-gguf-name-');
  const out = path.join(dir, 'x.gguf');
  const r = cli('--run', path.join(dir, 'run'), '--out', out);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, `error: ${out}: names a GGUF file, but without --format the export is an HF folder: add --format gguf (the merged model) or --format gguf-lora (the adapter alone), or --format hf for a folder of that name\n`);
  assert.deepEqual(fs.readdirSync(dir), []);
});
