// Labels as exports write a missing value: pandas' "nan" (str(NaN), a CSV cell read back), an empty cell, Python's
// "None", "null", "N/A" are missing labels — rejected as missing_label, never a class of their own — unless the user
// names the word as a class (--labels None,…); booleans are the classes "False" and "True", as pandas writes them in
// a CSV; -1's rejections carry a flag, not a detail to compare.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { LabelSet, canonicalLabel, parseLabelsOption } from '../../src/data/labels.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { prepare } from '../../src/data/prepare.ts';
import { detectRecord } from '../../src/data/record.ts';
import { isUserError } from '../../src/util/errors.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const tok = mistralTokenizer();
const dir = tempDir('mt-label-ph-');

test('canonicalLabel: placeholders and blanks are missing, never a class', () => {
  for (const raw of ['nan', 'NaN', 'NAN', 'None', 'none', 'null', 'NULL', 'N/A', 'n/a', '#N/A', 'undefined', '<NA>', 'NA', '', '   ', ' nan ', null, undefined, Number.NaN]) {
    const c = canonicalLabel(raw);
    assert.ok('label' in c && c.label === null, JSON.stringify(raw) + ' → ' + JSON.stringify(c));
  }
  const nan = canonicalLabel('nan');
  assert.ok('label' in nan && /^label "nan" is what an export writes for a missing value/.test(nan.why ?? ''), JSON.stringify(nan));
  // words that can be a class name are one where the class list names them; artefacts never are
  const set = new LabelSet(['None', 'Insult', 'Threat']);
  assert.deepEqual(canonicalLabel('None', set), { label: 'None' });
  assert.deepEqual(canonicalLabel(' None ', set), { label: 'None' });
  const n2 = canonicalLabel('nan', set);
  assert.ok('label' in n2 && n2.label === null);
  // text that only contains such a word is a label
  for (const raw of ['None of these', 'nano', 'NAND', 'n/a?']) assert.deepEqual(canonicalLabel(raw), { label: raw });
});

test('canonicalLabel: booleans are the classes "False" and "True" (pandas\' CSV spelling), the same as those strings', () => {
  assert.deepEqual(canonicalLabel(true), { label: 'True' });
  assert.deepEqual(canonicalLabel(false), { label: 'False' });
  assert.deepEqual(canonicalLabel('True'), { label: 'True' });
});

test('parseLabelsOption: a word such as None may be a class; an artefact such as nan may not', () => {
  assert.deepEqual(parseLabelsOption('None,Insult,Threat'), { labels: ['None', 'Insult', 'Threat'] });
  assert.deepEqual(parseLabelsOption('0=None,1=Insult'), { labels: ['None', 'Insult'], codes: [0, 1] });
  assert.throws(() => parseLabelsOption('nan,pos'), (e) => isUserError(e) && /^--labels: label "nan" is what an export writes for a missing value/.test(e.message));
});

test('detectRecord: a placeholder label is missing_label, -1 carries the noLabel flag', () => {
  const nan = detectRecord({ text: 'a review', label: 'nan' }, 'classification');
  assert.ok('reason' in nan && nan.reason === 'missing_label' && nan.noLabel === undefined, JSON.stringify(nan));
  const minus = detectRecord({ text: 'a review', label: -1 }, 'classification');
  assert.ok('reason' in minus && minus.reason === 'missing_label' && minus.noLabel?.kind === 'minus_one', JSON.stringify(minus));
  const empty = detectRecord({ text: 'a review', label: '' }, 'classification');
  assert.ok('reason' in empty && empty.reason === 'missing_label' && /"label" is empty/.test(empty.detail) && empty.noLabel === undefined);
  // a generation record whose label column holds nan has no label: read as text
  assert.ok('record' in detectRecord({ text: 'some text', label: 'nan' }, 'generation'));
});

const csv = (rows: Array<[string, string]>): string => 'text,label\n' + rows.map(([t, l]) => `${t},${l}`).join('\n') + '\n';

test('prepare: a CSV label of nan, None, N/A, null or empty is a missing_label, counted, and no class', () => {
  const f = writeFiles(dir, {
    'pandas.csv': csv([
      ['great phone with a long battery', 'pos'], ['broke after one week of use', 'neg'], ['screen is too dim outdoors', 'nan'],
      ['arrived in a crushed box', ''], ['no opinion about this item yet', 'None'], ['shipping took about a month', 'N/A'],
      ['works as the seller described it', 'pos'], ['stopped charging on day three', 'neg'], ['the manual is in Finnish only', 'null'],
      ['camera app keeps crashing daily', '  '],
    ]),
  })['pandas.csv']!;
  for (const keepPlaceholders of [false, true]) {
    const out = path.join(dir, `pandas-${keepPlaceholders}`);
    const { report } = prepare({ inputs: [f], outDir: out, tokenizer: tok, task: 'classification', split: [1, 0, 0], keepPlaceholders });
    assert.deepEqual(report.labels, ['neg', 'pos'], 'keep-placeholders does not make a missing label a class');
    assert.deepEqual(report.by_reason, { missing_label: 6 });
    const rej = readJsonl<{ reason: string; detail: string; source: { line: number } }>(path.join(out, 'rejected.jsonl'));
    assert.deepEqual(rej.map((r) => r.source.line), [4, 5, 6, 7, 10, 11]);
    assert.match(rej.find((r) => r.source.line === 4)!.detail, /^label "nan" is what an export writes for a missing value/);
    assert.match(rej.find((r) => r.source.line === 6)!.detail, /if "None" is a class, name it: options\.labels \[…, 'None'\]$/); // a library call's words
  }
  // the CLI's words
  const out = path.join(dir, 'pandas-cli');
  prepare({ inputs: [f], outDir: out, tokenizer: tok, task: 'classification', split: [1, 0, 0] }, FLAG_WORDS);
  const rej = readJsonl<{ detail: string; source: { line: number } }>(path.join(out, 'rejected.jsonl'));
  assert.match(rej.find((r) => r.source.line === 6)!.detail, /if "None" is a class, name it: prepare --labels …,None$/);
});

