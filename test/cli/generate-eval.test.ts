// The generate command (chat template, --messages, --raw, seeded sampling, streaming) and eval on data
// that prepare accepts (raw records, a prepare output, classification from a run), through the real CLI. generate,
// eval, classify, prepare and export run through main() in this process (in-process-cli.ts: the same exit status,
// stdout and stderr), where a process each cost ~1 CPU-s of start-up for a few ms of work; the first generate runs as a
// process of its own, as a user runs it, and so does the seeded one its in-process twin is compared with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deadPid, FIXTURES, makeTokenizerModel } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { trainLikeCli } from '../train/train-like-cli.ts';
import { cli as inProcess } from './in-process-cli.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const EXAMPLES = path.join(FIXTURES, '..', '..', 'examples', 'data');
const tmp = (): string => tempDir('mt-cli-');
/** The command in a process of its own, as a user runs it. */
const spawned = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
/** The command through main() in this process. */
async function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const r = await inProcess(args);
  return { status: r.code, stdout: r.out, stderr: r.err };
}
const dir = tmp();
const model = await makeTokenizerModel(path.join(dir, 'model'));
let qa: string | undefined;
/** The countries Q&A prepared for the model, once for the eval and generate --run tests (a prepare reads and tokenizes the whole file). */
async function preparedQa(): Promise<string> {
  if (qa === undefined) {
    const out = path.join(dir, 'prepared');
    const prep = await cli('prepare', '--input', path.join(EXAMPLES, 'countries-qa.jsonl'), '--out', out, '--tokenizer', model);
    assert.equal(prep.status, 0, prep.stderr);
    qa = out;
  }
  return qa;
}

test('generate: chat prompt, streamed text, seeded sampling is reproducible', async () => {
  const greedy = spawned('generate', '--model', model, '--prompt', 'What is the capital of Peru?', '--max-new-tokens', '8');
  assert.equal(greedy.status, 0, greedy.stderr);
  assert.ok(greedy.stdout.trim().length > 0);
  const a = await cli('generate', '--model', model, '--prompt', 'Hi', '--max-new-tokens', '8', '--temperature', '1', '--top-p', '0.9', '--seed', '4');
  // the same seed in another process: the same text
  const b = spawned('generate', '--model', model, '--prompt', 'Hi', '--max-new-tokens', '8', '--temperature', '1', '--top-p', '0.9', '--seed', '4');
  assert.equal(a.stdout, b.stdout);
  const penalised = await cli('generate', '--model', model, '--prompt', 'Hi', '--max-new-tokens', '8', '--repetition-penalty', '1.3');
  assert.equal(penalised.status, 0, penalised.stderr);
  const messages = path.join(dir, 'chat.json');
  fs.writeFileSync(messages, JSON.stringify([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }]));
  assert.equal((await cli('generate', '--model', model, '--messages', messages, '--max-new-tokens', '4')).status, 0);
  assert.equal((await cli('generate', '--model', model, '--prompt', 'Once upon a time', '--raw', '--max-new-tokens', '4')).status, 0);
});

test('generate: bad input is a one-line error', async () => {
  const both = await cli('generate', '--model', model, '--prompt', 'x', '--messages', 'y.json');
  assert.equal(both.status, 2);
  assert.match(both.stderr, /exactly one of --prompt or --messages/);
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify([{ role: 'robot', content: 'x' }]));
  const r = await cli('generate', '--model', model, '--messages', bad);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^error: \S+bad\.json: messages\[0\]\.role is "robot"; roles are system, user, assistant/m);
});

test('eval: raw records and a prepare output give the same loss; --json is one object', async () => {
  const out = await preparedQa();
  const prepared = await cli('eval', '--model', model, '--data', path.join(out, 'test.jsonl'), '--json');
  assert.equal(prepared.status, 0, prepared.stderr);
  const r = JSON.parse(prepared.stdout) as { loss: number; perplexity: number; tokens: number };
  assert.deepEqual(Object.keys(r).sort(), ['loss', 'perplexity', 'tokens']);
  assert.ok(r.loss > 5 && r.tokens > 100);
  // the same records as raw JSONL (the prepare output's extra fields are ignored)
  const raw = path.join(dir, 'raw.jsonl');
  fs.writeFileSync(raw, fs.readFileSync(path.join(out, 'test.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const { id: _id, source: _s, ...rec } = JSON.parse(l) as Record<string, unknown>;
    return JSON.stringify(rec);
  }).join('\n') + '\n');
  const again = JSON.parse((await cli('eval', '--model', model, '--data', raw, '--json', '--batch-size', '3')).stdout) as { loss: number; tokens: number };
  assert.equal(again.tokens, r.tokens);
  assert.ok(Math.abs(again.loss - r.loss) < 1e-5 * r.loss);
});

