// CSV and TSV reader: RFC 4180 quoting, the quote that does not start a field, headers, delimiters (sniffed, Excel's
// sep= line), repeated headers, long quoted cells, TSV's rows of tabs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readCsv } from '../../src/data/ingest/csv.ts';
import { readRecords } from '../../src/data/ingest/read.ts';
import type { RawItem } from '../../src/data/ingest/types.ts';
import { tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
const summary = (items: RawItem[]) => items.map((i) => ({ line: i.line, value: i.value, reason: i.error?.reason }));
test('CSV (RFC 4180): quoted delimiters, doubled quotes, newlines in quotes, CRLF, a quote inside a field; bad_columns and invalid_csv rows', () => {
  const f = writeFiles(dir, {
    'a.csv': '\ufefftext,label\r\n"a, b",1\r\n"say ""hi""",2\r\n"multi\r\nline\r\ntext",3\r\n\r\nplain,4\r\ntoo,many,fields\r\nshort\r\nbad"quote,5\r\n"closed"junk,6\r\n"unclosed,7\r\nmore',
  })['a.csv']!;
  const items = [...readCsv(f, ',')];
  assert.deepEqual(summary(items), [
    { line: 2, value: { text: 'a, b', label: '1' }, reason: undefined },
    { line: 3, value: { text: 'say "hi"', label: '2' }, reason: undefined },
    { line: 4, value: { text: 'multi\r\nline\r\ntext', label: '3' }, reason: undefined }, // its CRLFs, as Python's csv keeps them
    { line: 8, value: { text: 'plain', label: '4' }, reason: undefined },
    { line: 9, value: undefined, reason: 'bad_columns' },
    { line: 10, value: undefined, reason: 'bad_columns' },
    { line: 11, value: { text: 'bad"quote', label: '5' }, reason: undefined }, // a quote inside a field is a character
    { line: 12, value: { text: '"closed"junk', label: '6' }, reason: undefined }, // text after the closing quote: read as written
    // the file ends inside the quoted cell of line 13, no line after it a row: cut short, one record (was an invalid_csv
    // line 13, a stray quote, and line 14 read again as a bad_columns row)
    { line: 13, value: undefined, reason: 'truncated' },
  ]);
  assert.match(items[4]!.error!.detail, /3 fields where the header has 2/);
  const short = writeFiles(dir, { 'short-row.csv': 'text,label\nonly one cell\n' })['short-row.csv']!;
  assert.equal([...readCsv(short, ',')][0]!.error!.detail, '1 field where the header has 2');
  // more cells than the header: the usual cause is said (a one-column file of text with commas gave no clue)
  const commas = writeFiles(dir, { 'commas.csv': 'text\nHello, world\n' })['commas.csv']!;
  assert.equal([...readCsv(commas, ',')][0]!.error!.detail, '2 fields where the header has 1: a "," in a cell that is not quoted? Quote a cell that holds one');
  const tabs = writeFiles(dir, { 'tabs.tsv': 'text\tlabel\nHello\tworld\tpos\n' })['tabs.tsv']!;
  assert.equal([...readCsv(tabs, '\t')][0]!.error!.detail, '3 fields where the header has 2: a tab in a cell that is not quoted? Quote a cell that holds one');
  assert.equal(items[8]!.error!.detail, 'the file ends inside a quoted field (field 1) opened on line 13 (it runs over lines 13–14, 17 bytes), no line after it a row of its own: the file cut short?');
  assert.equal(items[8]!.raw, '"unclosed,7\r\nmore');
  // a stray quote: rows after it are rows, read again (lines that each open a quoted field: hostile-input.test.ts)
  for (const [name, text, rows] of [
    ['stray.csv', 'text,label\n"stray,1\nnext,2\n', [[2, 'invalid_csv'], [3, { text: 'next', label: '2' }]]],
    // one that opens on the file's last line, no line after it: that line alone, as before
    ['last.csv', 'text,label\nfirst,1\n"open,2\n', [[2, { text: 'first', label: '1' }], [3, 'invalid_csv']]],
    ['cut-cell.csv', 'text,label\nfirst,1\nsecond,"a long\nanswer cut', [[2, { text: 'first', label: '1' }], [3, 'truncated']]],
    // one that opens on the file's last line with no line end after it: the file cut short in it, as a JSON Lines record
    // line is (it was invalid_csv, "a stray quote?"); in one column and in several; with a line end after it, as above
    ['last-cut.csv', 'text,label\nfirst,1\nsecond,"on', [[2, { text: 'first', label: '1' }], [3, 'truncated']]],
    ['last-cut-first.csv', 'text,label\r\nfirst,1\r\n"on,x', [[2, { text: 'first', label: '1' }], [3, 'truncated']]],
    ['last-cut-one.csv', 'text\n"a"\n"on', [[2, { text: 'a' }], [3, 'truncated']]],
    ['last-crlf.csv', 'text\n"a"\n"on\r\n', [[2, { text: 'a' }], [3, 'invalid_csv']]],
    // rows short of only the header's unnamed columns at its end are rows too (pandas reads them so): not a file cut short
    ['unnamed.csv', 'text,label,,\nfirst,1\n"stray,2\nnext,3\nlast,4', [[2, { text: 'first', label: '1', 'Unnamed: 2': '', 'Unnamed: 3': '' }],
      [3, 'invalid_csv'], [4, { text: 'next', label: '3', 'Unnamed: 2': '', 'Unnamed: 3': '' }], [5, { text: 'last', label: '4', 'Unnamed: 2': '', 'Unnamed: 3': '' }]]],
  ] as const) {
    const got = [...readCsv(writeFiles(dir, { [name]: text })[name]!, ',')];
    assert.deepEqual(got.map((i) => [i.line, i.value ?? i.error!.reason]), rows, name);
  }
});

test('CSV of one column cut short inside its last quoted cell: one truncated record when its rows are written quoted, as with several columns; a stray quote among bare rows still rejects its line alone', () => {
  // in one column every line is a row of one field: the cell's lines after its quote were read again as rows (records
  // of a cut cell's text), its first line rejected as a stray quote
  for (const [name, text, rows] of [
    ['one-cut.csv', 'text\n"hello"\n"world"\n"cut here\nmore\nrows\n', [[2, { text: 'hello' }], [3, { text: 'world' }], [4, 'truncated']]],
    // a line after it written as the rows are (quoted): a row, so the quote is stray
    ['one-stray-quoted.csv', 'text\n"hello"\n"oops\nmore\n"world"\n', [[2, { text: 'hello' }], [3, 'invalid_csv'], [4, { text: 'more' }], [5, { text: 'world' }]]],
    // rows written bare: a line of text is as much a row as the cell's (a stray quote recovers them, as before)
    ['one-stray-bare.csv', 'text\nhello\n"oops\nworld\n', [[2, { text: 'hello' }], [3, 'invalid_csv'], [4, { text: 'world' }]]],
  ] as const) {
    const got = [...readCsv(writeFiles(dir, { [name]: text })[name]!, ',')];
    assert.deepEqual(got.map((i) => [i.line, i.value ?? i.error!.reason]), rows, name);
  }
  const last = [...readCsv(writeFiles(dir, { 'one-last.csv': '\ufefftext\n"a"\n"on' })['one-last.csv']!, ',')][1]!;
  assert.deepEqual([last.raw, last.error!.detail], ['"on', 'the file ends inside a quoted field (field 1) opened on line 3 (its last line, 3 bytes), no line end after it: the file cut short?']);
  const cut = [...readCsv(writeFiles(dir, { 'one-cut2.csv': 'text\n"a"\n"b\nc\n' })['one-cut2.csv']!, ',')][1]!;
  assert.equal(cut.raw, '"b\nc');
  assert.equal(cut.error!.detail, 'the file ends inside a quoted field (field 1) opened on line 3 (it runs over lines 3–4, 5 bytes), no line after it a row of its own: the file cut short?');
});

test('CSV: a malformed header stops the run with file:line', () => {
  const f = writeFiles(dir, { 'dup.csv': 'text,text\na,b\n', 'broken.csv': '"text\n"x,label\na,b\n' });
  assert.throws(() => [...readCsv(f['dup.csv']!, ',')], /dup\.csv:1: header column "text" appears twice/);
  assert.throws(() => [...readCsv(f['broken.csv']!, ',')], /broken\.csv:1: the header row is malformed: text after a closing quote in field 1/);
});

test('CSV: a quote that does not start a field is a character (as Python\'s csv and pandas read it)', () => {
  const f = writeFiles(dir, { 'q.csv': 'text,label\nit is a "charming" journey .,pos\nthe 5" screen,neg\n' })['q.csv']!;
  assert.deepEqual(summary([...readCsv(f, ',')]), [
    { line: 2, value: { text: 'it is a "charming" journey .', label: 'pos' }, reason: undefined },
    { line: 3, value: { text: 'the 5" screen', label: 'neg' }, reason: undefined },
  ]);
});

test('CSV/TSV: a cell that starts with a quote but goes on after its closing quote ("Hello," she said.) is read as written, with Python\'s csv\'s cell bounds, and a note counts them', () => {
  // Python's csv (and pandas) read such a cell, but drop its first two quotes ("Hello," she said. → Hello, she said.): the
  // text the file holds is kept instead; it was rejected as invalid_csv, though pandas users read the same file whole
  const notes: string[] = [];
  const t = writeFiles(dir, { 'said.tsv': 'text\tlabel\n"Hello," she said.\tpos\nplain\tneg\n' })['said.tsv']!;
  assert.deepEqual(summary([...readCsv(t, '\t', { onNote: (n) => notes.push(n) })]), [
    { line: 2, value: { text: '"Hello," she said.', label: 'pos' }, reason: undefined },
    { line: 3, value: { text: 'plain', label: 'neg' }, reason: undefined },
  ]);
  // the cell ends at the delimiter after the closing quote, as Python's does (the comma inside the quotes is text); a
  // closing quote followed by blanks only is a quoted cell, its blanks kept (as Python keeps them)
  const c = writeFiles(dir, { 'q2.csv': 'text,label\n"Hello, world" she said,pos\n"abc"def,pos\n"a ""b"" c" ,neg\nx,"y"z\n"5"" screen" ok "x",neg\n' })['q2.csv']!;
  assert.deepEqual(summary([...readCsv(c, ',', { onNote: (n) => notes.push(n) })]), [
    { line: 2, value: { text: '"Hello, world" she said', label: 'pos' }, reason: undefined },
    { line: 3, value: { text: '"abc"def', label: 'pos' }, reason: undefined },
    { line: 4, value: { text: 'a "b" c ', label: 'neg' }, reason: undefined },
    { line: 5, value: { text: 'x', label: '"y"z' }, reason: undefined },
    { line: 6, value: { text: '"5"" screen" ok "x"', label: 'neg' }, reason: undefined },
  ]);
  assert.deepEqual(notes, [
    '1 cell starts with a quote that does not quote it whole (text follows its closing quote, as in "Hello," she said.; line 2): read as written, quotes included (Python\'s csv would drop its first two quotes)',
    '4 cells start with a quote that does not quote them whole (text follows the closing quote, as in "Hello," she said.; first on line 2): read as written, quotes included (Python\'s csv would drop the first two quotes of each)',
  ]);
  // a quoted field that ran over lines before its closing quote is still invalid_csv (a stray quote that met another): its
  // lines are not joined into one cell; the rows after it are read
  const m = writeFiles(dir, { 'multi.csv': 'text,label\n"opened here,pos\nand closed" here,neg\nnext,pos\n' })['multi.csv']!;
  const items = [...readCsv(m, ',')];
  assert.deepEqual(summary(items), [
    { line: 2, value: undefined, reason: 'invalid_csv' },
    { line: 4, value: { text: 'next', label: 'pos' }, reason: undefined },
  ]);
  // before: only 'text after a closing quote in field 1', as if line 2 alone were the row
  assert.equal(items[0]!.error!.detail, 'text after a closing quote in field 1 on line 3, of a row that a quoted field opened on line 2 runs over (lines 2–3): a stray quote?');
  // the line named is the one where the text follows the closing quote, not the row's last (another quoted cell ran on)
  const onward = writeFiles(dir, { 'onward.csv': 'text,label\n"a\nb"x,"c\nd"\nnext,pos\n' })['onward.csv']!;
  assert.equal([...readCsv(onward, ',')][0]!.error!.detail,
    'text after a closing quote in field 1 on line 3, of a row that a quoted field opened on line 2 runs over (lines 2–4): a stray quote?');
  // but blanks after the closing quote of a cell of several lines are the quoted cell's, as on one line (Python keeps them)
  const blanks = writeFiles(dir, { 'blanks.csv': 'text,label\n"two\nlines" ,pos\n"and\nthree\nlines"\t,neg\n' })['blanks.csv']!;
  assert.deepEqual(summary([...readCsv(blanks, ',')]), [
    { line: 2, value: { text: 'two\nlines ', label: 'pos' }, reason: undefined },
    { line: 4, value: { text: 'and\nthree\nlines\t', label: 'neg' }, reason: undefined },
  ]);
});

test('CSV/TSV: a stray quote closed by the quote that starts a later line ("Bye," he said.) rejects its own line alone: the lines after it are rows', () => {
  // before: lines 2–3 (or 2–5) were one invalid_csv record, and line 3's record ("Bye," he said.) was lost with it
  const f = writeFiles(dir, {
    'stray.tsv': 'text\tlabel\n"Unclosed\tneg\n"Bye," he said.\tpos\nplain\tneg\n',
    'between.tsv': 'text\tlabel\n"Unclosed\tneg\nrow a\tpos\nrow b\tneg\n"Bye," he said.\tpos\n',
  });
  const items = [...readCsv(f['stray.tsv']!, '\t')];
  assert.deepEqual(summary(items), [
    { line: 2, value: undefined, reason: 'invalid_csv' },
    { line: 3, value: { text: '"Bye," he said.', label: 'pos' }, reason: undefined },
    { line: 4, value: { text: 'plain', label: 'neg' }, reason: undefined },
  ]);
  assert.equal(items[0]!.error!.detail, 'a quoted field (field 1) opened on line 2 would be closed by the quote that starts line 3, which is followed by text: that quote opens the line\'s first cell, so this one is a stray quote?');
  assert.equal(items[0]!.readsOnFrom, 3);
  assert.equal(items[0]!.raw, '"Unclosed\tneg');
  assert.deepEqual(summary([...readCsv(f['between.tsv']!, '\t')]).map((i) => [i.line, i.reason ?? (i.value as { text: string }).text]),
    [[2, 'invalid_csv'], [3, 'row a'], [4, 'row b'], [5, '"Bye," he said.']]);
});

test('CSV: header columns with no name (pandas\' index column, trailing commas) are named "Unnamed: N", N the 0-based column', () => {
  const f = writeFiles(dir, { 'pandas.csv': ',text,label\n0,good film,pos\n1,"bad, film",neg\n', 'trailing.csv': 'text,label,,\nhello,pos,,\n' });
  assert.deepEqual(summary([...readCsv(f['pandas.csv']!, ',')]), [
    { line: 2, value: { 'Unnamed: 0': '0', text: 'good film', label: 'pos' }, reason: undefined },
    { line: 3, value: { 'Unnamed: 0': '1', text: 'bad, film', label: 'neg' }, reason: undefined },
  ]);
  assert.deepEqual(summary([...readCsv(f['trailing.csv']!, ',')]), [{ line: 2, value: { text: 'hello', label: 'pos', 'Unnamed: 2': '', 'Unnamed: 3': '' }, reason: undefined }]);
});

test('CSV: an empty header cell beside a column named "Unnamed: N" (a file pandas wrote twice) keeps both columns apart, the empty one "Unnamed: N.1", with a note', () => {
  // before: the header was refused, 'header column "Unnamed: 1" appears twice', which it does not hold
  const f = writeFiles(dir, { 'twice.csv': 'text,,Unnamed: 1\nhello,x,y\n', 'index.csv': ',Unnamed: 0,Unnamed: 0.1,text\n0,7,8,hi\n' });
  const notes: string[] = [];
  assert.deepEqual(summary([...readCsv(f['twice.csv']!, ',', { onNote: (n) => notes.push(n) })]), [
    { line: 2, value: { text: 'hello', 'Unnamed: 1.1': 'x', 'Unnamed: 1': 'y' }, reason: undefined },
  ]);
  assert.deepEqual(summary([...readCsv(f['index.csv']!, ',', { onNote: (n) => notes.push(n) })]), [
    { line: 2, value: { 'Unnamed: 0.2': '0', 'Unnamed: 0': '7', 'Unnamed: 0.1': '8', text: 'hi' }, reason: undefined },
  ]);
  assert.deepEqual(notes, [
    'header column 2 has no name, and another column is named "Unnamed: 1", pandas\' name for it: named "Unnamed: 1.1"',
    'header column 1 has no name, and another column is named "Unnamed: 0", pandas\' name for it: named "Unnamed: 0.2"',
  ]);
  // a name written twice is still refused
  const dup = writeFiles(dir, { 'dup2.csv': ',Unnamed: 0,Unnamed: 0\n1,2,3\n' })['dup2.csv']!;
  assert.throws(() => [...readCsv(dup, ',')], /header column "Unnamed: 0" appears twice/);
});

test('CSV: a row short of only the header\'s unnamed columns (a header with trailing commas its rows lack) has them empty, as pandas pads them; one short of a named column is still bad_columns', () => {
  // every row of such a file was bad_columns: "2 fields where the header has 4"
  const f = writeFiles(dir, { 'trail.csv': 'text,label,,\nhello,pos\nbye,neg,,\nalone\n' })['trail.csv']!;
  assert.deepEqual(summary([...readCsv(f, ',')]), [
    { line: 2, value: { text: 'hello', label: 'pos', 'Unnamed: 2': '', 'Unnamed: 3': '' }, reason: undefined },
    { line: 3, value: { text: 'bye', label: 'neg', 'Unnamed: 2': '', 'Unnamed: 3': '' }, reason: undefined },
    { line: 4, value: undefined, reason: 'bad_columns' },
  ]);
});

test('CSV: a .csv whose header line has no comma outside quotes but ";" or a tab is read with that delimiter, and a note says so', () => {
  const f = writeFiles(dir, {
    'excel.csv': 'text;label\r\n"un film, très bon";pos\r\n"a; b";neg\r\nx;y;z\r\n',
    'tabs.csv': 'text\tlabel\nQ, with comma\tA\n',
    'quoted.csv': '"a;b",label\nx,y\n', // the ";" is inside quotes, and a comma outside: a comma CSV
    'one.csv': 'text\nhello; there\n', // one column: no delimiter in the header, read as a comma CSV
  });
  const notes: string[] = [];
  assert.deepEqual(summary([...readCsv(f['excel.csv']!, ',', { onNote: (n) => notes.push(n) })]), [
    { line: 2, value: { text: 'un film, très bon', label: 'pos' }, reason: undefined },
    { line: 3, value: { text: 'a; b', label: 'neg' }, reason: undefined },
    { line: 4, value: undefined, reason: 'bad_columns' },
  ]);
  assert.deepEqual(notes, ['read with ";" as the delimiter (its header line has no comma, but a ";")']);
  notes.length = 0;
  assert.deepEqual(summary([...readCsv(f['tabs.csv']!, ',', { onNote: (n) => notes.push(n) })]).map((r) => r.value), [{ text: 'Q, with comma', label: 'A' }]);
  assert.deepEqual(notes, ['read with tab as the delimiter (its header line has no comma, but a tab)']);
  notes.length = 0;
  assert.deepEqual(summary([...readCsv(f['quoted.csv']!, ',', { onNote: (n) => notes.push(n) })]).map((r) => r.value), [{ 'a;b': 'x', label: 'y' }]);
  assert.deepEqual(summary([...readCsv(f['one.csv']!, ',', { onNote: (n) => notes.push(n) })]).map((r) => r.value), [{ text: 'hello; there' }]);
  assert.deepEqual(notes, []);
  // a .tsv is read with tabs, whatever its header holds
  const t = writeFiles(dir, { 'semi.tsv': 'a;b\tc\nx;y\tz\n' })['semi.tsv']!;
  assert.deepEqual(summary([...readCsv(t, '\t')]).map((r) => r.value), [{ 'a;b': 'x;y', c: 'z' }]);
});

test('CSV: a first line "#TYPE …" (Windows PowerShell\'s Export-Csv type line) is no row: the header is the next line, and a note says so', () => {
  // before: "#TYPE …" was the header, one column, and every row was bad_columns ("2 fields where the header has 1")
  const f = writeFiles(dir, {
    'ps.csv': '\ufeff#TYPE System.Management.Automation.PSCustomObject\r\n"text","label"\r\n"hello, world","pos"\r\n',
    'ps-semi.csv': '#TYPE Selected.System.Data.DataRow\n"text";"label"\n"hallo";"pos"\n',
  });
  const notes: string[] = [];
  const read = (name: string) => summary([...readCsv(f[name]!, ',', { onNote: (n) => notes.push(n) })]).map((r) => [r.line, r.value]);
  assert.deepEqual(read('ps.csv'), [[3, { text: 'hello, world', label: 'pos' }]]);
  assert.deepEqual(read('ps-semi.csv'), [[3, { text: 'hallo', label: 'pos' }]]);
  assert.deepEqual(notes, [
    'its first line, "#TYPE System.Management.Automation.PSCustomObject", is Windows PowerShell\'s Export-Csv type line, not the header: skipped',
    'its first line, "#TYPE Selected.System.Data.DataRow", is Windows PowerShell\'s Export-Csv type line, not the header: skipped',
    'read with ";" as the delimiter (its header line has no comma, but a ";")',
  ]);
});

test('CSV: a first line "sep=X" (Excel\'s delimiter line) is no row: the file is read with X, and a note says so', () => {
  const f = writeFiles(dir, {
    'semi.csv': 'sep=;\r\ntext;label\r\n"a, b";pos\r\n',
    'comma.csv': 'sep=,\ntext,label\nx;y,neg\n', // sep= wins over the sniffing: the header has a comma anyway
    'pipe.tsv': 'sep=|\ntext|label\nhi\tthere|pos\n',
    'tab.csv': 'sep=\t\ntext\tlabel\nx\ty\n',
    'late.csv': 'text;label\nsep=,;x\n', // only a first line is Excel's
  });
  const notes: string[] = [];
  const read = (name: string, d: ',' | '\t' = ',') => summary([...readCsv(f[name]!, d, { onNote: (n) => notes.push(n) })]).map((r) => [r.line, r.value]);
  assert.deepEqual(read('semi.csv'), [[3, { text: 'a, b', label: 'pos' }]]);
  assert.deepEqual(read('comma.csv'), [[3, { text: 'x;y', label: 'neg' }]]);
  assert.deepEqual(read('pipe.tsv', '\t'), [[3, { text: 'hi\tthere', label: 'pos' }]]);
  assert.deepEqual(read('tab.csv'), [[3, { text: 'x', label: 'y' }]]);
  assert.deepEqual(read('late.csv'), [[2, { text: 'sep=,', label: 'x' }]]);
  assert.deepEqual(notes, [
    'read with ";" as the delimiter (its first line, "sep=;", is Excel\'s delimiter line, not a row)',
    'read with "," as the delimiter (its first line, "sep=,", is Excel\'s delimiter line, not a row)',
    'read with "|" as the delimiter (its first line, "sep=|", is Excel\'s delimiter line, not a row)',
    'read with tab as the delimiter (its first line, "sep=\\t", is Excel\'s delimiter line, not a row)',
    'read with ";" as the delimiter (its header line has no comma, but a ";")',
  ]);
});

test('CSV: "SEP=;" is Excel\'s delimiter line in any case (LibreOffice reads it so), not a header "SEP=" beside "Unnamed: 1"', () => {
  const f = writeFiles(dir, { 'upper.csv': 'SEP=;\ntext;label\na, b;pos\n', 'mixed.csv': 'Sep=,\ntext,label\nx;y,neg\n' });
  const notes: string[] = [];
  const read = (name: string) => summary([...readCsv(f[name]!, ',', { onNote: (n) => notes.push(n) })]).map((r) => [r.line, r.value]);
  assert.deepEqual(read('upper.csv'), [[3, { text: 'a, b', label: 'pos' }]]);
  assert.deepEqual(read('mixed.csv'), [[3, { text: 'x;y', label: 'neg' }]]);
  assert.deepEqual(notes, [
    'read with ";" as the delimiter (its first line, "SEP=;", is Excel\'s delimiter line, not a row)',
    'read with "," as the delimiter (its first line, "Sep=,", is Excel\'s delimiter line, not a row)',
  ]);
});

test('CSV: a "sep=X" line above data of another delimiter is refused, naming the line and what to write, not read as one column', () => {
  const f = writeFiles(dir, {
    'wrong.csv': 'sep=;\nprompt,completion\nhi,there\nbye,now\n',
    'wrong-tab.csv': 'sep=,\ntext\tlabel\nx\ty\n',
    // one column, its name holding a comma that the rows do not split on alike: read as the line says
    'one.csv': 'sep=;\nQuestion, then answer\nwhy\nhow\n',
    // one column whose name and rows hold commas: refused as written, read once its header is quoted (as the error says)
    'quoted.csv': 'sep=;\n"Sentence, as said"\n"Hello, world"\nYes, no\n',
    // a header and no rows: nothing to check the line against (and no records either way): read as the line says
    'header-only.csv': 'sep=;\nname,age\n\n',
  });
  assert.throws(() => [...readCsv(f['wrong.csv']!, ',')], {
    name: 'UserError',
    message: `${f['wrong.csv']}:2: the header row is one column, "prompt,completion", read with ";" as the first line "sep=;" says, but "," splits it and the rows after it into columns: that sep= line does not match the data; delete it, or write "sep=," (or, if the file is one column whose name holds ",", quote the header)`,
  });
  assert.throws(() => [...readCsv(f['wrong-tab.csv']!, ',')], { name: 'UserError', message: /wrong-tab\.csv:2: .*"sep=,".* tab splits it .*write "sep=\\t" \(or, if the file is one column whose name holds tab, quote the header\)$/ });
  assert.deepEqual(summary([...readCsv(f['one.csv']!, ',')]).map((r) => r.value), [{ 'Question, then answer': 'why' }, { 'Question, then answer': 'how' }]);
  assert.deepEqual(summary([...readCsv(f['quoted.csv']!, ',')]).map((r) => r.value), [{ 'Sentence, as said': 'Hello, world' }, { 'Sentence, as said': 'Yes, no' }]);
  assert.deepEqual([...readCsv(f['header-only.csv']!, ',')], []);
});

test('CSV: a wrong "sep=X" line above a header of 100,000 columns is refused with the header cut, not echoed whole', () => {
  // the header was quoted whole: a 700 kB one-line error for a 700 kB header
  const header = Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',');
  const row = Array.from({ length: 100_000 }, () => 'v').join(',');
  const f = writeFiles(dir, { 'wide.csv': `sep=;\n${header}\n${row}\n${row}\n` })['wide.csv']!;
  assert.throws(() => [...readCsv(f, ',')], (e: Error) => {
    assert.equal(e.name, 'UserError');
    assert.ok(e.message.length < 600, `${e.message.length} characters: ${e.message.slice(0, 200)}`);
    assert.match(e.message, /wide\.csv:2: the header row is one column, "c0,c1,c2,.*…" \(688889 characters\), read with ";" as the first line "sep=;" says, but "," splits it .*write "sep=," \(or, if the file is one column whose name holds ",", quote the header\)$/);
    return true;
  });
});

