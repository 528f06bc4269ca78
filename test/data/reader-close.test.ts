// A reader of records left before its end (its consumer threw at a bad record, as load-rows does, or stopped) closes
// the file it read: a process that reads many files (prepare of a folder, a library user) runs out of descriptors else.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { readRecords } from '../../src/data/ingest/read.ts';
import type { Format } from '../../src/data/ingest/types.ts';
import { HeldLines } from '../../src/util/held-lines.ts';
import { tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
const haveProc = fs.existsSync('/proc/self/fd');
const openFds = (): number => fs.readdirSync('/proc/self/fd').length;
const records = (n: number): string[] => Array.from({ length: n }, (_, i) => JSON.stringify({ text: `t${i}` }));

test('a JSON or JSON Lines reader left after its first records closes its file', { skip: !haveProc && 'no /proc/self/fd' }, () => {
  writeFiles(dir, {
    'lines.json': records(10).join('\n') + '\n', // JSON Lines in a .json file (its scan says so)
    'wrapped.json': `{"version": "1", "data": [\n${records(10).join(',\n')}\n]}\n`, // an object that wraps the records
    'array.json': `[\n${records(10).join(',\n')}\n]\n`,
    'batches.jsonl': `[${records(2).join(', ')}]\n[${records(2).join(', ')}]\n${records(10).join('\n')}\n`,
    'lines.jsonl': records(10).join('\n') + '\n',
  });
  for (const [name, format] of [['lines.json', 'json'], ['wrapped.json', 'json'], ['array.json', 'json'], ['batches.jsonl', 'jsonl'], ['lines.jsonl', 'jsonl']] as Array<[string, Format]>) {
    const before = openFds();
    for (let k = 0; k < 3; k++) {
      let n = 0;
      for (const _ of readRecords(`${dir}/${name}`, format)) if (++n === 2) break;
    }
    assert.equal(openFds(), before, name);
  }
});

test('a CSV reader left after its first rows, or refusing the file at its header (JSON Lines named .csv), closes its file', { skip: !haveProc && 'no /proc/self/fd' }, () => {
  writeFiles(dir, { 'rows.csv': `text,label\n${Array.from({ length: 10 }, (_, i) => `t${i},${i % 2}\n`).join('')}`, 'json-header.csv': records(3).join('\n') + '\n' });
  const before = openFds();
  for (let k = 0; k < 3; k++) {
    let n = 0;
    for (const _ of readRecords(`${dir}/rows.csv`, 'csv')) if (++n === 2) break;
    assert.throws(() => [...readRecords(`${dir}/json-header.csv`, 'csv')], /the file is JSON Lines, not CSV/);
  }
  assert.equal(openFds(), before);
});

test('HeldLines: close() closes the file read again past the bound, whoever reads it', { skip: !haveProc && 'no /proc/self/fd' }, () => {
  writeFiles(dir, { 'held.txt': 'one\ntwo\nthree\n' });
  const before = openFds();
  const held = new HeldLines(`${dir}/held.txt`, 1);
  for (const _ of held.look()); // past the bound: the lines are read again
  const all = held.all();
  assert.equal(all.next().value?.text, 'one');
  held.close();
  assert.equal(openFds(), before);
});