test("eval of a prepare output renders each chat with its chat_template_kwargs: the loss of the chats with {enable_thinking: false} is the one of a template that writes them without thinking", async () => {
  // a template that reads enable_thinking (absent: on), and the same without its thinking: they render the records alike only where the variable is false
  const body = (thinking: string) => `{% for m in messages %}{% if m.role == 'user' %}[INST] {{ m.content }} [/INST]{% else %}${thinking} {{ m.content }}{{ eos_token }}{% endif %}{% endfor %}`;
  const withTemplate = (name: string, template: string): string => {
    const folder = path.join(dir, name);
    fs.cpSync(model, folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'chat_template.jinja'), template);
    return folder;
  };
  const thinking = withTemplate('kwargs-model', `{% set thinking = enable_thinking is not defined or enable_thinking %}${body('{% if thinking %} Let me think it through.{% endif %}')}`);
  const never = withTemplate('no-thinking-model', body(''));
  const chats = [['Capital of France?', 'Paris.'], ['Capital of Peru?', 'Lima.'], ['Capital of Chad?', "N'Djamena."]]
    .map(([q, a]) => ({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] }));
  const input = (name: string, kwargs: Record<string, unknown> | null): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, chats.map((c) => JSON.stringify(kwargs === null ? c : { ...c, chat_template_kwargs: kwargs })).join('\n') + '\n');
    return file;
  };
  const out = path.join(dir, 'prepared-kwargs');
  const prep = await cli('prepare', '--input', input('kwargs.jsonl', { enable_thinking: false }), '--out', out, '--tokenizer', thinking, '--split', '1,0,0');
  assert.equal(prep.status, 0, prep.stderr);
  assert.match(fs.readFileSync(path.join(out, 'train.jsonl'), 'utf8'), /"chat_template_kwargs":\{"enable_thinking":false\}/);
  const loss = async (m: string, data: string) => {
    const r = await cli('eval', '--model', m, '--data', data, '--json');
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { loss: number; tokens: number };
  };
  const given = await loss(thinking, path.join(out, 'train.jsonl'));
  const without = await loss(never, input('plain.jsonl', null));
  assert.equal(given.tokens, without.tokens);
  assert.ok(Math.abs(given.loss - without.loss) < 1e-6 * without.loss, `${given.loss} vs ${without.loss}`);
  // the variables matter: the same chats without them think, and score otherwise
  const thought = await loss(thinking, input('thinking.jsonl', null));
  assert.notEqual(thought.tokens, given.tokens);
});

