// The `mistral-tune eval` command: --json prints exactly one JSON object equal to HF's loss on the tiny fixture; absent
// labels make every next token a target; bad rows and missing model files fail with a non-zero exit and an error that
// says where. The first test runs it as a user does, a process of its own (bin/mistral-tune.js: exit status, stdout
// the JSON line alone); the others call the CLI's main() in this process (in-process-cli.ts: the same exit status,
// stdout and stderr), where a process each cost ~1 CPU-s of start-up (Node, the modules, the bundled tokenizer) for
// a few milliseconds of eval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFixture, TINY, TINY_BASE, TINY_CLS } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { classificationText } from '../../src/cli/eval-thread.ts';
import { padEndColumns, padStartColumns, terminalWidth } from '../../src/util/terminal-width.ts';
import { classificationMetrics, type ClassMetrics } from '../../src/eval/classification.ts';
import { cli as inProcess } from './in-process-cli.ts';
import { SafetensorsFile, writeSafetensors } from '../../src/model/safetensors.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const DATA = path.join(ROOT, 'examples', 'tiny-eval.jsonl');
const meta = JSON.parse(fs.readFileSync(path.join(TINY, 'meta.json'), 'utf8')) as { base_loss: number; lora_loss: number };

type Ran = { status: number | null; stdout: string; stderr: string };

/** The command in a process of its own, as a user runs it. */
function spawned(...args: string[]): Ran {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The command through main() in this process. */
async function cli(...args: string[]): Promise<Ran> {
  const r = await inProcess(args);
  return { status: r.code, stdout: r.out, stderr: r.err };
}

function tmpDir(): string {
  const dir = tempDir('mt-eval-');
  test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Checks that eval --json printed one object and nothing else on stdout, and returns it. */
function oneJson(r: Ran): { loss: number; perplexity: number; tokens: number } {
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `stdout must be one JSON line, got: ${JSON.stringify(r.stdout)}`);
  const out = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(out).sort(), ['loss', 'perplexity', 'tokens']);
  for (const k of ['loss', 'perplexity', 'tokens']) assert.equal(typeof out[k], 'number', k);
  return out as { loss: number; perplexity: number; tokens: number };
}

const evalJson = async (...args: string[]) => oneJson(await cli('eval', ...args, '--json'));

/** The command failed (non-zero exit), printed nothing on stdout, and one error line naming every fragment. */
function fails(r: Ran, ...fragments: string[]): void {
  assert.notEqual(r.status, 0, 'expected a non-zero exit');
  assert.equal(r.stdout, '', 'nothing on stdout when failing');
  assert.match(r.stderr, /^error: /m);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'a user error prints no stack trace');
  for (const f of fragments) assert.ok(r.stderr.includes(f), `stderr does not mention ${f}:\n${r.stderr}`);
}

test('eval --json: one JSON object {loss, perplexity, tokens} equal to HF\'s loss on the fixture, from the command run as a process', () => {
  const out = oneJson(spawned('eval', '--model', TINY_BASE, '--data', DATA, '--json'));
  const err = Math.abs(out.loss - meta.base_loss) / meta.base_loss;
  assert.ok(err <= 1e-4, `loss ${out.loss} vs HF ${meta.base_loss} (rel ${err})`);
  assert.equal(out.tokens, 2 * 14); // 24 tokens, first 10 labels masked: 14 targets per row
  assert.ok(Math.abs(out.perplexity - Math.exp(out.loss)) <= 1e-9 * out.perplexity);
});

test('eval: a loss past ~709.78 (exp overflows a double) gives perplexity "Infinity" in --json and Infinity in the text, never null', async () => {
  // the tiny base with its LM head scaled up: logits in the thousands, a finite loss whose exp is beyond 1.8e308
  const dir = tmpDir(), big = path.join(dir, 'big');
  fs.mkdirSync(big);
  for (const f of fs.readdirSync(TINY_BASE)) if (f !== 'model.safetensors') fs.copyFileSync(path.join(TINY_BASE, f), path.join(big, f));
  const sf = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  writeSafetensors(path.join(big, 'model.safetensors'), Object.fromEntries([...sf.tensors].map(([name, info]) =>
    [name, { dtype: 'F32' as const, shape: info.shape, data: sf.readF32(name).map((x) => (name === 'lm_head.weight' ? x * 2000 : x)) }])));
  sf.close();
  const r = await cli('eval', '--model', big, '--data', DATA, '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { loss: number; perplexity: unknown; tokens: number };
  assert.ok(out.loss > 710 && Number.isFinite(out.loss), String(out.loss));
  assert.equal(out.perplexity, 'Infinity');
  assert.equal(Number(out.perplexity), Math.exp(out.loss)); // JS Number() and Python float() read it as infinity
  assert.match((await cli('eval', '--model', big, '--data', DATA)).stdout, /^loss \d+\.\d{6} {2}perplexity Infinity {2}tokens 28 /);
});

test('eval: the loss does not depend on the batch size', async () => {
  const a = await evalJson('--model', TINY_BASE, '--data', DATA, '--batch-size', '1');
  const b = await evalJson('--model', TINY_BASE, '--data', DATA, '--batch-size', '2', '--device', 'cpu');
  assert.equal(a.tokens, b.tokens);
  assert.ok(Math.abs(a.loss - b.loss) <= 1e-6 * a.loss, `${a.loss} vs ${b.loss}`);
});

test('eval without --json prints a human line on stdout', async () => {
  const r = await cli('eval', '--model', TINY_BASE, '--data', DATA);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /loss 6\.3135\d+\s+perplexity [\d.]+\s+tokens 28/);
});

