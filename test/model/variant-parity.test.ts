// HF parity on Mistral configs other than the main fixture's (test/fixtures/variants, made by the PyTorch
// port of HF MistralForCausalLM): no sliding window, rope θ 1e6 at the top level, no pad token, tied
// embeddings, head_dim ≠ hidden/heads, a sharded checkpoint, bf16 weights, window 4 with one KV head.
// Logits of a right-padded batch (unmasked positions) and the token-weighted loss at the test precision
// (fp32 ≤ 1e-4 relative; bf16: TOLERANCES.bf16), through the library at several batch sizes and through the real CLI
// (`mistral-tune eval --json`; the batch sizes are the library's evaluateLoss either way). On the CPU the eval runs
// through main() in this process (in-process-cli.ts: the same exit status, stdout and stderr, without a process's ~1 CPU-s
// start-up per variant); on another test device it stays a process of its own (the CLI's device backend on a thread of
// this process, beside the file's own, is not what the device suite has checked).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertTol, test, testBackend, TEST_DEVICE, TEST_DTYPE, TEST_PRECISION, tol } from '../backend/device.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { evaluateLoss } from '../../src/eval/evaluate.ts';
import { collate } from '../../src/data/batch.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { FIXTURES, readFixture, relErr } from '../helpers.ts';
import { cliIn } from '../cli/in-process-cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VARIANTS = path.join(FIXTURES, 'variants');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
/** The CLI run from the repository root: in this process on the CPU, a process of its own on another device. */
const cli = async (args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
  TEST_DEVICE === 'cpu' ? cliIn(ROOT, args) : spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });
const NAMES = ['no-window', 'rope-theta-1e6', 'no-pad-token', 'tied', 'head-dim', 'sharded', 'bf16', 'window4-gqa1'];

interface Meta {
  loss: number;
  tokens: number;
  pad_id_used: number;
  sensitivity_rel_diff: Record<string, number>;
}

test('every variant folder is present and used', () => {
  const dirs = fs.readdirSync(VARIANTS).filter((n) => fs.statSync(path.join(VARIANTS, n)).isDirectory());
  assert.deepEqual(dirs.sort(), [...NAMES].sort());
});

const backend = testBackend();

for (const name of NAMES) {
  const dir = path.join(VARIANTS, name);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as Meta;
  const rowsFile = path.join(dir, 'rows.jsonl');

  test(`${name}: logits of a right-padded batch match the reference at unmasked positions`, () => {
    for (const [what, diff] of Object.entries(meta.sensitivity_rel_diff)) {
      // the tolerance must stay below what a wrong feature changes. fp32: 100×. bf16: a wrong feature measures at
      // least diff − noise (bf16 noise ≤ 1.8e-2 measured, 0.6·tol), above the tolerance when diff > 1.6·tol (4.8e-2:
      // the weakest, theta 1e4, changes the logits by 4.77e-2, so 1.5·tol; the fixtures' own margin is thin in bf16)
      const margin = TEST_PRECISION === 'fp32' ? 100 : 1.5;
      assert.ok(diff > margin * tol('logits'), `fixture too weak: switching off ${what} changes the logits by only ${diff}`);
    }
    const ex = readFixture(path.join(dir, 'expected.safetensors'));
    const [B, T] = ex.padded_input_ids!.shape as [number, number];
    const V = ex.logits!.shape[2]!;
    const mask = ex.attention_mask!.data;
    const model = loadModel(dir, { backend, dtype: TEST_DTYPE });
    const rows = loadTokenRows(rowsFile, { vocabSize: model.cfg.vocabSize }).rows;
    assert.equal(rows.length, B);
    const logits = model.logits(collate(rows, model.cfg.padTokenId ?? 0, model.cfg.padTokenId));
    const ours: number[] = [], theirs: number[] = [];
    for (let i = 0; i < B * T; i++) {
      if (mask[i] !== 1) continue;
      for (let v = 0; v < V; v++) {
        ours.push(logits[i * V + v]!);
        theirs.push(ex.logits!.data[i * V + v]!);
      }
    }
    assert.ok(ours.length > 0);
    assertTol('logits', relErr(ours, theirs), `${name} logits`);
  });

  test(`${name}: token-weighted loss matches the reference for every batch size (library)`, () => {
    const model = loadModel(dir, { backend, dtype: TEST_DTYPE });
    const rows = loadTokenRows(rowsFile, { vocabSize: model.cfg.vocabSize }).rows;
    for (const batchSize of [1, 2, 3, 4, 8]) {
      const r = evaluateLoss(model, rows, { batchSize });
      assert.equal(r.tokens, meta.tokens, `tokens at batch size ${batchSize}`);
      assertTol('loss', Math.abs(r.loss - meta.loss) / meta.loss, `${name} batch size ${batchSize}: loss ${r.loss} vs ${meta.loss}`);
    }
  });

  // one run, at a batch size that splits the rows unevenly: the CLI at 1, 3 and 8 re-checked what the library test
  // above checks at each (the same evaluateLoss)
  test(`${name}: mistral-tune eval --json gives the reference loss (batch size 3)`, async () => {
    const r = await cli(['eval', '--model', dir, '--data', rowsFile, '--batch-size', '3', '--precision', TEST_PRECISION, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { loss: number; perplexity: number; tokens: number };
    assert.equal(out.tokens, meta.tokens);
    assertTol('loss', Math.abs(out.loss - meta.loss) / meta.loss, `${name} eval --batch-size 3: loss ${out.loss} vs ${meta.loss}`);
    assert.ok(Math.abs(out.perplexity - Math.exp(out.loss)) <= 1e-9 * out.perplexity);
  });
}

test('the tied variant really has no lm_head.weight, and the sharded one really is sharded', () => {
  const header = (file: string): Record<string, unknown> => {
    const buf = fs.readFileSync(file);
    return JSON.parse(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString('utf8')) as Record<string, unknown>;
  };
  assert.equal('lm_head.weight' in header(path.join(VARIANTS, 'tied', 'model.safetensors')), false);
  const sharded = fs.readdirSync(path.join(VARIANTS, 'sharded'));
  assert.ok(sharded.includes('model.safetensors.index.json'));
  assert.equal(sharded.filter((n) => /^model-\d{5}-of-00003\.safetensors$/.test(n)).length, 3);
  assert.equal(sharded.includes('model.safetensors'), false);
  const bf16 = header(path.join(VARIANTS, 'bf16', 'model.safetensors'));
  assert.ok(Object.entries(bf16).every(([k, v]) => k === '__metadata__' || (v as { dtype: string }).dtype === 'BF16'));
});
