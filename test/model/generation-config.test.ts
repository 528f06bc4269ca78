// generation_config.json's eos_token_id stops generation as it stops HF's generate(): read as a token id or a list,
// absent (file or key) adds none, anything else is a one-line error naming the file; `mistral-tune generate` stops at it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../src/backend/select.ts';
import { generate, stopIds } from '../../src/model/generate.ts';
import { generationEosIds, generationSettings, readGenerationConfig } from '../../src/model/generation-config.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { encodePrompt } from '../../src/tokenizer/prompt.ts';
import { isUserError } from '../../src/util/errors.ts';
import { makeTokenizerModel, literal } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli } from '../cli/in-process-cli.ts';

/** What main() returned, named as a spawned process's are. */
const cliResult = (r: { code: number; out: string; err: string }) => ({ status: r.code, stdout: r.out, stderr: r.err });

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SHIPPED = path.join(ROOT, 'models', 'mistral-tune-tiny');

test('eos_token_id of generation_config.json: an id or a list; none without the file or the key; else an error naming the file', () => {
  const dir = tempDir('mt-gencfg-');
  assert.deepEqual(generationEosIds(dir), []);
  const write = (v: unknown): void => fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify(v));
  write({ bos_token_id: 1 });
  assert.deepEqual(generationEosIds(dir), []);
  write({ eos_token_id: 2 });
  assert.deepEqual(generationEosIds(dir), [2]);
  write({ eos_token_id: [2, 32000] });
  assert.deepEqual(generationEosIds(dir), [2, 32000]);
  for (const bad of ['2', -1.5, [2, 'x'], 1.5]) { // (-1 is read, as transformers: pad-negative.test.ts)
    write({ eos_token_id: bad });
    assert.throws(() => generationEosIds(dir), (e) => isUserError(e) && /generation_config\.json: eos_token_id must be a token id or a list of them/.test(e.message), JSON.stringify(bad));
  }
  write([1]);
  assert.throws(() => generationEosIds(dir), (e) => isUserError(e) && /must be a JSON object/.test(e.message));
});

test('a folder or a FIFO named generation_config.json is an error naming it, not read as no file (its eos ids and sampling defaults dropped unsaid)', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, () => {
  for (const kind of ['a directory', 'a FIFO (named pipe)']) {
    const dir = tempDir('mt-gencfg-odd-');
    const file = path.join(dir, 'generation_config.json');
    if (kind === 'a directory') fs.mkdirSync(file);
    else assert.equal(spawnSync('mkfifo', [file]).status, 0, 'mkfifo');
    for (const read of [() => generationEosIds(dir), () => readGenerationConfig(dir)]) {
      assert.throws(read, (e) => isUserError(e) && e.message === `${file}: is ${kind}, not a regular file`, kind);
    }
  }
});

test('mistral-tune generate stops at an id generation_config.json names and config.json does not', async () => {
  const model = path.join(tempDir('mt-gencfg-model-'), 'model');
  fs.cpSync(SHIPPED, model, { recursive: true });
  const prompt = 'The capital of France is';
  const m = loadModel(model, { backend: createBackend('cpu') });
  const tokenizer = loadTokenizer(model);
  const first = generate(m, encodePrompt(tokenizer, { raw: prompt }), { maxNewTokens: 1, eosIds: [] })[0]!;
  // the command through main() in this process (in-process-cli.ts), where a process cost ~1 CPU-s of start-up
  const run = async () => cliResult(await cli(['generate', '--model', model, '--device', 'cpu', '--raw', '--prompt', prompt, '--max-new-tokens', '6']));
  const before = await run();
  assert.equal(before.status, 0, before.stderr);
  assert.notEqual(before.stdout.trim(), tokenizer.decode([first]).trim());
  fs.writeFileSync(path.join(model, 'generation_config.json'), JSON.stringify({ bos_token_id: 1, eos_token_id: [2, first] }));
  const after = await run();
  assert.equal(after.status, 0, after.stderr);
  // the stop token is the last of the output, as in HF's generate() (an EOS decodes to nothing; this one is a word)
  assert.equal(after.stdout.trim(), tokenizer.decode([first]).trim(), `generation went on past token ${first}`);
});

