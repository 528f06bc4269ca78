// data.train_on against TRL 1.13's SFTTrainer (test/fixtures/trl-masks, made by its make_masks.py): the input ids and
// the labels its dataset preparation and data collator give a few records with the bundled tokenizer — 'assistant' as
// TRL's completion_only_loss (prompt/completion) and assistant_only_loss (chats, the template's generation markers
// around each assistant turn), 'all' with both off — against ours. Targets are compared from position 1 (label 0 is
// no target after the shift in either). One deliberate difference is pinned: a prompt ending in a space, whose "▁"
// the completion's first token takes ("brown " + "fox" encodes "▁f" "ox"): TRL masks as many tokens as the prompt has
// alone, so "▁f" is masked and the completion loses its first letter, while ours trains the token that holds the
// completion's first characters (src/data/tokenize.ts): one target more, that one, and nothing else apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

type Row = { input_ids: number[]; labels: number[] };
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'trl-masks', 'masks.json'), 'utf8')) as {
  records: Array<Record<string, unknown>>;
  labels: Record<'assistant' | 'all', Row[]>;
};
const tokenizer = loadTokenizer(path.join(FIXTURES, '..', '..', 'models', 'mistral-tune-tiny'));
/** The record whose prompt ends in a space. */
const SPACE_END = ref.records.findIndex((r) => typeof r.prompt === 'string' && r.prompt.endsWith(' '));

for (const trainOn of ['assistant', 'all'] as const) {
  test(`train_on ${trainOn}: the labels TRL's SFTTrainer makes, but for a prompt ending in a space`, () => {
    const dir = tempDir('mt-trl-masks-');
    try {
      const file = path.join(dir, 'records.jsonl');
      fs.writeFileSync(file, ref.records.map((r) => JSON.stringify(r)).join('\n') + '\n');
      const ours = loadTokenRows(file, { tokenizer, trainOn }).rows;
      assert.equal(ours.length, ref.records.length);
      ref.labels[trainOn].forEach((trl, i) => {
        const row = ours[i]!;
        assert.deepEqual(Array.from(row.inputIds), trl.input_ids, `record ${i}: input ids`);
        const labels = row.labels ? Array.from(row.labels) : Array.from(row.inputIds);
        const apart = labels.flatMap((l, t) => (t > 0 && l !== trl.labels[t] ? [t] : []));
        if (trainOn === 'assistant' && i === SPACE_END) {
          // alone, the prompt ends in a "▁" token; joined, that "▁" starts the completion's first token ("▁f"): the
          // prompt's tokens in the joined text are one fewer than alone, and the one after them is the token apart
          const { prompt, completion } = ref.records[i] as { prompt: string; completion: string };
          const alone = tokenizer.encode(prompt), joined = tokenizer.encode(prompt + completion);
          const shared = alone.findIndex((id, t) => id !== joined[t]);
          assert.equal(shared, alone.length - 1, 'the prompt alone ends in a token the joined text does not have');
          const first = 1 + shared; // after BOS
          assert.deepEqual(apart, [first], `record ${i}: only the completion's first token apart`);
          assert.deepEqual([trl.labels[first], labels[first]], [-100, trl.input_ids[first]], 'TRL masks it, we train it');
        } else {
          assert.deepEqual(apart, [], `record ${i}: targets apart from TRL's at ${apart.join(', ')}`);
        }
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
