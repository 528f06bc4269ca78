// loadTokenRows: prepare outputs, raw files of any accepted shape, and pre-tokenized JSONL → TokenRows.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { isUserError } from '../../src/util/errors.ts';
import { FLAG_WORDS, type OptionWords } from '../../src/util/option-words.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { prepare } from '../../src/data/prepare.ts';
import { tokenizeRecord } from '../../src/data/tokenize.ts';
import { loadNotes } from '../../src/train/data.ts';
import { mistralTokenizer, tempDir, writeFiles } from './helpers.ts';

const tok = mistralTokenizer();
const dir = tempDir();

test('a prepare output file gives the rows tokenizeRecord builds for its records', () => {
  const f = writeFiles(dir, {
    'raw.jsonl': [
      '{"text": "Plain text to learn from."}',
      '{"prompt": "Capital of Italy?", "completion": "Rome."}',
      '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}',
    ].join('\n'),
  });
  const out = path.join(dir, 'prep');
  prepare({ inputs: [f['raw.jsonl']!], outDir: out, tokenizer: tok, split: [1, 0, 0] });
  const { rows, labels, stats } = loadTokenRows(path.join(out, 'train.jsonl'), { tokenizer: tok });
  assert.equal(labels, null);
  assert.equal(rows.length, 3);
  const expected = tokenizeRecord({ shape: 'prompt_completion', prompt: 'Capital of Italy?', completion: 'Rome.' }, tok).row!;
  assert.deepEqual([...rows[1]!.inputIds], [...expected.inputIds]);
  assert.deepEqual([...rows[1]!.labels!], [...expected.labels!]);
  assert.equal(stats.tokens, rows.reduce((a, r) => a + r.inputIds.length, 0));
  assert.ok(stats.targets > 0 && stats.targets < stats.tokens);
  assert.equal(stats.reported, 3, "report.json's count of the split");
  // a split that is not the report's (edited, or from an interrupted prepare) shows as another count
  fs.appendFileSync(path.join(out, 'train.jsonl'), '{"text": "One more line, added by hand."}\n');
  const edited = loadTokenRows(path.join(out, 'train.jsonl'), { tokenizer: tok }).stats;
  assert.deepEqual([edited.records, edited.reported], [4, 3]);
  assert.equal(loadTokenRows(f['raw.jsonl']!, { tokenizer: tok }).stats.reported, null, 'not a prepare output');
});

test('raw files of every format; truncation and dropping are counted', () => {
  const f = writeFiles(dir, {
    'a.csv': 'prompt,completion\n"Q, one",A one\n"Q two","A\ntwo"\n',
    'b.txt': 'one text record',
    'c.json': '[{"text": "x"}, {"text": "a much longer text that will not fit in eight tokens at all"}]',
  });
  assert.equal(loadTokenRows(f['a.csv']!, { tokenizer: tok }).rows.length, 2);
  assert.equal(loadTokenRows(f['b.txt']!, { tokenizer: tok }).rows.length, 1);
  const cut = loadTokenRows(f['c.json']!, { tokenizer: tok, maxSeqLen: 8 });
  assert.deepEqual([cut.stats.truncated, cut.stats.dropped, cut.rows[1]!.inputIds.length], [1, 0, 8]);
  const drop = loadTokenRows(f['c.json']!, { tokenizer: tok, maxSeqLen: 8, overflow: 'drop' });
  assert.deepEqual([drop.stats.dropped, drop.rows.length], [1, 1]);
});

test('a raw file\'s number in a text field is tokenized as the file spells it ("3.50", not "3.5"), as prepare keeps it', () => {
  const f = writeFiles(dir, { 'spelled.jsonl': '{"prompt": "Price?", "completion": 3.50}\n{"text": 12345678901234567890}\n' })['spelled.jsonl']!;
  const { rows } = loadTokenRows(f, { tokenizer: tok });
  const expected = [
    tokenizeRecord({ shape: 'prompt_completion', prompt: 'Price?', completion: '3.50' }, tok).row!,
    tokenizeRecord({ shape: 'text', text: '12345678901234567890' }, tok).row!,
  ];
  assert.deepEqual(rows.map((r) => [...r.inputIds]), expected.map((r) => [...r.inputIds]));
});

