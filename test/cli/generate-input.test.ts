// generate refuses what it cannot do and says why in one line (exit 2): a classification adapter, and
// numeric flags with a negative value (which the option parser used to call "ambiguous").
// The command runs through main() in this process (in-process-cli.ts: the same exit status, stdout and stderr), where a
// process each cost ~1 CPU-s of start-up; the chat template that renders nothing runs as a process of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { saveAdapter } from '../../src/model/peft-save.ts';
import { Rng } from '../../src/util/rng.ts';
import { FIXTURES, makeTokenizerModel, literal } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli as inProcess } from './in-process-cli.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const dir = tempDir('mt-generate-');
const model = await makeTokenizerModel(path.join(dir, 'model'));
type Ran = { status: number | null; stdout: string; stderr: string };
/** generate --model model ARGS through main() in this process. */
async function cli(...args: string[]): Promise<Ran> {
  const r = await inProcess(['generate', '--model', model, ...args]);
  return { status: r.code, stdout: r.out, stderr: r.err };
}
const oneLineError = (r: Ran, pattern: RegExp): void => {
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0]!, pattern);
};

/** A SEQ_CLS adapter (LoRA plus a 3-class score head) for the test model, saved as PEFT does. */
function classificationAdapter(): string {
  const m = loadModel(model, { backend: createBackend('cpu') });
  createAdapter(m, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'v_proj'], useRslora: false }, new Rng(0), false);
  const w = m.backend.alloc('f32', 3 * m.cfg.hiddenSize);
  m.backend.upload(w, { dtype: 'f32', data: new Float32Array(3 * m.cfg.hiddenSize).fill(0.01) });
  m.setScoreHead(w, true);
  const out = path.join(dir, 'cls-adapter');
  saveAdapter(m, out, { taskType: 'SEQ_CLS', baseModel: null });
  return out;
}

test('generate with a classification adapter refuses: one line, exit 2, nothing on stdout', async () => {
  oneLineError(await cli('--adapter', classificationAdapter(), '--prompt', 'Hi', '--max-new-tokens', '2'), /classification adapter .*SEQ_CLS.* not text: use mistral-tune classify/);
});

test('a negative or zero count says what the value must be, and the value given (the number flags\' ranges did not)', async () => {
  oneLineError(await cli('--prompt', 'Hi', '--max-new-tokens', '-1'), /^error: --max-new-tokens must be a positive integer, got "-1"$/);
  oneLineError(await cli('--prompt', 'Hi', '--max-new-tokens', '0'), /^error: --max-new-tokens must be a positive integer, got "0"$/);
  oneLineError(await cli('--prompt', 'Hi', '--top-k', '-3'), /^error: --top-k must be an integer ≥ 0, got "-3"$/);
  oneLineError(await cli('--prompt', 'Hi', '--temperature', '-0.5'), /^error: --temperature must be ≥ 0, got "-0.5"$/);
  oneLineError(await cli('--prompt', 'Hi', '--repetition-penalty', '0'), /^error: --repetition-penalty must be > 0 \(1 = off\), got "0"$/);
  oneLineError(await cli('--prompt', 'Hi', '--repetition-penalty', 'x'), /^error: --repetition-penalty must be a number, got "x"$/);
  oneLineError(await cli('--prompt', 'Hi', '--typical-p', '0'), /^error: --typical-p must be in \(0, 1\] \(1 = off\), got "0"$/);
  oneLineError(await cli('--prompt', 'Hi', '--top-p', '-0.1'), /^error: --top-p must be in \[0, 1\], got "-0.1"$/);
  oneLineError(await cli('--prompt', 'Hi', '--min-p', '1.5'), /^error: --min-p must be in \[0, 1\] \(0 = off\), got "1.5"$/);
  oneLineError(await cli('--prompt', 'Hi', '--epsilon-cutoff', '1'), /^error: --epsilon-cutoff must be in \[0, 1\) \(0 = off\), got "1"$/);
  oneLineError(await cli('--prompt', 'Hi', '--eta-cutoff', '1'), /^error: --eta-cutoff must be in \[0, 1\) \(0 = off\), got "1"$/);
  oneLineError(await cli('--prompt', 'Hi', '--bad-words-ids', '[5]'), /^error: --bad-words-ids must be a non-empty list of non-empty token-id lists, e\.g\. \[\[5\], \[7, 8\]\], got \[5\]$/);
  oneLineError(await cli('--prompt', 'Hi', '--suppress-tokens', '5,'), /^error: --suppress-tokens must be JSON: a list of token ids, e\.g\. \[5, 9\], got "5,"$/);
});