test("config.json's eos_token_id beside a generation_config.json does not stop generate, as it does not stop HF's generate()", async () => {
  // transformers 5.17 (scripts in the commit): the shipped model, config.json eos_token_id 727 and generation_config.json
  // eos_token_id 2 (or none), "The quick brown fox" greedy: 349 264 1043 727 28725 ..., on past 727; we stopped at it
  const model = path.join(tempDir('mt-gencfg-stale-'), 'model');
  fs.cpSync(SHIPPED, model, { recursive: true });
  const prompt = 'The quick brown fox';
  const m = loadModel(model, { backend: createBackend('cpu') });
  const tokenizer = loadTokenizer(model);
  const ids = generate(m, encodePrompt(tokenizer, { raw: prompt }), { maxNewTokens: 3, eosIds: [] });
  const stale = ids[1]!;
  const config = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify({ ...config, eos_token_id: stale }));
  const r = cliResult(await cli(['generate', '--model', model, '--device', 'cpu', '--raw', '--prompt', prompt, '--max-new-tokens', '3']));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), tokenizer.decode(ids).trim(), `generation stopped at config.json's eos ${stale}`);
  assert.deepEqual(stopIds({ eosTokenIds: [stale] }, 2, readGenerationConfig(model).eosIds), [2]);
  // without a model folder read, the config's ids; the tokenizer's EOS is one either way (a deliberate difference)
  assert.deepEqual(stopIds({ eosTokenIds: [stale] }, 5), [stale, 5]);
  assert.deepEqual(stopIds({ eosTokenIds: [stale] }, 5, []), [5]);
});

