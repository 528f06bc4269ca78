// `mistral-tune eval --device cuda` against `--device cpu` on the tiny fixture (issue [9]): the same tokens, the
// losses within 1e-2 (relative) of each other at the test precision, with and without an adapter. Runs under
// MISTRAL_TUNE_TEST_DEVICE=cuda (npm run test:gpu); elsewhere it is skipped, saying so.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_DEVICE, TEST_PRECISION, test } from '../backend/device.ts';
import { TINY, TINY_BASE } from '../helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const DATA = path.join(ROOT, 'examples', 'tiny-eval.jsonl');
const skip = TEST_DEVICE === 'cuda' ? false : 'compares the CUDA backend with the CPU: runs under MISTRAL_TUNE_TEST_DEVICE=cuda (npm run test:gpu)';

function evalOn(device: 'cuda' | 'cpu', ...extra: string[]): { loss: number; tokens: number } {
  const r = spawnSync(process.execPath, [BIN, 'eval', '--model', TINY_BASE, '--data', DATA, '--device', device, '--precision', TEST_PRECISION, '--json', ...extra],
    { encoding: 'utf8', cwd: ROOT });
  assert.equal(r.status, 0, `eval --device ${device}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { loss: number; tokens: number };
}

test('mistral-tune eval --device cuda and --device cpu agree on the tiny fixture within 1e-2 (base, and with an adapter)', { skip }, () => {
  for (const extra of [[], ['--adapter', path.join(TINY, 'adapter_init')]]) {
    const [gpu, cpu] = [evalOn('cuda', ...extra), evalOn('cpu', ...extra)];
    assert.equal(gpu.tokens, cpu.tokens);
    const rel = Math.abs(gpu.loss - cpu.loss) / cpu.loss;
    console.log(`# eval${extra.length ? ' --adapter' : ''} at ${TEST_PRECISION}: cuda ${gpu.loss}, cpu ${cpu.loss}, relative difference ${rel.toExponential(2)}`);
    assert.ok(rel <= 1e-2, `cuda ${gpu.loss} vs cpu ${cpu.loss}: ${rel}`);
  }
});
