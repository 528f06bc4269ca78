// An export that its inputs' configs alone refuse (a classification run or model to GGUF, a gelu model, a LoRA run
// whose base model folder is gone, an adapter whose config is refused, a merge into a folder that is not empty) says so before the compute backend starts:
// the backend is made to fail on start (MISTRAL_TUNE_GEMM=bogus), so a refusal that came after its start would read
// as that failure instead.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportCommand } from '../../src/cli/export-thread.ts';
import type { Flags } from '../../src/cli/export.ts';
import { SafetensorsCheckpoint } from '../../src/model/safetensors-checkpoint.ts';
import { writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cutTokenizer } from './gguf-models.ts';

const tmp = tempDir('mt-refuse-first-');

/** A run folder as train leaves it, as far as an export reads it: its config.yaml, and an adapter when `adapter` is given. */
function runDir(name: string, yaml: string, adapter?: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'config.yaml'), `output_dir: ${JSON.stringify(dir)}\ndata: {train: ${JSON.stringify(path.join(tmp, 'train.jsonl'))}}\n${yaml}`);
  if (adapter) fs.cpSync(adapter, path.join(dir, 'adapter'), { recursive: true });
  return dir;
}

/** TINY_BASE as tmp/`name` with its config.json's keys `over` changed. */
function modelWith(name: string, over: Record<string, unknown>): string {
  const dir = path.join(tmp, name);
  fs.cpSync(TINY_BASE, dir, { recursive: true });
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')) as object, ...over }));
  return dir;
}

/**
 * TINY_BASE as `dir` (config.json MistralForCausalLM, a tokenizer that fits) with its checkpoint's tensors `edit`ed:
 * what only the safetensors header tells.
 */
function headsEdited(dir: string, edit: (tensors: Record<string, TensorToWrite>) => void): string {
  fs.cpSync(TINY_BASE, dir, { recursive: true });
  cutTokenizer(dir, 512);
  const ckpt = SafetensorsCheckpoint.open(dir);
  const tensors = Object.fromEntries(ckpt.names().map((n) => [n, { dtype: 'F32', shape: ckpt.info(n).shape, data: ckpt.readF32(n) } as TensorToWrite]));
  ckpt.close();
  edit(tensors);
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  return dir;
}