test('CSV: a row that repeats the header (two CSV files joined) is rejected as bad_columns, not kept as data', () => {
  const f = writeFiles(dir, { 'joined.csv': 'text,label\ngood film,pos\ntext,label\n"text","label"\nbad film,neg\ntext,labels\n' })['joined.csv']!;
  const items = [...readCsv(f, ',')];
  assert.deepEqual(summary(items), [
    { line: 2, value: { text: 'good film', label: 'pos' }, reason: undefined },
    { line: 3, value: undefined, reason: 'bad_columns' },
    { line: 4, value: undefined, reason: 'bad_columns' },
    { line: 5, value: { text: 'bad film', label: 'neg' }, reason: undefined },
    { line: 6, value: { text: 'text', label: 'labels' }, reason: undefined },
  ]);
  assert.equal(items[1]!.error!.detail, 'a repeated header row (files joined together?), not data');
});

test('CSV: a quoted cell of 10,050 lines (a long poem) is one record; a quoted field is bounded by its size, not its lines', () => {
  const poem = Array.from({ length: 10_050 }, (_, i) => `verse ${i} of the poem`);
  const f = writeFiles(dir, { 'poem.csv': `text,label\n"${poem.join('\n')}",poem\nafter it,prose\n` })['poem.csv']!;
  const items = [...readCsv(f, ',')];
  assert.deepEqual(items.map((i) => [i.line, i.error?.reason]), [[2, undefined], [10_052, undefined]]);
  assert.deepEqual(items[0]!.value, { text: poem.join('\n'), label: 'poem' });
  assert.deepEqual(items[1]!.value, { text: 'after it', label: 'prose' });
  // past the bound (here 100 bytes) the field is read on to its end, its text not kept: one too_long record
  const g = writeFiles(dir, { 'bound.csv': `text,label\n"${poem.slice(0, 10).join('\n')}",poem\nafter it,prose\n` })['bound.csv']!;
  const bounded = [...readCsv(g, ',', {}, { bytes: 100 })];
  assert.deepEqual(bounded.map((i) => [i.line, i.error?.reason ?? i.value]), [[2, 'too_long'], [12, { text: 'after it', label: 'prose' }]]);
  assert.equal(bounded[0]!.error!.detail, 'a quoted field (field 1) opened on line 2 runs over lines 2–11 (207 bytes), more than the 100 bytes a CSV cell is read up to: shorten or split it');
  assert.equal(bounded[0]!.readsOnFrom, undefined);
});