test('eval --adapter applies a PEFT adapter: HF\'s LoRA loss', async () => {
  const out = await evalJson('--model', TINY_BASE, '--data', DATA, '--adapter', path.join(TINY, 'adapter_init'));
  const err = Math.abs(out.loss - meta.lora_loss) / meta.lora_loss;
  assert.ok(err <= 1e-4, `loss ${out.loss} vs HF ${meta.lora_loss} (rel ${err})`);
});

test('absent labels: every next token is a target (HF base logits give the reference)', async () => {
  const ex = readFixture(path.join(TINY, 'expected.safetensors'));
  const ids = ex.input_ids!.data as Int32Array;
  const logits = ex.base_logits!.data;
  const [B, T] = ex.input_ids!.shape as [number, number];
  const V = 512;
  // reference: Σ over rows and t < T−1 of logsumexp(logits[t]) − logits[t][ids[t+1]], from HF's own logits
  let sum = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t + 1 < T; t++) {
      const o = (b * T + t) * V;
      let max = -Infinity;
      for (let v = 0; v < V; v++) max = Math.max(max, logits[o + v]!);
      let z = 0;
      for (let v = 0; v < V; v++) z += Math.exp(logits[o + v]! - max);
      sum += max + Math.log(z) - logits[o + ids[b * T + t + 1]!]!;
    }
  }
  const want = sum / (B * (T - 1));
  const dir = tmpDir();
  const noLabels = path.join(dir, 'no-labels.jsonl');
  const withLabels = path.join(dir, 'labels-equal-ids.jsonl');
  const rows = Array.from({ length: B }, (_, b) => Array.from(ids.subarray(b * T, b * T + T)));
  fs.writeFileSync(noLabels, rows.map((r) => JSON.stringify({ input_ids: r })).join('\n') + '\n');
  fs.writeFileSync(withLabels, rows.map((r) => JSON.stringify({ input_ids: r, labels: r })).join('\n') + '\n');
  const a = await evalJson('--model', TINY_BASE, '--data', noLabels);
  assert.equal(a.tokens, B * (T - 1));
  assert.ok(Math.abs(a.loss - want) / want <= 1e-4, `loss ${a.loss} vs ${want}`);
  const b = await evalJson('--model', TINY_BASE, '--data', withLabels, '--batch-size', '1');
  assert.ok(Math.abs(a.loss - b.loss) <= 1e-6 * a.loss, `${a.loss} vs ${b.loss}`);
});

test('a malformed row fails with file:line, whatever is wrong with it', async () => {
  const dir = tmpDir();
  const good = fs.readFileSync(DATA, 'utf8').split('\n')[0]!;
  const cases: Array<[string, string, string]> = [
    ['{"input_ids": [1, 2, 3]', 'invalid_json', 'json'],
    ['{"input_ids": [1, 2, 512]}', 'input_ids[2]', 'vocab'], // vocab is 512
    ['{"input_ids": [1, 2, 3], "labels": [1, 2]}', 'labels', 'labels-length'],
    ['{"input_ids": [1, 2, 3], "labels": [1, -5, 3]}', 'labels[1]', 'labels-value'],
    ['{"input_ids": []}', 'input_ids', 'empty'],
    ['[1, 2, 3]', 'expected an object', 'array'],
  ];
  for (const [line, what, name] of cases) {
    const file = path.join(dir, `${name}.jsonl`);
    fs.writeFileSync(file, `${good}\n\n${line}\n${good}\n`); // the bad row is on line 3 (a blank line before it)
    fails(await cli('eval', '--model', TINY_BASE, '--data', file, '--json'), `${file}:3`, what);
  }
  const empty = path.join(dir, 'empty.jsonl');
  fs.writeFileSync(empty, '\n\n');
  fails(await cli('eval', '--model', TINY_BASE, '--data', empty, '--json'), empty, 'no records');
  const missing = path.join(dir, 'missing.jsonl');
  fails(await cli('eval', '--model', TINY_BASE, '--data', missing, '--json'), missing);
});