test('eval --run on classification data: accuracy, macro-F1 and the confusion matrix', async () => {
  const out = path.join(dir, 'cls');
  assert.equal((await cli('prepare', '--input', path.join(EXAMPLES, 'countries-continent.csv'), '--task', 'classification', '--out', out, '--tokenizer', model)).status, 0);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as { labels: string[] };
  const config = path.join(dir, 'cls.yaml');
  fs.writeFileSync(config, [
    `model: ${model}`, 'task: classification', `labels: ${JSON.stringify(report.labels)}`,
    `data: {train: ${path.join(out, 'train.jsonl')}, val: ${path.join(out, 'val.jsonl')}}`,
    'batch_size: 8', 'max_steps: 3', 'eval: {samples: 0}', `output_dir: ${path.join(dir, 'cls-run')}`,
  ].join('\n') + '\n');
  trainLikeCli(config); // in this process, as the CLI trains it: the run is what eval is given
  const r = await cli('eval', '--run', path.join(dir, 'cls-run'), '--data', path.join(out, 'test.jsonl'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout) as { accuracy: number; macro_f1: number; confusion: number[][]; labels: string[]; examples: number };
  assert.deepEqual(m.labels, report.labels);
  assert.equal(m.confusion.length, report.labels.length);
  assert.equal(m.confusion.flat().reduce((a, b) => a + b, 0), m.examples);
  assert.ok(m.accuracy >= 0 && m.accuracy <= 1 && m.macro_f1 >= 0 && m.macro_f1 <= 1);
  const text = await cli('eval', '--run', path.join(dir, 'cls-run'), '--data', path.join(out, 'test.jsonl'));
  assert.match(text.stdout, /accuracy .* macro-F1/);
  assert.match(text.stdout, /^label +precision +recall +F1 +support$/m);
  assert.match(text.stdout, /^weighted-F1 \d\.\d{4} {2}micro-F1 \d\.\d{4}$/m);
  assert.match(text.stdout, /true \\ pred/);
  // its SEQ_CLS adapter scored as a language model would apply it to an LM head it never trained with
  const gen = await cli('eval', '--run', path.join(dir, 'cls-run'), '--data', path.join(out, 'test.jsonl'), '--task', 'generation');
  assert.equal(gen.status, 2, gen.stderr);
  assert.match(gen.stderr, /^error: \S+adapter: task generation: a classification adapter \(task_type SEQ_CLS\) predicts labels, not text/m);
  const text2 = await cli('generate', '--run', path.join(dir, 'cls-run'), '--prompt', 'Hi');
  assert.equal(text2.status, 2);
  assert.match(text2.stderr, /^error: \S+cls-run: a classification run \(task: classification\) predicts labels, not text: use mistral-tune classify --run for it$/m);
});

test('generate --run: a run\'s base model, adapter and tokenizer, as --model with --adapter gives them; a classification run is refused', async () => {
  const data = await preparedQa();
  const config = path.join(dir, 'gen.yaml'), run = path.join(dir, 'gen-run');
  fs.writeFileSync(config, [`model: ${model}`, `data: {train: ${path.join(data, 'train.jsonl')}, val: ${path.join(data, 'val.jsonl')}}`,
    'lora: {r: 4}', 'optimizer: {lr: 0.01}', 'batch_size: 4', 'max_steps: 2', 'eval: {samples: 0}', `output_dir: ${run}`].join('\n') + '\n');
  trainLikeCli(config);
  const prompt = ['--prompt', 'What is the capital of Peru?', '--max-new-tokens', '8'];
  const viaRun = await cli('generate', '--run', run, ...prompt);
  assert.equal(viaRun.status, 0, viaRun.stderr);
  assert.equal(viaRun.stdout, (await cli('generate', '--model', model, '--adapter', path.join(run, 'adapter'), ...prompt)).stdout);
  assert.equal((await cli('generate', '--run', run, '--best', ...prompt)).status, 0);
  const both = await cli('generate', '--run', run, '--model', model, ...prompt);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /^error: give either a run \(--run\) or a model folder \(--model, with --adapter\), not both: a run names its own model and adapter$/m);
  const none = await cli('generate', ...prompt);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /a model folder \(--model\), a run \(--run\) or an adapter folder whose adapter_config.json names its base \(--adapter\) is required/);
});

test('eval --model on a merged classification export is classification (config.json names MistralForSequenceClassification)', async () => {
  // runs after the test above, which trained cls-run (its base model ties the embeddings: the export keeps an LM head)
  const merged = path.join(dir, 'cls-merged');
  const exported = await cli('export', '--run', path.join(dir, 'cls-run'), '--out', merged, '--merge');
  assert.equal(exported.status, 0, exported.stderr);
  const data = path.join(dir, 'cls', 'test.jsonl');
  const viaRun = await cli('eval', '--run', path.join(dir, 'cls-run'), '--data', data, '--json');
  const viaModel = await cli('eval', '--model', merged, '--data', data, '--json', '--batch-size', '3');
  assert.equal(viaModel.status, 0, viaModel.stderr);
  const a = JSON.parse(viaRun.stdout) as { loss: number; accuracy: number; labels: string[] };
  const b = JSON.parse(viaModel.stdout) as { loss: number; accuracy: number; labels: string[] };
  assert.deepEqual(Object.keys(b).sort(), ['accuracy', 'confusion', 'examples', 'labels', 'loss', 'macro_f1', 'micro_f1', 'per_class', 'weighted_f1']);
  assert.deepEqual(b.labels, a.labels);
  assert.equal(b.accuracy, a.accuracy);
  assert.ok(Math.abs(b.loss - a.loss) < 1e-4 * Math.abs(a.loss), `${b.loss} vs ${a.loss}`);
  const gen = await cli('eval', '--model', merged, '--data', data, '--task', 'generation');
  assert.equal(gen.status, 2, gen.stderr);
  assert.match(gen.stderr, /task generation: a classification model \(a score head, no trained LM head\) predicts labels, not text/);
});

