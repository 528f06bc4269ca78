// classify on texts that are not what the model was made for, through the real CLI: nothing about them is silent
// (a text past the model's context is scored, with a warning, as eval warns of such rows). classify runs through main()
// in this process (in-process-cli.ts: the same exit status, stdout and stderr), where a process each cost ~1 CPU-s of
// start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTokenizerModel } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli as inProcess } from './in-process-cli.ts';

const dir = tempDir('mt-classify-input-');
// a 2-class classifier that takes 16 positions
const model = await makeTokenizerModel(path.join(dir, 'cls'), 0, { classes: 2, config: { max_position_embeddings: 16 } });
/** classify --model model --device cpu ARGS through main() in this process. */
async function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const r = await inProcess(['classify', '--model', model, '--device', 'cpu', ...args]);
  return { status: r.code, stdout: r.out, stderr: r.err };
}

test('classify: texts longer than the model\'s max_position_embeddings are scored and counted in one warning, as eval warns of its rows', async () => {
  const file = path.join(dir, 'texts.txt');
  fs.writeFileSync(file, `short\n${'a long text of many words '.repeat(4)}\n`);
  const r = await cli('--data', file, '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 2);
  assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('warning: 1 text')),
    ['warning: 1 text is longer than the model\'s max_position_embeddings 16: positions beyond it were never trained, so its prediction says little (--max-seq-len cuts texts)']);
});

test('classify: JSON Lines in a file read as plain text (no .jsonl: /dev/stdin, a bare name) is warned of, as prepare warns; --format jsonl reads its texts', async () => {
  // before: each line's JSON classified as the text, with not a word
  const file = path.join(dir, 'records');
  fs.writeFileSync(file, '{"text": "short"}\n{"text": "another"}\n');
  const asText = await cli('--data', file, '--json');
  assert.equal(asText.status, 0, asText.stderr);
  assert.match(asText.stderr, /^warning: \S+records: read as plain text, yet each of its 2 lines is a JSON object: if it is JSON Lines, name it \.jsonl \(or pass --format jsonl\)$/m);
  const asJsonl = await cli('--data', file, '--format', 'jsonl', '--json');
  assert.equal(asJsonl.status, 0, asJsonl.stderr);
  assert.doesNotMatch(asJsonl.stderr, /read as plain text/);
  const one = JSON.parse((await cli('--text', 'short', '--json')).stdout) as { probs: Record<string, number> };
  const first = JSON.parse(asJsonl.stdout.split('\n')[0]!) as { probs: Record<string, number> };
  for (const c of Object.keys(one.probs)) assert.ok(Math.abs(first.probs[c]! - one.probs[c]!) < 1e-6, 'the record\'s text, not its JSON');
});

test('classify --run: one text of one cut to the run\'s max_seq_len is counted as one, naming it', async () => {
  // a fully trained run as train leaves it: its config.yaml and model/ (the classifier above)
  const run = path.join(dir, 'run');
  fs.cpSync(model, path.join(run, 'model'), { recursive: true });
  fs.writeFileSync(path.join(run, 'config.yaml'), `model: ${model}\ntask: classification\nlabels: [a, b]\nmethod: full\nmax_seq_len: 4\ndata: {train: t.jsonl}\n`);
  const file = path.join(dir, 'one-long.txt'), two = path.join(dir, 'two.txt');
  fs.writeFileSync(file, 'a text of many words\n');
  fs.writeFileSync(two, 'short\na text of many words\n');
  const warnings = async (data: string): Promise<string[]> => {
    const r = await inProcess(['classify', '--run', run, '--device', 'cpu', '--data', data, '--json']);
    assert.equal(r.code, 0, r.err);
    return r.err.split('\n').filter((l) => l.startsWith('warning'));
  };
  // was "1 of 1 texts is longer …: only their first 4 tokens are classified (the first: …)"
  const cut = "longer than the run's max_seq_len (4 tokens; --max-seq-len raises it) and was cut to it, as training cuts them: only its first 4 tokens are classified";
  assert.deepEqual(await warnings(file), [`warning: 1 of 1 text is ${cut} (${file}:1)`]);
  assert.deepEqual(await warnings(two), [`warning: 1 of 2 texts is ${cut} (${two}:2)`]);
});

