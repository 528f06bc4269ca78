// A length limit with no room for a classification text beside the ids the tokenizer puts around it (BOS; a
// "<s> $A </s>" template's EOS) is refused naming the limit as the user gave it — classify's and eval's --max-seq-len,
// train's max_seq_len — and before the weights load: classify tokenized its texts only once the model was loaded (a
// minute for a 7B model), and every command said "max_seq_len (maxSeqLen)", a config key and a library option that
// neither flag is. The model's weights here are cut short after their header, so a command that reads them fails on
// that instead. The commands run through main() in this process (in-process-cli.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTokenizerModel } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli } from './in-process-cli.ts';

const dir = tempDir('mt-text-room-');
const model = await makeTokenizerModel(path.join(dir, 'cls'), 0, { classes: 2 });
// the tokenizer puts EOS after a text, as a "<s> $A </s>" template does: a row holds at least 3 ids
const tokFile = path.join(model, 'tokenizer.json');
const tok = JSON.parse(fs.readFileSync(tokFile, 'utf8')) as { post_processor: { single: unknown[]; special_tokens: Record<string, unknown> } };
tok.post_processor.single.push({ SpecialToken: { id: '</s>', type_id: 0 } });
tok.post_processor.special_tokens['</s>'] = { id: '</s>', ids: [2], tokens: ['</s>'] };
fs.writeFileSync(tokFile, JSON.stringify(tok));
// the weights cut after their header and a few bytes: whatever reads them fails
const weights = path.join(model, 'model.safetensors');
const bytes = fs.readFileSync(weights);
fs.writeFileSync(weights, bytes.subarray(0, 8 + Number(bytes.readBigUInt64LE(0)) + 16));
const data = path.join(dir, 'labelled.jsonl');
fs.writeFileSync(data, '{"text": "a fine day", "label": 0}\n{"text": "a bad day", "label": 1}\n');
const at = (place: string): string => place.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const room = (name: string, at: string, fix = ''): RegExp =>
  new RegExp(`^error: ${at}: ${name} 2 leaves no room for the text of a classification row: it keeps the ids \\[1\\] before the text and \\[2\\] after it; give at least 3${fix}$`, 'm');

test('classify --max-seq-len with no room for a text is refused as --max-seq-len, before the weights are read', async () => {
  const r = await cli(['classify', '--model', model, '--device', 'cpu', '--text', 'a fine day', '--max-seq-len', '2']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, room('--max-seq-len', '--text'));
});

test('eval --max-seq-len with no room for a text is refused as --max-seq-len, before the weights are read', async () => {
  const r = await cli(['eval', '--model', model, '--device', 'cpu', '--labels', 'a,b', '--data', data, '--max-seq-len', '2']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, room('--max-seq-len', at(`${data}:1`)));
});

test('train\'s max_seq_len with no room for a text is refused as max_seq_len, before the weights are read', async () => {
  const cfg = path.join(dir, 'train.yaml');
  fs.writeFileSync(cfg, `model: ${model}\ntask: classification\nlabels: [a, b]\ndata:\n  train: ${data}\nmax_seq_len: 2\nmax_steps: 1\noutput_dir: ${path.join(dir, 'run')}\n`);
  const r = await cli(['train', cfg, '--device', 'cpu']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, room('max_seq_len', at(`${data}:1`)));
});

test('classify and eval --run name the run\'s max_seq_len with the flag that raises it: no room for a text, every record dropped', async () => {
  // before: "the run's max_seq_len 2 leaves no room …; give at least 3", which a run's user cannot give but by a flag it did not name
  const run = (task: string): string => {
    const r = path.join(dir, `run-${task}`);
    fs.cpSync(model, path.join(r, 'model'), { recursive: true });
    fs.writeFileSync(path.join(r, 'config.yaml'), `model: ${model}\ntask: ${task}\nlabels: [a, b]\nmethod: full\nmax_seq_len: 2\ndata: {train: t.jsonl}\n`);
    return r;
  };
  const cls = await cli(['classify', '--run', run('classification'), '--device', 'cpu', '--text', 'a fine day']);
  assert.equal(cls.code, 2, cls.err);
  assert.match(cls.err, room("the run's max_seq_len", '--text', ' \\(--max-seq-len raises it\\)'));
  const chats = path.join(dir, 'chats.jsonl');
  fs.writeFileSync(chats, '{"prompt": "a fine day", "completion": "yes"}\n');
  const gen = await cli(['eval', '--run', run('generation'), '--device', 'cpu', '--data', chats]);
  assert.equal(gen.code, 2, gen.err);
  assert.match(gen.err, /^error: .*every record was dropped \(1\): no target token left within the run's max_seq_len \(2 tokens; --max-seq-len raises it\)$/m);
});
