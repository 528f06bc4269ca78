// The train command's config errors and sizes, through the real CLI: the README's example line works as
// written, a missing data file names its config key, and sizes that cannot fit (a LoRA rank beyond the
// device's memory, sequences beyond the attention workspace) are one-line errors naming the key, exit 2; a rank above a
// projection's smaller side trains, as PEFT trains it.
// The README's line runs as a process of its own, as a user runs it; every other case calls the CLI's main() in this
// process (in-process-cli.ts: the same exit status, stdout and stderr, train's thread included), where a process each
// cost ~1 CPU-s of start-up for a refusal of a few ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, makeTokenizerModel, literal } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn as cli } from './in-process-cli.ts';

const ROOT = path.join(FIXTURES, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const work = tempDir('mt-train-cli-');
const model = await makeTokenizerModel(path.join(work, 'model'));
/** The command in a process of its own, as a user runs it, in the folder `cwd`. */
const spawned = (cwd: string, args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd });
type Ran = { status: number | null; stdout: string; stderr: string };
let made: string | undefined;
/**
 * A user's folder: the examples, and a prepare output in prepared/ made from a few records. The first is made by the
 * CLI's prepare; each test gets its own copy of it (the same files), one prepare per file.
 */
async function project(): Promise<string> {
  if (!made) {
    made = fs.mkdtempSync(path.join(work, 'made-'));
    fs.cpSync(path.join(ROOT, 'examples', 'train-lora.yaml'), path.join(made, 'examples', 'train-lora.yaml'));
    const lines = fs.readFileSync(path.join(ROOT, 'examples', 'data', 'countries-qa.jsonl'), 'utf8').split('\n').slice(0, 60);
    fs.writeFileSync(path.join(made, 'qa.jsonl'), lines.join('\n'));
    // --quiet: the commands run after it in this process still say their info lines (main.ts: run directory: …)
    const prep = await cli(made, ['prepare', '--input', 'qa.jsonl', '--out', 'prepared', '--quiet']);
    assert.equal(prep.status, 0, prep.stderr);
  }
  const cwd = fs.mkdtempSync(path.join(work, 'p-'));
  fs.cpSync(made, cwd, { recursive: true });
  return cwd;
}
const oneLineError = (r: Ran, pattern: RegExp): void => {
  assert.equal(r.status, 2, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
};

test("the README's train line works as written (only the model path and, for speed, the step count differ)", async () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const line = /^mistral-tune (train examples\/train-lora\.yaml .*)$/m.exec(readme)![1]!;
  const args = line.split(/\s+/);
  args[args.indexOf('--model') + 1] = model;
  const cwd = await project();
  const r = spawned(cwd, [...args, '--max_steps', '1', '--eval.samples', '0']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /data\.val: .*prepared[/\\]val\.jsonl/);
  const report = JSON.parse(fs.readFileSync(path.join(cwd, 'runs', 'lora', 'report.json'), 'utf8')) as Record<string, unknown>;
  assert.ok(report.test, 'the test split of prepared/ was evaluated');
});

test('an output_dir named with control characters (a terminal escape, a line break) is printed escaped, not sent to the terminal raw', async () => {
  const cwd = await project();
  const out = 'runs/x\u001b]0;PWNED\u0007\nrun 9: fake';
  const r = await cli(cwd, ['train', 'examples/train-lora.yaml', '--model', model, '--data.train', 'prepared/train.jsonl', '--max_steps', '1',
    '--eval.samples', '0', '--output_dir', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(cwd, out, 'report.json')), 'the run is where it was asked to be');
  assert.match(r.stderr, /^run directory: .*runs\/x\\u001b\]0;PWNED\\u0007\\nrun 9: fake$/m);
  assert.doesNotMatch(r.stderr, /\u001b|\u0007/, 'no control character reaches the terminal');
});

test('a missing data file names its config key, after the flag or the config line that gave it', async () => {
  const cwd = await project();
  oneLineError(await cli(cwd, ['train', 'examples/train-lora.yaml', '--model', model, '--data.train', 'prepared/train.jsonl', '--data.val', 'gone/val.jsonl']),
    /^error: --data\.val: .*gone[/\\]val\.jsonl: no such file/);
  oneLineError(await cli(cwd, ['train', 'examples/train-lora.yaml', '--model', model]), /^error: .*\.yaml:\d+:\d+: data\.train: .*runs[/\\]data[/\\]train\.jsonl: no such file/);
});