test('readGenerationConfig: the settings generate has, each absent where the file leaves it out (or null); a bad value is an error naming the file and key', () => {
  const dir = tempDir('mt-gencfg-keys-');
  const file = path.join(dir, 'generation_config.json');
  assert.deepEqual(readGenerationConfig(dir), { file: null, eosIds: [], unsupported: [] });
  const write = (v: unknown): void => fs.writeFileSync(file, JSON.stringify(v));
  write({ do_sample: true, temperature: 0.6, top_k: 20, top_p: 0.9, repetition_penalty: 1.1, max_new_tokens: 7, max_length: 4096, eos_token_id: [2, 3], pad_token_id: 0, bos_token_id: 1, num_beams: 1, min_p: null, typical_p: 1.0 });
  assert.deepEqual(readGenerationConfig(dir), { file, eosIds: [2, 3], doSample: true, temperature: 0.6, topK: 20, topP: 0.9, typicalP: 1, repetitionPenalty: 1.1, maxNewTokens: 7, maxLength: 4096, padId: 0, unsupported: [] });
  // a negative pad_token_id is no token HF's generate() finds in a prompt: none to refuse
  write({ pad_token_id: -1 });
  assert.equal(readGenerationConfig(dir).padId, undefined);
  write({ temperature: null, max_new_tokens: null });
  assert.deepEqual(readGenerationConfig(dir), { file, eosIds: [], unsupported: [] });
  // settings HF's generate() would act on and ours has not: listed, to be warned of (their "off" values are not)
  write({ num_beams: 4, no_repeat_ngram_size: 0 });
  assert.deepEqual(readGenerationConfig(dir).unsupported, ['num_beams 4']);
  // stop_strings is generate's now: a string or a list (was warned of as not applied)
  write({ stop_strings: ['\n\n', 'User:'] });
  assert.deepEqual(readGenerationConfig(dir), { file, eosIds: [], stopStrings: ['\n\n', 'User:'], unsupported: [] });
  write({ stop_strings: 'User:' });
  assert.deepEqual(readGenerationConfig(dir).stopStrings, ['User:']);
  write({ stop_strings: [] });
  assert.throws(() => readGenerationConfig(dir), { name: 'UserError', message: /stop_strings must be a non-empty string or a non-empty list of them/ });
  // typical_p, eta_cutoff, sequence_bias, bad_words_ids, suppress_tokens and begin_suppress_tokens are generate's now:
  // read, not listed (were warned of as not applied)
  write({ typical_p: 0.5, eta_cutoff: 0.001, sequence_bias: [[[5], -2.5], [[7, 8], 1.5]], bad_words_ids: [[5], [7, 8]], suppress_tokens: [5, 6], begin_suppress_tokens: [9] });
  assert.deepEqual(readGenerationConfig(dir), { file, eosIds: [], typicalP: 0.5, etaCutoff: 0.001, sequenceBias: [[[5], -2.5], [[7, 8], 1.5]], badWordsIds: [[5], [7, 8]],
    suppressTokens: [5, 6], beginSuppressTokens: [9], unsupported: [] });
  // min_p is generate's now: read, not listed (was warned of as not applied)
  write({ min_p: 0.05, epsilon_cutoff: 0.001 });
  assert.deepEqual(readGenerationConfig(dir), { file, eosIds: [], minP: 0.05, epsilonCutoff: 0.001, unsupported: [] });
  // no_repeat_ngram_size, min_new_tokens and min_length are generate's now: read, not listed
  write({ no_repeat_ngram_size: 3, min_new_tokens: 2, min_length: 9 });
  assert.deepEqual(readGenerationConfig(dir), { file, eosIds: [], noRepeatNgramSize: 3, minNewTokens: 2, minLength: 9, unsupported: [] });
  // max_time: HF's generate() stops once its seconds have passed (was taken without a word)
  write({ max_time: 0.5 });
  assert.deepEqual(readGenerationConfig(dir).unsupported, ['max_time 0.5']);
  // transformers 5.17's top_h warper (after temperature), its watermarking processor and token healing change the
  // tokens too (were taken without a word); their "off" values are not listed
  write({ top_h: 0.4, watermarking_config: { greenlist_ratio: 0.25 }, token_healing: true });
  assert.deepEqual(readGenerationConfig(dir).unsupported, ['top_h 0.4', 'watermarking_config {"greenlist_ratio":0.25}', 'token_healing true']);
  // force_words_ids or constraints make transformers' generate() a constrained beam search (were taken without a word)
  write({ force_words_ids: [[5]], constraints: null });
  assert.deepEqual(readGenerationConfig(dir).unsupported, ['force_words_ids [[5]]']);
  write({ top_h: null, watermarking_config: null, token_healing: false });
  assert.deepEqual(readGenerationConfig(dir).unsupported, []);
  // the values transformers 5.17 takes as off (min_new_tokens 0: "> 0"; guidance_scale 1: "!= 1"; penalty_alpha 0)
  // are no setting to warn of (were warned of as not applied)
  write({ min_new_tokens: 0, guidance_scale: 1, penalty_alpha: 0 });
  assert.deepEqual(readGenerationConfig(dir).unsupported, []);
  // an empty suppress_tokens or begin_suppress_tokens list suppresses nothing in transformers 5.17's generate() (its
  // tokens hand-checked the same as without it); an empty bad_words_ids is refused by it (ValueError), and here
  write({ suppress_tokens: [], begin_suppress_tokens: [] });
  assert.deepEqual(readGenerationConfig(dir), { file, eosIds: [], unsupported: [] });
  write({ bad_words_ids: [] });
  assert.throws(() => readGenerationConfig(dir), { name: 'UserError', message: `${file}: bad_words_ids must be a non-empty list of non-empty token-id lists, e.g. [[5], [7, 8]], got []` });
  write({ sequence_bias: [[[0], 1.5]] });
  assert.throws(() => readGenerationConfig(dir), { name: 'UserError', message: /sequence_bias must be a non-empty list of \[token ids \(> 0\), bias\] pairs/ });
  // a sampling setting out of range is refused where generation samples: the file's do_sample true, unless a temperature
  // of 0 makes it greedy (HF's generate(do_sample=False) builds no warper of it); else only warned of (generation-number-kinds.test.ts)
  write({ do_sample: true, typical_p: 0 });
  const sampled = readGenerationConfig(dir);
  assert.throws(() => generationSettings({}, sampled, 3, 100), { name: 'UserError', message: `${file}: typical_p must be a number in (0, 1] (1 = off), got 0 (applied: generation samples)` });
  assert.equal(generationSettings({ temperature: 0 }, sampled, 3, 100).temperature, 0);
  for (const [key, bad, want] of [['do_sample', 'true', 'true or false'], ['temperature', -0.5, 'a number ≥ 0'], ['temperature', '0.7', 'a number ≥ 0'],
    ['top_k', 1.5, 'an integer ≥ 0'], ['top_p', -0.5, 'a number in \\[0, 1\\]'], ['top_p', 1.5, 'a number in \\[0, 1\\]'], ['repetition_penalty', 0, 'a number > 0'],
    ['max_new_tokens', 0, 'a positive integer'], ['max_length', '20', 'a positive integer'], ['pad_token_id', '0', 'a token id'],
    // (a fraction, no_repeat_ngram_size 2.5, is a Python float: refused by its kind where applied, generation-number-kinds.test.ts)
    ['no_repeat_ngram_size', '2', 'an integer ≥ 0'], ['min_new_tokens', '2', 'an integer ≥ 0'], ['min_length', '3', 'an integer ≥ 0'], ['min_p', 1.5, 'a number in \\[0, 1\\]'], ['epsilon_cutoff', 1, 'a number in \\[0, 1\\)']] as const) {
    write({ ...(key === 'do_sample' ? {} : { do_sample: true }), [key]: bad });
    // a sampling setting's number out of range is refused where it is applied (above), anything else as read
    const applied = typeof bad === 'number' && key in { temperature: 1, top_k: 1, top_p: 1, min_p: 1, epsilon_cutoff: 1 };
    assert.throws(() => applied ? generationSettings({}, readGenerationConfig(dir), 3, 100) : readGenerationConfig(dir),
      (e) => isUserError(e) && new RegExp(`^${literal(file)}: ${key} must be ${want}.*, got ${JSON.stringify(JSON.stringify(bad)).slice(1, -1)}${applied ? ' \\(applied: generation samples\\)' : ''}$`).test(e.message), `${key}: ${JSON.stringify(bad)}`);
  }
});

