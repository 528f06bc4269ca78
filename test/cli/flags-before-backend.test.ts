// A bad flag value of eval, generate, classify and export is the one line of the run, said before a backend starts:
// --precision fp16 was refused after "device auto: using the CPU …" and "cpu backend: …" had been printed.
// eval, generate and classify run through main() in this process (in-process-cli.ts: the same exit status and
// stderr), where a process each cost ~1 CPU-s of start-up for a refusal of a few ms. Those backend lines are said once
// a process (infoOnce), so no case here may start a backend: each case checks that stderr is its line alone, so the
// first case that started one fails there, and no case after it runs. export (its work on a thread of its own) and the
// one eval that runs to the end stay processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { FIXTURES, readFixture, TINY, TINY_BASE, TINY_CLS } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli } from './in-process-cli.ts';

const ROOT = path.join(FIXTURES, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const DATA = path.join(ROOT, 'examples', 'tiny-eval.jsonl');
const cwd = tempDir('mt-flags-');

/**
 * Each command fails (exit 2) with its line as all of stderr: nothing a backend prints comes before it. export runs as a
 * process of its own (its thread's output is bytes, which in-process-cli.ts does not catch), the others in this process.
 */
async function onlyLines(cases: Array<[string[], string]>): Promise<void> {
  for (const [args, line] of cases) {
    const r = args[0] === 'export' ? spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd }) : await inProcess(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, `${line}\n`, args.join(' '));
  }
}

async function inProcess(args: string[]): Promise<{ status: number; stderr: string }> {
  const r = await cli(args);
  assert.equal(r.out, '', 'nothing on stdout');
  return { status: r.code, stderr: r.err };
}

test('a bad --precision (a bad --device or --task, generate --raw without --prompt, export without --run, an empty --max-seq-len) is the only line on stderr', async () => {
  const cases: Array<[string[], string]> = [
    [['eval', '--model', TINY_BASE, '--data', DATA, '--precision', 'fp16'], 'error: --precision: "fp16" is not one of auto, fp32, bf16'],
    [['classify', '--model', TINY_BASE, '--text', 'hi', '--precision', 'f16'], 'error: --precision: "f16" is not one of auto, fp32, bf16'],
    [['generate', '--model', TINY_BASE, '--prompt', 'hi', '--precision', 'x'], 'error: --precision: "x" is not one of auto, fp32, bf16'],
    [['generate', '--model', TINY_BASE, '--messages', DATA, '--raw'], 'error: --raw needs --prompt'],
    [['export', '--out', path.join(cwd, 'x')], 'error: --run is required (see mistral-tune export --help)'],
    // were the library's 'unknown device "gpu" (use cpu, cuda or auto)' and 'task must be …', naming no flag
    [['eval', '--model', TINY_BASE, '--data', DATA, '--device', 'gpu'], 'error: --device must be one of auto, cpu, cuda, got "gpu"'],
    [['generate', '--model', TINY_BASE, '--prompt', 'hi', '--device', 'GPU'], 'error: --device must be one of auto, cpu, cuda, got "GPU"'],
    [['eval', '--model', TINY_BASE, '--data', DATA, '--task', 'foo'], 'error: --task must be one of generation, classification, got "foo"'],
    // an empty value was taken as "no limit"
    [['eval', '--model', TINY_BASE, '--data', DATA, '--max-seq-len='], 'error: --max-seq-len must be an integer ≥ 2, got ""'],
    [['export', '--run', path.join(cwd, 'r'), '--out', path.join(cwd, 'x'), '--precision', 'fp16'], 'error: --precision: "fp16" is not one of auto, fp32, bf16'],
  ];
  await onlyLines(cases);
});