test('classify: the run\'s predictions for unlabelled texts, the same as eval scores; --text, --data (JSONL, plain lines), --out; refusals', async () => {
  // runs after the tests above (cls-run, cls-merged)
  const run = path.join(dir, 'cls-run'), data = path.join(dir, 'cls', 'test.jsonl');
  const r = await cli('classify', '--run', run, '--data', data, '--json', '--batch-size', '3');
  assert.equal(r.status, 0, r.stderr);
  const records = fs.readFileSync(data, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; text: string; label: string });
  const preds = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: number; id: string; label: string; probs: Record<string, number> });
  assert.equal(preds.length, records.length);
  preds.forEach((p, i) => {
    assert.deepEqual([p.line, p.id], [i + 1, records[i]!.id]);
    const probs = Object.entries(p.probs);
    assert.ok(Math.abs(probs.reduce((s, [, x]) => s + x, 0) - 1) < 1e-9);
    assert.equal(p.label, probs.reduce((a, b) => (b[1] > a[1] ? b : a))[0], 'the label is the most probable class');
  });
  const evaluated = JSON.parse((await cli('eval', '--run', run, '--data', data, '--json')).stdout) as { accuracy: number };
  const accuracy = preds.filter((p, i) => p.label === records[i]!.label).length / preds.length;
  assert.ok(Math.abs(accuracy - evaluated.accuracy) < 1e-12, `classify's accuracy ${accuracy}, eval's ${evaluated.accuracy}`);
  // one text, as the run and as its merged export
  const text = records[0]!.text;
  const one = await cli('classify', '--run', run, '--text', text, '--json');
  assert.equal(one.status, 0, one.stderr);
  const a = JSON.parse(one.stdout) as { label: string; probs: Record<string, number> };
  assert.equal(a.label, preds[0]!.label);
  const merged = JSON.parse((await cli('classify', '--model', path.join(dir, 'cls-merged'), '--text', text, '--json')).stdout) as typeof a;
  assert.equal(merged.label, a.label);
  for (const [c, p] of Object.entries(a.probs)) assert.ok(Math.abs(merged.probs[c]! - p) < 1e-4, `${c}: ${merged.probs[c]} vs ${p}`);
  // --labels naming the run's own classes in another order would swap every prediction (and eval's accuracy): refused
  const classes = Object.keys(a.probs); // the run's classes, in index order
  for (const command of [['classify', '--text', text], ['eval', '--data', data]]) {
    const swapped = await cli(command[0]!, '--run', run, ...command.slice(1), '--labels', [...classes].reverse().join(','));
    assert.equal(swapped.status, 2, swapped.stderr);
    assert.match(swapped.stderr, new RegExp(`^error: --labels: "${classes.at(-1)}" is class ${classes.length - 1} of the run's classes \\(${classes.join(', ')}, in index order\\), not class 0: .* would swap them`, 'm'));
  }
  const merged2 = await cli('classify', '--model', path.join(dir, 'cls-merged'), '--text', text, '--labels', [...classes].reverse().join(','));
  assert.match(merged2.stderr, /--labels: .* of the classes of config\.json's id2label/);
  const human = await cli('classify', '--run', run, '--text', text);
  assert.match(human.stdout, new RegExp(`^${a.label} +\\d\\.\\d{4}\\n$`));
  // plain lines, --out
  const lines = path.join(dir, 'texts.txt');
  fs.writeFileSync(lines, `${records[0]!.text}\n\n  ${records[1]!.text}\r\n`);
  const out = path.join(dir, 'preds.jsonl');
  assert.equal((await cli('classify', '--run', run, '--data', lines, '--out', out)).status, 0);
  assert.deepEqual(fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { line: number; label: string })).map((p) => [p.line, p.label]),
    [[1, preds[0]!.label], [3, preds[1]!.label]]);
  // killed between putting the file in place (a hard link) and removing its temporary name: the refusal removes that
  const dead = deadPid();
  const secondName = path.join(dir, `.preds.jsonl.${dead}.1.tmp`);
  fs.linkSync(out, secondName);
  const again = await cli('classify', '--run', run, '--data', lines, '--out', out);
  assert.equal(again.status, 2);
  // the way out said too (was "the output file exists (classify writes a new file)" alone)
  assert.equal(again.stderr.split('\n').filter((l) => l.startsWith('error')).join('\n'), `error: ${out}: the output file exists (classify writes a new file): remove it, or give --out another name`);
  assert.equal(fs.existsSync(secondName), false);
  // a symbolic link of the user's at --out, even one to nothing, is a file that exists: kept, not replaced by the output
  const link = path.join(dir, 'link-preds.jsonl');
  fs.symlinkSync(path.join(dir, 'nowhere', 'preds.jsonl'), link);
  const linked = await cli('classify', '--run', run, '--data', lines, '--out', link);
  assert.equal(linked.status, 2);
  assert.match(linked.stderr, /link-preds\.jsonl: the output file exists/);
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  // an --out that cannot be written is said at once, in one line (a file where a folder should be crashed with an ENOTDIR stack trace)
  for (const [where, why] of [[path.join(lines, 'preds.jsonl'), 'cannot write: a path component is not a folder (ENOTDIR)'],
    [path.join(dir, 'no-such', 'preds.jsonl'), `cannot write: the folder ${path.join(dir, 'no-such')} does not exist (classify makes none)`]]) {
    const unwritable = await cli('classify', '--run', run, '--data', lines, '--out', where);
    assert.equal(unwritable.status, 2, unwritable.stderr);
    assert.deepEqual(unwritable.stderr.split('\n').filter((l) => /error|\s+at /.test(l)), [`error: ${where}: ${why}`]);
    assert.doesNotMatch(unwritable.stderr, /^classify /m, 'said before any text is classified');
  }
  const generation = await cli('classify', '--model', model, '--text', 'x');
  assert.equal(generation.status, 2);
  assert.match(generation.stderr, /not a classification model/);
  const bad = path.join(dir, 'bad-texts.jsonl');
  fs.writeFileSync(bad, '{"text": "fine"}\n{"body": "no text field"}\n');
  const noField = await cli('classify', '--run', run, '--data', bad);
  assert.equal(noField.status, 2);
  assert.match(noField.stderr, /bad-texts\.jsonl:2: no "text" field/);
  // a JSON array on one line: its records share line 1, so each is also named by its number
  const oneLine = path.join(dir, 'one-line.json');
  fs.writeFileSync(oneLine, JSON.stringify([{ text: records[0]!.text }, { text: records[1]!.text }]));
  const numbered = await cli('classify', '--run', run, '--data', oneLine, '--json');
  assert.equal(numbered.status, 0, numbered.stderr);
  assert.deepEqual(numbered.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: number; record: number; label: string }).map((p) => [p.line, p.record, p.label]),
    [[1, 1, preds[0]!.label], [1, 2, preds[1]!.label]]);
  assert.match((await cli('classify', '--run', run, '--data', oneLine)).stdout, /^.*one-line\.json:1 \(record 2\)  /m);
  fs.writeFileSync(oneLine, JSON.stringify([{ text: 'fine' }, { body: 'no text field' }]));
  assert.match((await cli('classify', '--run', run, '--data', oneLine)).stderr, /one-line\.json:1 \(record 2\): no "text" field/);
  fs.writeFileSync(oneLine, JSON.stringify([{ body: 'no text field' }, { text: 'fine' }]));
  assert.match((await cli('classify', '--run', run, '--data', oneLine)).stderr, /one-line\.json:1 \(record 1\): no "text" field/);
  // the ids as the records spell them (a 64-bit key beyond 2^53 unchanged: JavaScript's number would be
  // 12345678901234567000); a number or boolean where the text is expected read as prepare reads it, as the file spells it
  const ids = path.join(dir, 'ids.jsonl');
  fs.writeFileSync(ids, '{"id": 12345678901234567890, "text": 3.50}\n{"id": 1.0, "text": "fine"}\n{"id": "a", "text": true}\n{"id": {"k": [1, 2.50]}, "text": "x"}\n');
  const byId = await cli('classify', '--run', run, '--data', ids, '--json');
  assert.equal(byId.status, 0, byId.stderr);
  const idLines = byId.stdout.trim().split('\n');
  assert.deepEqual(idLines.map((l) => l.slice(0, l.indexOf(',"label"'))), ['{"line":1,"id":12345678901234567890', '{"line":2,"id":1.0', '{"line":3,"id":"a"', '{"line":4,"id":{"k":[1,2.5]}']);
  for (const [i, text] of [[0, '3.50'], [2, 'true']] as const) { // batched with others, so to rounding
    const got = (JSON.parse(idLines[i]!) as { probs: Record<string, number> }).probs;
    const alone = (JSON.parse((await cli('classify', '--run', run, '--text', text, '--json')).stdout) as { probs: Record<string, number> }).probs;
    for (const c of classes) assert.ok(Math.abs(got[c]! - alone[c]!) < 1e-6, `the text ${text}, class ${c}: ${got[c]} against ${alone[c]}`);
  }
  fs.writeFileSync(ids, '{"text": {"a": 1}}\n');
  assert.match((await cli('classify', '--run', run, '--data', ids)).stderr, /ids\.jsonl:1: "text" is an object, not a string/);
});

