// A CSV label column of words keeps every label as written ("-1", "007"), as HF datasets' csv loader and
// run_classification.py keep them: the whole path does — prepare's report.json, train taking its class list from there,
// the run's classes, and eval's tables and --json labels. prepare and eval run through main() in this process
// (in-process-cli.ts), train as the CLI trains (train-like-cli.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTokenizerModel } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { trainLikeCli } from '../train/train-like-cli.ts';
import { cli as inProcess } from './in-process-cli.ts';

async function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const r = await inProcess(args);
  return { status: r.code, stdout: r.out, stderr: r.err };
}

const dir = tempDir('mt-word-labels-');
const model = await makeTokenizerModel(path.join(dir, 'model'));
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

/**
 * A CSV (or, `jsonl`, a JSON Lines file of string labels) of 24 distinct texts labelled in turn with `labels`, prepared,
 * trained 2 steps (its classes from report.json), and evaluated on its test split.
 */
async function preparedTrainedEvaluated(name: string, labels: string[], jsonl = false): Promise<{ report: { labels: unknown[] }; json: { labels: string[]; per_class: Array<{ label: string }> }; text: string }> {
  const texts = Array.from({ length: 24 }, (_, i) => `${WORDS[i % 12]} ${WORDS[(i * 5 + 3) % 12]} ${WORDS[(i * 7 + 1) % 12]} number ${i}`);
  const input = path.join(dir, `${name}.${jsonl ? 'jsonl' : 'csv'}`), out = path.join(dir, name);
  fs.writeFileSync(input, jsonl ? texts.map((text, i) => JSON.stringify({ text, label: labels[i % labels.length] }) + '\n').join('')
    : 'text,label\n' + texts.map((text, i) => `${text},${labels[i % labels.length]}\n`).join(''));
  const prep = await cli('prepare', '--input', input, '--task', 'classification', '--out', out, '--tokenizer', model, '--split', '0.5,0,0.5', '--dedup', 'exact');
  assert.equal(prep.status, 0, prep.stderr);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as { labels: unknown[] };
  const config = path.join(dir, `${name}.yaml`);
  // no labels: train takes report.json's beside data.train
  fs.writeFileSync(config, [`model: ${model}`, 'task: classification', `data: {train: ${path.join(out, 'train.jsonl')}, val: null, test: null}`,
    'batch_size: 4', 'max_steps: 2', 'eval: {samples: 0}', `output_dir: ${path.join(dir, `${name}-run`)}`].join('\n') + '\n');
  trainLikeCli(config);
  const evaluated = await cli('eval', '--run', path.join(dir, `${name}-run`), '--data', path.join(out, 'test.jsonl'), '--json');
  assert.equal(evaluated.status, 0, evaluated.stderr);
  const text = await cli('eval', '--run', path.join(dir, `${name}-run`), '--data', path.join(out, 'test.jsonl'));
  assert.equal(text.status, 0, text.stderr);
  return { report, json: JSON.parse(evaluated.stdout) as { labels: string[]; per_class: Array<{ label: string }> }, text: text.stdout };
}

test('a CSV word column with "-1" and "007": prepare, train (classes from report.json) and eval keep every class as written', async () => {
  // before: train refused report.json's "-1" ('cls.yaml: labels.0: "-1" is not a class name')
  const names = ['-1', '007', 'neg', 'pos'];
  const r = await preparedTrainedEvaluated('minus', ['pos', '-1', 'neg', '007']);
  assert.deepEqual(r.report.labels, names);
  assert.deepEqual(r.json.labels, names);
  assert.deepEqual(r.json.per_class.map((c) => c.label), names);
  assert.match(r.text, /^true \\ pred +-1 +007 +neg +pos$/m);
});

test('a CSV word column with "007" and no "-1": eval of the run names the class "007", as report.json and classify do', async () => {
  // before: eval printed "7" (the class names read by value) in its tables and --json labels
  const names = ['007', 'neg', 'neu', 'pos'];
  const r = await preparedTrainedEvaluated('zeros', ['pos', 'neu', 'neg', '007']);
  assert.deepEqual(r.report.labels, names);
  assert.deepEqual(r.json.labels, names);
  assert.match(r.text, /^007 /m);
  assert.match(r.text, /^true \\ pred +007 +neg +neu +pos$/m);
});

test('a JSON Lines field of strings ("7", "-1", "007", "10"): prepare, train and eval keep each as written, in run_classification.py\'s order', async () => {
  // HF (datasets 5.0.1 load_dataset("json"), run_classification.py): Value('string'), label_to_id {'-1': 0, '007': 1, '10': 2, '7': 3}
  // before: prepare read them by value: "-1" rejected as no label, "007" and "7" one class 7, classes [7, 10]
  const names = ['-1', '007', '10', '7'];
  const r = await preparedTrainedEvaluated('json-strings', ['7', '-1', '007', '10'], true);
  assert.deepEqual(r.report.labels, names);
  assert.deepEqual(r.json.labels, names);
  assert.deepEqual(r.json.per_class.map((c) => c.label), names);
  assert.match(r.text, /^true \\ pred +-1 +007 +10 +7$/m);
});