test('pre-tokenized JSONL needs no tokenizer', () => {
  const f = writeFiles(dir, { 'p.jsonl': '{"input_ids": [1, 5, 6, 7], "labels": [-100, -100, 6, 7]}\n{"input_ids": [1, 9]}\n' })['p.jsonl']!;
  const { rows } = loadTokenRows(f, { vocabSize: 512 });
  assert.deepEqual(rows.map((r) => [...r.labels!]), [[-100, -100, 6, 7], [-100, 9]]);
  assert.throws(() => loadTokenRows(f, { vocabSize: 8 }), /p\.jsonl:2: invalid_tokens: input_ids\[1\] = 9/);
});

test('classification: class indices from report.json beside a prepare output, from the file, or given', () => {
  const f = writeFiles(dir, { 'cls.csv': 'text,label\ngood film,pos\nbad film,neg\nok film,neu\nfine film,pos\n' })['cls.csv']!;
  const out = path.join(dir, 'prep-cls');
  prepare({ inputs: [f], outDir: out, tokenizer: tok, task: 'classification', split: [1, 0, 0], labels: ['pos', 'neg', 'neu'] });
  const fromReport = loadTokenRows(path.join(out, 'train.jsonl'), { tokenizer: tok, task: 'classification' });
  assert.deepEqual(fromReport.labels, ['pos', 'neg', 'neu']);
  assert.deepEqual(fromReport.rows.map((r) => r.label), [0, 1, 2, 0]);
  const fromFile = loadTokenRows(f, { tokenizer: tok, task: 'classification' });
  assert.deepEqual(fromFile.labels, ['neg', 'neu', 'pos']);
  assert.deepEqual(fromFile.rows.map((r) => r.label), [2, 0, 1, 2]);
  assert.equal(fromFile.rows[0]!.labels, undefined);
  assert.equal(fromFile.rows[0]!.inputIds.at(-1) === tok.eosId, false, 'no EOS on classification input');
  assert.throws(() => loadTokenRows(f, { tokenizer: tok, task: 'classification', labels: ['pos', 'neg'] }), /cls\.csv:4: label "neu" is not one of the classes/);
  // 1-based integer labels (AG News' 1–4) against named classes would shift every class by one: refused, with the mapping
  const agnews = writeFiles(dir, { 'ag.csv': 'label,text\n3,stocks fall\n4,new chip\n1,summit held\n2,cup final\n' })['ag.csv']!;
  // the mapping in the caller's words: a library call's options (loadTokenRows takes them too), the CLI's flags (eval's, train's)
  const classes = ['World', 'Sports', 'Business', 'Sci/Tech'];
  assert.throws(() => loadTokenRows(agnews, { tokenizer: tok, task: 'classification', labels: classes }),
    (e: Error) => isUserError(e) && e.message.startsWith(`${agnews}: the class list (the run's, options.labels or`) && e.message.includes('they look 1-based') &&
      e.message.includes("say which integer is which class: options.labels ['World', 'Sports', 'Business', 'Sci/Tech'] with options.labelCodes [1, 2, 3, 4]") && !e.message.includes('--') && !e.message.includes('\n'));
  assert.throws(() => loadTokenRows(agnews, { tokenizer: tok, task: 'classification', labels: classes, words: FLAG_WORDS }),
    (e: Error) => isUserError(e) && e.message.startsWith(`${agnews}: the class list (the run's, --labels or`) && e.message.includes('they look 1-based') &&
      e.message.includes('mistral-tune prepare --task classification --labels 1=World,2=Sports,3=Business,4=Sci/Tech') && !e.message.includes('options.') && !e.message.includes('\n'));
  // eval maps integer labels itself (--labels 1=World,…): it says to give that flag, not to run prepare (was: prepare's)
  assert.throws(() => loadTokenRows(agnews, { tokenizer: tok, task: 'classification', labels: classes, words: FLAG_WORDS, labelCodesFlag: true }),
    (e: Error) => isUserError(e) && e.message.endsWith('say which integer is which class: --labels 1=World,2=Sports,3=Business,4=Sci/Tech (or 0=… if they are 0-based)') &&
      !e.message.includes('mistral-tune prepare'));
  assert.deepEqual(loadTokenRows(agnews, { tokenizer: tok, task: 'classification', labels: [0, 1, 2, 3, 4] }).rows.map((r) => r.label), [3, 4, 1, 2], 'integer classes: as they are');
  // another tool's report.json beside a file is not a prepare report: the file's own labels
  const other = path.join(dir, 'other-report');
  fs.mkdirSync(other);
  fs.copyFileSync(f, path.join(other, 'train.csv'));
  fs.writeFileSync(path.join(other, 'report.json'), JSON.stringify({ labels: ['neu', 'pos', 'neg'], splits: { train: 1 } }));
  const beside = loadTokenRows(path.join(other, 'train.csv'), { tokenizer: tok, task: 'classification' });
  assert.deepEqual(beside.labels, ['neg', 'neu', 'pos']);
  assert.equal(beside.stats.reported, null);
});