test('classify: a text longer than the run\'s max_seq_len (1024) is cut to it as training cuts it, counted in one warning naming the first; none when all fit', async () => {
  // runs after the tests above (cls-run); before, the cut was silent: the prediction read only the first 1024 tokens
  const run = path.join(dir, 'cls-run'), file = path.join(dir, 'long-texts.txt');
  const long = 'Paris is a city in Europe. '.repeat(200);
  fs.writeFileSync(file, `Lima\n${long}\nQuito\n${long}\n`);
  const r = await cli('classify', '--run', run, '--data', file, '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 4);
  assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('warning')),
    [`warning: 2 of 4 texts are longer than the run's max_seq_len (1024 tokens; --max-seq-len raises it) and were cut to it, as training cuts them: only their first 1024 tokens are classified (the first: ${file}:2)`]);
  const one = await cli('classify', '--run', run, '--text', long);
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stderr, /^warning: the text is longer than the run's max_seq_len \(1024 tokens; --max-seq-len raises it\) and was cut to it, as training cuts them: only its first 1024 tokens are classified$/m);
  assert.doesNotMatch((await cli('classify', '--run', run, '--text', 'Lima')).stderr, /warning/);
});

test('eval --run: rows its run\'s max_seq_len cuts are warned of naming that limit and --max-seq-len to raise it, as classify names it (was: "raise --max-seq-len", a flag not given)', async () => {
  const data = await preparedQa();
  const config = path.join(dir, 'short.yaml'), run = path.join(dir, 'short-run');
  fs.writeFileSync(config, [`model: ${model}`, `data: {train: ${path.join(data, 'train.jsonl')}, val: ${path.join(data, 'val.jsonl')}}`,
    'lora: {r: 4}', 'max_seq_len: 32', 'batch_size: 4', 'max_steps: 1', 'eval: {samples: 0}', `output_dir: ${run}`].join('\n') + '\n');
  trainLikeCli(config);
  const rows = path.join(dir, 'long-rows.jsonl');
  fs.writeFileSync(rows, JSON.stringify({ text: 'word '.repeat(200) }) + '\n');
  const cut = /^warning: \S+long-rows\.jsonl: [\d,]+ of its [\d,]+ tokens \(\d+%\) are left out: 1 row is cut to (.*)$/m;
  const fromRun = await cli('eval', '--run', run, '--data', rows, '--json');
  assert.equal(fromRun.status, 0, fromRun.stderr);
  // worded as classify's cut warning and load-rows' "every record was dropped" word it (maxSeqLenLimit); was "cut to 32 tokens (the run's max_seq_len): give a larger --max-seq-len"
  assert.deepEqual(cut.exec(fromRun.stderr)?.slice(1), ["the run's max_seq_len (32 tokens; --max-seq-len raises it): raise it, or split the rows"]);
  const given = await cli('eval', '--run', run, '--data', rows, '--max-seq-len', '24', '--json');
  assert.deepEqual(cut.exec(given.stderr)?.slice(1), ['--max-seq-len (24 tokens): raise it, or split the rows']);
});