test('ids, targets and class labels outside the model stop eval at their file:line, exit 2, one error line', async () => {
  const dir = tmpDir();
  const adapter = path.join(TINY_CLS, 'adapter_init'); // a head of 3 classes
  const cases: Array<[string[], string, string, string]> = [
    [[], '{"input_ids": [1, 2, 3]}\n{"input_ids": [1, 600, 3]}\n', 'input_ids[1]', 'oov-id'],
    [[], '{"input_ids": [1, 2, 3]}\n{"input_ids": [1, 2, 3], "labels": [-100, 2, 512]}\n', 'labels[2]', 'oov-target'],
    [['--adapter', adapter], '{"input_ids": [1, 2], "label": 0}\n{"input_ids": [1, 3], "label": 5}\n', 'label 5', 'class'],
  ];
  for (const [flags, text, what, name] of cases) {
    const file = path.join(dir, `${name}.jsonl`);
    fs.writeFileSync(file, text);
    const r = await cli('eval', '--model', TINY_BASE, ...flags, '--data', file, '--json');
    fails(r, `${file}:2`, what);
    assert.equal(r.status, 2, name);
    assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('error:')).length, 1, r.stderr);
  }
});

test('eval and classify --labels take prepare\'s INTEGER=NAME form: the data\'s integers are those classes, not the names "1=a"…', async () => {
  const dir = tmpDir();
  const adapter = path.join(TINY_CLS, 'adapter_init'); // a head of 3 classes
  const rows = [[1, 5, 9], [1, 7, 3, 4], [1, 8]];
  const byCode = path.join(dir, 'codes.jsonl'), byName = path.join(dir, 'names.jsonl');
  fs.writeFileSync(byCode, rows.map((ids, i) => JSON.stringify({ input_ids: ids, label: [1, 2, 1][i] })).join('\n') + '\n');
  fs.writeFileSync(byName, rows.map((ids, i) => JSON.stringify({ input_ids: ids, label: ['a', 'b', 'a'][i] })).join('\n') + '\n');
  const run = async (file: string, labels: string): Promise<Record<string, unknown>> => {
    const r = await cli('eval', '--model', TINY_BASE, '--adapter', adapter, '--data', file, '--labels', labels, '--json');
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const mapped = await run(byCode, '1=a,2=b,3=c');
  assert.deepEqual(mapped, await run(byName, 'a,b,c'));
  assert.deepEqual(mapped.labels, ['a', 'b', 'c']);
  // classify reads --labels with the same parser (its mistakes are prepare's one-line errors)
  fails(await cli('classify', '--model', TINY_BASE, '--adapter', adapter, '--text', 'hello', '--labels', '1=a,1=b,3=c'), '--labels maps the integer 1 twice');
  // a name given to two classes is refused as eval refuses it (classify printed the first class's label beside a "probs"
  // object whose one "a" key held the second class's probability)
  fails(await cli('classify', '--model', TINY_BASE, '--adapter', adapter, '--text', 'hello', '--labels', 'a,a,b'), '--labels lists the class "a" twice');
  // too few or too many names for the head are blamed on --labels in both commands (eval blamed a label of the data)
  for (const command of [['eval', '--data', byName], ['classify', '--text', 'hello']]) {
    const r = await cli(command[0]!, '--model', TINY_BASE, '--adapter', adapter, ...command.slice(1), '--labels', 'a,b');
    assert.equal(r.status, 2, r.stderr);
    assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('error')), ['error: --labels: 2 class names for a head that scores 3 classes: give 3, one per class in index order']);
  }
});

test('a missing model folder, model.safetensors or config.json is named', async () => {
  const dir = tmpDir();
  const nowhere = path.join(dir, 'no-such-model');
  fails(await cli('eval', '--model', nowhere, '--data', DATA, '--json'), nowhere, 'not found');

  const noWeights = path.join(dir, 'no-weights');
  fs.mkdirSync(noWeights);
  fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(noWeights, 'config.json'));
  fails(await cli('eval', '--model', noWeights, '--data', DATA, '--json'), noWeights, 'model.safetensors');

  const noConfig = path.join(dir, 'no-config');
  fs.mkdirSync(noConfig);
  fs.copyFileSync(path.join(TINY_BASE, 'model.safetensors'), path.join(noConfig, 'model.safetensors'));
  fails(await cli('eval', '--model', noConfig, '--data', DATA, '--json'), path.join(noConfig, 'config.json'));

  const truncated = path.join(dir, 'truncated');
  fs.mkdirSync(truncated);
  fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(truncated, 'config.json'));
  const bytes = fs.readFileSync(path.join(TINY_BASE, 'model.safetensors'));
  fs.writeFileSync(path.join(truncated, 'model.safetensors'), bytes.subarray(0, bytes.byteLength - 1000));
  fails(await cli('eval', '--model', truncated, '--data', DATA, '--json'), path.join(truncated, 'model.safetensors'), 'tensor "');
});

