// generation_config.json's numbers are refused by their kind where transformers 5.17's generate() refuses them: Python's
// json reads 2 as an int and 2.0 as a float, and its logits processors want a float repetition_penalty, temperature and
// sequence_bias bias, an int top_k, no_repeat_ngram_size, min_length, min_new_tokens and bad_words_ids / sequence_bias
// ids — each only where generate() applies it (repetition_penalty 1, greedy's temperature and top_k, a min_length with
// no EOS id, a key a flag overrides are taken). JSON.parse read both as 2, so ours took what HF refuses. The reference
// is test/fixtures/hf-generation-number-kinds/kinds.json (its make_kinds.py: transformers 5.17, torch 2.13 CPU). Its
// "range_" cases: a sampling setting out of range (top_k -1) in a file that does not sample, which HF's greedy generate()
// takes with a warning and ours refused as it read the file, is warned of as not applied; refused where it samples.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { generationSettings, readGenerationConfig, type GivenGenerationOptions } from '../../src/model/generation-config.ts';
import { isUserError } from '../../src/util/errors.ts';
import { FIXTURES, makeTokenizerModel } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli } from '../cli/in-process-cli.ts';

interface Case { name: string; file: 'gen' | 'config'; keys: string; given: GivenGenerationOptions; refused: string | null }
const REF = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'hf-generation-number-kinds', 'kinds.json'), 'utf8')) as { cases: Case[] };
const CONFIG = JSON.stringify({ model_type: 'mistral', vocab_size: 32000, hidden_size: 16, eos_token_id: 2, bos_token_id: 1 });

test('generation_config.json (or config.json) numbers of the kind HF\'s generate() refuses are refused where it refuses them, named by key', () => {
  const root = tempDir('mt-gen-kinds-');
  assert.ok(REF.cases.filter((k) => !k.name.startsWith('range_')).length >= 30);
  for (const c of REF.cases.filter((k) => !k.name.startsWith('range_'))) {
    const dir = path.join(root, c.name);
    fs.mkdirSync(dir);
    if (c.file === 'gen') fs.writeFileSync(path.join(dir, 'generation_config.json'), c.keys);
    else fs.writeFileSync(path.join(dir, 'config.json'), `${CONFIG.slice(0, -1)}, ${c.keys.slice(1)}`);
    let error: unknown = null;
    try {
      generationSettings(c.given, readGenerationConfig(dir), 3, 1000);
    } catch (e) {
      error = e;
    }
    if (c.refused === null) {
      assert.equal(error, null, `${c.name}: HF takes ${c.keys}, ours said ${String(error)}`);
      continue;
    }
    assert.ok(isUserError(error), `${c.name}: HF refuses ${c.keys} (${c.refused}), ours took it`);
    const key = Object.keys(JSON.parse(c.keys) as object).find((k) => k !== 'eos_token_id' && k !== 'do_sample')!;
    const msg = (error as Error).message;
    assert.ok(msg.startsWith(`${path.join(dir, c.file === 'gen' ? 'generation_config.json' : 'config.json')}: ${key}`), `${c.name}: ${msg}`);
    assert.match(msg, /is (an integer|a float), which transformers refuses there/);
    assert.doesNotMatch(msg, /\n/);
  }
});

/** Deliberately refused where HF takes it: a top_p above 1, which HF's sampling drops without a word (no warper unless below 1), as epsilon_cutoff ≥ 1 is. */
const REFUSED_WHERE_HF_DROPS = new Set(['range_topp_big_sampled', 'range_topp_big_sampled_by_flag']);

