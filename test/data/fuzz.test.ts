// Messy data nobody wrote by hand: seeded random corruptions of valid records in every format. prepare
// must not crash, must account for every record (report.json balances), and must be deterministic.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { Rng } from '../../src/util/rng.ts';
import { mistralTokenizer, tempDir, writeFiles } from './helpers.ts';

const tok = mistralTokenizer();
const dir = tempDir();

const NASTY = ['"', '\\', ',', '\n', '\r\n', '\u0000', '\u200b', '\ufeff', '\ud800', '🙂', '</s>', '<s>', '[INST]', '{', '}', '[', ']', '\t', ' ', 'é', 'e\u0301', '한'];

function valid(rng: Rng, i: number): unknown {
  const w = () => Array.from({ length: 1 + rng.below(12) }, () => ['alpha', 'beta', 'gamma', 'delta', 'ε', '数据', 'x'][rng.below(7)]! + rng.below(50)).join(' ');
  switch (rng.below(5)) {
    case 0: return { text: w() };
    case 1: return { prompt: w(), completion: w() };
    case 2: return { messages: [{ role: 'user', content: w() }, { role: 'assistant', content: w() }] };
    case 3: return { input_ids: Array.from({ length: 1 + rng.below(8) }, () => rng.below(32000)) };
    default: return { text: w(), note: i };
  }
}

function corrupt(rng: Rng, s: string): string {
  const k = rng.below(6);
  if (k === 0) return s;
  if (k === 1) return s.slice(0, rng.below(s.length + 1));
  const at = rng.below(s.length + 1);
  const ins = NASTY[rng.below(NASTY.length)]!;
  return k === 2 ? s.slice(0, at) + ins + s.slice(at) : k === 3 ? s.replace(/"[a-z_]+"/, `"${ins}"`) : k === 4 ? ins + s : s + ins + s;
}

test('randomly corrupted JSONL, JSON, CSV and text: no crash, every record accounted for, deterministic', () => {
  const rng = new Rng(2024);
  const lines = Array.from({ length: 400 }, (_, i) => corrupt(rng, JSON.stringify(valid(rng, i))));
  const arr = '[' + Array.from({ length: 100 }, (_, i) => corrupt(rng, JSON.stringify(valid(rng, i)))).join(',\n') + (rng.below(2) ? ']' : '');
  const csv = 'prompt,completion\n' + Array.from({ length: 150 }, () => corrupt(rng, `"p ${rng.below(1e6)}","c ${rng.below(1e6)}"`)).join('\n');
  const text = Array.from({ length: 30 }, () => corrupt(rng, 'some paragraph ' + rng.below(1e6))).join('\n\n');
  const f = writeFiles(dir, { 'f.jsonl': lines.join('\n'), 'f.json': arr, 'f.csv': csv, 'f.txt': text });
  const run = (out: string) => prepare({ inputs: Object.values(f), outDir: path.join(dir, out), tokenizer: tok, textSplit: 'blank-lines' }).report;
  const a = run('a');
  assert.equal(a.input_records, a.kept + a.rejected);
  assert.ok(a.kept > 100 && a.rejected > 50, `${a.kept} kept, ${JSON.stringify(a.by_reason)}`);
  const b = run('b');
  for (const name of ['train.jsonl', 'val.jsonl', 'test.jsonl', 'rejected.jsonl', 'report.json']) {
    assert.ok(fs.readFileSync(path.join(dir, 'a', name)).equals(fs.readFileSync(path.join(dir, 'b', name))), name);
  }
  assert.deepEqual(a, b);
});