test('a YAML file (a training config) given as eval\'s or classify\'s --data is the only line on stderr, said before a backend starts', async () => {
  // before: eval scored the config as one plain-text example, and exited 0
  const config = path.join(cwd, 'train-lora.yaml');
  fs.writeFileSync(config, 'model: m\ndata:\n  test: test.jsonl\n');
  const line = `error: ${config}: a .yaml file is YAML (a training config?), not data: give a JSON Lines, JSON, CSV, TSV or plain-text file of records (or --format text to read it as plain text)`;
  await onlyLines([[['eval', '--model', TINY_BASE, '--data', config], line], [['classify', '--model', TINY_CLS, '--data', config], line]]);
});

test('a --model or --adapter that is missing, or a file (a .gguf export), is the only line on stderr, said before a backend starts', async () => {
  const none = path.join(cwd, 'no-such-model'), gguf = path.join(cwd, 'adapter.gguf');
  fs.writeFileSync(gguf, 'GGUF');
  const adapterFile = `error: ${gguf}: a file, not a PEFT adapter folder: give the folder that holds adapter_config.json and adapter_model.safetensors ` +
    '(a GGUF file is for llama.cpp and Ollama; mistral-tune reads the PEFT adapter folder it was exported from)';
  const cases: Array<[string[], string]> = [
    // each was "device auto: …" and "cpu backend: …", then the error; the .gguf was "cannot read the adapter folder: a path component is not a folder (ENOTDIR)"
    [['generate', '--model', none, '--prompt', 'x'], `error: ${none}: model folder not found`],
    [['eval', '--model', TINY_BASE, '--adapter', gguf, '--data', DATA], adapterFile],
    // a path through a file crashed with an ENOTDIR stack trace
    [['generate', '--model', path.join(gguf, 'm'), '--prompt', 'x'], `error: ${path.join(gguf, 'm')}: cannot read the model folder: a path component is not a folder (ENOTDIR)`],
    // was "NONE/adapter_config.json: adapter config not found", as for a folder without the file
    [['classify', '--model', TINY_BASE, '--adapter', none, '--text', 'x'], `error: ${none}: adapter folder not found`],
  ];
  await onlyLines(cases);
});

test('classify on a generation run or adapter, and generate on a classification run or adapter, are refused before a backend starts', async () => {
  // a run as its config.yaml records it, its trained model/ a config.json: refused before any weight is read
  const fakeRun = (name: string, task: string): string => {
    const run = path.join(cwd, name);
    fs.mkdirSync(path.join(run, 'model'), { recursive: true });
    fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(run, 'model', 'config.json'));
    fs.writeFileSync(path.join(run, 'config.yaml'), `model: ${TINY_BASE}\ntask: ${task}\n${task === 'classification' ? 'labels: [a, b]\n' : ''}method: full\ndata: {train: t.jsonl}\n`);
    return run;
  };
  const gen = fakeRun('gen-run', 'generation'), cls = fakeRun('cls-run', 'classification');
  const cases: Array<[string[], string]> = [
    [['classify', '--run', gen, '--text', 'x'], `error: ${gen}: a generation run (task: generation) predicts text, not labels: classify takes a classification run; for text use mistral-tune generate --run`],
    [['generate', '--run', cls, '--prompt', 'x'], `error: ${cls}: a classification run (task: classification) predicts labels, not text: use mistral-tune classify --run for it`],
    // its adapter_config.json says it, read without a backend
    [['generate', '--model', TINY_BASE, '--adapter', path.join(TINY_CLS, 'adapter_init'), '--prompt', 'x'],
      `error: ${path.join(TINY_CLS, 'adapter_init')}: a classification adapter (task_type SEQ_CLS) predicts labels, not text: use mistral-tune classify --adapter for it`],
    [['classify', '--model', TINY_BASE, '--adapter', path.join(TINY, 'adapter_init'), '--text', 'x'], `error: ${path.join(TINY, 'adapter_init')}: not a classification model: ` +
      'classify needs a score head (a SEQ_CLS adapter, a classification run or model); for text use mistral-tune generate'],
    // eval as classification of a model folder without a score head (was after the backend lines, naming no folder)
    [['eval', '--model', TINY_BASE, '--data', DATA, '--task', 'classification'],
      `error: ${TINY_BASE}: classification needs a score head: a SEQ_CLS adapter (--adapter or --run) or a classification model`],
    // a model folder without a score head, as its safetensors header's tensor names say (no weight read)
    [['classify', '--model', TINY_BASE, '--text', 'x'], `error: ${TINY_BASE}: not a classification model: ` +
      'classify needs a score head (a SEQ_CLS adapter, a classification run or model); for text use mistral-tune generate'],
  ];
  await onlyLines(cases);
});