test('a sampling setting out of range in a generation_config.json that does not sample is warned of as not applied, as HF\'s greedy generate() takes it; refused where generation samples', () => {
  const root = tempDir('mt-gen-ranges-');
  const cases = REF.cases.filter((k) => k.name.startsWith('range_'));
  assert.equal(cases.length, 14);
  for (const c of cases) {
    const dir = path.join(root, c.name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'generation_config.json'), c.keys);
    let error: unknown = null, unsampled: string[] = [];
    try {
      unsampled = generationSettings(c.given, readGenerationConfig(dir), 3, 1000).unsampledFromFile;
    } catch (e) {
      error = e;
    }
    const key = Object.keys(JSON.parse(c.keys) as object).find((k) => k !== 'do_sample')!;
    if (c.refused === null && !REFUSED_WHERE_HF_DROPS.has(c.name)) {
      assert.equal(error, null, `${c.name}: HF takes ${c.keys} ${JSON.stringify(c.given)}, ours said ${String(error)}`);
      // not sampling: said as not applied, as HF warns "The following generation flags are not valid and may be ignored"
      if (c.name.endsWith('_greedy')) assert.deepEqual(unsampled, [`${key} ${JSON.parse(c.keys)[key]}`], c.name);
      continue;
    }
    assert.ok(isUserError(error), `${c.name}: ${c.keys} ${JSON.stringify(c.given)} taken`);
    assert.match((error as Error).message, new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/generation_config\\.json: ${key} must be `), c.name);
  }
});

// A greedy file's top_k -5.0 is both out of range and a float: where generation samples (a --temperature given), HF
// raises "`top_k` has to be a strictly positive integer, but is -5.0". Ours said "top_k -5.0 is a float ...: write -5",
// sending the user to a -5 that is refused in its turn: the range is said first.
test('a greedy file\'s top_k -5.0, sampled by a given temperature, is refused for its range, not with "write -5"', () => {
  const dir = tempDir('mt-gen-kinds-range-first-');
  fs.writeFileSync(path.join(dir, 'generation_config.json'), '{"top_k": -5.0}');
  assert.throws(() => generationSettings({ temperature: 0.7 }, readGenerationConfig(dir), 3, 1000),
    { name: 'UserError', message: `${path.join(dir, 'generation_config.json')}: top_k must be an integer ≥ 0 (0 = off), got -5 (applied: generation samples)` });
  assert.deepEqual(generationSettings({}, readGenerationConfig(dir), 3, 1000).unsampledFromFile, ['top_k -5']);
});

test('mistral-tune generate refuses generation_config.json\'s repetition_penalty 2 (HF wants 2.0) in one line, exit 2; 2.0 or a flag over it runs', async () => {
  const model = await makeTokenizerModel(path.join(tempDir('mt-gen-kinds-cli-'), 'model'));
  const run = async (...args: string[]) => cli(['generate', '--model', model, '--device', 'cpu', '--raw', '--prompt', 'Once upon a time', '--max-new-tokens', '2', ...args]);
  const gen = path.join(model, 'generation_config.json');
  fs.writeFileSync(gen, '{"eos_token_id": 2, "repetition_penalty": 2}');
  const refused = await run();
  assert.equal(refused.code, 2);
  assert.equal(refused.err.trim(), `error: ${gen}: repetition_penalty 2 is an integer, which transformers refuses there (it wants a float): write 2.0; HF's generate() raises a ValueError for it`);
  assert.equal((await run('--repetition-penalty', '1.5')).code, 0, 'a flag overrides the file');
  fs.writeFileSync(gen, '{"eos_token_id": 2, "repetition_penalty": 2.0}');
  const taken = await run();
  assert.equal(taken.code, 0, taken.err);
});

// A negative no_repeat_ngram_size or min_length, a negative min_new_tokens (-5.5 too, below the prompt), a fractional
// min_new_tokens or min_length with no eos_token_id, and a negative or fractional id in suppress_tokens or
// begin_suppress_tokens: HF's generate() takes them and gives the tokens it gives without them ("same_tokens"); ours
// refused the file as it read it. Taken now as off, each listed to be said as not applied.
test('generation_config.json values HF takes with no effect (no_repeat_ngram_size -1, suppress_tokens [-1], ...) are taken as off and listed as not applied', () => {
  const root = tempDir('mt-gen-noeffect-');
  const cases = REF.cases.filter((k) => k.name.startsWith('noeffect_')) as (Case & { same_tokens: boolean })[];
  assert.equal(cases.length, 15);
  for (const c of cases) {
    assert.equal(c.same_tokens, true, c.name);
    const dir = path.join(root, c.name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'generation_config.json'), c.keys);
    const file = readGenerationConfig(dir);
    const settings = generationSettings(c.given, file, 3, 1000);
    assert.equal(file.noEffect?.length, 1, `${c.name}: ${JSON.stringify(file.noEffect)}`);
    assert.equal(settings.noRepeatNgramSize, 0, c.name);
    assert.equal(settings.minNewTokens, 0, `${c.name}: a negative min_new_tokens replaces min_length, as in HF`);
    assert.equal(settings.suppressTokens, undefined, c.name);
    assert.equal(settings.beginSuppressTokens, undefined, c.name);
  }
  const dir = path.join(root, 'some');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'generation_config.json'), '{"suppress_tokens": [-1, 5, -2]}');
  const file = readGenerationConfig(dir);
  assert.deepEqual([file.suppressTokens, file.noEffect], [[5], ["suppress_tokens' ids -1, -2 (name no token)"]]);
  // each said with its own reason (the warning gave all three reasons after any one of them)
  fs.writeFileSync(path.join(dir, 'generation_config.json'), '{"suppress_tokens": [1.5], "no_repeat_ngram_size": -1, "min_new_tokens": 2.5}');
  assert.deepEqual(readGenerationConfig(dir).noEffect, ['no_repeat_ngram_size -1 (≤ 0 is off)', 'min_new_tokens 2.5 (no eos_token_id: no EOS to hold back)', "suppress_tokens' id 1.5 (names no token)"]);
  // an id past int64 is no id HF takes: its generate() raises "ValueError: Overflow when unpacking long long" (transformers
  // 5.17, the tiny model); refused as read, as before fractional ids were taken
  for (const big of ['100000000000000000000', '-100000000000000000000']) {
    fs.writeFileSync(path.join(dir, 'generation_config.json'), `{"suppress_tokens": [${big}]}`);
    assert.throws(() => readGenerationConfig(dir), (e) => isUserError(e) && /suppress_tokens must be a list of token ids/.test(e.message), big);
  }
});

