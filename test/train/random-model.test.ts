// `model: {config, init: random}`: the schema (inline HF keys or a config.json path, did-you-mean, the
// wrong init), `train` on the CPU through the CLI's main() in this process (bundled tokenizer at vocab 32000; pre-tokenized data
// otherwise, and a clear error for text), `--dry-run` of a Mistral-7B-shaped config without a weight, and
// the initialiser's weights being the backend's randomNormal values at the documented counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { createBackend } from '../../src/backend/select.ts';
import { normalAt } from '../../src/backend/cpu/kernels/random-normal.ts';
import { parseConfig } from '../../src/model/config.ts';
import { initRandomModel } from '../../src/model/random-init.ts';
import { loadTrainConfig } from '../../src/train/config.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn } from '../cli/in-process-cli.ts';

const work = tempDir('mt-random-model-');
/** The CLI run in this process (main(), the command thread kept: in-process-cli.ts), from `work`. */
const cli = (args: string[]): ReturnType<typeof cliIn> => cliIn(work, args);

const TINY = {
  vocab_size: 32000, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2,
  num_key_value_heads: 1, head_dim: 8, max_position_embeddings: 128, tie_word_embeddings: false,
};
const MISTRAL_7B = {
  model_type: 'mistral', vocab_size: 32000, hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32,
  num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128, rms_norm_eps: 1e-5, rope_theta: 10000,
  max_position_embeddings: 32768, sliding_window: 4096, tie_word_embeddings: false,
};

function writeConfig(name: string, cfg: Record<string, unknown>): string {
  const file = path.join(work, `${name}.yaml`);
  fs.writeFileSync(file, YAML.stringify(cfg));
  return file;
}

const textData = path.join(work, 'text.jsonl');
fs.writeFileSync(textData, ['The capital of France is Paris.', 'The capital of Spain is Madrid.', 'Rome is in Italy.']
  .map((text) => JSON.stringify({ text })).join('\n') + '\n');
const idsData = path.join(work, 'ids.jsonl');
fs.writeFileSync(idsData, [[1, 5, 9, 3, 7, 2], [4, 4, 8, 1], [6, 2, 3, 9, 9, 1, 5]].map((ids) => JSON.stringify({ input_ids: ids })).join('\n') + '\n');

const base = { data: { train: 'text.jsonl' }, max_steps: 2, batch_size: 2, max_seq_len: 32, eval: { samples: 0 }, lora: { r: 2 }, seed: 3 };

test('the schema takes {config, init: random} with the keys inline or a config.json path (resolved against the file), with did-you-mean', () => {
  fs.writeFileSync(path.join(work, 'tiny-config.json'), JSON.stringify({ model_type: 'mistral', ...TINY }));
  const inline = loadTrainConfig(writeConfig('inline', { ...base, model: { config: TINY, init: 'random' } }));
  assert.deepEqual(inline.model, { config: TINY, init: 'random', seed: null });
  const byPath = loadTrainConfig(writeConfig('bypath', { ...base, model: { config: 'tiny-config.json', init: 'random', seed: 5 } }));
  assert.deepEqual(byPath.model, { config: path.join(work, 'tiny-config.json'), init: 'random', seed: 5 });
  assert.equal(loadTrainConfig(writeConfig('folder', { ...base, model: 'some/folder' })).model, path.join(work, 'some/folder'));
  assert.throws(() => loadTrainConfig(writeConfig('typo', { ...base, model: { config: TINY, inti: 'random' } })),
    /unknown key "model\.inti" \(did you mean "model\.init"\?\)/);
  assert.throws(() => loadTrainConfig(writeConfig('zeros', { ...base, model: { config: TINY, init: 'zeros' } })), /model\.init: /);
  assert.throws(() => loadTrainConfig(writeConfig('num', { ...base, model: 3 })), /model: must be a model folder path, or \{config: CONFIG, init: random\} \(got 3\)/);
});

