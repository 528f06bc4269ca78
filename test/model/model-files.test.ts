// Model, adapter and tokenizer files are opened only when they are regular files: a folder or a FIFO in the
// place of model.safetensors, a shard, the index, config.json, tokenizer.json or an adapter file is a one-line
// error naming the file — never an EISDIR stack trace, never a read that blocks forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES, TINY, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn } from '../cli/in-process-cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const tmp = (): string => tempDir('mt-files-');
/** Rows every test model's vocabulary holds (the sharded variant's is 64): eval reads the data before the weights. */
const SMALL_IDS = path.join(tmp(), 'small-ids.jsonl');
fs.writeFileSync(SMALL_IDS, '{"input_ids": [1, 5, 9, 14, 20, 7]}\n{"input_ids": [1, 8, 3, 11, 2, 6, 4]}\n');

/** A copy of `src` in a fresh folder with `name` replaced by a folder or a FIFO. */
function withOdd(src: string, name: string, kind: 'dir' | 'fifo'): string {
  const dir = path.join(tmp(), path.basename(src));
  fs.cpSync(src, dir, { recursive: true });
  const p = path.join(dir, name);
  fs.rmSync(p, { force: true });
  if (kind === 'dir') fs.mkdirSync(p);
  else assert.equal(spawnSync('mkfifo', [p]).status, 0, 'mkfifo');
  return dir;
}

const evalArgs = (args: string[]): string[] => ['eval', '--data', SMALL_IDS, '--json', ...args];

/**
 * eval in a process of its own, with a deadline: a FIFO that blocks the read makes it run past it (status null) and
 * it is killed. In this process such a read would block a thread for good, which no test timeout interrupts.
 */
function evalCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...evalArgs(args)], { encoding: 'utf8', cwd: ROOT, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** eval through main() in this process, from the same folder (a process each cost ~1 CPU-s): where nothing can block. */
const evalIn = (...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> => cliIn(ROOT, evalArgs(args));

function failsNaming(r: { status: number | null; stdout: string; stderr: string }, file: string, what: string): void {
  assert.notEqual(r.status, null, `eval hung on ${file} (killed after 30 s)`);
  assert.equal(r.status, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  assert.equal(errors.length, 1, r.stderr);
  assert.ok(errors[0]!.includes(`${file}: is ${what}, not a regular file`), errors[0]);
}

test('a folder in place of model.safetensors or of a shard the index names: one line naming it, no EISDIR', async () => {
  const single = withOdd(TINY_BASE, 'model.safetensors', 'dir');
  failsNaming(await evalIn('--model', single), path.join(single, 'model.safetensors'), 'a directory');
  const sharded = withOdd(path.join(FIXTURES, 'variants', 'sharded'), 'model-00002-of-00003.safetensors', 'dir');
  failsNaming(await evalIn('--model', sharded), path.join(sharded, 'model-00002-of-00003.safetensors'), 'a directory');
});

test('a FIFO in place of a model, adapter or tokenizer file: one line naming it, nothing blocks', () => {
  for (const name of ['model.safetensors', 'config.json']) {
    const dir = withOdd(TINY_BASE, name, 'fifo');
    failsNaming(evalCli('--model', dir), path.join(dir, name), 'a FIFO (named pipe)');
  }
  const index = withOdd(path.join(FIXTURES, 'variants', 'sharded'), 'model.safetensors.index.json', 'fifo');
  failsNaming(evalCli('--model', index), path.join(index, 'model.safetensors.index.json'), 'a FIFO (named pipe)');
  for (const name of ['adapter_model.safetensors', 'adapter_config.json']) {
    const adapter = withOdd(path.join(TINY, 'adapter_step1'), name, 'fifo');
    failsNaming(evalCli('--model', TINY_BASE, '--adapter', adapter), path.join(adapter, name), 'a FIFO (named pipe)');
  }
  const tok = withOdd(TINY_BASE, 'tokenizer.json', 'fifo');
  failsNaming(evalCli('--model', tok), path.join(tok, 'tokenizer.json'), 'a FIFO (named pipe)');
});

test('no weights: one line saying which files are missing; mistral-inference\'s consolidated.safetensors is named as another format', async () => {
  const dir = tmp();
  fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(dir, 'config.json'));
  const missing = await evalIn('--model', dir);
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /^error: .*: model weights not found: the folder has neither model\.safetensors nor model\.safetensors\.index\.json$/m);
  fs.copyFileSync(path.join(TINY_BASE, 'model.safetensors'), path.join(dir, 'consolidated.safetensors'));
  const other = await evalIn('--model', dir);
  assert.equal(other.status, 2, other.stderr);
  assert.match(other.stderr, /^error: .*index\.json: consolidated\.safetensors is mistral-inference's format, not transformers' \(fetch the model-\*\.safetensors files and their index, or convert it with transformers' convert_mistral_weights_to_hf\.py\)$/m);
  fs.renameSync(path.join(dir, 'config.json'), path.join(dir, 'params.json')); // mistral-inference's folder
  const noConfig = await evalIn('--model', dir);
  assert.equal(noConfig.status, 2, noConfig.stderr);
  assert.match(noConfig.stderr, /^error: .*config\.json: model config not found \(a model folder needs config\.json\): params\.json is mistral-inference's config, not transformers'/m);
});

// transformers loads pytorch_model.bin (or its shards' pytorch_model.bin.index.json) where no safetensors are there; we
// read safetensors only: the folder's weights are named, and how to convert them, not "model weights not found" alone
test('PyTorch .bin weights only: one line naming the file and the conversion to safetensors', async () => {
  for (const bin of ['pytorch_model.bin', 'pytorch_model.bin.index.json']) {
    const dir = tmp();
    fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(dir, 'config.json'));
    fs.writeFileSync(path.join(dir, bin), 'x');
    const r = await evalIn('--model', dir);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.match(/^error: /gm)?.length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: .*: model weights not found: the folder has neither model\\.safetensors nor model\\.safetensors\\.index\\.json: ${bin.replace(/\./g, '\\.')} ${bin.endsWith('.json') ? 'lists \\.bin shards in' : 'is in'} PyTorch's pickle format, which mistral-tune does not read \\(convert it to safetensors: load the folder with transformers' from_pretrained and save it with save_pretrained, which writes its weights as safetensors\\)$`, 'm'));
  }
});