test('text data with a model no tokenizer fits (vocab_size 512, the bundled tokenizer 32000) says why and what to do, as train does', async () => {
  const dir = tmpDir();
  const text = path.join(dir, 'text.jsonl');
  fs.writeFileSync(text, JSON.stringify({ text: 'The sky is blue.' }) + '\n');
  const r = await cli('eval', '--model', TINY_BASE, '--data', text);
  assert.equal(r.status, 2, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  assert.deepEqual(errors, [`error: ${text}:1: a text record needs a tokenizer, and no tokenizer fits the model (the folder has no tokenizer.json, and the bundled ` +
    `Mistral tokenizer has 32000 tokens but the model's embedding 512 rows (vocab_size)): put the model's own tokenizer.json in ${TINY_BASE}, or give pre-tokenized rows {"input_ids": [...]}`]);
});

test('eval: missing or bad flags say what to do', async () => {
  fails(await cli('eval', '--data', DATA, '--json'), '--model');
  fails(await cli('eval', '--model', TINY_BASE, '--json'), '--data');
  fails(await cli('eval', '--model', TINY_BASE, '--data', DATA, '--batch-size', '0', '--json'), '--batch-size');
  fails(await cli('eval', '--model', TINY_BASE, '--data', DATA, '--bogus'), 'bogus');
  fails(await cli('eval', '--model', TINY_BASE, '--data', DATA, '--labels', 'a,b'), '--labels goes with classification, but this evaluates generation');
  // a flag without its value: one line naming it, whether another flag follows or nothing does
  for (const tail of [['--max-seq-len', '--json'], ['--json', '--max-seq-len']]) {
    const r = await cli('eval', '--model', TINY_BASE, '--data', DATA, ...tail);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'error: --max-seq-len needs a value (see mistral-tune eval --help)\n');
  }
  const help = await cli('eval', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--model DIR/);
});

test('eval --max-seq-len: the truncated and dropped rows are counted on stderr, --json stdout unchanged', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'chats.jsonl');
  const chat = (user: string, assistant: string): string =>
    JSON.stringify({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }] });
  fs.writeFileSync(file, [
    chat('Hi', 'Hello there.'), // fits
    chat('What is the capital of France?', 'The capital of France is Paris, a city on the Seine with many museums.'), // answer cut
    chat('Tell me everything about the long and winding history of the Roman empire and its many emperors please', 'Rome.'), // no answer left
  ].join('\n') + '\n');
  const model = path.join(ROOT, 'models', 'mistral-tune-tiny');
  const r = await cli('eval', '--model', model, '--data', file, '--max-seq-len', '16', '--device', 'cpu', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /eval: generation on 2 examples of \S+chats\.jsonl \(1 truncated to 16 tokens; 1 dropped \(fully masked: no target token left within 16 tokens: the prompt or labels of -100 fill them\)\)/);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, r.stdout);
  assert.deepEqual(Object.keys(JSON.parse(lines[0]!) as object).sort(), ['loss', 'perplexity', 'tokens']);
  // every record dropped: the error names the file, the count and the setting to raise
  fails(await cli('eval', '--model', model, '--data', file, '--max-seq-len', '2', '--device', 'cpu', '--json'),
    `${file}: every record was dropped (3): no target token left within --max-seq-len (2 tokens)`);
  assert.match((await cli('eval', '--help')).stdout, /--max-seq-len N\s+truncate longer examples to N tokens; one left with no target token is dropped/);
});

test('a file most of whose tokens --max-seq-len cuts is warned of with the share left out; a plain-text file (one example, whole) is told to prepare --text-split (was: "1 truncated", an info line alone)', async () => {
  const dir = tmpDir();
  const corpus = path.join(dir, 'corpus.txt');
  // paragraphs of a book: HF's load_dataset("text") reads a line an example, this reads the file as one
  fs.writeFileSync(corpus, Array.from({ length: 12 }, (_, i) => `Paragraph ${i}: the quick brown fox jumps over the lazy dog near the river bank.`).join('\n\n') + '\n');
  const model = path.join(ROOT, 'models', 'mistral-tune-tiny');
  const r = await cli('eval', '--model', model, '--data', corpus, '--max-seq-len', '32', '--device', 'cpu', '--json');
  assert.equal(r.status, 0, r.stderr);
  const warning = r.stderr.split('\n').find((l) => l.startsWith('warning: '));
  assert.match(warning ?? '', /^warning: \S+corpus\.txt: [\d,]+ of its [\d,]+ tokens \(\d+%\) are left out: 1 row is cut to --max-seq-len \(32 tokens\), and a plain-text file is one example, whole: make examples of its paragraphs or lines with mistral-tune prepare --text-split blank-lines \(or lines\)$/);
  // rows of a JSONL file cut the same way: raise the setting
  const rows = path.join(dir, 'long.jsonl');
  fs.writeFileSync(rows, JSON.stringify({ text: 'word '.repeat(200) }) + '\n');
  assert.match((await cli('eval', '--model', model, '--data', rows, '--max-seq-len', '32', '--device', 'cpu', '--json')).stderr,
    /^warning: \S+long\.jsonl: [\d,]+ of its [\d,]+ tokens \(\d+%\) are left out: 1 row is cut to --max-seq-len \(32 tokens\): raise it, or split the rows$/m);
  // a few tokens cut (under half): the info line's count alone, as before
  const short = path.join(dir, 'short.jsonl');
  fs.writeFileSync(short, JSON.stringify({ text: 'word '.repeat(40) }) + '\n');
  assert.doesNotMatch((await cli('eval', '--model', model, '--data', short, '--max-seq-len', '32', '--device', 'cpu', '--json')).stderr, /warning/);
});

