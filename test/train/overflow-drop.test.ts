// overflow: drop has no HF equivalent: TRL 1.13's SFTConfig max_length only truncates (truncation_mode keep_start),
// and transformers' Trainer takes rows as given. So it is held to its own accounting instead of a reference: exactly
// the records longer than max_seq_len are dropped (one of exactly max_seq_len tokens is kept whole), in file order,
// counted, and said in the info line train and eval print; a kept pre-tokenized row without targets stays, as HF keeps it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { loadNotes } from '../../src/train/data.ts';
import { tempDir } from '../temp-dir.ts';
import { TINY_BASE } from '../helpers.ts';
import { cliIn } from '../cli/in-process-cli.ts';
import { loadTokenizer } from '../../src/tokenizer/index.ts';

const TINY_MODEL = path.join(import.meta.dirname, '..', '..', 'models', 'mistral-tune-tiny');

test('overflow drop: exactly the records over max_seq_len are dropped, in order, and counted in the load notes', () => {
  const dir = tempDir('mt-overflow-drop-');
  try {
    // record i starts with token 10 + i after BOS, so a kept row names its record; the last has no target
    const lengths = [5, 8, 9, 12, 8, 3, 20];
    const file = path.join(dir, 'rows.jsonl');
    fs.writeFileSync(file, lengths.map((n, i) => {
      const ids = [1, 10 + i, ...Array.from({ length: n - 2 }, (_, k) => 20 + k)];
      const labels = i === lengths.length - 2 ? ids.map(() => -100) : ids.map((t, k) => (k < 2 ? -100 : t));
      return JSON.stringify({ input_ids: ids, labels });
    }).join('\n') + '\n');
    for (const max of [8, 9, 3]) {
      const r = loadTokenRows(file, { maxSeqLen: max, overflow: 'drop', vocabSize: 64 });
      const kept = lengths.flatMap((n, i) => (n <= max ? [i] : []));
      assert.deepEqual(r.rows.map((x) => x.inputIds[1]! - 10), kept, `records kept at max_seq_len ${max}`);
      assert.deepEqual(r.rows.map((x) => x.inputIds.length), kept.map((i) => lengths[i]), 'kept whole');
      assert.equal(r.stats.dropped, lengths.length - kept.length, 'dropped count');
      assert.equal(r.stats.truncated, 0, 'nothing truncated');
      assert.equal(r.stats.records, lengths.length);
      assert.ok(loadNotes(r.stats, max).includes(`${lengths.length - kept.length} dropped (longer than ${max} tokens)`));
    }
    // the same file truncated keeps every record and counts the cut ones instead
    const cut = loadTokenRows(file, { maxSeqLen: 8, overflow: 'truncate', vocabSize: 64 });
    assert.deepEqual([cut.rows.length, cut.stats.truncated, cut.stats.dropped], [lengths.length, 3, 0]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("report.json counts each split's records that loading dropped or truncated (was: the stderr info line alone; examples gave what was left)", async () => {
  const dir = tempDir('mt-overflow-report-');
  try {
    const rows = (lengths: number[]) => lengths.map((n) => JSON.stringify({ input_ids: [1, ...Array.from({ length: n - 1 }, (_, k) => 20 + k)] })).join('\n') + '\n';
    fs.writeFileSync(path.join(dir, 'train.jsonl'), rows([5, 12, 6, 14, 4]));
    fs.writeFileSync(path.join(dir, 'val.jsonl'), rows([5, 11]));
    const config = (out: string, overflow: string) => fs.writeFileSync(path.join(dir, `${out}.yaml`),
      `model: ${TINY_BASE}\ndata: {train: train.jsonl, val: val.jsonl}\nmax_seq_len: 8\noverflow: ${overflow}\nbatch_size: 2\nmax_steps: 1\neval: {samples: 0}\noutput_dir: ${out}\ndevice: cpu\n`);
    const report = async (out: string, overflow: string) => {
      config(out, overflow);
      const r = await cliIn(dir, ['train', `${out}.yaml`]);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(fs.readFileSync(path.join(dir, out, 'report.json'), 'utf8')) as Record<string, unknown>;
    };
    const dropped = await report('dropped', 'drop');
    assert.deepEqual(dropped.examples, { train: 3, val: 1, test: 0 });
    assert.deepEqual(dropped.examples_dropped, { train: 2, val: 1 });
    assert.equal(dropped.examples_truncated, undefined);
    const cut = await report('cut', 'truncate');
    assert.deepEqual(cut.examples, { train: 5, val: 2, test: 0 });
    assert.deepEqual(cut.examples_truncated, { train: 2, val: 1 });
    assert.equal(cut.examples_dropped, undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a raw record whose trained tokens truncation cuts off (fully masked, as TRL calls it) is dropped, as TRL drops it, and counted apart: in the load notes and report.json', async () => {
  const dir = tempDir('mt-fully-masked-');
  try {
    // a prompt of 40 words leaves no completion token within 16; the short one keeps its completion
    const long = Array.from({ length: 40 }, () => 'word').join(' ');
    fs.writeFileSync(path.join(dir, 'train.jsonl'), [
      { prompt: long, completion: ' answer' }, { prompt: 'Hi', completion: ' there' }, { prompt: `${long} more`, completion: ' x' }, { prompt: 'Yo', completion: ' hey' },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const tok = loadTokenizer(TINY_MODEL);
    const loaded = loadTokenRows(path.join(dir, 'train.jsonl'), { maxSeqLen: 16, tokenizer: tok });
    assert.deepEqual([loaded.rows.length, loaded.stats.dropped, loaded.stats.fullyMasked, loaded.stats.truncated], [2, 2, 2, 0], 'truncated: of the rows kept');
    assert.deepEqual(loadNotes(loaded.stats, 16), ['2 dropped (fully masked: no target token left within 16 tokens: the prompt or labels of -100 fill them)']);
    // with overflow drop the long ones go for their length, and no record is left fully masked
    const dropped = loadTokenRows(path.join(dir, 'train.jsonl'), { maxSeqLen: 16, overflow: 'drop', tokenizer: tok });
    assert.deepEqual([dropped.stats.dropped, dropped.stats.fullyMasked], [2, 0]);
    assert.deepEqual(loadNotes(dropped.stats, 16), ['2 dropped (longer than 16 tokens)']);
    fs.writeFileSync(path.join(dir, 'run.yaml'), `model: ${TINY_MODEL}\ndata: {train: train.jsonl}\nmax_seq_len: 16\nbatch_size: 2\nmax_steps: 1\neval: {samples: 0}\noutput_dir: out\ndevice: cpu\n`);
    const r = await cliIn(dir, ['train', 'run.yaml']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'report.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([report.examples, report.examples_dropped, report.examples_fully_masked], [{ train: 2, val: 0, test: 0 }, { train: 2 }, { train: 2 }]);
    assert.match(r.stderr, /2 dropped \(fully masked: no target token left within 16 tokens: the prompt or labels of -100 fill them\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