test('a --model whose config.json is refused is the only line on stderr, said before a backend starts; its warnings are said once', async () => {
  const bad = path.join(cwd, 'bad-config');
  fs.mkdirSync(bad);
  fs.writeFileSync(path.join(bad, 'config.json'), '{}');
  const line = `error: ${path.join(bad, 'config.json')}: model_type: missing (an HF config.json names its model_type: "mistral")`;
  // each was "device auto: …" and "cpu backend: …", then the error
  await onlyLines([
    [['generate', '--model', bad, '--prompt', 'x'], line],
    [['eval', '--model', bad, '--data', DATA], line],
    [['classify', '--model', bad, '--text', 'x'], line],
  ]);
  // read once before the backend starts and handed on: its num_labels warning is not said again when the model loads
  const named = path.join(cwd, 'named');
  fs.mkdirSync(named);
  const config = JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(named, 'config.json'), JSON.stringify({ ...config, num_labels: 3, id2label: { 0: 'a', 1: 'b' } }));
  fs.copyFileSync(path.join(TINY_BASE, 'model.safetensors'), path.join(named, 'model.safetensors'));
  const r = spawnSync(process.execPath, [BIN, 'eval', '--model', named, '--data', DATA, '--device', 'cpu'], { encoding: 'utf8', cwd });
  assert.equal(r.stderr.split('\n').filter((l) => l.includes('num_labels 3 differs')).length, 1, r.stderr);
});

test('generate on a classification model folder (a score head, no LM head) is refused before a backend starts, from its safetensors header', async () => {
  const dir = path.join(cwd, 'cls-only');
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(dir, 'config.json'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, t] of Object.entries(readFixture(path.join(TINY_BASE, 'model.safetensors')))) {
    if (name !== 'lm_head.weight') tensors[name] = { dtype: 'F32', shape: t.shape, data: Float32Array.from(t.data) };
  }
  tensors['score.weight'] = { dtype: 'F32', shape: [2, 64], data: new Float32Array(128) };
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  // was "device auto: …" and "cpu backend: …", then the error, once the weights were loaded
  await onlyLines([[['generate', '--model', dir, '--prompt', 'x'],
    `error: ${dir}: a classification model (a score head, no LM head) predicts labels, not text: use mistral-tune classify for it`],
  [['eval', '--model', dir, '--data', DATA, '--task', 'generation'],
    `error: ${dir}: task generation: a classification model (a score head, no trained LM head) predicts labels, not text; evaluate it as classification (without --task generation)`]]);
});

test("eval --task against the adapter's task_type, or --labels for generation, is refused before a backend starts (was after the model loaded)", async () => {
  const cls = path.join(TINY_CLS, 'adapter_init'), lm = path.join(TINY, 'adapter_init');
  await onlyLines([
    [['eval', '--model', TINY_BASE, '--adapter', cls, '--data', DATA, '--task', 'generation', '--json'],
      `error: ${cls}: task generation: a classification adapter (task_type SEQ_CLS) predicts labels, not text; evaluate it as classification (without --task generation)`],
    [['eval', '--model', TINY_BASE, '--adapter', lm, '--data', DATA, '--task', 'classification', '--json'],
      `error: ${lm}: task classification: a causal-LM adapter (task_type CAUSAL_LM) predicts text, not labels; evaluate it as generation (without --task classification)`],
    [['eval', '--model', TINY_BASE, '--adapter', lm, '--data', DATA, '--labels', 'a,b'],
      `error: --labels goes with classification, but this evaluates generation (${lm}): leave --labels out, or give a classification model`],
  ]);
});