test('eval: JSON Lines in a file read as plain text (no .jsonl: /dev/stdin, a bare name) is warned of, as prepare warns; --format jsonl reads its records', async () => {
  // before: scored as one text made of JSON, with not a word
  const file = path.join(tmpDir(), 'rows');
  fs.writeFileSync(file, [JSON.stringify({ text: 'The capital of France is Paris.' }), JSON.stringify({ text: 'Lima is in Peru.' })].join('\n') + '\n');
  const model = path.join(ROOT, 'models', 'mistral-tune-tiny');
  const asText = await cli('eval', '--model', model, '--data', file, '--device', 'cpu', '--json');
  assert.equal(asText.status, 0, asText.stderr);
  assert.match(asText.stderr, new RegExp(`^warning: ${file}: read as plain text, yet each of its 2 lines is a JSON object: if it is JSON Lines, name it \\.jsonl \\(or pass --format jsonl\\)$`, 'm'));
  const asJsonl = await cli('eval', '--model', model, '--data', file, '--format', 'jsonl', '--device', 'cpu', '--json');
  assert.equal(asJsonl.status, 0, asJsonl.stderr);
  assert.doesNotMatch(asJsonl.stderr, /warning/);
  assert.match(asJsonl.stderr, /eval: generation on 2 examples/);
  assert.ok((JSON.parse(asJsonl.stdout) as { tokens: number }).tokens < (JSON.parse(asText.stdout) as { tokens: number }).tokens);
});

test('eval on rows without a target token: an error naming the file, exit 2', async () => {
  const file = path.join(tmpDir(), 'masked.jsonl');
  fs.writeFileSync(file, '{"input_ids": [1, 5, 6], "labels": [-100, -100, -100]}\n{"input_ids": [1]}\n');
  const r = await cli('eval', '--model', TINY_BASE, '--data', file, '--json');
  fails(r, `${file}: no target tokens to evaluate: every label is -100, or every row has a single token`);
  assert.equal(r.status, 2);
});

test('a row too long for the CPU kernels\' memory says what eval takes to shorten it (--max-seq-len, --batch-size), not train\'s keys alone', async () => {
  const dir = tmpDir();
  const data = path.join(dir, 'long.jsonl');
  fs.writeFileSync(data, JSON.stringify({ input_ids: [1, ...Array.from({ length: 40_000 }, (_, i) => 3 + (i % 500))] }) + '\n');
  const r = await cli('eval', '--model', TINY_BASE, '--data', data, '--device', 'cpu');
  fails(r, 'of WebAssembly memory for attention', 'eval: --max-seq-len or --batch-size');
  assert.equal(r.status, 2);
});

test('eval warns of rows longer than the model\'s max_position_embeddings (positions never trained), as train does, and still scores them', async () => {
  const dir = tmpDir();
  const data = path.join(dir, 'long.jsonl');
  fs.writeFileSync(data, [JSON.stringify({ input_ids: [1, ...Array.from({ length: 299 }, (_, i) => 3 + (i % 400))] }), JSON.stringify({ input_ids: [1, 5, 9, 13] })].join('\n') + '\n');
  const r = await cli('eval', '--model', TINY_BASE, '--data', data, '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: 1 row is longer than the model's max_position_embeddings 256: positions beyond it were never trained/);
  assert.equal((JSON.parse(r.stdout) as { tokens: number }).tokens, 299 + 3);
});

test('eval warns, as train does, when a prepare output holds another count of records than its report.json says (an edited split)', async () => {
  const dir = tmpDir();
  const data = path.join(dir, 'test.jsonl');
  fs.writeFileSync(data, [[1, 5, 9], [1, 7, 11]].map((ids) => JSON.stringify({ input_ids: ids })).join('\n') + '\n');
  const report = (test: number) => fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify({ input_records: 5, kept: 5, rejected: 0, splits: { train: 3, val: 0, test }, inputs: [], options: {} }));
  report(3);
  const r = await cli('eval', '--model', TINY_BASE, '--data', data, '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`warning: ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} holds 2 records where the prepare report.json beside it says 3: the file was edited`));
  report(2);
  const same = await cli('eval', '--model', TINY_BASE, '--data', data, '--json');
  assert.equal(same.status, 0, same.stderr);
  assert.doesNotMatch(same.stderr, /report\.json beside it says/);
});