test('TSV uses tabs', () => {
  const f = writeFiles(dir, { 'a.tsv': 'prompt\tcompletion\nQ, with comma\tA\n' })['a.tsv']!;
  assert.deepEqual(summary([...readCsv(f, '\t')]), [{ line: 2, value: { prompt: 'Q, with comma', completion: 'A' }, reason: undefined }]);
});

test('TSV: a line of tabs is a row of empty cells (a spreadsheet\'s empty row), counted as ",," is in a CSV; a blank line is none', () => {
  // it was taken for a blank line, tabs being white space: one record fewer, silently, than the CSV export of the same sheet
  const rows = (d: string) => ['text', 'label'].join(d) + '\n' + ['first row', 'a'].join(d) + '\n' + d + '\n\n   \n' + ['second row', 'b'].join(d) + '\n';
  const t = writeFiles(dir, { 'empty-row.tsv': rows('\t'), 'empty-row.csv': rows(',') });
  const want = [
    { line: 2, value: { text: 'first row', label: 'a' }, reason: undefined },
    { line: 3, value: { text: '', label: '' }, reason: undefined },
    { line: 6, value: { text: 'second row', label: 'b' }, reason: undefined },
  ];
  assert.deepEqual(summary([...readCsv(t['empty-row.tsv']!, '\t')]), want);
  assert.deepEqual(summary([...readCsv(t['empty-row.csv']!, ',')]), want);
});

