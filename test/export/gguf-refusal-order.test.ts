// A GGUF export refuses what its tokenizer section refuses (a tokenizer that is neither SentencePiece-BPE nor byte-level
// BPE, a pre-tokenizer regex llama.cpp does not know, tokens past the embedding rows, byte_fallback without the <0xNN>
// tokens) and a config value its GGUF key cannot hold before it reads a weight: a 7B model's load takes minutes. Shown by folders whose model.safetensors is not
// one: the tokenizer's refusal comes, not the weights' error; nothing is written, and the section's warnings come once.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportGgufFile } from '../../src/export/gguf/export-file.ts';
import { UserError } from '../../src/util/errors.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { withFsPatched } from '../fs-faults.ts';
import { backend, cli, config, randomModelDir } from './gguf-models.ts';

type Json = Record<string, unknown> & { model: Record<string, unknown> & { vocab: Record<string, number> }; pre_tokenizer: { pretokenizers: Array<Record<string, unknown>> } };

/** `dir` with its tokenizer.json changed by `edit` and a model.safetensors no loader can read. */
function unreadableWeights(dir: string, edit: (json: Json) => void): string {
  const file = path.join(dir, 'tokenizer.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
  assert.ok(fs.existsSync(path.join(dir, 'model.safetensors')));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), 'not a safetensors file');
  return dir;
}

/** A 512-row model with the bundled tokenizer cut to `tokens` ids, its tokenizer.json changed by `edit`, its weights unreadable. */
function spmModel(name: string, tokens: number, edit: (json: Json) => void): string {
  return unreadableWeights(randomModelDir(name, config({ vocabSize: 512 }), tokens), edit);
}

/** An 896-row model with the Tekken fixture's byte-level tokenizer changed by `edit`, its weights unreadable. */
function tekkenModel(name: string, edit: (json: Json) => void): string {
  const dir = randomModelDir(name, config({ vocabSize: 896 }), null);
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(FIXTURES, 'tekken-tiny', f), path.join(dir, f));
  return unreadableWeights(dir, edit);
}