test('a record of the other task: eval suggests --task only where the weights take it (never against the adapter\'s task_type)', async () => {
  // before: "(use --task generation)" for a SEQ_CLS adapter, whose --task generation is then refused
  const dir = tmpDir();
  const labelled = path.join(dir, 'labelled.jsonl');
  fs.writeFileSync(labelled, JSON.stringify({ text: 'a labelled record', label: 'a' }) + '\n');
  const chat = path.join(dir, 'chat.jsonl');
  fs.writeFileSync(chat, JSON.stringify({ prompt: 'Q', completion: 'A' }) + '\n');
  const cls = await cli('eval', '--model', TINY_BASE, '--adapter', path.join(TINY_CLS, 'adapter_init'), '--data', chat, '--labels', 'a,b,c', '--json');
  fails(cls, `${chat}:1: wrong_task: a prompt/completion record in a classification run (evaluate it with a generation run or model, or give classification data;`);
  assert.doesNotMatch(cls.stderr, /use --task/);
  assert.equal(cls.status, 2);
  const lm = await cli('eval', '--model', TINY_BASE, '--adapter', path.join(TINY, 'adapter_init'), '--data', labelled, '--json');
  fails(lm, `${labelled}:1: wrong_task: a record with "label" in a generation run (evaluate it with a classification run or model, or give generation data;`);
  // a label the head has no class for: the classes are the model's, not the data's to change (was no next step)
  const ids = path.join(dir, 'ids.jsonl');
  fs.writeFileSync(ids, JSON.stringify({ input_ids: [1, 5, 9], label: 'a' }) + '\n');
  const unknown = await cli('eval', '--model', TINY_BASE, '--adapter', path.join(TINY_CLS, 'adapter_init'), '--data', ids, '--labels', 'x,y,z', '--json');
  fails(unknown, `${ids}:1: label "a" is not one of the classes ["x", "y", "z"] (the classes are the model's, named by --labels: evaluate data labelled with them)`);
  // a base model has no score head: --task classification would be refused too
  const base = await cli('eval', '--model', TINY_BASE, '--data', labelled, '--json');
  fails(base, `${labelled}:1: wrong_task: a record with "label" in a generation run (evaluate it with a classification run or model, or give generation data;`);
});

test('the confusion matrix printed without --json has each count under its class name, whatever the names\' and counts\' widths', async () => {
  const text = classificationText({ loss: 0.5, accuracy: 0.5, macro_f1: 0.4, micro_f1: 0.5, weighted_f1: 0.4, per_class: [], confusion: [[3, 0], [4, 1234567]], labels: ['neg', 'pos'], examples: 1234574 });
  const [head, ...rows] = text.split('\n\n').at(-1)!.split('\n');
  assert.equal(head, 'true \\ pred      neg      pos');
  assert.deepEqual(rows, ['neg                3        0', 'pos                4  1234567']);
  // every column's right edge: the name's in the header, each count's in the rows
  const edges = (line: string): number[] => [...line.matchAll(/\S+(?= |$)/g)].map((m) => m.index! + m[0].length).slice(-2);
  for (const row of rows) assert.deepEqual(edges(row), edges(head!));
});

test('eval\'s text shows a class name with spaces at its ends (or an empty one) as JSON, so that its counts stand under it and " a", "b " read apart from "a", "b"', () => {
  // (a config.json id2label of " a", "b ", "c": "b " right-aligned over its column stood a column left of its counts)
  const labels = [' a', 'b ', 'c'];
  const m = classificationMetrics([0, 1, 2], [0, 1, 2], 3);
  const text = classificationText({ loss: 0.5, ...m, per_class: m.per_class.map((c, i) => ({ label: labels[i]!, ...c })), labels, examples: 3 });
  const [, table, matrix] = text.split('\n\n');
  assert.deepEqual(table!.split('\n').slice(1, 4).map((row) => row.split('  ')[0]), ['" a"', '"b "', 'c']);
  const [head, ...rows] = matrix!.split('\n');
  assert.equal(head, 'true \\ pred    " a"    "b "       c');
  assert.deepEqual(rows, ['" a"              1       0       0', '"b "              0       1       0', 'c                 0       0       1']);
  // an empty name (a config.json id2label may give one) is "", not a blank heading and a row with no name
  const empty = classificationText({ loss: 0.5, ...m, per_class: m.per_class.map((c, i) => ({ label: ['', 'b', 'c'][i]!, ...c })), labels: ['', 'b', 'c'], examples: 3 });
  assert.equal(empty.split('\n\n')[2]!.split('\n')[0], 'true \\ pred      ""       b       c');
});

test('eval\'s text: below the summary, each class\'s precision, recall, F1 and support as scikit-learn\'s classification_report gives them', () => {
  // classes 0..5: "sci" predicted but never true, "math" true but never predicted, "art" neither
  const m = classificationMetrics([0, 0, 0, 1, 1, 2, 2, 4], [0, 0, 1, 1, 1, 2, 3, 1], 6);
  const labels = ['world', 'sports', 'business', 'sci', 'math', 'art'];
  const text = classificationText({ loss: 0.5, ...m, per_class: m.per_class.map((c, i) => ({ label: labels[i]!, ...c })), labels, examples: 8 });
  // classification_report(t, p, labels=range(6), target_names=labels, zero_division=0, digits=4); accuracy 0.6250,
  // macro avg F1 0.4267 over the 5 classes present (the summary line, unchanged), weighted avg F1 0.6333
  assert.equal(text.split('\n\n').slice(0, 2).join('\n\n'), [
    'loss 0.500000  accuracy 0.6250  macro-F1 0.4267  (8 examples)',
    '',
    'label     precision     recall         F1  support',
    'world        1.0000     0.6667     0.8000        3',
    'sports       0.5000     1.0000     0.6667        2',
    'business     1.0000     0.5000     0.6667        2',
    'sci          0.0000     0.0000     0.0000        0',
    'math         0.0000     0.0000     0.0000        1',
    'art          0.0000     0.0000     0.0000        0',
    'weighted-F1 0.6333  micro-F1 0.6250',
  ].join('\n'));
  assert.match(text, /\n\ntrue \\ pred +world +sports/);
});