test('a record prepare would reject stops the load with file:line and reason', () => {
  const f = writeFiles(dir, { 'bad.jsonl': '{"text": "fine"}\n{"messages": [{"role": "user", "content": "no answer"}]}\n' })['bad.jsonl']!;
  assert.throws(() => loadTokenRows(f, { tokenizer: tok }), /bad\.jsonl:2: invalid_roles: the chat has no assistant turn to train/);
  const g = writeFiles(dir, { 'nojson.jsonl': '{"text": "fine"}\n{oops\n' })['nojson.jsonl']!;
  assert.throws(() => loadTokenRows(g, { tokenizer: tok }), /nojson\.jsonl:2: invalid_json/);
});

test('a raw file\'s placeholder text ("nan", "[deleted]") stops the load, as prepare rejects it; a prepare output made with --keep-placeholders loads', () => {
  // before: train and eval read {"text": "nan"} from a raw file as text to learn, which prepare rejects as a placeholder
  const f = writeFiles(dir, { 'nan.jsonl': '{"text": "fine"}\n{"prompt": "What did it say?", "completion": "[deleted]"}\n' })['nan.jsonl']!;
  assert.throws(() => loadTokenRows(f, { tokenizer: tok }), /nan\.jsonl:2: placeholder: "completion": "\[deleted\]" is what a forum leaves of a removed post, not text/);
  // an answer "None" is an answer, as prepare keeps it
  const none = writeFiles(dir, { 'none.jsonl': '{"prompt": "Side effects?", "completion": "None"}\n' })['none.jsonl']!;
  assert.equal(loadTokenRows(none, { tokenizer: tok }).rows.length, 1);
  const out = path.join(dir, 'kept-placeholders');
  prepare({ inputs: [f], outDir: out, tokenizer: tok, split: [1, 0, 0], keepPlaceholders: true });
  assert.equal(loadTokenRows(path.join(out, 'train.jsonl'), { tokenizer: tok }).rows.length, 2);
  // … and so does that output's file moved away from its report.json: its records carry prepare's id and source
  const moved = path.join(dir, 'moved-train.jsonl');
  fs.copyFileSync(path.join(out, 'train.jsonl'), moved);
  assert.equal(loadTokenRows(moved, { tokenizer: tok }).rows.length, 2);
});

test('a raw file beside a report.json that does not parse is checked as a raw file: its placeholder text still stops the load', () => {
  // before: any report.json beside the file, even one that is not JSON, turned off the checks of raw records, so
  // {"text": "nan"} was trained and evaluated as text
  const f = writeFiles(path.join(dir, 'broken-report'), { 'raw.jsonl': '{"text": "nan"}\n{"text": "real text"}\n', 'report.json': '{broken' })['raw.jsonl']!;
  assert.throws(() => loadTokenRows(f, { tokenizer: tok }), /raw\.jsonl:1: placeholder: "text": "nan"/);
});

test('a record of a common layout that cannot be tokenized: the error names its field as the file does, and says how it was read as a chat (was messages[1].content)', () => {
  const f = writeFiles(dir, { 'alpaca.jsonl': '{"instruction": "Say bye", "output": "Bye</s>"}\n' })['alpaca.jsonl']!;
  assert.throws(() => loadTokenRows(f, { tokenizer: tok }),
    /alpaca\.jsonl:1: "output" contains the text of a special token \("<\/s>"\) \(the record read as instruction\/answer pairs \(Alpaca, Dolly, question\/answer, …\) as one user and one assistant turn\)/);
});