test('classify --max-seq-len N cuts texts as training cuts them, as eval --max-seq-len cuts rows: a merged model\'s too, said; it replaces a run\'s max_seq_len', async () => {
  // before: classify had no --max-seq-len (refused as an unknown option): a merged model folder's texts were scored
  // whole, past the max_seq_len its run trained them at, and only --run cut them
  const probs = async (text: string, ...args: string[]): Promise<{ probs: Record<string, number>; warnings: string[] }> => {
    const r = await cli('--text', text, '--json', ...args);
    assert.equal(r.status, 0, r.stderr);
    return { probs: (JSON.parse(r.stdout) as { probs: Record<string, number> }).probs, warnings: r.stderr.split('\n').filter((l) => l.startsWith('warning')) };
  };
  const text = 'a text of many words', longer = 'a text of many words and then some more';
  const cut = await probs(text, '--max-seq-len', '4'), cutLonger = await probs(longer, '--max-seq-len', '4'), whole = await probs(text);
  assert.deepEqual(cut.warnings, ['warning: the text is longer than --max-seq-len (4 tokens) and was cut to it, as training cuts them: only its first 4 tokens are classified']);
  assert.deepEqual(whole.warnings, []);
  assert.deepEqual(cutLonger.probs, cut.probs, 'both scored on their first 4 tokens, the same');
  assert.notDeepEqual(whole.probs, cut.probs, 'the whole text scores otherwise');
  // past the model's context: scored whole, with the warning naming the way to cut it; cut within it, no warning
  const far = 'a long text of many words '.repeat(4);
  assert.deepEqual((await probs(far)).warnings, ['warning: 1 text is longer than the model\'s max_position_embeddings 16: positions beyond it were never trained, so its prediction says little (--max-seq-len cuts texts)']);
  assert.deepEqual((await probs(far, '--max-seq-len', '16')).warnings.filter((w) => w.includes('max_position_embeddings')), []);
  // over a run's max_seq_len (4): the flag's
  const run = path.join(dir, 'run-flag');
  fs.cpSync(model, path.join(run, 'model'), { recursive: true });
  fs.writeFileSync(path.join(run, 'config.yaml'), `model: ${model}\ntask: classification\nlabels: [a, b]\nmethod: full\nmax_seq_len: 4\ndata: {train: t.jsonl}\n`);
  const byRun = await inProcess(['classify', '--run', run, '--device', 'cpu', '--text', text, '--json', '--max-seq-len', '16']);
  assert.equal(byRun.code, 0, byRun.err);
  assert.deepEqual(byRun.err.split('\n').filter((l) => l.startsWith('warning')), []);
  assert.deepEqual((JSON.parse(byRun.out) as { probs: Record<string, number> }).probs, Object.fromEntries(Object.entries(whole.probs).map(([, p], i) => [['a', 'b'][i]!, p])));
  // as eval takes it: an integer of at least 2, in one line
  const bad = await cli('--text', text, '--max-seq-len', '1');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^error: --max-seq-len must be an integer ≥ 2, got "1"$/m);
});

test('classify: a text past the context of a model whose rope is "dynamic" is refused before any is scored, naming --max-seq-len, which cuts it', async () => {
  // before: the forward pass refused it with "keep rows within 16 tokens", which classify had no way to do
  const dyn = await makeTokenizerModel(path.join(dir, 'cls-dynamic'), 0, { classes: 2, config: { max_position_embeddings: 16, rope_scaling: { type: 'dynamic', factor: 2 } } });
  const far = 'a long text of many words '.repeat(4);
  const r = await inProcess(['classify', '--model', dyn, '--device', 'cpu', '--text', far]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /^error: --text: "dynamic" rope scaling \(rope_parameters\) changes its frequencies for inputs longer than max_position_embeddings 16, which is not supported; here they reach \d+ tokens: --max-seq-len 16 cuts the texts$/m);
  const cut = await inProcess(['classify', '--model', dyn, '--device', 'cpu', '--text', far, '--max-seq-len', '16']);
  assert.equal(cut.code, 0, cut.err);
});

/**
 * The max_seq_len warnings of `classify --run RUN --text T` (T longer than the run's max_seq_len 4), RUN a full
 * classification run over a copy of the model whose files `edit` changes first.
 */
async function cutTextWarnings(name: string, edit: (modelDir: string) => void): Promise<string[]> {
  const run = path.join(dir, name);
  fs.cpSync(model, path.join(run, 'model'), { recursive: true });
  edit(path.join(run, 'model'));
  fs.writeFileSync(path.join(run, 'config.yaml'), `model: ${model}\ntask: classification\nlabels: [a, b]\nmethod: full\nmax_seq_len: 4\ndata: {train: t.jsonl}\n`);
  const r = await inProcess(['classify', '--run', run, '--device', 'cpu', '--text', 'a text of many words', '--json']);
  assert.equal(r.code, 0, r.err);
  return r.err.split('\n').filter((l) => l.includes('max_seq_len'));
}