test('eval with no class names: integer labels missing the head\'s last class are scored and the class named; other labels are refused asking for --labels', async () => {
  const dir = tmpDir();
  const adapter = path.join(TINY_CLS, 'adapter_init'); // a head of 3 classes, no names
  const ints = path.join(dir, 'ints.jsonl'), words = path.join(dir, 'words.jsonl');
  fs.writeFileSync(ints, '{"input_ids": [1, 5, 9], "label": 0}\n{"input_ids": [1, 7, 3, 4], "label": 1}\n{"input_ids": [1, 8], "label": 0}\n');
  fs.writeFileSync(words, '{"input_ids": [1, 5, 9], "label": "a"}\n{"input_ids": [1, 7, 3, 4], "label": "c"}\n');
  // was refused: "the data has 2 classes but the head scores 3"
  const r = await cli('eval', '--model', TINY_BASE, '--adapter', adapter, '--data', ints, '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { labels: string[]; confusion: number[][]; examples: number; accuracy: number; micro_f1: number; weighted_f1: number; per_class: Array<ClassMetrics & { label: string }> };
  assert.deepEqual([out.labels, out.examples, out.confusion.length, out.confusion[2]!.reduce((a, b) => a + b, 0)], [['LABEL_0', 'LABEL_1', 'LABEL_2'], 3, 3, 0]);
  // per class, named as labels; the absent class has no support and recall 0 (scikit-learn's zero_division=0)
  assert.deepEqual(out.per_class.map((c) => [c.label, c.support]), [['LABEL_0', 2], ['LABEL_1', 1], ['LABEL_2', 0]]);
  assert.equal(out.per_class[2]!.recall, 0);
  assert.equal(out.micro_f1, out.accuracy);
  assert.equal(out.weighted_f1, (2 * out.per_class[0]!.f1 + out.per_class[1]!.f1) / 3);
  assert.match(r.stderr, /^warning: .*ints\.jsonl: no row has the class LABEL_2 \(label 2\) of the head's 3: it is scored as absent/m);
  // a model with no head at all: the error alone, without the warning about class names above it
  const headless = await cli('eval', '--model', TINY_BASE, '--data', ints, '--task', 'classification', '--json');
  fails(headless, 'classification needs a score head');
  assert.doesNotMatch(headless.stderr, /class names are not given/);
  // names sorted would put "c" on the head's class 1: refused, saying what to give
  fails(await cli('eval', '--model', TINY_BASE, '--adapter', adapter, '--data', words, '--json'), `${words}: the data has 2 classes ("a", "c") but the head scores 3`, 'give them in the head\'s order with --labels');
});

test('eval refusing data whose classes are not the head\'s names each cut', async () => {
  // a megabyte class name (a text column taken for the labels) was echoed whole
  const file = path.join(tmpDir(), 'huge-label.jsonl');
  fs.writeFileSync(file, ['x'.repeat(1 << 20), 'c'].map((label, i) => JSON.stringify({ input_ids: [1, 5 + i], label })).join('\n') + '\n');
  const r = await cli('eval', '--model', TINY_BASE, '--adapter', path.join(TINY_CLS, 'adapter_init'), '--data', file, '--json');
  fails(r, 'but the head scores 3');
  assert.match(r.stderr, /the data has 2 classes \("c", "x+…" \(1048576 characters\)\) but the head scores 3/);
  assert.ok(r.stderr.length < 2000, `${r.stderr.length} characters`);
});

test('eval of a one-record file says "1 example", "(1 row)" and "1 class", not "1 examples", "(1 rows)" and "1 classes"', async () => {
  const one = path.join(tmpDir(), 'one.jsonl');
  fs.writeFileSync(one, fs.readFileSync(DATA, 'utf8').split('\n')[0] + '\n');
  const r = await cli('eval', '--model', TINY_BASE, '--data', one);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^eval: generation on 1 example of /m);
  assert.match(r.stdout, / tokens \d+ {2}\(1 row\)\n$/);
  assert.match(classificationText({ loss: 0, accuracy: 1, macro_f1: 1, micro_f1: 1, weighted_f1: 1, per_class: [], confusion: null, labels: [], examples: 1 }), /\(1 example\)/);
  // was "the data has 1 classes"
  const word = path.join(path.dirname(one), 'word.jsonl');
  fs.writeFileSync(word, '{"input_ids": [1, 5, 9], "label": "a"}\n');
  fails(await cli('eval', '--model', TINY_BASE, '--adapter', path.join(TINY_CLS, 'adapter_init'), '--data', word, '--json'), `${word}: the data has 1 class ("a") but the head scores 3`);
});

test('the data is read before the weights load: a bad record, or a file of the other task, is said without opening them', async () => {
  // model.safetensors a FIFO: opened (before), the model's error came first, and on a 7B model only after its load
  const dir = tmpDir(), model = path.join(dir, 'model');
  fs.cpSync(TINY_BASE, model, { recursive: true });
  fs.rmSync(path.join(model, 'model.safetensors'));
  assert.equal(spawnSync('mkfifo', [path.join(model, 'model.safetensors')]).status, 0);
  const bad = path.join(dir, 'bad.jsonl'), labelled = path.join(dir, 'labelled.jsonl');
  fs.writeFileSync(bad, '{"input_ids": [1, 5, 9]}\n{"input_ids": [1, 9999]}\n');
  fs.writeFileSync(labelled, '{"text": "a", "label": "x"}\n');
  const r = await cli('eval', '--model', model, '--data', bad);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`^error: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: invalid_tokens: input_ids\\[1\\] = 9999 is not a token id in \\[0, 512\\)`, 'm'));
  const w = await cli('eval', '--model', model, '--data', labelled);
  assert.equal(w.status, 2, w.stderr);
  assert.match(w.stderr, /^error: .*labelled\.jsonl:1: wrong_task: .*\(evaluate it with a classification run or model, or give generation data;/m);
  // the weights are what fails once the data is sound
  const good = await cli('eval', '--model', model, '--data', DATA);
  assert.equal(good.status, 2);
  assert.match(good.stderr, /model\.safetensors: is a FIFO \(named pipe\), not a regular file/);
});