test('prepare --labels None,Insult: None named as a class is one; nan is still missing', () => {
  const f = writeFiles(dir, {
    'intents.jsonl': [
      { text: 'have a nice day you all', label: 'None' }, { text: 'you are an idiot and a fool', label: 'Insult' },
      { text: 'what time is it over there', label: 'None' }, { text: 'nobody likes you at all here', label: 'Insult' },
      { text: 'the label was lost here', label: 'nan' }, { text: 'have a nice day you all!', label: 'None' },
    ].map((r) => JSON.stringify(r)).join('\n'),
  })['intents.jsonl']!;
  const out = path.join(dir, 'intents');
  const { report } = prepare({ inputs: [f], outDir: out, tokenizer: tok, task: 'classification', labels: ['None', 'Insult'], split: [1, 0, 0] });
  assert.deepEqual(report.labels, ['None', 'Insult']);
  assert.deepEqual(report.by_reason, { missing_label: 1, near_duplicate: 1 });
  assert.deepEqual(report.label_counts!.train, { Insult: 2, None: 2 });
  // the prepared split reads back with its class list from report.json
  const rows = loadTokenRows(path.join(out, 'train.jsonl'), { task: 'classification', tokenizer: tok });
  assert.deepEqual(rows.labels, ['None', 'Insult']);
  assert.deepEqual(rows.rows.map((r) => r.label), [0, 1, 0, 1]);
});

test('prepare: many records labelled with a word placeholder get a warning that says how to make it a class', () => {
  const rows = Array.from({ length: 12 }, (_, i) => ({ text: `utterance number ${i} about ${'abcdef'[i % 6]} topics ${i * 7919 % 113}`, label: ['None', 'Book', 'Cancel'][i % 3] }));
  const f = writeFiles(dir, { 'luis.jsonl': rows.map((r) => JSON.stringify(r)).join('\n') })['luis.jsonl']!;
  const { report } = prepare({ inputs: [f], outDir: path.join(dir, 'luis'), tokenizer: tok, task: 'classification', split: [1, 0, 0] });
  assert.deepEqual(report.by_reason, { missing_label: 4 });
  assert.ok(report.warnings.some((w) => /^4 records have the label "None" \(33 % of those read\), read as a missing value and rejected \(missing_label\); if "None" is a class, name every class: options\.labels \['Book', 'Cancel', 'None'\]$/.test(w)), report.warnings.join('; '));
});

test('prepare: boolean labels from JSON and "True"/"False" from a CSV are the same two classes', () => {
  const f = writeFiles(dir, {
    'spam.jsonl': '{"text": "win a free cruise now", "label": true}\n{"text": "meeting moved to three", "label": false}\n',
    'spam.csv': 'text,label\nclaim your prize today,True\nlunch at noon tomorrow?,False\n',
  });
  const { report } = prepare({ inputs: [f['spam.jsonl']!, f['spam.csv']!], outDir: path.join(dir, 'spam'), tokenizer: tok, task: 'classification', split: [1, 0, 0] });
  assert.deepEqual(report.by_reason, {});
  assert.deepEqual(report.labels, ['False', 'True'], 'False is class 0, True class 1, as int(bool)');
  assert.deepEqual(report.label_counts!.train, { False: 2, True: 2 });
});

test('loadTokenRows with a mapping that names -1 reads the raw file\'s -1 as that class', () => {
  const f = writeFiles(dir, { 'tw.jsonl': '{"text": "awful", "label": -1}\n{"text": "fine", "label": 0}\n{"text": "great", "label": 1}\n' })['tw.jsonl']!;
  const { labels, codes } = parseLabelsOption('-1=negative,0=neutral,1=positive');
  const rows = loadTokenRows(f, { task: 'classification', tokenizer: tok, labels, labelCodes: codes });
  assert.deepEqual(rows.rows.map((r) => r.label), [0, 1, 2]);
});

test('a label that cannot be a class says what a label may be (booleans included)', () => {
  assert.deepEqual(canonicalLabel(1.5), { error: 'label 1.5 is not a whole number: a label is an integer, a string, or true/false' });
  assert.deepEqual(canonicalLabel(1e20), { error: 'label 100000000000000000000 is not an integer a class index can be (too large): a label is an integer, a string, or true/false' });
  assert.deepEqual(canonicalLabel([1, 3]), { error: 'label [1,3] is not an integer, a string, or true/false (a list of labels: multi-label data, several classes to a record, is not trained here)' });
  assert.deepEqual(canonicalLabel({ id: 1 }), { error: 'label {"id":1} is not an integer, a string, or true/false' });
});