test('CSV: a ";" CSV whose header has a comma inside a column name is read with ";" (the delimiter that splits the header and the rows alike)', () => {
  // before: any comma in the header made it a comma CSV, and every row was bad_columns
  const f = writeFiles(dir, {
    'eu.csv': 'Text;Label, category\nbonjour, le monde;pos\nau revoir;neg\n',
    'comma.csv': 'a;b,c\nx,y\n', // the comma splits the header and the row alike: a comma CSV, as before
  });
  const notes: string[] = [];
  assert.deepEqual(summary([...readCsv(f['eu.csv']!, ',', { onNote: (n) => notes.push(n) })]).map((r) => r.value), [
    { Text: 'bonjour, le monde', 'Label, category': 'pos' }, { Text: 'au revoir', 'Label, category': 'neg' },
  ]);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /^read with ";" as the delimiter \(its header line has a comma too, .*same number of fields/);
  notes.length = 0;
  assert.deepEqual(summary([...readCsv(f['comma.csv']!, ',', { onNote: (n) => notes.push(n) })]).map((r) => r.value), [{ 'a;b': 'x', c: 'y' }]);
  assert.deepEqual(notes, []);
});

test('CSV whose header row is a JSON object or array (JSON Lines read as CSV, --format csv on it) is one error saying so, not records keyed by JSON', () => {
  // before: the first record was taken for column names ('{"text": "a"}'), the others rejected or kept as garbage, and
  // the advice was --field text='{"text": "a"}'
  const f = writeFiles(dir, { 'l.csv': '{"text": "a"}\n{"text": "b"}\n', 'a.csv': '[{"text": "a"}]\n[{"text": "b"}]\n' });
  assert.throws(() => [...readCsv(f['l.csv']!, ',')], (e: Error) => e.message === `${f['l.csv']}:1: the header row is a JSON object, not column names: the file is JSON Lines, not CSV; read it as such (a .jsonl name, or --format jsonl)`);
  assert.throws(() => [...readCsv(f['a.csv']!, ',', { formatFlag: false })], (e: Error) => e.message === `${f['a.csv']}:1: the header row is a JSON array, not column names: the file is JSON Lines, not CSV; read it as such (a .jsonl name)`);
  // a TSV file that is JSON Lines is said not to be TSV (it was "not CSV", though read as TSV)
  const t = writeFiles(dir, { 'l.tsv': '{"text": "a"}\n{"text": "b"}\n' })['l.tsv']!;
  assert.throws(() => [...readCsv(t, '\t')], (e: Error) => e.message === `${t}:1: the header row is a JSON object, not column names: the file is JSON Lines, not TSV; read it as such (a .jsonl name, or --format jsonl)`);
});