test('generate\'s warning of values taken with no effect says each value\'s own reason (was: every reason, whichever applied)', async () => {
  const model = await makeTokenizerModel(path.join(tempDir('mt-gen-noeffect-cli-'), 'model'));
  const gen = path.join(model, 'generation_config.json');
  const warned = async (keys: string): Promise<string | undefined> => {
    fs.writeFileSync(gen, keys);
    const r = await cli(['generate', '--model', model, '--device', 'cpu', '--raw', '--prompt', 'Once upon a time', '--max-new-tokens', '2']);
    assert.equal(r.code, 0, r.err);
    return r.err.split('\n').find((l) => l.includes('not applied, as in HF'));
  };
  const said = (values: string): string => `warning: ${gen}: ${values}: not applied, as in HF's generate()`;
  assert.equal(await warned('{"eos_token_id": 2, "no_repeat_ngram_size": -1}'), said('no_repeat_ngram_size -1 (≤ 0 is off)'));
  assert.equal(await warned('{"eos_token_id": 2, "suppress_tokens": [1.5]}'), said("suppress_tokens' id 1.5 (names no token)"));
  assert.equal(await warned('{"min_new_tokens": 1.5, "begin_suppress_tokens": [-1]}'),
    said("min_new_tokens 1.5 (no eos_token_id: no EOS to hold back), begin_suppress_tokens' id -1 (names no token)"));
});

// A greedy file's out-of-range top_k -3 (or top_p 0.5) with --top-k 5 given: the flag is what is in effect, and the
// CLI warns of it ("--top-k chooses among tokens only when sampling"); the file's value was warned of too, as not
// applied, as though it were what generation would use once sampled.
test('a greedy file\'s sampling setting that a given option overrides is not listed as not applied', () => {
  const dir = tempDir('mt-gen-unsampled-given-');
  fs.writeFileSync(path.join(dir, 'generation_config.json'), '{"top_k": -3, "top_p": 0.5, "min_p": 0.2}');
  const file = readGenerationConfig(dir);
  assert.deepEqual(generationSettings({}, file, 3, 1000).unsampledFromFile, ['top_p 0.5', 'min_p 0.2', 'top_k -3']);
  assert.deepEqual(generationSettings({ topK: 5, topP: 0.9 }, file, 3, 1000).unsampledFromFile, ['min_p 0.2']);
});
