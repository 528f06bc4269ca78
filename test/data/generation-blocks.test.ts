// A chat template that marks the assistant's output itself with {% generation %} … {% endgeneration %}: data.train_on
// 'assistant' trains the tokens of each block, as TRL 1.13's assistant_only_loss does (transformers'
// return_assistant_tokens_mask), against test/fixtures/trl-generation-blocks (made by its make_blocks.py with TRL's
// SFTTrainer): four templates of other families on the bundled tokenizer — a block that starts with the newline after
// the ChatML header, a Llama-3 one whose "<|eot_id|>" text merges with the next turn's "<" (that token is trained, as
// transformers marks the token holding the block's last character), a block holding the Zephyr header, and a block of
// the content alone with the EOS after it (untrained, as TRL leaves it) — three chats each. Targets are compared from
// position 1. Where the chat ends without an EOS (ChatML, Llama 3 here), ours has one more, trained (docs/data.md),
// which TRL does not add to a chat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

type Row = { input_ids: number[]; labels: number[] };
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'trl-generation-blocks', 'blocks.json'), 'utf8')) as {
  templates: Record<string, string>;
  chats: unknown[][];
  labels: Record<string, Row[]>;
};
const TINY_MODEL = path.join(FIXTURES, '..', '..', 'models', 'mistral-tune-tiny');

for (const [name, template] of Object.entries(ref.templates)) {
  test(`{% generation %} blocks (${name}): the tokens TRL's assistant_only_loss trains`, () => {
    const dir = tempDir('mt-gen-blocks-');
    try {
      fs.copyFileSync(path.join(TINY_MODEL, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
      const config = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, chat_template: template }));
      const tokenizer = loadTokenizer(dir);
      const file = path.join(dir, 'chats.jsonl');
      fs.writeFileSync(file, ref.chats.map((messages) => JSON.stringify({ messages })).join('\n') + '\n');
      const ours = loadTokenRows(file, { tokenizer, trainOn: 'assistant' }).rows;
      assert.equal(ours.length, ref.chats.length);
      ref.labels[name]!.forEach((trl, i) => {
        const eos = tokenizer.eosId!;
        const endsBare = trl.input_ids.at(-1) !== eos;
        const want = endsBare ? { ids: [...trl.input_ids, eos], labels: [...trl.labels, eos] } : { ids: trl.input_ids, labels: trl.labels };
        const row = ours[i]!;
        assert.deepEqual(Array.from(row.inputIds), want.ids, `chat ${i}: input ids`);
        const labels = Array.from(row.labels!);
        const apart = labels.flatMap((l, t) => (t > 0 && l !== want.labels[t] ? [t] : []));
        assert.deepEqual(apart, [], `chat ${i}: targets apart from TRL's at ${apart.join(', ')}`);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