test('pre-tokenized files have one reader, loadTokenRows: pretokenized.ts only validates single values', async () => {
  const mod = await import('../../src/data/pretokenized.ts');
  assert.deepEqual(Object.keys(mod), ['parsePretokenized']);
  const f = writeFiles(dir, { 'rows.jsonl': '{"input_ids": [1, 5, 6], "labels": [-100, -100, 6]}\n\n{"input_ids": [1, 7]}\n' })['rows.jsonl']!;
  const { rows } = loadTokenRows(f, { vocabSize: 10 });
  assert.deepEqual(rows.map((r) => [[...r.inputIds], [...r.labels!]]), [[[1, 5, 6], [-100, -100, 6]], [[1, 7], [-100, 7]]]);
  assert.throws(() => loadTokenRows(f, { vocabSize: 7 }), /rows\.jsonl:3: invalid_tokens: input_ids\[1\] = 7 is not a token id in \[0, 7\)/);
});

test('chats whose system message the chat template does not render are counted (the trainer warns with the count)', () => {
  // a template that, like Mistral v0.3's, renders the system message in a last user turn only
  const lastUserOnly = Object.assign(Object.create(tok) as typeof tok, {
    applyChatTemplate: (ms: ReadonlyArray<{ role: string; content: string }>) =>
      '<s>' + ms.filter((m) => m.role !== 'system').map((m, i, rest) => (m.role === 'user' ? `[INST] ${i === rest.length - 1 && ms[0]!.role === 'system' ? ms[0]!.content + '\n\n' : ''}${m.content}[/INST]` : ` ${m.content}</s>`)).join(''),
  });
  const f = writeFiles(dir, {
    'sys.jsonl': [
      '{"messages": [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}',
      '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}',
    ].join('\n'),
  });
  assert.equal(loadTokenRows(f['sys.jsonl']!, { tokenizer: lastUserOnly }).stats.systemUnrendered, 1);
  assert.equal(loadTokenRows(f['sys.jsonl']!, { tokenizer: tok }).stats.systemUnrendered, 0);
});

test('a record longer than prepare would keep is refused unparsed, before it is tokenized (train, eval and classify on a raw file): a giant line cost gigabytes', async () => {
  const { readTextsToClassify } = await import('../../src/eval/texts.ts');
  const { DEFAULT_MAX_CHARS, maxRawCharsFor } = await import('../../src/data/char-limits.ts');
  const file = path.join(dir, 'giant.jsonl');
  const text = 'word '.repeat(Math.ceil(maxRawCharsFor(DEFAULT_MAX_CHARS) / 5));
  fs.writeFileSync(file, `{"text": "short one"}\n${JSON.stringify({ text })}\n`);
  const refused = (option: string) => (e: unknown) => isUserError(e) && e.message.includes(`giant.jsonl:2: too_long: the record's JSON is `) && e.message.includes(`that any record within ${option} can take`);
  assert.throws(() => loadTokenRows(file, { tokenizer: tok }), refused('options.maxChars'));
  assert.throws(() => loadTokenRows(file, { tokenizer: tok, words: FLAG_WORDS }), refused('--max-chars'));
  assert.throws(() => readTextsToClassify(file), refused('--max-chars')); // classify's reader: the CLI's
  // a prepare output is read within its own --max-chars (its report.json's options.max_chars)
  const out = path.join(dir, 'giant-prepared');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'train.jsonl'), `${JSON.stringify({ text: 'word '.repeat(maxRawCharsFor(100) / 5) })}\n`);
  fs.writeFileSync(path.join(out, 'report.json'), JSON.stringify({ input_records: 1, kept: 1, rejected: 0, splits: { train: 1 }, inputs: [], options: { max_chars: 100 } }));
  assert.throws(() => loadTokenRows(path.join(out, 'train.jsonl'), { tokenizer: tok }), (e) => isUserError(e) && e.message.includes(`more than the ${maxRawCharsFor(100)} that any record`));
});