test('CSV/TSV: a quote opening a cell mid-row and closing lines later joins the rows between into that cell, as Python\'s csv and pandas read it; the report says so, naming the lines', () => {
  // before: read so without a word (the label became "pos next row neg another row pos"); Python 3 csv and pandas 3 give
  // the same row; a cell whose lines are text (RFC 4180's multi-line cell) is no such note
  const f = writeFiles(dir, {
    'joined.tsv': 'text\tlabel\nhello\t"pos\nnext row\tneg\nanother row\tpos"\nlast\tneg\n"a poem\nof two lines"\tpos\n"one\ttab\nand\tone"\tneg\n',
    'joined.csv': 'a,b,c\n1,"x\n2,y,z\n3,u,v",w\n"Dear Ann,\nthanks, see you",b,c\n',
  });
  const notes: string[] = [];
  const items = [...readCsv(f['joined.tsv']!, '\t', { onNote: (n) => notes.push(n) })];
  assert.deepEqual(summary(items).map((i) => i.line), [2, 5, 6, 8]);
  assert.equal((items[0]!.value as { label: string }).label, 'pos\nnext row\tneg\nanother row\tpos');
  assert.deepEqual(notes, ['2 rows hold a quoted cell each of whose lines after its first holds as many cells as a row (first on line 2, over lines 2–4): rows joined into one cell by a stray quote? Read as one row each, as Python\'s csv and pandas read them; if those lines are rows, remove the quote that opens the cell']);
  notes.length = 0;
  assert.equal([...readCsv(f['joined.csv']!, ',', { onNote: (n) => notes.push(n) })].length, 2);
  assert.deepEqual(notes, ['1 row holds a quoted cell each of whose lines after its first holds as many cells as a row (line 2, over lines 2–4): rows joined into one cell by a stray quote? Read as one row, as Python\'s csv and pandas read it; if those lines are rows, remove the quote that opens the cell']);
});