test('without generation_config.json, config.json\'s generation keys are the defaults, as HF\'s from_pretrained takes them (GenerationConfig.from_model_config): its repetition_penalty was dropped unsaid', () => {
  const dir = tempDir('mt-gencfg-modelcfg-');
  const config = path.join(dir, 'config.json');
  // transformers 5.17 generates with repetition_penalty 1.5 from such a folder (model.generation_config, hand-checked)
  fs.writeFileSync(config, JSON.stringify({ model_type: 'mistral', vocab_size: 32, hidden_size: 8, eos_token_id: 2, pad_token_id: 0, repetition_penalty: 1.5, do_sample: true, top_p: 0.9, num_beams: 3, use_cache: true }));
  assert.deepEqual(readGenerationConfig(dir), { file: config, eosIds: [2], doSample: true, topP: 0.9, repetitionPenalty: 1.5, padId: 0, unsupported: ['num_beams 3'] });
  const settings = generationSettings({}, readGenerationConfig(dir), 5, 64);
  assert.deepEqual([settings.repetitionPenalty, settings.temperature, settings.topP], [1.5, 1, 0.9]);
  // generation_config.json, where there is one, is read alone (HF reads config.json's keys only without it)
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: 2 }));
  assert.deepEqual(readGenerationConfig(dir), { file: path.join(dir, 'generation_config.json'), eosIds: [2], unsupported: [] });
  // a bad value there is an error naming config.json and the key
  fs.rmSync(path.join(dir, 'generation_config.json'));
  fs.writeFileSync(config, JSON.stringify({ model_type: 'mistral', repetition_penalty: 0 }));
  assert.throws(() => readGenerationConfig(dir), (e) => isUserError(e) && e.message.startsWith(`${config}: repetition_penalty must be a number > 0`));
});

