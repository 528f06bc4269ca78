// prepare's report texts (report.json's warnings, rejected.jsonl's details, the summary) name the options as their
// caller gave them: options.minChars to a library caller, --min-chars on the command line (FLAG_WORDS).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/index.ts';
import { LabelSet, parseLabelsOption } from '../../src/data/labels.ts';
import type { PrepareOptions, PrepareResult } from '../../src/data/prepare-options.ts';
import { isUserError } from '../../src/util/errors.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { mistralTokenizer, tempDir, writeFiles } from './helpers.ts';

const tok = mistralTokenizer();
const dir = tempDir();
const f = writeFiles(dir, {
  'in.jsonl': [
    { text: 'short' }, // too short
    { text: 'nan' }, // a placeholder
    { text: `<p>${'a record of text that is long enough to keep, '.repeat(3)}</p>` }, // HTML kept as written
    { text: 'Alpaca text', instruction: 'q', output: 'a' }, // text beside an instruction pair: --field text=none
  ].map((r) => JSON.stringify(r)).join('\n') + '\n',
  'all-rejected.jsonl': '{"text": "nan"}\n',
  'v.jsonl': `{"text": "${'a validation record, long enough to keep it. '.repeat(3)}"}\n`,
  't.jsonl': `{"text": "${'a test record, long enough to keep it in the split. '.repeat(3)}"}\n`,
});

/** Every text prepare wrote for a caller: report.json, rejected.jsonl and the summary. */
function texts(name: string, opts: { inputs: string[]; val?: string[]; test?: string[] }, words?: typeof FLAG_WORDS): string {
  const outDir = path.join(dir, name);
  const { summary } = prepare({ ...opts, outDir, tokenizer: tok, minChars: 100, maxChars: 10_000 }, words);
  return [summary, fs.readFileSync(path.join(outDir, 'report.json'), 'utf8'), fs.readFileSync(path.join(outDir, 'rejected.jsonl'), 'utf8')].join('\n');
}

test("prepare's report texts name a library caller's options (options.minChars), and the CLI's flags as before", () => {
  // a library caller read "fewer than --min-chars 100", "a larger --split share, or a --val file", "--strip-html", ...
  const lib = texts('lib', { inputs: [f['in.jsonl']!] });
  assert.doesNotMatch(lib, /--[a-z]/);
  for (const said of ['fewer than options.minChars 100', 'options.keepPlaceholders keeps it', 'options.stripHtml removes the tags',
    "options.fields.text 'none' reads them as chats", 'a larger options.split share, or an options.val file']) {
    assert.ok(lib.includes(said), said);
  }
  const cli = texts('cli', { inputs: [f['in.jsonl']!] }, FLAG_WORDS);
  for (const said of ['fewer than --min-chars 100', '--keep-placeholders keeps it', '--strip-html removes the tags',
    '--field text=none reads them as chats', 'a larger --split share, or a --val file']) {
    assert.ok(cli.includes(said), said);
  }
  // no --input record kept, the splits from the val and test files: why train is empty
  const none = texts('lib-none', { inputs: [f['all-rejected.jsonl']!], val: [f['v.jsonl']!], test: [f['t.jsonl']!] });
  assert.doesNotMatch(none, /--[a-z]/);
  assert.ok(none.includes('the 1 options.inputs record was rejected (see rejected.jsonl): every kept record is from options.val/options.test'), none);
  assert.ok(texts('cli-none', { inputs: [f['all-rejected.jsonl']!], val: [f['v.jsonl']!], test: [f['t.jsonl']!] }, FLAG_WORDS)
    .includes('the 1 --input record was rejected (see rejected.jsonl): every kept record is from --val/--test'));
});

