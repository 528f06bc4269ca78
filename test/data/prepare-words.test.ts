// prepare's report texts (report.json's warnings, rejected.jsonl's details, the summary) name the options as their
// caller gave them: options.minChars to a library caller, --min-chars on the command line (FLAG_WORDS).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/index.ts';
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
