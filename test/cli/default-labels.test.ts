// Class names where none are given (no --labels, no run, no id2label in config.json): classify and eval name the
// classes as transformers does (PretrainedConfig's default id2label: LABEL_0, LABEL_1, …), not by their bare index;
// names that are given, even "0" and "1", are kept.
// classify and eval run through main() in this process (in-process-cli.ts: the same exit status, stdout and stderr),
// where a process each cost ~1 CPU-s of start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classificationText, reportedClassNames } from '../../src/cli/eval-thread.ts';
import { makeTokenizerModel } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli as inProcess } from './in-process-cli.ts';

/** The command through main() in this process. */
async function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const r = await inProcess(args);
  return { status: r.code, stdout: r.out, stderr: r.err };
}

/**
 * A 2-class MistralForSequenceClassification folder whose config.json has no id2label or label2id (as transformers
 * saves one with its default 2 labels), with the bundled tokenizer.
 */
async function classifierWithoutId2label(): Promise<string> {
  const dir = await makeTokenizerModel(path.join(tempDir('mt-default-labels-'), 'cls'), 3, { classes: 2 });
  const file = path.join(dir, 'config.json');
  const { id2label: _, label2id: __, ...rest } = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify(rest));
  return dir;
}

const model = await classifierWithoutId2label();

test('classify: LABEL_0 / LABEL_1 for a 2-class model without id2label (text and --json), and a warning that says so', async () => {
  const json = await cli('classify', '--model', model, '--text', 'a short text', '--json');
  assert.equal(json.status, 0, json.stderr);
  const out = JSON.parse(json.stdout) as { label: string; probs: Record<string, number> };
  assert.deepEqual(Object.keys(out.probs), ['LABEL_0', 'LABEL_1']);
  assert.ok(out.label === 'LABEL_0' || out.label === 'LABEL_1', out.label);
  assert.match(json.stderr, /^warning: the class names are not known \(.*\): classes are shown as transformers names them \(LABEL_0 to LABEL_1\)$/m);
  const text = await cli('classify', '--model', model, '--text', 'a short text');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^LABEL_[01]  0\.\d{4}\n$/);
  assert.equal(text.stdout.split(/\s+/)[0], out.label);
  const named = JSON.parse((await cli('classify', '--model', model, '--text', 'a short text', '--json', '--labels', '0,1')).stdout) as typeof out;
  assert.deepEqual(Object.keys(named.probs), ['0', '1'], 'names given are kept, even integers');
});

test('eval: integer classes with no names anywhere are reported as LABEL_0, LABEL_1; names given (--labels 0,1) or in the data are kept', async () => {
  const data = path.join(path.dirname(model), 'data.jsonl');
  fs.writeFileSync(data, [['a short text', 0], ['another one', 1], ['a third', 1]].map(([text, label]) => JSON.stringify({ text, label })).join('\n') + '\n');
  const run = async (...extra: string[]): Promise<{ labels: string[]; confusion: number[][]; per_class: Array<{ label: string }> }> => {
    const r = await cli('eval', '--model', model, '--data', data, '--json', ...extra);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { labels: string[]; confusion: number[][]; per_class: Array<{ label: string }> };
  };
  const plain = await run();
  assert.deepEqual(plain.labels, ['LABEL_0', 'LABEL_1']);
  assert.deepEqual(plain.per_class.map((c) => c.label), plain.labels);
  assert.deepEqual((await run('--labels', '0,1')).labels, ['0', '1']);
  const renamed = (c: { label: string }, i: number): { label: string } => ({ ...c, label: ['neg', 'pos'][i]! });
  assert.deepEqual(await run('--labels', 'neg,pos'), { ...plain, labels: ['neg', 'pos'], per_class: plain.per_class.map(renamed) });
  const human = await cli('eval', '--model', model, '--data', data);
  assert.match(human.stdout, /^true \\ pred  LABEL_0  LABEL_1$/m);
  assert.match(human.stdout, /^LABEL_1 +\d+ +\d+$/m);
});