test('CSV without a header row: its first record, taken for column names, is said to be one when a later row holds one of its cells in that column', () => {
  // before: "hello world,pos" became the column names without a word; the hint to name a text field (--field text="hello
  // world") read the rest and left that record out
  const f = writeFiles(dir, {
    'no-header.csv': 'hello world,pos\nanother sentence,neg\nthird one,pos\n',
    'header.csv': 'text,label\nthe label column,label\n', // a column's name as a value is rare; it is said, and harmless
    'numbers.csv': '0,1\n1,0\n0,1\n', // pandas' integer column names over integer cells: no sign
    'letters.csv': 'a,b\nx,b\n', // a one-character name (a, b; classes A, B): no sign
  });
  const notes = (name: string) => {
    const said: string[] = [];
    for (const _ of readCsv(f[name]!, ',', { onNote: (n) => said.push(n) }));
    return said;
  };
  assert.deepEqual(notes('no-header.csv'), ['line 1 ("hello world,pos") is read as the header row, yet its cell "pos" is also a value of that column (line 3): ' +
    'if the file has no header row, line 1 is a record taken for column names, and not read: add a header line (the column names) above it']);
  assert.equal(notes('header.csv').length, 1);
  assert.deepEqual([notes('numbers.csv'), notes('letters.csv')], [[], []]);
});