// the class list's texts told a library caller of --labels: "name every class: --labels -1=NAME,1=NAME,2=NAME", a
// 1-based refusal's "--labels 1=a,2=b", "the class list (--labels) maps the integer 1 twice"
const rows = (labels: unknown[]): string => labels.map((label, i) => JSON.stringify({ text: `record ${i}: a text long enough to keep, of the class it has`, label })).join('\n') + '\n';
const l = writeFiles(dir, {
  'one-based.jsonl': rows([...Array(20)].map((_, i) => 1 + (i % 2))),
  'no-labels.jsonl': rows([...[...Array(20)].map((_, i) => 1 + (i % 2)), -1]),
  // "None" in a field of strings: beside integers (this file's one before) HF datasets cannot type the field, and prepare refuses it
  'none-word.jsonl': rows([...[...Array(20)].map((_, i) => ['neg', 'pos'][i % 2]), 'None']),
});
const classify = (name: string, input: string, more: Partial<PrepareOptions>, words?: typeof FLAG_WORDS): PrepareResult =>
  prepare({ inputs: [l[input]!], outDir: path.join(dir, name), tokenizer: tok, task: 'classification', dedup: 'none', ...more }, words);

test("prepare's class-list texts name a library caller's options.labels and options.labelCodes, and the CLI's --labels as before", () => {
  const lib = [classify('labels-lib', 'no-labels.jsonl', {}), classify('none-lib', 'none-word.jsonl', {})].flatMap((r) => r.report.warnings).join('\n');
  assert.doesNotMatch(lib, /--[a-z]/);
  for (const said of ['labels that start at 1 are 1-based: name them with options.labels [NAME, NAME, …] with options.labelCodes [1, 2, …]',
    'if -1 is a class (sentiment\'s -1/0/1, ±1 labels), name every class: options.labels [NAME, NAME, NAME] with options.labelCodes [-1, 1, 2]',
    'if "None" is a class, name every class: options.labels [\'neg\', \'pos\', \'None\']']) {
    assert.ok(lib.includes(said), `${said}\n${lib}`);
  }
  const cli = [classify('labels-cli', 'no-labels.jsonl', {}, FLAG_WORDS), classify('none-cli', 'none-word.jsonl', {}, FLAG_WORDS)].flatMap((r) => r.report.warnings).join('\n');
  for (const said of ['labels that start at 1 are 1-based: name them with --labels 1=NAME,2=NAME,…',
    'if -1 is a class (sentiment\'s -1/0/1, ±1 labels), name every class: --labels -1=NAME,1=NAME,2=NAME', 'if "None" is a class, name every class: --labels neg,pos,None']) {
    assert.ok(cli.includes(said), `${said}\n${cli}`);
  }
  // class names given for 1-based integer labels
  assert.throws(() => classify('one-lib', 'one-based.jsonl', { labels: ['a', 'b'] }), (e) => isUserError(e) && !/--[a-z]/.test(e.message) &&
    e.message.startsWith('prepare: options.labels names 2 classes') && e.message.endsWith("say which integer is which class: options.labels ['a', 'b'] with options.labelCodes [1, 2] (or codes from 0 if they are 0-based)"));
  assert.throws(() => classify('one-cli', 'one-based.jsonl', { labels: ['a', 'b'] }, FLAG_WORDS), (e) => isUserError(e) &&
    e.message.startsWith('--labels names 2 classes') && e.message.endsWith('say which integer is which class: --labels 1=a,2=b (or 0=… if they are 0-based)'));
  // codes a library call gives wrong (the CLI's --labels 1=a,1=b is refused as it is parsed)
  assert.throws(() => classify('codes-twice', 'one-based.jsonl', { labels: ['a', 'b'], labelCodes: [1, 1] }), { message: 'prepare: options.labelCodes lists the integer 1 twice' });
  assert.throws(() => classify('codes-alone', 'one-based.jsonl', { labelCodes: [1, 2] }), { message: 'prepare: options.labelCodes needs options.labels: the class names the integers stand for' });
  assert.throws(() => parseLabelsOption('a, a'), { message: '--labels lists the class "a" twice' });
  assert.throws(() => new LabelSet(['a', 'a']), (e) => isUserError(e) && !e.message.includes('--'));
});