test('reportedClassNames and classificationText: transformers\' names only for bare indices without names', async () => {
  assert.deepEqual(reportedClassNames([0, 1, 2], null), ['LABEL_0', 'LABEL_1', 'LABEL_2']);
  assert.deepEqual(reportedClassNames([0, 1], ['0', '1']), ['0', '1']);
  assert.deepEqual(reportedClassNames([7, 'neg'], ['007', 'neg']), ['007', 'neg'], 'names given, as written');
  assert.deepEqual(reportedClassNames(['neg', 'pos'], null), ['neg', 'pos']);
  assert.deepEqual(reportedClassNames([5, 100], null), ['5', '100'], 'sparse integers are the data\'s names, not indices');
  assert.deepEqual(reportedClassNames(null, null), []);
  const text = classificationText({ loss: 0.5, accuracy: 1, macro_f1: 1, micro_f1: 1, weighted_f1: 1, per_class: [], confusion: [[1, 0], [0, 1]], labels: [], examples: 2 });
  assert.match(text, /^true \\ pred  LABEL_0  LABEL_1$/m);
});

test('eval: a config.json whose id2label names two classes that read as one number ("007" and "7") keeps them apart, as transformers does; the label 7 is the class "7"', async () => {
  // before: refused ("007" and "7" are one class here), where transformers and a pandas text column keep the two names
  const model = await makeTokenizerModel(path.join(tempDir('mt-default-labels-'), 'cls'), 3, { classes: 2 });
  const file = path.join(model, 'config.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')) as object, id2label: { 0: '007', 1: '7' }, label2id: { '007': 0, '7': 1 } }));
  const data = path.join(model, 'val.csv');
  fs.writeFileSync(data, 'text,label\nshort,7\nlonger text,007\nthird one,7\n');
  const r = await cli('eval', '--model', model, '--data', data, '--device', 'cpu', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { labels: string[]; confusion: number[][] };
  assert.deepEqual(out.labels, ['007', '7']);
  assert.deepEqual(out.confusion.map((row) => row.reduce((a, b) => a + b, 0)), [1, 2], 'one record of "007", two of "7"');
});

test('eval reports class names as given ("007" of id2label, of a run\'s labels), not as the number they are read as (7), as classify shows them', async () => {
  // before: labels ["7", "neg"] in --json and "7" in the tables, where id2label and classify say "007"
  const model = await makeTokenizerModel(path.join(tempDir('mt-default-labels-'), 'cls'), 3, { classes: 2 });
  const file = path.join(model, 'config.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')) as object, id2label: { 0: '007', 1: 'neg' }, label2id: { '007': 0, neg: 1 } }));
  const data = path.join(model, 'val.jsonl');
  fs.writeFileSync(data, [['short', '007'], ['longer text', 'neg'], ['third one', 7]].map(([text, label]) => JSON.stringify({ text, label })).join('\n') + '\n');
  const r = await cli('eval', '--model', model, '--data', data, '--device', 'cpu', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { labels: string[]; per_class: Array<{ label: string; support: number }> };
  assert.deepEqual(out.labels, ['007', 'neg']);
  assert.deepEqual(out.per_class.map((c) => [c.label, c.support]), [['007', 2], ['neg', 1]], '"007" and 7 are one class, read by value');
  const text = await cli('eval', '--model', model, '--data', data, '--device', 'cpu');
  assert.match(text.stdout, /^true \\ pred +007 +neg$/m);
  assert.match(text.stdout, /^007 /m);
});

test('eval and classify with no class names anywhere: the warning names every place they are taken from, the --adapter folder too', async () => {
  // before: "(--labels, --run, or id2label in config.json)", where an --adapter folder's config.json or card names them as well
  const data = path.join(path.dirname(model), 'data-warned.jsonl');
  fs.writeFileSync(data, [['a short text', 0], ['another one', 1]].map(([text, label]) => JSON.stringify({ text, label })).join('\n') + '\n');
  const places = String.raw`\(--labels, --run, the --adapter folder's config\.json id2label or card, or the model's config\.json id2label\)`;
  const evaluated = await cli('eval', '--model', model, '--data', data, '--json');
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.match(evaluated.stderr, new RegExp(`^warning: the class names are not given ${places}: the class order is taken from the data`, 'm'));
  const classified = await cli('classify', '--model', model, '--text', 'a short text', '--json');
  assert.match(classified.stderr, new RegExp(`^warning: the class names are not known ${places}: classes are shown as transformers names them`, 'm'));
});