test('CSV: a lone CR outside quotes in an LF file ends a row, as Python\'s csv and pandas read it (CR-ended rows appended to an LF file); inside quotes it is the cell\'s', () => {
  const f = writeFiles(dir, {
    'cr-rows.csv': 'text,label\nfirst,a\nsecond,b\rthird,c\n"quoted\rcell",d\nlast,e\n',
    // one column: the two rows ran together into one record, silently
    'cr-one.csv': 'text\nfirst row here\nsecond row\rthird row\nfourth row\n',
  });
  assert.deepEqual(summary([...readCsv(f['cr-rows.csv']!, ',')]), [
    { line: 2, value: { text: 'first', label: 'a' }, reason: undefined },
    { line: 3, value: { text: 'second', label: 'b' }, reason: undefined },
    { line: 3, value: { text: 'third', label: 'c' }, reason: undefined },
    { line: 4, value: { text: 'quoted\rcell', label: 'd' }, reason: undefined },
    { line: 5, value: { text: 'last', label: 'e' }, reason: undefined },
  ]);
  assert.deepEqual([...readCsv(f['cr-one.csv']!, ',')].map((i) => i.value), [
    { text: 'first row here' }, { text: 'second row' }, { text: 'third row' }, { text: 'fourth row' },
  ]);
  // the rows that share a line are told apart by their place in the file, as a JSON Lines line's records are
  assert.deepEqual([...readRecords(f['cr-one.csv']!, 'csv')].map((i) => [i.line, i.record]), [[2, undefined], [3, 2], [3, 3], [4, undefined]]);
});