test("export --format gguf of a model whose generation_config.json's eos_token_id is bad is refused before a backend starts (its stop ids go into the GGUF)", async () => {
  const dir = path.join(cwd, 'bad-generation');
  fs.mkdirSync(dir);
  for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(TINY_BASE, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [2, 'x'] }));
  // was "device auto: …" and "cpu backend: …", then the error, once the weights were loaded
  await onlyLines([[['export', '--model', dir, '--out', path.join(cwd, 'bad-generation.gguf'), '--format', 'gguf'],
    `error: ${path.join(dir, 'generation_config.json')}: eos_token_id must be a token id or a list of them, got a list whose item 1 is "x"`]]);
});

test('eval --data, classify --data and generate --messages naming no file are the only line on stderr, said before a backend starts', async () => {
  const none = path.join(cwd, 'missing.jsonl');
  await onlyLines([
    // eval's was "device auto: …", "cpu backend: …", the tokenizer line and its warning, then the error
    [['eval', '--model', TINY_BASE, '--data', none], `error: ${none}: file not found`],
    // generate's was the backend's lines, then an error about the model's tokenizer: the missing file never said
    [['generate', '--model', TINY_BASE, '--messages', none], `error: ${none}: file not found`],
    [['classify', '--model', TINY_BASE, '--adapter', path.join(TINY_CLS, 'adapter_init'), '--data', none], `error: ${none}: file not found`],
  ]);
});

test('a --messages file generate cannot read (JSON Lines, one message not in a list) is the only line on stderr, said before a backend starts', async () => {
  // before: said after the backend's lines, once the model (minutes for a 7B) and its adapter had loaded
  const lines = path.join(cwd, 'chats.jsonl'), one = path.join(cwd, 'one-message.json');
  fs.writeFileSync(lines, '{"role": "user", "content": "Hi"}\n{"role": "assistant", "content": "Hello"}\n');
  fs.writeFileSync(one, '{"role": "user", "content": "Hi"}\n');
  await onlyLines([
    [['generate', '--model', TINY_BASE, '--messages', lines], `error: ${lines}: this is JSON Lines (2 messages, one a line): write the messages as one JSON array, [{"role": "user", "content": "..."}, ...]`],
    // (one message: said as such, where it was 'expected a non-empty JSON array of {role, content}, ...')
    [['generate', '--model', TINY_BASE, '--messages', one], `error: ${one}: this is one message, not a list of them: write it in a JSON array, [{"role": "user", "content": "..."}]`],
  ]);
});

test("generate's bad_words_ids and sequence_bias past the model's vocabulary, from a flag or generation_config.json, are the only line on stderr, naming the flag or the file's key, said before a backend starts", async () => {
  const dir = path.join(cwd, 'bias-past-vocab');
  fs.mkdirSync(dir);
  for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(TINY_BASE, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ bad_words_ids: [[7], [3, 900]] }));
  // were "generate: badWordsIds names token ids 900: …" (no flag, no file), after the backend's lines and the weights' load
  await onlyLines([
    [['generate', '--model', TINY_BASE, '--prompt', 'hi', '--bad-words-ids', '[[5], [512]]'], "error: --bad-words-ids names token ids 512: the model's vocabulary has 512 (ids 0..511)"],
    [['generate', '--model', TINY_BASE, '--prompt', 'hi', '--sequence-bias', '[[[600, 5], 1.5]]'], "error: --sequence-bias names token ids 600: the model's vocabulary has 512 (ids 0..511)"],
    [['generate', '--model', dir, '--prompt', 'hi'], `error: ${path.join(dir, 'generation_config.json')}: bad_words_ids names token ids 900: the model's vocabulary has 512 (ids 0..511)`],
  ]);
});