test('an export its configs refuse is refused before the backend starts', () => {
  fs.writeFileSync(path.join(tmp, 'train.jsonl'), '{"input_ids": [1, 5, 9]}\n');
  const adapter = path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init');
  const cls = runDir('cls', `model: ${JSON.stringify(TINY_BASE)}\ntask: classification\nlabels: [a, b, c]\n`);
  const gone = runDir('gone', `model: ${JSON.stringify(path.join(tmp, 'moved-away'))}\n`, adapter);
  const lora = runDir('lora', `model: ${JSON.stringify(TINY_BASE)}\n`, adapter);
  // a classifier only through its score tensor: no task_type, as PEFT's plain PeftModel saves one
  const scored = path.join(tmp, 'scored-adapter');
  fs.cpSync(path.join(FIXTURES, 'hf-tiny-mistral-cls', 'adapter_init'), scored, { recursive: true });
  const scoredCfg = path.join(scored, 'adapter_config.json');
  const { task_type: _dropped, ...untyped } = JSON.parse(fs.readFileSync(scoredCfg, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(scoredCfg, JSON.stringify(untyped));
  const scoredRun = runDir('scored-run', `model: ${JSON.stringify(TINY_BASE)}\n`, scored);
  // an adapter its config refuses (r: 0): the merge and GGUF exports refused it only once the base model was loaded
  const badRank = path.join(tmp, 'bad-rank-adapter');
  fs.cpSync(adapter, badRank, { recursive: true });
  const badCfg = path.join(badRank, 'adapter_config.json');
  fs.writeFileSync(badCfg, JSON.stringify({ ...JSON.parse(fs.readFileSync(badCfg, 'utf8')) as object, r: 0 }));
  const badRun = runDir('bad-rank-run', `model: ${JSON.stringify(TINY_BASE)}\n`, badRank);
  // an adapter of other shapes than the run's base: named as from that base folder, as generate and eval name it
  const otherRun = runDir('other-shapes-run', `model: ${JSON.stringify(modelWith('other-shapes', { hidden_size: 48, head_dim: 12 }))}\n`, adapter);
  // a checkpoint that is not a causal LM by its tensors alone (config.json says MistralForCausalLM): a score head, no
  // lm_head (a base MistralModel, as an embedding model saves); a full run's weights so too
  const scoreHead = headsEdited(path.join(tmp, 'score-head'), (t) => { t['score.weight'] = { dtype: 'F32', shape: [2, 64], data: new Float32Array(128) }; });
  const noHead = headsEdited(path.join(tmp, 'no-lm-head'), (t) => { delete t['lm_head.weight']; });
  const fullRun = runDir('full-no-head', `model: ${JSON.stringify(TINY_BASE)}\nmethod: full\n`);
  fs.writeFileSync(path.join(fullRun, '.mistral-tune-run'), '');
  fs.cpSync(noHead, path.join(fullRun, 'model'), { recursive: true });
  const empty = path.join(tmp, 'empty-out');
  fs.mkdirSync(empty);
  const full = path.join(tmp, 'not-empty');
  fs.mkdirSync(full);
  fs.writeFileSync(path.join(full, 'notes.md'), 'mine\n');
  const cases: Array<[Flags, RegExp]> = [
    [{ run: cls, format: 'gguf' }, /cls\/config\.yaml: a classification model cannot be exported to GGUF.*\(the run's task is classification;/],
    [{ model: modelWith('cls-model', { architectures: ['MistralForSequenceClassification'] }), format: 'gguf' }, /cls-model: a classification model cannot be exported to GGUF/],
    [{ model: TINY_BASE, adapter: path.join(FIXTURES, 'hf-tiny-mistral-cls', 'adapter_init'), format: 'gguf' }, /adapter_init: a classification model cannot be exported to GGUF.*SEQ_CLS/],
    [{ model: TINY_BASE, adapter: scored, format: 'gguf' }, /scored-adapter: a classification model cannot be exported to GGUF: llama\.cpp has no sequence-classification head \(the adapter holds a score head \(base_model\.model\.score\.weight\) and no task_type; use export without --format\)$/],
    [{ run: scoredRun, format: 'gguf' }, /scored-run\/adapter: a classification model cannot be exported to GGUF.*\(the adapter holds a score head/],
    // --format gguf-lora says the same, in the same words (it said "a classification adapter …", after other checks)
    [{ model: TINY_BASE, adapter: path.join(FIXTURES, 'hf-tiny-mistral-cls', 'adapter_init'), format: 'gguf-lora' }, /adapter_init: a classification model cannot be exported to GGUF: llama\.cpp has no sequence-classification head \(the adapter's task_type is SEQ_CLS; use export without --format\)$/],
    [{ model: TINY_BASE, adapter: scored, format: 'gguf-lora' }, /scored-adapter: a classification model cannot be exported to GGUF: llama\.cpp has no sequence-classification head \(the adapter holds a score head \(base_model\.model\.score\.weight\) and no task_type; use export without --format\)$/],
    [{ run: scoredRun, format: 'gguf-lora' }, /scored-run\/adapter: a classification model cannot be exported to GGUF.*\(the adapter holds a score head .*; use export without --format\)$/],
    [{ model: modelWith('gelu', { hidden_act: 'gelu' }), format: 'gguf' }, /gelu\/config\.json: hidden_act: "gelu" cannot be exported to GGUF/],
    [{ run: gone, format: 'gguf' }, /export --format gguf: the run's base model folder .*moved-away .*is not there/],
    [{ model: scoreHead, format: 'gguf' }, /score-head: a classification model cannot be exported to GGUF: llama\.cpp has no sequence-classification head \(its checkpoint holds score\.weight; export the adapter or --merge instead\)$/],
    [{ model: noHead, format: 'gguf' }, /no-lm-head: cannot be exported to GGUF: its checkpoint has no lm_head\.weight/],
    [{ run: fullRun, format: 'gguf' }, /full-no-head\/model: cannot be exported to GGUF: its checkpoint has no lm_head\.weight/],
    [{ run: lora, merge: true }, /not-empty: output folder exists and is not empty: give --out a new folder, or an empty one \(export replaces nothing\)$/],
    [{ run: badRun, merge: true }, /bad-rank-run\/adapter\/adapter_config\.json: r: must be an integer ≥ 1, got 0$/],
    [{ run: badRun, format: 'gguf' }, /bad-rank-run\/adapter\/adapter_config\.json: r: must be an integer ≥ 1, got 0$/],
    [{ model: TINY_BASE, adapter: badRank, format: 'gguf' }, /bad-rank-adapter\/adapter_config\.json: r: must be an integer ≥ 1, got 0$/],
    [{ run: otherRun, merge: true }, /other-shapes-run\/adapter\/adapter_model\.safetensors: tensor "[^"]+" has shape \[\d+, \d+\], expected \[\d+, \d+\] from the base model at .*\/other-shapes$/],
    [{ run: otherRun, format: 'gguf' }, /other-shapes-run\/adapter\/adapter_model\.safetensors: tensor "[^"]+" has shape \[\d+, \d+\], expected \[\d+, \d+\] from the base model at .*\/other-shapes$/],
  ];
  const gemm = process.env.MISTRAL_TUNE_GEMM;
  process.env.MISTRAL_TUNE_GEMM = 'bogus'; // the CPU backend refuses to start: its error would come first
  try {
    for (const [flags, refusal] of cases) {
      const out = flags.format?.startsWith('gguf') ? path.join(tmp, 'x.gguf') : flags.run === badRun || flags.run === otherRun ? empty : full;
      assert.throws(() => exportCommand({ ...flags, out, ...(flags.format === 'gguf-lora' ? {} : { device: 'cpu' }) }), { name: 'UserError', message: refusal }, JSON.stringify(flags));
      assert.ok(!fs.existsSync(path.join(tmp, 'x.gguf')));
    }
  } finally {
    if (gemm === undefined) delete process.env.MISTRAL_TUNE_GEMM;
    else process.env.MISTRAL_TUNE_GEMM = gemm;
  }
  assert.deepEqual(fs.readdirSync(full), ['notes.md']);
  assert.deepEqual(fs.readdirSync(empty), [], 'nothing written');
});
