// --run given a folder of ours that is not a run (the quickstart's folder, a model folder, an adapter) says what it is
// and what to give, as --model given a run folder does; it said only "not a run directory: config.yaml not found".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunConfig } from '../../src/export/export.ts';
import { QUICKSTART_LAYOUT } from '../../src/run/layout.ts';
import { tempDir } from '../temp-dir.ts';

test('--run of a quickstart folder, a model folder or an adapter folder names what it is and what to give', () => {
  const root = tempDir('mt-notrun-');
  const made = (name: string, file: string): string => {
    fs.mkdirSync(path.join(root, name));
    fs.writeFileSync(path.join(root, name, file), '{}\n');
    return path.join(root, name);
  };
  const message = (dir: string): string => {
    try {
      readRunConfig(dir);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`${dir} was read as a run`);
  };
  const qs = made('qs', QUICKSTART_LAYOUT.marker);
  assert.match(message(qs), new RegExp(`quickstart folder; its run is ${path.join(qs, QUICKSTART_LAYOUT.run).replace(/[/\\]/g, '.')}`));
  const model = made('model', 'config.json');
  assert.match(message(model), /a model folder: give it as --model /);
  const adapter = made('adapter', 'adapter_config.json');
  assert.match(message(adapter), /a PEFT adapter: give it as --adapter .* with its base model as --model/);
  assert.match(message(made('other', 'x.txt')), /not a run directory: config\.yaml not found$/);
  // prepare's output (eval --run runs/data for --data runs/data/test.jsonl): said only "config.yaml not found"
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  for (const f of ['train.jsonl', 'val.jsonl', 'test.jsonl', 'rejected.jsonl']) fs.writeFileSync(path.join(data, f), '');
  fs.writeFileSync(path.join(data, 'report.json'), JSON.stringify({ input_records: 0, kept: 0, rejected: 0, splits: { train: 0, val: 0, test: 0 }, inputs: [], options: {} }));
  assert.match(message(data), /not a run directory: config\.yaml not found: .*data is a prepare output, data \(its train\.jsonl, val\.jsonl and test\.jsonl are for train's data: keys or eval's --data\); --run takes the folder a train wrote \(its output_dir\)$/);
  // an export to an HF folder takes no --model or --adapter (refused without --format gguf): what the folder already is
  const hfExport = (dir: string): string => {
    try {
      readRunConfig(dir, true);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`${dir} was read as a run`);
  };
  assert.match(hfExport(model), /a model folder, already in HF's format \(a GGUF file of it: export --format gguf --model .*model\)$/);
  assert.match(hfExport(adapter), /a PEFT adapter, already in PEFT's format \(a GGUF file of it: export --format gguf-lora --adapter .*adapter with its base model as --model\)$/);
  fs.rmSync(root, { recursive: true, force: true });
});

test('--run of a file (a training config, or a run\'s config.yaml) says it is a file, and a config\'s output_dir', () => {
  // before: "not a run directory: config.yaml not found", of a file
  const root = tempDir('mt-notrun-');
  const message = (file: string): string => {
    try {
      readRunConfig(file);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`${file} was read as a run`);
  };
  const config = path.join(root, 'train-lora.yaml'), bare = path.join(root, 'bare.yml'), data = path.join(root, 'test.jsonl');
  fs.writeFileSync(config, 'model: m\noutput_dir: runs/lora\n');
  fs.writeFileSync(bare, 'model: m\n');
  fs.writeFileSync(data, '{"text": "a"}\n');
  assert.equal(message(config), `${config}: a file, not a run directory: --run takes the folder a train wrote (this config's output_dir: ${path.join(root, 'runs', 'lora')})`);
  assert.equal(message(bare), `${bare}: a file, not a run directory: --run takes the folder a train wrote (a training config's output_dir)`);
  assert.equal(message(data), `${data}: a file, not a run directory: --run takes the folder a train wrote`);
  fs.rmSync(root, { recursive: true, force: true });
});