test('train with a random 32000-vocabulary model on the CPU: the bundled tokenizer reads text, the loss is finite, the run records the model', async () => {
  const out = path.join(work, 'run-text');
  const r = await cli(['train', writeConfig('train-text', { ...base, model: { config: TINY, init: 'random' }, output_dir: out })]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /model: random weights from model\.config \(inline\)/);
  const rows = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  assert.equal(rows.length, 2);
  for (const row of rows) assert.ok(Number.isFinite(row.loss) && row.loss > 9 && row.loss < 11.5, `loss ${row.loss} ≈ ln 32000`);
  assert.ok(fs.existsSync(path.join(out, 'adapter', 'adapter_model.safetensors')));
  const adapterConfig = JSON.parse(fs.readFileSync(path.join(out, 'adapter', 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(adapterConfig.base_model_name_or_path, null, 'no base folder to name (PEFT would look a made-up name up on the hub)');
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as { model: string };
  assert.equal(report.model, 'random (inline config)');
  // the adapter exports as it is; a merge needs base weights, which a random run never had
  assert.equal((await cli(['export', '--run', out, '--out', path.join(work, 'exp-adapter')])).status, 0);
  const merge = await cli(['export', '--run', out, '--out', path.join(work, 'exp-merged'), '--merge']);
  assert.equal(merge.status, 2, merge.stderr);
  assert.match(merge.stderr, /^error: .*export --merge: the run's base model had random weights/m);
  assert.equal(fs.existsSync(path.join(work, 'exp-merged')), false, 'refused before the output folder is made');
});

test('a random model of another vocabulary size trains on pre-tokenized data and refuses text with what to do', async () => {
  const small = { ...TINY, vocab_size: 64 };
  const ok = await cli(['train', writeConfig('train-ids', { ...base, data: { train: 'ids.jsonl' }, model: { config: small, init: 'random' }, output_dir: path.join(work, 'run-ids') })]);
  assert.equal(ok.status, 0, ok.stderr);
  const bad = await cli(['train', writeConfig('train-bad', { ...base, model: { config: small, init: 'random' }, output_dir: path.join(work, 'run-bad') })]);
  assert.equal(bad.status, 2, bad.stderr);
  const errors = bad.stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, bad.stderr);
  assert.match(errors[0]!, /needs a tokenizer.*vocab_size 32000.*pre-tokenized/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
  // fully trained from random weights, the run's model/ is whole: eval --run needs no base folder
  const full = await cli(['train', writeConfig('train-full', { ...base, data: { train: 'ids.jsonl' }, method: 'full', model: { config: small, init: 'random' }, output_dir: path.join(work, 'run-full') })]);
  assert.equal(full.status, 0, full.stderr);
  const ev = await cli(['eval', '--run', path.join(work, 'run-full'), '--data', path.join(work, 'ids.jsonl')]);
  assert.equal(ev.status, 0, ev.stderr);
});

test('--dry-run plans a Mistral-7B-shaped random model without drawing a weight', async () => {
  const file = writeConfig('dry', { ...base, model: { config: MISTRAL_7B, init: 'random' }, lora: { r: 16 }, batch_size: 1, precision: 'bf16' });
  const t0 = performance.now();
  const r = await cli(['train', file, '--dry-run', '--json']);
  const plan = JSON.parse(r.stdout) as { weights_bytes: number; precision: string; fits: boolean | null };
  // exit 2 where this machine's memory does not hold it (the plan is printed all the same)
  assert.equal(r.status, plan.fits === false ? 2 : 0, r.stderr);
  assert.ok(performance.now() - t0 < 20_000, 'no 7B of weights were drawn');
  // 7.24e9 parameters in bf16
  assert.ok(plan.weights_bytes > 14e9 && plan.weights_bytes < 14.6e9, `weights ${plan.weights_bytes}`);
});

test('initRandomModel: each tensor is the backend randomNormal at the running counter (embed, projections, lm_head), norms are ones', () => {
  const cfg = parseConfig({ model_type: 'mistral', ...TINY, vocab_size: 40 });
  const backend = createBackend('cpu');
  const model = initRandomModel(backend, cfg, { seed: 11, std: 0.05, dtype: 'f32' });
  const embed = backend.download(model.weights.embed);
  const V = 40, C = 16;
  assert.equal(embed[7], Math.fround(normalAt(11, 7, 0.05)));
  const q = backend.download(model.weights.layers[0]!.proj.q_proj);
  assert.equal(q[3], Math.fround(normalAt(11, V * C + 3, 0.05)));
  assert.deepEqual([...backend.download(model.weights.layers[0]!.inputNorm)], new Array(C).fill(1));
  const head = backend.download(model.weights.lmHead!);
  const projections = 16 * 16 + 8 * 16 * 2 + 16 * 16 + 32 * 16 * 3;
  assert.equal(head[0], Math.fround(normalAt(11, V * C + projections, 0.05)));
});

test('a random model with a tensor larger than the CPU can hold is a one-line error naming the size, not a RangeError', async () => {
  const huge = writeConfig('huge', { ...base, data: { train: 'ids.jsonl' }, model: { config: { ...TINY, vocab_size: 1_000_000_000 }, init: 'random' }, output_dir: 'huge-run' });
  const r = await cli(['train', huge]);
  assert.equal(r.status, 2, r.stderr);
  // weights past the machine's RAM are refused before any is drawn (checkModelFits); on a machine with more, the tensor's allocation
  assert.match(r.stderr, new RegExp('^error: (model\\.config: the model does not fit this machine\'s RAM: the weights alone take 119\\.2 GiB of .*\\(see train --dry-run\\)' +
    '|cannot allocate 16,000,000,000 f32 values \\(59\\.6 GiB\\) in host memory: .*train --dry-run shows the memory plan\\))\n$', 'm'));
  assert.doesNotMatch(r.stderr, /RangeError|    at /);
});

test('initRandomModel zeros the pad id\'s embedding row as HF\'s _init_weights does (nn.Embedding padding_idx; -1 counted from the end; tied, lm_head is that embedding)', () => {
  const backend = createBackend('cpu');
  const C = 16, V = 40;
  const zeroRows = (buf: Float32Array | Float64Array | Int32Array) =>
    Array.from({ length: V }, (_, r) => r).filter((r) => buf.subarray(r * C, (r + 1) * C).every((x) => x === 0));
  for (const [pad, row] of [[5, 5], [-1, V - 1], [null, null]] as const) {
    for (const tied of [false, true]) {
      const cfg = parseConfig({ model_type: 'mistral', ...TINY, vocab_size: V, pad_token_id: pad, tie_word_embeddings: tied });
      const model = initRandomModel(backend, cfg, { seed: 11, std: 0.05, dtype: 'f32' });
      const embed = backend.download(model.weights.embed);
      assert.deepEqual(zeroRows(embed), row === null ? [] : [row], `pad ${pad}, tied ${tied}`);
      // every other value stays at its counter: the row is zeroed after the whole tensor is drawn
      const other = row === 0 ? 1 : 0;
      assert.equal(embed[other * C + 2], Math.fround(normalAt(11, other * C + 2, 0.05)));
      if (!tied) assert.deepEqual(zeroRows(backend.download(model.weights.lmHead!)), [], 'an untied lm_head is an nn.Linear: no pad row');
    }
  }
});
