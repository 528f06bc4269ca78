// export --adapter A [--model BASE] --merge --out DIR against HF's own merge of the same adapter
// (PeftModel.from_pretrained(base, A).merge_and_unload().save_pretrained(DIR), fixtures/hf-merged-adapters): a causal
// adapter, a SEQ_CLS one with its score head (modules_to_save) and an rsLoRA one give the same model.safetensors, byte
// for byte, and the same config.json and generation_config.json; and what such an export refuses, before writing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from '../backend/device.ts';
import { FIXTURES, TINY, TINY_BASE, TINY_CLS } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn } from '../cli/in-process-cli.ts';
import { exportMergedAdapter } from '../../src/export/merge-adapter.ts';

const HF = path.join(FIXTURES, 'hf-merged-adapters');
const ADAPTERS = { causal: path.join(TINY, 'adapter_step1'), cls: path.join(TINY_CLS, 'adapter_step1'), rslora: path.join(HF, 'rslora_adapter') } as const;
const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
/** The SHA-256 of each safetensors file HF wrote, by case. */
const hfSha = (JSON.parse(fs.readFileSync(path.join(HF, 'merged.json'), 'utf8')) as { sha256: Record<string, Record<string, string>> }).sha256;
const cli = (args: string[]) => cliIn(process.cwd(), ['export', '--device', 'cpu', ...args]);
const errors = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('error: '));

/** A copy of adapter `from` whose adapter_config.json names `base` as base_model_name_or_path. */
function adapterNaming(from: string, base: string | null): string {
  const dir = path.join(tempDir('mt-merge-adapter-'), 'adapter');
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(from, 'adapter_model.safetensors'), path.join(dir, 'adapter_model.safetensors'));
  const cfg = JSON.parse(fs.readFileSync(path.join(from, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ ...cfg, base_model_name_or_path: base }));
  return dir;
}