test('--labels of another count than the head\'s classes is refused by eval and classify before the weights load (the count from the adapter\'s header)', async () => {
  const dir = tmpDir(), model = path.join(dir, 'model');
  fs.cpSync(TINY_BASE, model, { recursive: true });
  fs.rmSync(path.join(model, 'model.safetensors'));
  assert.equal(spawnSync('mkfifo', [path.join(model, 'model.safetensors')]).status, 0);
  const texts = path.join(dir, 'texts.jsonl');
  fs.writeFileSync(texts, '{"input_ids": [1, 5, 9], "label": "a"}\n');
  const adapter = path.join(TINY_CLS, 'adapter_init');
  for (const argv of [['eval', '--data', texts], ['classify', '--data', texts]]) {
    const r = await cli(...argv, '--model', model, '--adapter', adapter, '--labels', 'a,b');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^error: --labels: 2 class names for a head that scores 3 classes: give 3, one per class in index order$/m, argv[0]);
  }
});

test('a SEQ_CLS adapter saved without its score head: eval and classify say so, not "a SEQ_CLS adapter is needed"', async () => {
  const dir = tmpDir(), adapter = path.join(dir, 'headless');
  fs.cpSync(path.join(TINY_CLS, 'adapter_init'), adapter, { recursive: true });
  const file = path.join(adapter, 'adapter_model.safetensors');
  const sf = SafetensorsFile.open(file);
  const kept = [...sf.tensors].filter(([name]) => !name.includes('score'));
  const tensors = Object.fromEntries(kept.map(([name, info]) => [name, { dtype: 'F32' as const, shape: info.shape, data: sf.readF32(name) }]));
  sf.close();
  assert.ok(kept.length > 0 && kept.length < sf.tensors.size, 'the score head is all that is left out');
  writeSafetensors(file, tensors);
  const labelled = path.join(dir, 'labelled.jsonl');
  fs.writeFileSync(labelled, '{"input_ids": [1, 5, 9], "label": 0}\n');
  for (const argv of [['eval', '--task', 'classification', '--data', labelled], ['classify', '--text', 'a text']]) {
    const r = await cli(...argv, '--model', TINY_BASE, '--adapter', adapter);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^error: .*headless: a SEQ_CLS adapter without its score head: its adapter_model\.safetensors holds no base_model\.model\.score\.weight/m, argv[0]);
  }
});

test('eval\'s text tables line up class names of Chinese characters and combining accents by terminal columns, not UTF-16 units', () => {
  const labels = ['正面', 'ne\u0301gatif', 'mixed'];
  const m = classificationMetrics([0, 1, 2, 0], [0, 1, 1, 2], 3);
  const text = classificationText({ loss: 0.5, ...m, per_class: m.per_class.map((c, i) => ({ label: labels[i]!, ...c })), labels, examples: 4 });
  const [, table, matrix] = text.split('\n\n');
  const tableRows = table!.split('\n').slice(0, 4); // the header and a row per class
  assert.deepEqual(tableRows.map(terminalWidth), tableRows.map(() => terminalWidth(tableRows[0]!)), table);
  const matrixRows = matrix!.split('\n');
  assert.deepEqual(matrixRows.map(terminalWidth), matrixRows.map(() => terminalWidth(matrixRows[0]!)), matrix);
  assert.match(matrixRows[1]!, /^正面 {9}  /, 'a 2-character Chinese name takes 4 of the 11 columns of "true \\ pred"');
});

test('terminalWidth: wide East Asian characters take two columns, combining marks and joiners none', () => {
  assert.deepEqual(['abc', '中文', 'e\u0301', 'ｶ', 'ＡＢ', '한국', '\u{1F600}', 'a\u200db'].map(terminalWidth), [3, 4, 1, 1, 4, 4, 2, 2]);
  assert.equal(padEndColumns('中', 4), '中  ');
  assert.equal(padStartColumns('中', 4), '  中');
});
