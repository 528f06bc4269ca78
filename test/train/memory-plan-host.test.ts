// The host RAM a run holds (MemoryPlan.host). On CUDA the GPU's check does not see it: a checkpoint of a full
// fine-tuning downloads every trained weight and both its AdamW moments (12 bytes a weight in f32: 87 GB for a 7B model)
// before writing them, so a run whose GPU fits is refused before a weight is read when the machine's RAM does not hold
// them, in one line naming both sizes and the ways out. On the CPU the host RAM is the plan's total and Node.js itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { validate } from '../../src/train/config.ts';
import { NODE_RUNTIME_BYTES, planMemory } from '../../src/train/memory-plan.ts';
import { checkModelFits, cudaHostRefusal } from '../../src/train/fit-check.ts';
import { parameterCount, parseConfig } from '../../src/model/config.ts';
import { dryRun, dryRunRefusal } from '../../src/train/dry-run.ts';
import { CUDA_GPU_HERE } from '../cuda-here.ts';
import { tempDir } from '../temp-dir.ts';

const GiB = 2 ** 30;
const dir = tempDir('mt-plan-host-');
const MISTRAL_7B = {
  architectures: ['MistralForCausalLM'], model_type: 'mistral', vocab_size: 32000, hidden_size: 4096, intermediate_size: 14336,
  num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128, rms_norm_eps: 1e-5, rope_theta: 10000,
  max_position_embeddings: 32768, sliding_window: 4096, tie_word_embeddings: false,
};
fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(MISTRAL_7B));
fs.writeFileSync(path.join(dir, 'train.jsonl'), '{"input_ids": [1, 2, 3]}\n');
const model = parseConfig(MISTRAL_7B);
const N = parameterCount(model);
const cfgOf = (extra: Record<string, unknown>) => validate({
  model: { config: path.join(dir, 'config.json'), init: 'random' }, data: { train: path.join(dir, 'train.jsonl') },
  output_dir: path.join(dir, 'out'), device: 'cuda', precision: 'bf16', ...extra,
}, 'test');
/** A GPU that holds anything: only the host RAM can refuse. */
const BIG_GPU = { backend: 'cuda', deviceBytes: 2 ** 50 } as const;

test('a CUDA full fine-tuning plan counts a checkpoint\'s host copies in host RAM, not on the GPU; without checkpoints the final weights', () => {
  const ck = planMemory(cfgOf({ method: 'full', checkpoint: { every_steps: 100 } }), model, { B: 1, T: 8 }, 'cuda');
  assert.equal(N, 7_241_732_096);
  assert.equal(ck.host, NODE_RUNTIME_BYTES + 12 * N, 'parameters, exp_avg and exp_avg_sq in f32: 87 GB');
  assert.equal(ck.saving, 0, 'none of it on the GPU');
  assert.equal(ck.total, ck.weights + ck.trainable + ck.activations + ck.workspace + ck.staging);
  const end = planMemory(cfgOf({ method: 'full', checkpoint: { every_steps: null } }), model, { B: 1, T: 8 }, 'cuda');
  // one 5 GB shard of the file's BF16 weights (the save downloads a shard at a time; was the whole 2·N), and the largest
  // (the embedding) downloaded as bf16 bits and widened to f32 before it is narrowed
  assert.equal(end.host, NODE_RUNTIME_BYTES + 5e9 + 6 * 32000 * 4096, 'a shard of the final weights in BF16');
  const cpu = planMemory(cfgOf({ method: 'full', device: 'cpu', precision: 'fp32' }), model, { B: 1, T: 8 }, 'cpu');
  assert.equal(cpu.host, cpu.total + NODE_RUNTIME_BYTES, 'a CPU run: its whole plan and Node.js');
});

test('a CUDA run whose checkpoints do not fit the host RAM is refused before loading, naming both sizes and the ways out', () => {
  const cfg = cfgOf({ method: 'full', checkpoint: { every_steps: 100 } });
  assert.throws(() => checkModelFits(cfg, model, BIG_GPU, 64 * GiB), (e: Error) => {
    assert.match(e.message, /^checkpoint\.every_steps: a CUDA run needs 81\.1 GiB of host RAM, more than this machine's 64\.0 GiB: each checkpoint copies every trained weight and its AdamW moments into host RAM \(80\.9 GiB\)/);
    assert.match(e.message, /set checkpoint\.every_steps: null, or set method: lora, or use a machine with more RAM$/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
  assert.doesNotThrow(() => checkModelFits(cfg, model, BIG_GPU, 128 * GiB));
  // without checkpoints the final save's shards of 5 GB (BF16) fit; on a 4 GiB machine only LoRA helps (it was refused on
  // 12 GiB, counted as the whole 14 GiB file at once)
  assert.doesNotThrow(() => checkModelFits(cfgOf({ method: 'full', checkpoint: { every_steps: null } }), model, BIG_GPU, 64 * GiB));
  const finalPlan = planMemory(cfgOf({ method: 'full', checkpoint: { every_steps: null } }), model, { B: 1, T: 1 }, 'cuda');
  assert.equal(cudaHostRefusal(cfgOf({ method: 'full', checkpoint: { every_steps: null } }), finalPlan, 12 * GiB), null);
  const final = cudaHostRefusal(cfgOf({ method: 'full', checkpoint: { every_steps: null } }), finalPlan, 4 * GiB);
  assert.match(final ?? '', /the final save copies the trained weights into host RAM \(5\.4 GiB\).*; set method: lora, or use a machine with more RAM$/);
  assert.doesNotThrow(() => checkModelFits(cfgOf({ method: 'lora', checkpoint: { every_steps: 100 } }), model, BIG_GPU, 16 * GiB), 'LoRA copies the adapter alone');
  assert.equal(cudaHostRefusal(cfgOf({ method: 'full', device: 'cpu', precision: 'fp32' }), planMemory(cfgOf({ method: 'full', device: 'cpu', precision: 'fp32' }), model, { B: 1, T: 1 }, 'cpu'), GiB), null,
    'a CPU run is held against the RAM by its whole plan instead');
});

test('train --dry-run of a CUDA run on a machine without the GPU: the host RAM is not judged against this machine\'s (train runs elsewhere)', { skip: CUDA_GPU_HERE }, () => {
  // a checkpoint's copies of 10,000 layers of a 7B's (26 TB of host RAM: no machine's): refused where the GPU is, not here
  fs.writeFileSync(path.join(dir, 'huge.json'), JSON.stringify({ ...MISTRAL_7B, num_hidden_layers: 10_000 }));
  const cfg = validate({
    model: { config: path.join(dir, 'huge.json'), init: 'random' }, data: { train: path.join(dir, 'train.jsonl') },
    output_dir: path.join(dir, 'out-huge'), device: 'cuda', precision: 'bf16', method: 'full', checkpoint: { every_steps: 100 },
  }, 'test');
  const r = dryRun(cfg);
  assert.ok(r.plan.host > os.totalmem(), 'the host copies are past this machine\'s RAM');
  assert.equal(r.available, null, 'no GPU here: whether the run fits is unknown');
  assert.equal(r.limit, null, 'no refusal by this machine\'s RAM, which train (on the GPU\'s machine) does not check');
  assert.equal(r.fits, null);
  assert.equal(dryRunRefusal(r, cfg), null);
});