test('classify --run: a text cut by a tokenizer that ends a text with EOS ("<s> $A </s>") is said to be classified on its first tokens and that EOS, which the cut keeps', async () => {
  // was "only its first 4 tokens are classified", where the row classified is BOS, 2 tokens of the text and EOS
  const warnings = await cutTextWarnings('run-eos', (modelDir) => {
    const tokenizerFile = path.join(modelDir, 'tokenizer.json');
    const json = JSON.parse(fs.readFileSync(tokenizerFile, 'utf8')) as { post_processor: { single: unknown[]; special_tokens: Record<string, unknown> } };
    json.post_processor.single.push({ SpecialToken: { id: '</s>', type_id: 0 } });
    json.post_processor.special_tokens['</s>'] = { id: '</s>', ids: [2], tokens: ['</s>'] };
    fs.writeFileSync(tokenizerFile, JSON.stringify(json));
  });
  assert.deepEqual(warnings,
    ['warning: the text is longer than the run\'s max_seq_len (4 tokens; --max-seq-len raises it) and was cut to it, as training cuts them: only its first 3 tokens and the "</s>" the tokenizer puts after a text are classified']);
});

// tokenizer_config.json's truncation_side "left" keeps the end of a cut text (classification-text.ts), as transformers'
// tokenizer(text, truncation=True) does; the warning said "only its first 4 tokens are classified" all the same
test('classify --run: a text cut by a tokenizer whose truncation_side is "left" is said to be classified on its last tokens after the BOS', async () => {
  const warnings = await cutTextWarnings('run-left', (modelDir) => {
    const configFile = path.join(modelDir, 'tokenizer_config.json');
    fs.writeFileSync(configFile, JSON.stringify({ ...(JSON.parse(fs.readFileSync(configFile, 'utf8')) as object), truncation_side: 'left' }));
  });
  assert.deepEqual(warnings,
    ['warning: the text is longer than the run\'s max_seq_len (4 tokens; --max-seq-len raises it) and was cut to it, as training cuts them: only the "<s>" and its last 3 tokens are classified (the tokenizer\'s truncation_side is "left")']);
});

test('classify: a text holding the text of a special token is read as that token, as transformers reads it, and said once with the first place (was: the whole file stopped there)', async () => {
  const file = path.join(dir, 'special.txt');
  fs.writeFileSync(file, 'fine\ngood</s>film\nbad <unk> film\n');
  const r = await cli('--data', file, '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 3);
  assert.deepEqual(r.stderr.split('\n').filter((l) => l.includes('special token')),
    [`warning: 2 of 3 texts hold the text of a special token ("</s>", the first at ${file}:2), read as that token, as transformers' tokenizer reads it (training refuses such text)`]);
  const one = await cli('--text', 'good</s>film', '--json');
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stderr, /^warning: the text holds the text of a special token \("<\/s>"\), read as that token/m);
  const alone = JSON.parse(one.stdout) as { probs: Record<string, number> };
  const inFile = JSON.parse(r.stdout.split('\n')[1]!) as { probs: Record<string, number> };
  for (const c of Object.keys(alone.probs)) assert.ok(Math.abs(inFile.probs[c]! - alone.probs[c]!) < 1e-6, 'the same text, the same ids');
});

test('classify: a --text of spaces alone is said to be blank, not empty (was: "--text is empty" for "   ")', async () => {
  const said = async (text: string): Promise<string> => {
    const r = await cli('--text', text);
    assert.equal(r.status, 2, r.stderr);
    return r.stderr.trim();
  };
  assert.equal(await said(''), 'error: --text is empty: give the text to classify');
  assert.equal(await said('   '), 'error: --text is blank (whitespace only): give the text to classify');
  assert.equal(await said('\u200B'), 'error: --text holds only control or zero-width characters, no text: give the text to classify');
});

test('classify --json: "probs" lists the classes in class order, an integer-like name ("5") too (was: first, as a JS object orders such keys)', async () => {
  const r = await cli('--text', 'short', '--json', '--labels', 'b,5');
  assert.equal(r.status, 0, r.stderr);
  // read as text: JSON.parse (as a JS object) would reorder the keys again; Python's json keeps the file's order
  assert.match(r.stdout, /"probs":\{"b":[0-9.e-]+,"5":[0-9.e-]+\}/);
});