test('a stray CSV quote: prepare rejects its line and reads on (and says so); train, eval and classify stop there, and say nothing of reading on', async () => {
  // before: classify's (and train's) error said "Only line 3 is rejected; reading resumes at line 4", and nothing resumed
  const { readTextsToClassify } = await import('../../src/eval/texts.ts');
  const csv = 'text,label\nfirst row,a\n"a stray quote,b\nthird row,a\nfourth row,b\n';
  const file = writeFiles(dir, { 'stray.csv': csv })['stray.csv']!;
  const stops = (e: unknown): boolean => isUserError(e) && /stray\.csv:3: invalid_csv: a quoted field \(field 1\) opened on line 3 is not closed before the end of the file \(.*\): a stray quote\?/.test(e.message) && !/resumes|reading/.test(e.message);
  assert.throws(() => readTextsToClassify(file), stops);
  assert.throws(() => loadTokenRows(file, { tokenizer: tok, task: 'classification' }), stops);
  const out = path.join(dir, 'stray-prepared');
  prepare({ inputs: [file], outDir: out, tokenizer: tok, tokenizerName: 'mistral-7b-v0.1', task: 'classification', minChars: 1 });
  const rejected = fs.readFileSync(path.join(out, 'rejected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; detail: string });
  assert.equal(rejected.length, 1);
  assert.match(rejected[0]!.detail, /: a stray quote\? Only line 3 is rejected; reading resumes at line 4$/);
});

test('a CSV quoted cell that opens on the file\'s last line: prepare does not say reading resumes at a line the file does not have', () => {
  // before: "Only line 3 is rejected; reading resumes at line 4", of a file of 3 lines
  const file = writeFiles(dir, { 'last-line.csv': 'prompt,completion\nq1,a1\nq2,"long answer\n' })['last-line.csv']!;
  const out = path.join(dir, 'last-line-prepared');
  prepare({ inputs: [file], outDir: out, tokenizer: tok, tokenizerName: 'mistral-7b-v0.1', minChars: 1, split: [1, 0, 0] });
  const rejected = fs.readFileSync(path.join(out, 'rejected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; detail: string });
  assert.deepEqual(rejected.map((r) => r.reason), ['invalid_csv']);
  assert.match(rejected[0]!.detail, /opened on line 3 is not closed before the end of the file \(it runs over lines 3–3, \d+ bytes\): a stray quote\?$/);
});

test('a JSON file whose one object holds lists of records is refused naming them, as prepare refuses it', async () => {
  const f = writeFiles(dir, { 'lists.json': JSON.stringify({ data: [{ text: 'one' }], extra: [{ text: 'two' }] }) })['lists.json']!;
  const lists = (e: unknown) => isUserError(e) && e.message.startsWith(`${f}:1: the file's one object is not a record but holds lists of records ("data" (1 object), "extra" (1 object))`);
  assert.throws(() => loadTokenRows(f, { tokenizer: tok }), lists);
  const { readTextsToClassify } = await import('../../src/eval/texts.ts');
  assert.throws(() => readTextsToClassify(f), lists); // before: classify said `no "text" field`
  // one empty list: no records, not an unknown_shape record
  const empty = writeFiles(dir, { 'empty-list.json': '{"data": []}' })['empty-list.json']!;
  const noRecords = (e: unknown) => isUserError(e) && e.message === `${empty}: no records: the file's one object holds one list, "data", and it is empty`;
  assert.throws(() => loadTokenRows(empty, { tokenizer: tok }), noRecords);
  assert.throws(() => readTextsToClassify(empty), noRecords);
});

test('one object rejected as a record by its text key ({"text": "", "data": [...]}) says, in the error shown, that its list of records was not read', async () => {
  // before: prepare stopped with only `"text" is empty` (and train's reader the same): the list under "data", the
  // records meant, was named only in report.json's warnings
  const f = writeFiles(dir, { 'empty-text.json': '{"text": "", "data": [{"text": "a one"}, {"text": "b two"}]}\n' })['empty-text.json']!;
  const said = /empty-text\.json:1: .*"text" is empty; the file's one object is read as one record \(its "text" is a record's text\), not as a wrapper of its list of records \("data" \(2 objects\)\): if it holds the records to train on, save them as their own file \(JSON Lines: jq -c '\.data\[\]' /;
  assert.throws(() => prepare({ inputs: [f], outDir: path.join(dir, 'prep-empty-text'), tokenizer: tok, split: [1, 0, 0] }), (e: Error) => isUserError(e) && said.test(e.message));
  assert.throws(() => loadTokenRows(f, { tokenizer: tok }), (e: Error) => isUserError(e) && said.test(e.message));
  const { readTextsToClassify } = await import('../../src/eval/texts.ts'); // classify's reader
  assert.throws(() => readTextsToClassify(f), (e: Error) => isUserError(e) && said.test(e.message));
});

test('a record of the other task says what to do (give this task\'s data, or what the caller can switch), not that prepare cleans it: prepare would reject the whole file', () => {
  // before: "wrong_task: … (mistral-tune prepare cleans raw data and lists every such record)" for classification data
  // evaluated with a generation model, where prepare (of the generation task) keeps none of it
  const labelled = path.join(dir, 'wrong-task-labelled.jsonl');
  fs.writeFileSync(labelled, '{"text": "a labelled record", "label": "a"}\n');
  const refused = (fix: string | null | undefined, want: string, words?: OptionWords) => assert.throws(() => loadTokenRows(labelled, { tokenizer: tok, wrongTaskFix: fix, ...(words ? { words } : {}) }),
    (e: Error) => isUserError(e) && e.message === `${labelled}:1: wrong_task: a record with "label" in a generation run (${want})`);
  refused(undefined, "give generation data; of a file that mixes the two tasks, prepare() with options.task 'generation' keeps the generation records");
  refused(undefined, 'give generation data; of a file that mixes the two tasks, mistral-tune prepare --task generation keeps the generation records', FLAG_WORDS);
  refused('use --task classification', 'use --task classification; of a file that mixes the two tasks, mistral-tune prepare --task generation keeps the generation records', FLAG_WORDS);
});

test('every record dropped by the length limit names it as the caller sets it: options.maxSeqLen, --max-seq-len (eval\'s flag), or as maxSeqLenName says (train\'s max_seq_len)', () => {
  const f = writeFiles(dir, { 'long-prompts.jsonl': '{"prompt": "a prompt long enough to fill the limit", "completion": " yes"}\n' })['long-prompts.jsonl']!;
  const dropped = (option: string) => (e: unknown) => isUserError(e) && e.message === `${f}: every record was dropped (1): no target token left within ${option} (2 tokens)`;
  assert.throws(() => loadTokenRows(f, { tokenizer: tok, maxSeqLen: 2 }), dropped('options.maxSeqLen'));
  assert.throws(() => loadTokenRows(f, { tokenizer: tok, maxSeqLen: 2, words: FLAG_WORDS }), dropped('--max-seq-len'));
  assert.throws(() => loadTokenRows(f, { tokenizer: tok, maxSeqLen: 2, maxSeqLenName: 'max_seq_len', words: FLAG_WORDS }), dropped('max_seq_len'));
});

test("a bad record's fix that is a flag of prepare's (--field, --keep-placeholders) is said to be prepare's, with the prepare that takes it, in train's and eval's words", () => {
  // was: "…; --field text=sentence reads it as the text (mistral-tune prepare cleans raw data …)", and eval --field
  // (or train --field) was refused as an unknown option: the hint led to another error
  const f = writeFiles(dir, {
    'sst2.jsonl': '{"sentence": "a charming journey", "label": 1}\n',
    'sheet.csv': 'Prompt,Completion\nHello there,General Kenobi\n',
    'none.jsonl': '{"text": "None"}\n',
  });
  const message = (file: string, words?: OptionWords): string => {
    try {
      loadTokenRows(file, { tokenizer: tok, ...(words ? { words } : {}) });
    } catch (e) {
      if (isUserError(e)) return e.message;
      throw e;
    }
    assert.fail(`${file} was read`);
  };
  const prepareIt = (file: string, flags: string) => `(${flags} of mistral-tune prepare, not of this command: mistral-tune prepare --input ${file} --out DIR with ` +
    `${flags.includes(',') ? 'them' : 'it'} writes the records so read into DIR (all in DIR/train.jsonl with --split 1,0,0), and lists every such record)`;
  assert.ok(message(f['sst2.jsonl']!, FLAG_WORDS).endsWith(`; --field text=sentence reads it as the text ${prepareIt(f['sst2.jsonl']!, '--field is an option')}`));
  assert.ok(message(f['sheet.csv']!, FLAG_WORDS).endsWith(`--field prompt=Prompt --field completion=Completion reads them ${prepareIt(f['sheet.csv']!, '--field is an option')}`));
  assert.ok(message(f['none.jsonl']!, FLAG_WORDS).endsWith(`(--keep-placeholders keeps it) ${prepareIt(f['none.jsonl']!, '--keep-placeholders is an option')}`));
  // a library call's own options.fields is loadTokenRows's: the words it had
  assert.ok(message(f['sst2.jsonl']!).endsWith("options.fields.text 'sentence' reads it as the text (prepare() cleans raw data and lists every such record)"));
});

test('a raw chat file read by train or eval keeps its turns\' "name" for the template, and says nothing of it', () => {
  // before: the name was dropped (and counted in the load notes); TRL hands the template each message whole
  const f = writeFiles(dir, {
    'named.jsonl': '{"messages": [{"role": "user", "name": "alice", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}\n' +
      '{"messages": [{"role": "user", "content": "Yo"}, {"role": "assistant", "content": "Hey!"}]}\n',
  })['named.jsonl']!;
  const { stats } = loadTokenRows(f, { tokenizer: tok });
  assert.equal(stats.records, 2);
  assert.equal(loadNotes(stats, undefined).some((n) => n.includes('"name"')), false);
});

test('a generation file is tokenized as it is read: each record is tokenized before the next lines are read (50 before line 51 fails) (a 2 GB train.jsonl held every record\'s text beside its rows); errors are said as before', () => {
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ text: `record number ${i} of a long file` }));
  const f = writeFiles(dir, { 'streamed.jsonl': [...lines, '{not json'].join('\n') + '\n' })['streamed.jsonl']!;
  let encoded = 0;
  const counting = new Proxy(tok, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      return key === 'encode' && typeof v === 'function' ? (...args: unknown[]) => { encoded++; return (v as (...a: unknown[]) => unknown).apply(target, args); } : v;
    },
  });
  assert.throws(() => loadTokenRows(f, { tokenizer: counting }), /streamed\.jsonl:51: invalid_json/);
  // every record before the bad line was tokenized by the time the reader met it: none was waiting
  assert.ok(encoded >= 50, `records tokenized before line 51 was read: ${encoded} calls to encode, 50 records`);
  // the errors are said as before: a line that does not parse before a record that cannot be tokenized, read first
  const g = writeFiles(dir, { 'first.jsonl': '{"text": "fine"}\n{"text": "holds </s> the end token"}\n{oops\n' })['first.jsonl']!;
  assert.throws(() => loadTokenRows(g, { tokenizer: tok }), /first\.jsonl:3: invalid_json/);
  assert.throws(() => loadTokenRows(writeFiles(dir, { 'second.jsonl': '{"text": "fine"}\n{"text": "holds </s> the end token"}\n' })['second.jsonl']!, { tokenizer: tok }), /second\.jsonl:2: /);
  // a classification file whose class list is known (given, or its report.json's) is read so too
  const cls = writeFiles(dir, { 'cls.jsonl': [...Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `review ${i}`, label: i % 2 ? 'pos' : 'neg' })), '{oops'].join('\n') + '\n' })['cls.jsonl']!;
  encoded = 0;
  assert.throws(() => loadTokenRows(cls, { tokenizer: counting, task: 'classification', labels: ['neg', 'pos'] }), /cls\.jsonl:21: invalid_json/);
  assert.ok(encoded >= 20, `classification records tokenized before line 21 was read: ${encoded} calls to encode, 20 records`);
});