test('a chat template that renders nothing (a hostile or broken model folder) is a one-line error, not generate\'s stack trace', async () => {
  const blank = path.join(dir, 'blank-template');
  fs.cpSync(model, blank, { recursive: true });
  fs.writeFileSync(path.join(blank, 'chat_template.jinja'), "{{ ''.constructor }}"); // undefined: renders as nothing
  const r = spawnSync(process.execPath, [BIN, 'generate', '--model', blank, '--prompt', 'Hi', '--max-new-tokens', '2'], { encoding: 'utf8' });
  oneLineError(r, /^error: the prompt encodes to no tokens: the model's chat template renders nothing for these messages$/);
});

test('a --messages file whose chat the template refuses names the file with the message', async () => {
  const file = path.join(dir, 'two-users.json');
  fs.writeFileSync(file, JSON.stringify([{ role: 'user', content: 'Hi' }, { role: 'user', content: 'again' }]));
  oneLineError(await cli('--messages', file, '--max-new-tokens', '2'), new RegExp(`^error: ${literal(file)}: messages\\[1\\]\\.role: expected role "assistant", got "user"`));
  const system = path.join(dir, 'system-only.json');
  fs.writeFileSync(system, JSON.stringify([{ role: 'system', content: 'Be terse.' }]));
  oneLineError(await cli('--messages', system), /system-only\.json: messages: a system message must be followed by a user message$/);
});

test("a --messages record's chat_template_kwargs reach the chat template; refused ones are one line naming the file and the field, before the model loads", async () => {
  // a template that fails where enable_thinking is false: it was given the record's variables (they were dropped, and it generated)
  const thinking = path.join(dir, 'thinking-template');
  fs.cpSync(model, thinking, { recursive: true });
  fs.writeFileSync(path.join(thinking, 'chat_template.jinja'), "{% if enable_thinking is defined and not enable_thinking %}{{ raise_exception('thinking is off') }}{% endif %}[INST]{{ messages[0].content }}[/INST]");
  const messages = [{ role: 'user', content: 'Hi' }];
  const off = path.join(dir, 'thinking-off.json');
  fs.writeFileSync(off, JSON.stringify({ messages, chat_template_kwargs: { enable_thinking: false } }));
  const r = await inProcess(['generate', '--model', thinking, '--messages', off, '--max-new-tokens', '1']);
  oneLineError({ status: r.code, stdout: r.out, stderr: r.err }, /thinking is off/);
  const on = path.join(dir, 'thinking-on.json');
  fs.writeFileSync(on, JSON.stringify({ messages, chat_template_kwargs: { enable_thinking: true } }));
  const ran = await inProcess(['generate', '--model', thinking, '--messages', on, '--max-new-tokens', '1']);
  assert.equal(ran.code, 0, ran.err);
  const bad = path.join(dir, 'bad-kwargs.json');
  fs.writeFileSync(bad, JSON.stringify({ messages, chat_template_kwargs: [{ enable_thinking: false }] }));
  oneLineError(await cli('--messages', bad), new RegExp(`^error: ${literal(bad)}: "chat_template_kwargs" is an array; it is an object of extra chat template variables`));
  fs.writeFileSync(bad, JSON.stringify({ messages, chat_template_kwargs: { add_generation_prompt: false } }));
  oneLineError(await cli('--messages', bad), new RegExp(`^error: ${literal(bad)}: "chat_template_kwargs" has "add_generation_prompt", which apply_chat_template takes as its own argument`));
});

test('--bad-words-ids, --suppress-tokens, --begin-suppress-tokens and --sequence-bias are applied (greedy too); --typical-p and --eta-cutoff greedy warn', async () => {
  const plain = await cli('--prompt', 'Hi', '--max-new-tokens', '4');
  assert.equal(plain.status, 0, plain.stderr);
  const banned = await cli('--prompt', 'Hi', '--max-new-tokens', '4', '--suppress-tokens', JSON.stringify(Array.from({ length: 32000 }, (_, i) => i).filter((i) => i !== 2)));
  // every token but the EOS suppressed: the first token is the EOS (was: warned of as not applied, the same text as without)
  assert.equal(banned.status, 0, banned.stderr);
  assert.notEqual(banned.stdout, plain.stdout);
  assert.doesNotMatch(banned.stderr, /not applied/);
  // a stop string of one character of the plain output's text: it ends there, the text up to the token that completes it
  const first = plain.stdout.trim().slice(0, 1);
  const stopped = await cli('--prompt', 'Hi', '--max-new-tokens', '4', '--stop-strings', JSON.stringify(first));
  assert.equal(stopped.status, 0, stopped.stderr);
  assert.ok(plain.stdout.startsWith(stopped.stdout.replace(/\n$/, '')) && stopped.stdout.length < plain.stdout.length, JSON.stringify([stopped.stdout, plain.stdout]));
  oneLineError(await cli('--prompt', 'Hi', '--stop-strings', '[]'), /^error: --stop-strings must be a non-empty string or a non-empty list of them/);
  const greedy = await cli('--prompt', 'Hi', '--max-new-tokens', '2', '--typical-p', '0.5', '--eta-cutoff', '0.01');
  assert.match(greedy.stderr, /^warning: --typical-p and --eta-cutoff choose among tokens only when sampling/m);
});

test('--top-k or --top-p without a temperature (greedy) warns that it does nothing, as transformers warns; sampling does not', async () => {
  const greedy = await cli('--prompt', 'Hi', '--max-new-tokens', '2', '--top-k', '5', '--top-p', '0.9');
  assert.equal(greedy.status, 0, greedy.stderr);
  assert.match(greedy.stderr, /^warning: --top-k and --top-p choose among tokens only when sampling: without --temperature \(or do_sample true in generation_config.json\) generation is greedy; give --temperature > 0 to sample$/m);
  const sampled = await cli('--prompt', 'Hi', '--max-new-tokens', '2', '--top-p', '0.9', '--temperature', '0.7');
  assert.equal(sampled.status, 0, sampled.stderr);
  assert.doesNotMatch(sampled.stderr, /warning/);
});

test('a model whose embedding has rows past its tokenizer\'s ids generates them as nothing, as transformers decodes them, with a warning (was a RangeError\'s stack trace)', async () => {
  // vocab_size padded past the tokenizer's 32,000 ids (as a model resized to a multiple of 64 is): half its rows have no token
  const padded = await makeTokenizerModel(path.join(dir, 'padded'), 0, { config: { vocab_size: 64000 } });
  const r = await inProcess(['generate', '--model', padded, '--prompt', 'Hi', '--max-new-tokens', '20', '--temperature', '1', '--seed', '0']);
  assert.equal(r.code, 0, r.err);
  const warnings = r.err.split('\n').filter((l) => l.includes('no token for'));
  assert.equal(warnings.length, 1, r.err);
  assert.match(warnings[0]!, /^warning: generated token id (3[2-9]|[4-6]\d)\d{3}, which the tokenizer \(32000 ids\) has no token for: .* written as nothing/);
  assert.doesNotMatch(r.err, /RangeError|\n {4}at /);
});

test('--seed without a temperature (greedy) warns that it changes nothing, as --top-k does; with one, no warning (was: taken and unused, unsaid)', async () => {
  const greedy = await cli('--prompt', 'Hi', '--max-new-tokens', '2', '--seed', '7');
  assert.equal(greedy.status, 0, greedy.stderr);
  assert.match(greedy.stderr, /^warning: --seed seeds sampling only: without --temperature \(or do_sample true in generation_config.json\) generation is greedy, the same for every seed; give --temperature > 0 to sample$/m);
  assert.match((await cli('--prompt', 'Hi', '--max-new-tokens', '2', '--seed', '7', '--temperature', '0')).stderr, /^warning: --seed seeds sampling only: with --temperature 0 generation is greedy/m);
  const sampled = await cli('--prompt', 'Hi', '--max-new-tokens', '2', '--seed', '7', '--temperature', '0.7');
  assert.equal(sampled.status, 0, sampled.stderr);
  assert.doesNotMatch(sampled.stderr, /warning/);
});