test('sizes that cannot fit are refused before allocating, naming the key', async () => {
  const cwd = await project();
  const base = ['train', 'examples/train-lora.yaml', '--model', model, '--data.train', 'prepared/train.jsonl', '--max_steps', '1'];
  oneLineError(await cli(cwd, [...base, '--lora.r', '1000000000']), /^error: --lora\.r: 1000000000 makes the weights and the adapter's trainable state .* GiB, more than this machine's RAM, .* GiB: lower lora\.r to at most \d[\d,]*$/);
  oneLineError(await cli(cwd, [...base, '--max_seq_len', '100000', '--packing', 'true']), /^error: --max_seq_len: sequences of 100,000 tokens need .* GiB .* lower max_seq_len/);
  assert.equal(fs.existsSync(path.join(cwd, 'runs', 'lora')), false);
});

test("a lora.r above a projection's smaller side (64 over k_proj's 16) trains as PEFT trains it, with a warning, into an adapter of that rank", async () => {
  // was refused: "lora.r: 64 is larger than k_proj's smaller side (16) in this model", which PEFT trains
  const cwd = await project();
  const r = await cli(cwd, ['train', 'examples/train-lora.yaml', '--model', model, '--data.train', 'prepared/train.jsonl', '--max_steps', '1', '--eval.samples', '0', '--lora.r', '64']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^warning: lora\.r 64 is above k_proj's smaller side \(16\) in this model: its update B·A has rank at most 16, /m);
  const adapter = path.join(cwd, 'runs', 'lora', 'adapter');
  assert.equal((JSON.parse(fs.readFileSync(path.join(adapter, 'adapter_config.json'), 'utf8')) as { r: number }).r, 64);
  const file = fs.readFileSync(path.join(adapter, 'adapter_model.safetensors'));
  const header = JSON.parse(file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString('utf8')) as Record<string, { shape?: number[] }>;
  const shape = (end: string): number[] | undefined => Object.entries(header).find(([k]) => k.endsWith(end))?.[1].shape;
  assert.deepEqual([shape('k_proj.lora_A.weight'), shape('k_proj.lora_B.weight')], [[64, 32], [16, 64]]);
});

test('a flag given without its value names it, whatever follows (another flag, or nothing)', async () => {
  const config = path.join(ROOT, 'examples', 'train-lora.yaml');
  oneLineError(await cli(work, ['train', config, '--max_steps', '--lora.r', '4']), /^error: --max_steps needs a value \(see mistral-tune train --help\)$/);
  oneLineError(await cli(work, ['train', config, '--lora.r', '4', '--max_steps']), /^error: --max_steps needs a value/);
  oneLineError(await cli(work, ['train', config, '--dashboard', '--port', '--resume']), /^error: --port needs a value/);
});

test('a config key or --port given twice with different values is refused naming both, not the later taken silently', async () => {
  const config = path.join(ROOT, 'examples', 'train-lora.yaml');
  oneLineError(await cli(work, ['train', config, '--max_steps', '3', '--lora.r', '4', '--max_steps=5', '--dry-run']), /^error: --max_steps is given twice, "3" and "5": give it once$/);
  oneLineError(await cli(work, ['train', config, '--dashboard', '--port', '1', '--port', '2']), /^error: --port is given twice, "1" and "2"/);
});

test('after --, the argument is the config even when it starts with a dash, as for the other commands', async () => {
  const dir = fs.mkdtempSync(path.join(work, 'dash-'));
  fs.copyFileSync(path.join(ROOT, 'examples', 'train-lora.yaml'), path.join(dir, '-c.yaml'));
  // it stops at the config's own data path: the file was read as the config
  oneLineError(await cli(dir, ['train', '--model', model, '--', '-c.yaml']), /^error: .*\.yaml:\d+:\d+: data\.train: .*runs[/\\]data[/\\]train\.jsonl: no such file/);
  oneLineError(await cli(dir, ['train', '--', '-c.yaml', 'other.yaml']), /^error: unexpected argument "other\.yaml"/);
  // a flag after the config is no flag after --: the error says why, not "overrides are --key value"
  oneLineError(await cli(dir, ['train', '--', '-c.yaml', '--dry-run']), /^error: unexpected argument "--dry-run" after "--" \(.*give flags and overrides before --\)$/);
});

test("a flag train does not have (prepare's --quiet), given without a value, is named as unknown, not as a config key lacking its value", async () => {
  const config = path.join(ROOT, 'examples', 'train-lora.yaml');
  oneLineError(await cli(work, ['train', config, '--quiet']), /^error: unknown option --quiet: train's options are .* "quiet" is not a config key/);
  oneLineError(await cli(work, ['train', config, '--lora.bogus', '--overwrite']), /^error: unknown option --lora\.bogus: .* "lora\.bogus" is not a config key/);
  oneLineError(await cli(work, ['train', config, '--lora']), /^error: --lora needs a value/);
  // a near flag or key is suggested
  oneLineError(await cli(work, ['train', config, '--dryrun']), /^error: unknown option --dryrun: did you mean --dry-run\? /);
  oneLineError(await cli(work, ['train', config, '--max_step']), /^error: unknown option --max_step: did you mean --max_steps\? /);
  // before the config, such a flag took the config file as its value: "a config file is required", though one was given
  oneLineError(await cli(work, ['train', '--quiet', config]), /^error: unknown option --quiet: train's options are .* "quiet" is not a config key/);
  oneLineError(await cli(work, ['train', '--dryrun', config]), /^error: unknown option --dryrun: did you mean --dry-run\? /);
});

test("other tools' way of naming the config (-c FILE, --config FILE) says to give the file itself", async () => {
  const config = path.join(ROOT, 'examples', 'train-lora.yaml');
  // was: -c taken as the config file, then 'unexpected argument "…train-lora.yaml"'
  oneLineError(await cli(work, ['train', '-c', config]), /^error: unknown option -c: train takes the config file itself, mistral-tune train CONFIG\.yaml/);
  oneLineError(await cli(work, ['train', '--config', config]), new RegExp(`^error: --config: give the config file itself, mistral-tune train ${literal(config)}$`));
});

test('a YAML list or mapping override the shell split at its spaces (unquoted) says to quote it, not "unexpected argument"', async () => {
  const config = path.join(ROOT, 'examples', 'train-lora.yaml');
  oneLineError(await cli(work, ['train', config, '--lora.target_modules', '[q_proj,', 'k_proj,', 'v_proj]', '--dry-run']),
    /^error: --lora\.target_modules \[q_proj, k_proj, v_proj\]: a YAML list or mapping with spaces is one argument to the shell only quoted: --lora\.target_modules "\[q_proj, k_proj, v_proj\]"$/);
  oneLineError(await cli(work, ['train', config, '--optimizer', '{lr:', '1e-4}']), /^error: --optimizer \{lr: 1e-4\}: .* --optimizer "\{lr: 1e-4\}"$/);
});

test('a switch of train given a value (--dry-run=yes, --overwrite=false) says it takes none, not that it is no config key', async () => {
  const config = path.join(ROOT, 'examples', 'train-lora.yaml');
  oneLineError(await cli(work, ['train', config, '--dry-run=yes']), /^error: --dry-run takes no value: give --dry-run alone, or leave it out \(see mistral-tune train --help\)$/);
  oneLineError(await cli(work, ['train', config, '--overwrite=false', '--dry-run']), /^error: --overwrite takes no value/);
});

test('text data with a model folder whose vocabulary no tokenizer fits (no tokenizer.json, vocab_size 512) says what to do in one line', async () => {
  const cwd = await project();
  const r = await cli(cwd, ['train', 'examples/train-lora.yaml', '--model', path.join(FIXTURES, 'hf-tiny-mistral', 'base'), '--data.train', 'prepared/train.jsonl', '--max_steps', '1']);
  oneLineError(r, /^error: .*train\.jsonl:1: a (chat|prompt_completion|text) record needs a tokenizer, and no tokenizer fits the model \(vocab_size 512\): do what the warning above says, or give data\.train pre-tokenized rows/);
  assert.match(r.stderr, /^warning: the folder has no tokenizer\.json, and the bundled Mistral tokenizer has 32000 tokens but the model's embedding 512 rows \(vocab_size\): only pre-tokenized data can be used, and no samples are generated \(put the model's own tokenizer\.json in .*base\)$/m);
});

test('a run folder given without --resume says to add it (or to give its config.yaml), not "is a directory, not a regular file"', async () => {
  const cwd = fs.mkdtempSync(path.join(work, 'r-'));
  fs.mkdirSync(path.join(cwd, 'run'));
  fs.writeFileSync(path.join(cwd, 'run', '.mistral-tune-run'), '');
  for (const args of [['train', 'run'], ['train', 'run', '--dry-run']]) {
    // not "run/config.yaml with --overwrite", which --overwrite refuses (it would empty the folder holding the config)
    oneLineError(await cli(cwd, args), /^error: run: is a run folder, not a config file: add --resume to continue it; to train it again, give the config it was made from with --overwrite, or run[/\\]config\.yaml with --output_dir NEW_DIR$/);
  }
});

test('--resume of a path that is not there says a run folder (or config) is missing, not merely "file not found"', async () => {
  const cwd = fs.mkdtempSync(path.join(work, 'gone-'));
  for (const args of [['train', 'runs/gone', '--resume'], ['train', 'runs/gone', '--resume', '--dry-run']]) {
    oneLineError(await cli(cwd, args), /^error: runs\/gone: no such run folder or config file: --resume continues a run folder that train made/);
  }
});

test('an error about a data file as a whole names the config key it was given as (or its flag): --data.val: FILE: no records', async () => {
  const cwd = await project();
  fs.writeFileSync(path.join(cwd, 'empty.jsonl'), '');
  const r = await cli(cwd, ['train', 'examples/train-lora.yaml', '--model', model, '--data.train', 'prepared/train.jsonl', '--data.val', 'empty.jsonl', '--max_steps', '1']);
  oneLineError(r, /^error: --data\.val: .*empty\.jsonl: no records$/);
});

test('dynamic rope scaling: rows past max_position_embeddings (where transformers changes the frequencies) are refused before the weights load, not a max_seq_len past it alone; eval too', async () => {
  const cwd = await project();
  const dyn = path.join(cwd, 'dynamic-model');
  fs.cpSync(model, dyn, { recursive: true });
  const file = path.join(dyn, 'config.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')) as object, max_position_embeddings: 64, rope_scaling: { type: 'dynamic', factor: 2.0 } }));
  // max_seq_len 512 (the example's) past the context 64, the rows within it: transformers rescales by a batch's reach
  const within = await cli(cwd, ['train', 'examples/train-lora.yaml', '--model', dyn, '--data.train', 'prepared/train.jsonl', '--dry-run']);
  assert.equal(within.status, 0, within.stderr);
  assert.match(within.stdout + within.stderr, /^model: .*dynamic-model: 1 layer, .* rope θ 10,000 with dynamic scaling ×2 \(plain within the context\), context 64; /m);
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')) as object, max_position_embeddings: 8 }));
  oneLineError(await cli(cwd, ['train', 'examples/train-lora.yaml', '--model', dyn, '--data.train', 'prepared/train.jsonl', '--dry-run']),
    /^error: .*train-lora\.yaml:26:1: max_seq_len: 512: rows of up to \d+ tokens: "dynamic" rope scaling \(rope_scaling\) changes its frequencies for inputs longer than max_position_embeddings 8, which is not supported; here they reach \d+ tokens: set max_seq_len to 8 or less$/);
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')) as object, max_position_embeddings: 8 }));
  oneLineError(await cli(cwd, ['eval', '--model', dyn, '--data', 'qa.jsonl']), /^error: .*qa\.jsonl: "dynamic" rope scaling .* max_position_embeddings 8, .* here they reach \d+ tokens: --max-seq-len 8 cuts the rows$/);
  const cut = await cli(cwd, ['eval', '--model', dyn, '--data', 'qa.jsonl', '--max-seq-len', '8']);
  assert.equal(cut.status, 0, cut.stderr);
});