test('CSV: a line break inside a quoted cell is the file\'s own (CRLF, LF, a lone CR), as Python\'s csv, pandas and datasets read it', () => {
  // the expected cells are what csv.reader(open(f, newline='')), pandas.read_csv and load_dataset('csv') give for this file
  const f = writeFiles(dir, { 'crlf-cell.csv': 'text,label\r\n"line one\r\nline two",a\r\n"lf\nonly",b\r\n"mixed\r\nand\rcr\r\n",c\r\nplain,d\r\n' })['crlf-cell.csv']!;
  const items = [...readCsv(f, ',')];
  assert.deepEqual(items.map((i) => i.value), [
    { text: 'line one\r\nline two', label: 'a' },
    { text: 'lf\nonly', label: 'b' },
    { text: 'mixed\r\nand\rcr\r\n', label: 'c' },
    { text: 'plain', label: 'd' },
  ]);
  // the row's raw text (rejected.jsonl's) is the file's too, but for the CRLF that ends the row
  assert.deepEqual(items.map((i) => i.raw), ['"line one\r\nline two",a', '"lf\nonly",b', '"mixed\r\nand\rcr\r\n",c', 'plain,d']);
});

test('CSV of classic-Mac line ends (lone CRs): a line break inside a quoted cell is the file\'s own CR (or CRLF), in the value and the raw, as Python\'s csv reads it', () => {
  // csv.reader(open(f, newline='')) gives ['a\rb', '1'], ['c\rd', '2', 'extra'], ['e\r\nf', '3'], ['g\nh', '4']; a CRLF split by
  // the reader's chunks is still one
  const f = writeFiles(dir, { 'mac-cells.csv': 'text,label\r"a\rb",1\r"c\rd",2,extra\r"e\r\nf",3\r"g\nh",4\r' })['mac-cells.csv']!;
  const items = [...readCsv(f, ',')];
  assert.deepEqual(items.map((i) => [i.line, i.value ?? i.error?.reason]), [
    [2, { text: 'a\rb', label: '1' }], [4, 'bad_columns'], [6, { text: 'e\r\nf', label: '3' }], [8, { text: 'g\nh', label: '4' }],
  ]);
  assert.equal(items[1]!.raw, '"c\rd",2,extra');
});

test('CSV: a stray quote\'s rejection counts the bytes of the lines it runs over exactly (CRLFs, a last line without one)', () => {
  const f = writeFiles(dir, {
    'crlf-stray.csv': 'text,label\r\nfirst,1\r\n"unclosed,2\r\nmore text\r\nlast line\r\n', // 13 + 11 + 11 bytes
    'no-end.csv': 'text,label\r\nfirst,1\r\n"unclosed,2\r\nmore text\r\nlast', // 13 + 11 + 4 bytes
  });
  assert.match([...readCsv(f['crlf-stray.csv']!, ',')][1]!.error!.detail, /it runs over lines 3–5, 35 bytes\)/);
  assert.match([...readCsv(f['no-end.csv']!, ',')][1]!.error!.detail, /it runs over lines 3–5, 28 bytes\)/);
  // past the bound, read on from the file: the same count
  assert.match([...readCsv(f['crlf-stray.csv']!, ',', {}, { bytes: 16 })][1]!.error!.detail, /it runs over lines 3–5, 35 bytes\)/);
});

test('CSV: a line of only spaces and tabs is blank and skipped, as pandas and datasets skip it, but in a file of one column; a line of other white space (NBSP, U+3000, FF, VT, LS) is a row, as they read it', () => {
  // the rows are those pandas.read_csv and load_dataset('csv') give for these files: one column, and two (where such a
  // row, one cell short, is bad_columns here: pandas pads it with NaN); but in one column a line of spaces or tabs is the
  // cell Python's csv writer and pandas' to_csv write bare (pandas reads its own file a row short): a row, as Python's csv
  // reads it (cleaning rejects it as empty, counted), where it was skipped, lost uncounted
  const f = writeFiles(dir, {
    'ws-one.csv': 'text\nx\n   \n\t\n\u00a0\n\u3000\n\f\n\v\n\u2028\ny\n',
    'ws-two.csv': 'text,label\nx,a\n  \t \n\u00a0\n , \ny,b\n',
  });
  assert.deepEqual([...readCsv(f['ws-one.csv']!, ',')].map((i) => [i.line, (i.value as Record<string, string> | undefined)?.['text']]), [
    [2, 'x'], [3, '   '], [4, '\t'], [5, '\u00a0'], [6, '\u3000'], [7, '\f'], [8, '\v'], [9, '\u2028'], [10, 'y'],
  ]);
  assert.deepEqual(summary([...readCsv(f['ws-two.csv']!, ',')]), [
    { line: 2, value: { text: 'x', label: 'a' }, reason: undefined },
    { line: 4, value: undefined, reason: 'bad_columns' },
    { line: 5, value: { text: ' ', label: ' ' }, reason: undefined },
    { line: 6, value: { text: 'y', label: 'b' }, reason: undefined },
  ]);
  assert.equal([...readCsv(f['ws-two.csv']!, ',')][1]!.error!.detail, '1 field where the header has 2: a line of white space only (U+00A0), a row to pandas too, not a blank line');
});

test('CSV: a row of one quoted cell that is empty or white space is not said to be "a line of white space only"', () => {
  // before: `""` was "a line of white space only ()" and `" "` "(U+0020)", a line pandas skips as blank, which it is not
  const f = writeFiles(dir, { 'quoted-blank.csv': 'text,label\nx,a\n""\n" "\n"\u00a0"\ny,b\n' })['quoted-blank.csv']!;
  const items = [...readCsv(f, ',')];
  assert.deepEqual(items.map((i) => [i.line, i.error?.detail ?? null]), [
    [2, null], [3, '1 field where the header has 2'], [4, '1 field where the header has 2'], [5, '1 field where the header has 2'], [6, null],
  ]);
});