for (const [kase, adapter] of Object.entries(ADAPTERS)) {
  test(`export --model --adapter --merge of the ${kase} adapter writes HF's merged folder byte for byte`, async () => {
    const out = path.join(tempDir('mt-merge-adapter-'), 'merged');
    const r = await cli(['--model', TINY_BASE, '--adapter', adapter, '--merge', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(sha256(path.join(out, 'model.safetensors')), hfSha[kase]!['model.safetensors'], 'model.safetensors as HF wrote it');
    // a sequence classifier's folder holds no generation_config.json in HF's; ours holds one, unused by transformers
    for (const f of fs.readdirSync(path.join(HF, kase))) assert.equal(fs.readFileSync(path.join(out, f), 'utf8'), fs.readFileSync(path.join(HF, kase, f), 'utf8'), f);
  });
}

test('export --adapter A --merge alone merges into the base model folder its adapter_config.json names', async () => {
  const out = path.join(tempDir('mt-merge-adapter-'), 'merged');
  const r = await cli(['--adapter', adapterNaming(ADAPTERS.rslora, TINY_BASE), '--merge', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /base model: .*hf-tiny-mistral\/base \(.*adapter_config\.json's base_model_name_or_path\)/);
  assert.equal(sha256(path.join(out, 'model.safetensors')), hfSha.rslora!['model.safetensors']);
});

test('a SEQ_CLS adapter whose folder names its classes (a config.json saved with it) is merged with those names in id2label, as classify names them', async () => {
  const adapter = adapterNaming(ADAPTERS.cls, TINY_BASE);
  fs.writeFileSync(path.join(adapter, 'config.json'), JSON.stringify({ id2label: { 0: 'neg', 1: 'mid', 2: 'pos' } }));
  const out = path.join(tempDir('mt-merge-adapter-'), 'merged');
  const r = await cli(['--adapter', adapter, '--merge', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as { id2label: Record<string, string>; label2id: Record<string, number> };
  assert.deepEqual(cfg.id2label, { 0: 'neg', 1: 'mid', 2: 'pos' });
  assert.deepEqual(cfg.label2id, { neg: 0, mid: 1, pos: 2 });
  assert.equal(sha256(path.join(out, 'model.safetensors')), hfSha.cls!['model.safetensors'], 'the same weights');
});

test('a SEQ_CLS adapter whose folder names fewer classes than its head has: merged with LABEL_0 …, said in one warning naming the file and both counts', async () => {
  const adapter = adapterNaming(ADAPTERS.cls, TINY_BASE);
  const config = path.join(adapter, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ id2label: { 0: 'neg', 1: 'pos' } }));
  const out = path.join(tempDir('mt-merge-adapter-'), 'merged');
  const r = await cli(['--adapter', adapter, '--merge', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as { id2label: Record<string, string> };
  assert.deepEqual(cfg.id2label, { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
  const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: ') && l.includes('class names'));
  assert.equal(warnings.length, 1, r.stderr);
  assert.ok(warnings[0]!.startsWith(`warning: ${config}: id2label: 2 class names for a head that scores 3 classes`), warnings[0]);
  assert.match(warnings[0]!, /LABEL_0 … LABEL_2/);
});

// 30000 bytes is less than the embeddings and each MLP projection: huggingface_hub's split gives each its own shard, listed
// before the shard being filled, which goes on filling after it
for (const [kase, maxShardBytes] of [['sharded', 200000], ['sharded_oversize', 30000]] as const) {
  test(`a merge written in shards (max_shard_size ${maxShardBytes}) is HF's shards byte for byte: tensors split in transformers' name order, the same index`, async () => {
    const out = path.join(tempDir('mt-merge-adapter-'), 'merged');
    exportMergedAdapter({ model: TINY_BASE, adapter: ADAPTERS.causal, out, maxShardBytes, device: 'cpu' });
    for (const f of fs.readdirSync(path.join(HF, kase))) assert.equal(fs.readFileSync(path.join(out, f), 'utf8'), fs.readFileSync(path.join(HF, kase, f), 'utf8'), f);
    for (const [file, sha] of Object.entries(hfSha[kase]!)) assert.equal(sha256(path.join(out, file)), sha, file);
    assert.deepEqual(fs.readdirSync(out).filter((f) => f.endsWith('.safetensors')).sort(), Object.keys(hfSha[kase]!).sort());
  });
}

test('config.json keeps each number in the form the base\'s config.json gives it (attention_dropout 0, yarn\'s factor 4, an unknown key\'s 1.0), as transformers writes it back', async () => {
  const root = tempDir('mt-merge-adapter-'), base = path.join(root, 'base'), out = path.join(root, 'merged');
  fs.mkdirSync(base);
  for (const f of fs.readdirSync(TINY_BASE)) fs.copyFileSync(path.join(TINY_BASE, f), path.join(base, f));
  fs.copyFileSync(path.join(HF, 'number_forms', 'source_config.json'), path.join(base, 'config.json'));
  exportMergedAdapter({ model: base, adapter: ADAPTERS.causal, out, device: 'cpu' });
  assert.equal(fs.readFileSync(path.join(out, 'config.json'), 'utf8'), fs.readFileSync(path.join(HF, 'number_forms', 'config.json'), 'utf8'));
});

test('export --adapter --merge refuses, before writing anything: no --merge, a base that is a hub id, an adapter of another base, --out inside the base or the adapter', async () => {
  const root = tempDir('mt-merge-adapter-'), out = path.join(root, 'new', 'merged');
  const refused = async (args: string[], error: RegExp): Promise<void> => {
    const r = await cli([...args, '--out', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(errors(r.stderr).join('\n'), error);
    assert.equal(fs.existsSync(path.join(root, 'new')), false, `${args.join(' ')}: nothing written`);
  };
  await refused(['--model', TINY_BASE, '--adapter', ADAPTERS.causal], /--adapter without --merge: .* is already a PEFT adapter; add --merge/);
  await refused(['--model', TINY_BASE, '--merge'], /--model without --adapter/);
  await refused(['--run', TINY_BASE, '--adapter', ADAPTERS.causal, '--merge'], /--adapter goes without --run/);
  await refused(['--adapter', adapterNaming(ADAPTERS.causal, 'mistralai/Mistral-7B-v0.1'), '--merge'],
    /--adapter without --model: give its base model folder as --model \(its adapter_config\.json's base_model_name_or_path, "mistralai\/Mistral-7B-v0\.1", is no model folder from here\)/);
  // an adapter of a base with another hidden size: said from the headers, before the base's weights load
  const other = path.join(root, 'other-base');
  fs.mkdirSync(other);
  const cfg = JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(other, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 128, head_dim: 32 }));
  await refused(['--model', other, '--adapter', ADAPTERS.causal, '--merge'], /adapter_model\.safetensors.*(shape|\[)/);
  for (const [inside, is] of [[TINY_BASE, 'is the base model folder'], [path.join(ADAPTERS.causal, 'merged'), 'is inside the adapter folder']] as const) {
    const r = await cli(['--model', TINY_BASE, '--adapter', ADAPTERS.causal, '--merge', '--out', inside]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(errors(r.stderr).join('\n'), new RegExp(`: ${is} \\(.*\\), which the merge reads: nothing was written; give --out a path outside it$`));
  }
  assert.equal(fs.existsSync(path.join(ADAPTERS.causal, 'merged')), false);
});