test('generationSettings: flags > generation_config.json > ours; the file\'s temperature, top_k, top_p only where it samples; max_length counts the prompt', () => {
  const none = { file: null, eosIds: [], unsupported: [] };
  // ours: greedy, 256 new tokens or what the context leaves
  assert.deepEqual(generationSettings({}, none, 10, 1000), { temperature: 0, topK: 0, topP: 1, minP: 0, epsilonCutoff: 0, typicalP: 1, etaCutoff: 0, repetitionPenalty: 1, noRepeatNgramSize: 0, minNewTokens: 0, maxNewTokens: 256, fromFile: [], unsampledFromFile: [], unsupported: [] });
  assert.equal(generationSettings({}, none, 300, 512).maxNewTokens, 212);
  const file = { file: '/m/generation_config.json', eosIds: [], unsupported: [], doSample: true, temperature: 0.6, topK: 20, topP: 0.9, repetitionPenalty: 1.2, maxNewTokens: 50 };
  const s = generationSettings({}, file, 10, 1000);
  assert.deepEqual({ ...s, fromFile: undefined }, { temperature: 0.6, topK: 20, topP: 0.9, minP: 0, epsilonCutoff: 0, typicalP: 1, etaCutoff: 0, repetitionPenalty: 1.2, noRepeatNgramSize: 0, minNewTokens: 0, maxNewTokens: 50, fromFile: undefined, unsampledFromFile: [], unsupported: [] });
  assert.deepEqual(s.fromFile, ['do_sample true, temperature 0.6', 'top_k 20', 'top_p 0.9', 'repetition_penalty 1.2', 'max_new_tokens 50']);
  // flags win; --temperature 0 is greedy and the file's top_k/top_p no longer apply
  assert.deepEqual(generationSettings({ temperature: 0, maxNewTokens: 3, repetitionPenalty: 1 }, file, 10, 1000),
    { temperature: 0, topK: 0, topP: 1, minP: 0, epsilonCutoff: 0, typicalP: 1, etaCutoff: 0, repetitionPenalty: 1, noRepeatNgramSize: 0, minNewTokens: 0, maxNewTokens: 3, fromFile: [], unsampledFromFile: [], unsupported: [] });
  // no_repeat_ngram_size, min_new_tokens and min_length (less the prompt; min_new_tokens over it, as transformers 5.17
  // sets min_length from it) are taken, and said; flags win (were warned of as not applied)
  const bans = { file: '/m/generation_config.json', eosIds: [], unsupported: [], noRepeatNgramSize: 3, minLength: 14 };
  const taken = generationSettings({}, bans, 10, 1000);
  assert.deepEqual([taken.noRepeatNgramSize, taken.minNewTokens, taken.fromFile], [3, 4, ['no_repeat_ngram_size 3', 'min_length 14 (prompt and new tokens): 4 new tokens before an EOS']]);
  assert.equal(generationSettings({}, { ...bans, minNewTokens: 2 }, 10, 1000).minNewTokens, 2);
  assert.equal(generationSettings({}, { ...bans, minLength: 5 }, 10, 1000).minNewTokens, 0);
  const flags = generationSettings({ noRepeatNgramSize: 0, minNewTokens: 7 }, bans, 10, 1000);
  assert.deepEqual([flags.noRepeatNgramSize, flags.minNewTokens, flags.fromFile], [0, 7, []]);
  // without do_sample the file's temperature is unused (HF warns of it), greedy as HF's generate() is, and said
  assert.equal(generationSettings({}, { ...file, doSample: undefined }, 10, 1000).temperature, 0);
  assert.deepEqual(generationSettings({}, { ...file, doSample: false }, 10, 1000).unsampledFromFile, ['temperature 0.6', 'top_k 20', 'top_p 0.9']);
  assert.deepEqual(generationSettings({}, { ...file, doSample: false, temperature: 1, topK: 0, topP: 1 }, 10, 1000).unsampledFromFile, []);
  // top_k 50 is HF's default, which its generate() does not warn of (GenerationConfig.validate: top_k != 50), as an old
  // config.json's default keys hold it beside do_sample false: no noise
  assert.deepEqual(generationSettings({}, { ...file, doSample: false, temperature: 1, topK: 50, topP: 1 }, 10, 1000).unsampledFromFile, []);
  // min_p, as top_p: the file's only where it samples, said unused otherwise; a flag wins
  assert.deepEqual([generationSettings({}, { ...file, minP: 0.1 }, 10, 1000).minP, generationSettings({ minP: 0.2 }, { ...file, minP: 0.1 }, 10, 1000).minP], [0.1, 0.2]);
  assert.equal(generationSettings({}, { ...file, doSample: false, minP: 0.1 }, 10, 1000).minP, 0);
  assert.deepEqual(generationSettings({}, { ...file, doSample: false, temperature: 1, topK: 0, topP: 1, minP: 0.1 }, 10, 1000).unsampledFromFile, ['min_p 0.1']);
  // epsilon_cutoff too (was warned of as not applied); one ≥ 1, which transformers drops without a word, is refused
  assert.deepEqual([generationSettings({}, { ...file, epsilonCutoff: 0.01 }, 10, 1000).epsilonCutoff, generationSettings({}, { ...file, doSample: false, epsilonCutoff: 0.01 }, 10, 1000).epsilonCutoff], [0.01, 0]);
  // typical_p and eta_cutoff, as min_p: the file's only where it samples, said unused otherwise; a flag wins
  assert.deepEqual([generationSettings({}, { ...file, typicalP: 0.9, etaCutoff: 0.001 }, 10, 1000)].map((x) => [x.typicalP, x.etaCutoff]), [[0.9, 0.001]]);
  assert.deepEqual([generationSettings({ typicalP: 0.5 }, { ...file, typicalP: 0.9 }, 10, 1000).typicalP], [0.5]);
  const unsampled = generationSettings({}, { ...file, doSample: false, temperature: 1, topK: 0, topP: 1, typicalP: 0.9, etaCutoff: 0.001 }, 10, 1000);
  assert.deepEqual([unsampled.typicalP, unsampled.etaCutoff, unsampled.unsampledFromFile], [1, 0, ['typical_p 0.9', 'eta_cutoff 0.001']]);
  // the list settings apply greedy too (as transformers' logits processors), said; a flag wins
  const lists = generationSettings({ suppressTokens: [3] }, { ...none, file: '/m/g.json', badWordsIds: [[5], [7, 8]], suppressTokens: [9] }, 10, 1000);
  assert.deepEqual([lists.badWordsIds, lists.suppressTokens, lists.fromFile], [[[5], [7, 8]], [3], ['bad_words_ids [[5],[7,8]]']]);
  // a sampling-only setting generate lacks (top_h) is one HF's greedy
  // generate() does not apply either: not said as one HF would apply where generation is greedy
  const lacking = { ...none, file: '/m/g.json', unsupported: ['num_beams 2', 'top_h 0.4'] };
  for (const given of [{}, { temperature: 0 }]) {
    const greedy = generationSettings(given, lacking, 10, 1000);
    assert.deepEqual([greedy.unsupported, greedy.unsampledFromFile], [['num_beams 2'], []]);
  }
  assert.deepEqual(generationSettings({}, { ...lacking, doSample: true }, 10, 1000).unsupported, lacking.unsupported);
  assert.deepEqual(generationSettings({ temperature: 0.7 }, lacking, 10, 1000).unsupported, lacking.unsupported);
  assert.equal(generationSettings({}, { ...file, temperature: undefined }, 10, 1000).temperature, 1); // HF's default when sampling
  // max_length is prompt + new; max_new_tokens wins over it; one that leaves nothing is refused naming the file
  assert.equal(generationSettings({}, { ...none, maxLength: 30 }, 10, 1000).maxNewTokens, 20);
  assert.equal(generationSettings({}, { ...none, maxLength: 30, maxNewTokens: 5 }, 10, 1000).maxNewTokens, 5);
  assert.throws(() => generationSettings({}, { ...none, file: '/m/g.json', maxLength: 10 }, 10, 1000), /\/m\/g\.json: max_length 10 \(prompt and new tokens\) leaves no new token after the prompt's 10: give --max-new-tokens$/);
  // past the context it is taken, as HF's generate() takes it (generate() warns once it gets there)
  assert.equal(generationSettings({}, { ...none, file: '/m/g.json', maxNewTokens: 600 }, 10, 512).maxNewTokens, 600);
  assert.equal(generationSettings({ maxNewTokens: 4 }, { ...none, maxLength: 10 }, 10, 1000).maxNewTokens, 4);
});

test('mistral-tune generate takes generation_config.json\'s max_new_tokens and sampling as defaults and says so; a bad value is one error line', async () => {
  const model = await makeTokenizerModel(path.join(tempDir('mt-gencfg-cli-'), 'model'));
  const run = async (...args: string[]) => cliResult(await cli(['generate', '--model', model, '--device', 'cpu', '--raw', '--prompt', 'Once upon a time', ...args]));
  const sampled = await run('--temperature', '1.3', '--top-k', '40', '--max-new-tokens', '5', '--seed', '7');
  assert.equal(sampled.status, 0, sampled.stderr);
  fs.writeFileSync(path.join(model, 'generation_config.json'), JSON.stringify({ eos_token_id: 2, do_sample: true, temperature: 1.3, top_k: 40, max_new_tokens: 5, num_beams: 2 }));
  const byFile = await run('--seed', '7');
  assert.equal(byFile.status, 0, byFile.stderr);
  assert.equal(byFile.stdout, sampled.stdout, 'the file\'s settings sample as the same flags do');
  assert.match(byFile.stderr, /^generate: from \S+generation_config\.json: do_sample true, temperature 1\.3, top_k 40, max_new_tokens 5 \(flags override\)$/m);
  assert.match(byFile.stderr, /^warning: \S+generation_config\.json: num_beams 2: not applied \(HF's generate\(\) would; this one has no such setting\)$/m);
  // sampling settings in a file that does not say do_sample true: greedy, as in HF's generate(), which warns "The following
  // generation flags are not valid and may be ignored: ['temperature', 'top_p']" (they were dropped unsaid)
  fs.writeFileSync(path.join(model, 'generation_config.json'), JSON.stringify({ eos_token_id: 2, temperature: 0.6, top_p: 0.9, top_k: 50 }));
  const greedy = await run('--max-new-tokens', '2');
  assert.equal(greedy.status, 0, greedy.stderr);
  assert.deepEqual(greedy.stderr.split('\n').filter((l) => l.startsWith('warning')),
    [`warning: ${path.join(model, 'generation_config.json')}: temperature 0.6, top_p 0.9: not applied, as in HF's generate(): the file does not say do_sample true, so generation is greedy; give --temperature > 0 to sample with them`]);
  // a temperature given (greedy or not) is the user's choice: nothing to warn of
  assert.equal((await run('--max-new-tokens', '2', '--temperature', '0')).stderr.includes('warning'), false);
  fs.writeFileSync(path.join(model, 'generation_config.json'), JSON.stringify({ top_p: '0.9' }));
  const bad = await run('--max-new-tokens', '2');
  assert.equal(bad.status, 2);
  assert.deepEqual(bad.stderr.split('\n').filter((l) => l.startsWith('error')), [`error: ${path.join(model, 'generation_config.json')}: top_p must be a number in [0, 1] (1 = off), got "0.9"`]);
});

// A generation_config.json's bad_words_ids of 10^5 lists was echoed whole on stderr (about a megabyte in the "from
// FILE:" note, and as much in the error for one bad id among them): each is cut to its first lists and their count,
// the error naming the bad list by its place (cut, it was in no part of the message)
test('a long id list in generation_config.json is shown cut, in the note of what was taken and in the error', () => {
  const dir = tempDir('mt-gencfg-long-list-');
  const file = path.join(dir, 'generation_config.json');
  const lists = Array.from({ length: 100000 }, (_, i) => [100 + (i % 30000), 5]);
  fs.writeFileSync(file, JSON.stringify({ bad_words_ids: lists }));
  const note = generationSettings({}, readGenerationConfig(dir), 3, 100).fromFile.join('\n');
  assert.ok(note.length < 250, `${note.length} characters`);
  assert.match(note, /^bad_words_ids \[\[100,5\],\[101,5\],.*,…\] \(100000 items\)$/);
  fs.writeFileSync(file, JSON.stringify({ bad_words_ids: [...lists, [-1]] }));
  assert.throws(() => readGenerationConfig(dir), (e) => isUserError(e) && e.message.length < 400 &&
    /bad_words_ids must be a non-empty list of non-empty token-id lists, e\.g\. \[\[5\], \[7, 8\]\], got \[\[100,5\],.*,…\] \(100001 items\), whose item 100000 is \[-1\]$/.test(e.message), 'the error');
  // one list of 10^5 ids: the list's own items cut
  fs.writeFileSync(file, JSON.stringify({ suppress_tokens: Array.from({ length: 100000 }, (_, i) => i % 30000) }));
  assert.match(generationSettings({}, readGenerationConfig(dir), 3, 100).fromFile.join('\n'), /^suppress_tokens \[0,1,2,.*,…\] \(100000 items\)$/);
  // a setting generate lacks, said as not applied (force_words_ids: a megabyte in that warning too)
  fs.writeFileSync(file, JSON.stringify({ force_words_ids: lists }));
  assert.match(readGenerationConfig(dir).unsupported.join('\n'), /^force_words_ids \[\[100,5\],\[101,5\],.*,…\] \(100000 items\)$/);
  fs.writeFileSync(file, JSON.stringify({ suppress_tokens: Array.from({ length: 100, }, (_, i) => -1 - i) }));
  assert.deepEqual(readGenerationConfig(dir).noEffect, ["suppress_tokens' ids -1, -2, -3, -4, -5, -6, -7, -8 and 92 more (name no token)"]);
});