test('a record whose tokenizer fails with an error of its own (not a UserError) is said as before: after every line is read, a later bad line first', () => {
  const boom = new Proxy(tok, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (key !== 'encode' || typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (String(args[0]).includes('boom')) throw new TypeError('the tokenizer failed on boom');
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const f = writeFiles(dir, {
    'boom-gen.jsonl': '{"text": "fine"}\n{"text": "boom here"}\n{oops\n',
    'boom-cls.jsonl': '{"text": "fine", "label": "a"}\n{"text": "boom here", "label": "b"}\n{oops\n',
    'boom-only.jsonl': '{"text": "fine"}\n{"text": "boom here"}\n{"text": "fine too"}\n',
  });
  assert.throws(() => loadTokenRows(f['boom-gen.jsonl']!, { tokenizer: boom }), /boom-gen\.jsonl:3: invalid_json/);
  assert.throws(() => loadTokenRows(f['boom-cls.jsonl']!, { tokenizer: boom, task: 'classification', labels: ['a', 'b'] }), /boom-cls\.jsonl:3: invalid_json/);
  // with no bad line after it, the tokenizer's own error is thrown as it is: not made a UserError
  assert.throws(() => loadTokenRows(f['boom-only.jsonl']!, { tokenizer: boom }), (e: unknown) => e instanceof TypeError && !isUserError(e) && /failed on boom/.test(e.message));
});