// prepare told a library caller to "pass options.overwrite" where train() says "set options.overwrite": one wording
test('prepare refuses an outDir holding files it did not write saying "set options.overwrite" to a library caller, as train does; the CLI "pass --overwrite"', () => {
  const taken = writeFiles(dir, { 'taken/train.jsonl': '{"text": "my own curated data"}\n' })['taken/train.jsonl']!;
  const call = (words?: typeof FLAG_WORDS): void => void prepare({ inputs: [f['in.jsonl']!], outDir: path.dirname(taken), tokenizer: tok }, words);
  assert.throws(() => call(), { message: `${path.dirname(taken)}: options.outDir already holds train.jsonl, which no earlier prepare run wrote there (no prepare report.json beside it); ` +
    'choose another folder, or set options.overwrite to replace it' });
  assert.throws(() => call(FLAG_WORDS), { message: `${path.dirname(taken)}: --out already holds train.jsonl, which no earlier prepare run wrote there (no prepare report.json beside it); ` +
    'choose another folder, or pass --overwrite to replace it' });
});

// the summary of a library call said "longer than --max-tokens and will be truncated"
test("prepare's token limits are named as its caller gave them: the summary's truncated records, rejected.jsonl's too_short", () => {
  const t = writeFiles(dir, {
    'tokens.jsonl': ['tiny', `${'a long record with many more tokens than the limit allows, '.repeat(4)}`, 'a record of a middling length here']
      .map((text) => JSON.stringify({ text })).join('\n') + '\n',
  });
  const run = (name: string, words?: typeof FLAG_WORDS): string => {
    const outDir = path.join(dir, name);
    const { summary } = prepare({ inputs: [t['tokens.jsonl']!], outDir, tokenizer: tok, minTokens: 6, maxTokens: 20, overflow: 'truncate', split: [1, 0, 0] }, words);
    return `${summary}\n${fs.readFileSync(path.join(outDir, 'rejected.jsonl'), 'utf8')}`;
  };
  const lib = run('tokens-lib');
  assert.doesNotMatch(lib, /--[a-z]/);
  for (const said of ['1 kept record is longer than options.maxTokens and will be truncated', 'fewer than options.minTokens 6']) assert.ok(lib.includes(said), `${said}\n${lib}`);
  const cli = run('tokens-cli', FLAG_WORDS);
  for (const said of ['1 kept record is longer than --max-tokens and will be truncated', 'fewer than --min-tokens 6']) assert.ok(cli.includes(said), `${said}\n${cli}`);
});

test('a library caller\'s split or nearThreshold of strings is refused naming the option (was: split "0.8,0.1,0.1" a TypeError, ["0.8", "0.1", "0.1"] every record in train)', () => {
  const run = (more: Record<string, unknown>) => () => prepare({ inputs: [f['in.jsonl']!], outDir: path.join(dir, 'typed'), tokenizer: tok, ...more } as unknown as PrepareOptions);
  assert.throws(run({ split: '0.8,0.1,0.1' }), (e) => isUserError(e) && e.message === 'prepare: options.split must be three shares ≥ 0 that add up to 1 (train,val,test), got "0.8,0.1,0.1"');
  assert.throws(run({ split: ['0.8', '0.1', '0.1'] }), (e) => isUserError(e) && e.message === 'prepare: options.split must be three shares ≥ 0 that add up to 1 (train,val,test), got "0.8","0.1","0.1"');
  assert.throws(run({ nearThreshold: '0.5' }), (e) => isUserError(e) && e.message === 'prepare: options.nearThreshold must be a number in (0, 1], got "0.5"');
  // numbers as before
  assert.throws(run({ split: [0.8, 0.3, 0.1] }), (e) => isUserError(e) && e.message === 'prepare: options.split must be three shares ≥ 0 that add up to 1 (train,val,test), got 0.8,0.3,0.1');
});