const CASES: Array<[string, () => string, RegExp]> = [
  ['a BPE model without byte_fallback or ByteLevel', () => spmModel('not-bpe', 512, (j) => { j.model['byte_fallback'] = false; }),
    /tokenizer\.json: model: a GGUF export writes llama\.cpp's SentencePiece tokenizer, which needs a BPE model with byte_fallback/],
  ['a Split regex llama.cpp does not know', () => tekkenModel('regex', (j) => { j.pre_tokenizer.pretokenizers[0]!['pattern'] = { Regex: String.raw`\p{N}{1,2}|\s+|\S+` }; }),
    /tokenizer\.json: pre_tokenizer: its Split regex .* is not one llama\.cpp knows/],
  ['tokens past the embedding rows', () => spmModel('past-rows', 520, () => {}),
    /tokenizer\.json: 8 tokens of the tokenizer have ids past the model's 512 embedding rows/],
  ['byte_fallback without <0xNN> tokens', () => spmModel('no-bytes', 512, (j) => {
    j.model.vocab['zz_byte'] = j.model.vocab['<0xC3>']!;
    delete j.model.vocab['<0xC3>'];
  }), /tokenizer\.json: model\.vocab: byte_fallback without the byte token <0xC3>: llama\.cpp's SentencePiece tokenizer aborts/],
];

for (const [name, make, message] of CASES) {
  test(`a GGUF export of a model folder refuses ${name} before it reads a weight`, () => {
    const dir = make(), out = path.join(tempDir('mt-gguf-order-'), 'model.gguf');
    assert.throws(() => captureStderr(() => exportGgufFile({ model: dir, out, backend })), (e: unknown) => e instanceof UserError && message.test(e.message), String(message));
    assert.equal(fs.existsSync(out), false);
  });
}

test('a GGUF export refuses a config value its GGUF key cannot hold before it reads a weight: a context past u32, a rope θ past float32', () => {
  for (const [over, message] of [
    [{ max_position_embeddings: 2 ** 33 }, /config\.json: llama\.context_length would be 8589934592, which a GGUF u32 \(the type llama\.cpp reads it as\) cannot hold/],
    [{ rope_theta: 1e40 }, /config\.json: llama\.rope\.freq_base would be 1e\+40, beyond a GGUF f32/],
  ] as const) {
    const dir = spmModel(`values-${Object.keys(over)[0]}`, 512, () => {}), file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')) as object, ...over }));
    const out = path.join(tempDir('mt-gguf-order-'), 'model.gguf');
    assert.throws(() => captureStderr(() => exportGgufFile({ model: dir, out, backend })), (e: unknown) => e instanceof UserError && message.test(e.message), String(message));
    assert.equal(fs.existsSync(out), false);
  }
});

test('a GGUF export of a full fine-tuning run refuses its tokenizer before it reads a weight; the CLI says so in one line, exit 2', async () => {
  const root = tempDir('mt-gguf-order-run-'), run = path.join(root, 'run');
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(run, '.mistral-tune-run'), '');
  fs.writeFileSync(path.join(root, 'train.jsonl'), '{"input_ids": [1, 5, 9]}\n');
  fs.writeFileSync(path.join(run, 'config.yaml'), `output_dir: ${JSON.stringify(run)}\nmodel: ${JSON.stringify(TINY_BASE)}\nmethod: full\ndata: {train: ${JSON.stringify(path.join(root, 'train.jsonl'))}}\n`);
  fs.renameSync(spmModel('full-run', 520, () => {}), path.join(run, 'model'));
  const message = /tokenizer\.json: 8 tokens of the tokenizer have ids past the model's 512 embedding rows/;
  assert.throws(() => captureStderr(() => exportGgufFile({ run, out: path.join(root, 'a.gguf'), backend })), (e: unknown) => e instanceof UserError && message.test(e.message));
  const r = await cli('export', '--run', run, '--format', 'gguf', '--out', path.join(root, 'b.gguf'));
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /safetensors/);
  assert.deepEqual(fs.readdirSync(root).sort(), ['run', 'train.jsonl']);
});

test("a GGUF export warns of its tokenizer section's findings once", () => {
  // split_special_tokens, which a GGUF cannot say: warned of as the section is built
  const dir = randomModelDir('split-special', config({ vocabSize: 512 }), 512);
  const file = path.join(dir, 'tokenizer_config.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')) as object, split_special_tokens: true }));
  const { stderr } = captureStderr(() => exportGgufFile({ model: dir, out: path.join(tempDir('mt-gguf-order-'), 'model.gguf'), backend, quant: 'f32' }));
  assert.equal(stderr.match(/split_special_tokens is true/g)?.length, 1, stderr);
});

// An adapter file's --quant was refused only once the output's folders were made: a user who may not make them (out in
// /, another user's folder; CI not run as root) was told EACCES of the folder, not the quant. Root makes any folder, so
// mkdir fails by a patched fs.
test('an adapter file\'s quantised type is refused before the output\'s folders are made (one the user may not make: the quant said, not EACCES)', () => {
  const out = path.join(tempDir('mt-gguf-lora-quant-'), 'not-mine', 'a.gguf');
  const { mkdirSync } = fs;
  const { error } = withFsPatched({
    mkdirSync: ((dir: fs.PathLike, ...rest: unknown[]) => {
      if (String(dir).startsWith(path.dirname(out))) {
        throw Object.assign(new Error(`EACCES: permission denied, mkdir '${String(dir)}'`), { code: 'EACCES', errno: -13, syscall: 'mkdir', path: String(dir) });
      }
      return (mkdirSync as (...a: unknown[]) => unknown)(dir, ...rest);
    }) as typeof fs.mkdirSync,
  }, () => exportGgufFile({ model: TINY_BASE, adapter: path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init'), out, format: 'gguf-lora', quant: 'q8_0' }));
  assert.ok(error instanceof UserError, String((error as Error | undefined)?.stack ?? error));
  assert.match(error.message, /^exportGgufFile: options\.quant q8_0: an adapter file is written as f32, f16 or bf16/);
  assert.equal(fs.existsSync(path.dirname(out)), false);
});
