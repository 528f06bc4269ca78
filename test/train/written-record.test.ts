// What train writes in a folder of weights (a checkpoint, adapter/, best/) is recorded there (.mistral-tune-written.json:
// each file's size and SHA-256, a safetensors file's header and tensors each with theirs) and checked as it is read: a
// flipped byte in a weight, a cut-short file or an edited trainer_state.json is refused naming the file, where
// eval, generate, export and --resume used it as it was (an edited adapter_config.json is read with a warning); --resume skips such a checkpoint for the one before it and
// writes a damaged best/ again, and the damaged adapter of the checkpoint it resumes from (which it does not read). A folder without a record (an adapter from elsewhere) loads as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cryptoModule from 'node:crypto';
import * as fs from 'node:fs';
import fsModule from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { exportRun } from '../../src/export/export.ts';
import { validate, type TrainConfig } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { isUserError } from '../../src/util/errors.ts';
import { readRegularFile } from '../../src/util/regular-file.ts';
import { HASH_CHUNK_BYTES, WRITTEN_RECORD } from '../../src/util/written-record.ts';
import { recordWrittenFolder } from '../../src/model/written-folder.ts';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomIdRows, TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

function lora(max = 2): { cfg: TrainConfig; run: string } {
  const dir = tempDir('mt-written-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), randomIdRows(new Rng(3), 4, 10).join('\n') + '\n');
  const cfg = validate({
    model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl'), val: path.join(dir, 'train.jsonl') }, lora: { r: 2 }, batch_size: 2, max_steps: max,
    shuffle: false, optimizer: { lr: 1e-2 }, eval: { samples: 0, every_steps: 1 }, checkpoint: { every_steps: 1, keep: 3 }, output_dir: path.join(dir, 'run'),
  }, 'test');
  captureStderr(() => train(cfg));
  return { cfg, run: cfg.output_dir };
}

/** Flips one bit of `file` at `at` bytes from its end (inside the last tensor's data for a safetensors file). */
function flip(file: string, at = 3): void {
  const b = fs.readFileSync(file);
  b[b.length - at]! ^= 0x10;
  fs.writeFileSync(file, b);
}

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(isUserError(e), `a UserError, not ${String(e)}`);
    return e.message;
  }
  assert.fail('not refused');
}

const load = (dir: string): unknown => loadAdapter(loadModel(TINY_BASE, { backend: createBackend('cpu') }), dir, { trainable: false });

test('a flipped byte in an adapter train wrote (adapter/, best/, a checkpoint\'s) is refused naming the file; one without a record loads', () => {
  const { run } = lora();
  const best = path.join(run, 'best'), ckpt = path.join(run, 'checkpoints', 'step-0000001');
  for (const d of ['adapter', 'best', 'checkpoints/step-0000001', 'checkpoints/step-0000002']) assert.ok(fs.existsSync(path.join(run, d, WRITTEN_RECORD)), d);
  load(best);
  // a copy without the record (an adapter brought from elsewhere) is read unchecked, as before
  const bare = path.join(path.dirname(run), 'bare');
  fs.mkdirSync(bare);
  for (const f of ['adapter_config.json', 'adapter_model.safetensors']) fs.copyFileSync(path.join(best, f), path.join(bare, f));
  flip(path.join(bare, 'adapter_model.safetensors'));
  load(bare);
  flip(path.join(best, 'adapter_model.safetensors'));
  assert.match(refusal(() => load(best)), /adapter_model\.safetensors: changed since mistral-tune wrote it \(tensor ".*" is not the one recorded\)/);
  // cut short: its size, before its header is judged
  const weights = path.join(ckpt, 'adapter_model.safetensors');
  fs.truncateSync(weights, fs.statSync(weights).size - 4);
  assert.match(refusal(() => load(ckpt)), /changed since mistral-tune wrote it \(it is [\d,]+ bytes, written as [\d,]+\)/);
  // adapter_config.json edited (lora_alpha 16 → 17, as a user may edit base_model_name_or_path): read as it is now, said
  const adapter = path.join(run, 'adapter'), config = path.join(adapter, 'adapter_config.json');
  fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('"lora_alpha": 16', '"lora_alpha": 17'));
  assert.match(captureStderr(() => load(adapter)).stderr, /adapter_config\.json: edited since mistral-tune wrote it \(its SHA-256 is not the one recorded\): read as it is now/);
  // so is its model card, which an export copies
  fs.appendFileSync(path.join(adapter, 'README.md'), 'Trained on our tickets.\n');
  const exported = captureStderr(() => exportRun({ run, out: path.join(path.dirname(run), 'export'), merge: false, best: false })).stderr;
  assert.match(exported, /README\.md: edited since mistral-tune wrote it \(it is [\d,]+ bytes, written as [\d,]+\): read as it is now/);
  // a damaged record is said to be one
  const record = path.join(run, 'checkpoints', 'step-0000002', WRITTEN_RECORD);
  fs.writeFileSync(record, fs.readFileSync(record, 'utf8').replace(/"bytes": (\d)/, '"bytes": 9$1'));
  assert.match(refusal(() => readRegularFile(path.join(path.dirname(record), 'trainer_state.json'))), /written\.json: the record of the files mistral-tune wrote in this folder is damaged/);
});

test('--resume skips a checkpoint whose trainer_state.json was changed (still valid JSON) and writes a damaged best/ again', () => {
  const { cfg, run } = lora(3);
  const last = path.join(run, 'checkpoints', 'step-0000003');
  const stateFile = path.join(last, 'trainer_state.json');
  // the loader's place moved by one: resumed from it, the run would train on other rows than an uninterrupted one
  fs.writeFileSync(stateFile, fs.readFileSync(stateFile, 'utf8').replace(/"index": (\d+)/, (_, n: string) => `"index": ${Number(n) + 1}`));
  const bestWeights = path.join(run, 'best', 'adapter_model.safetensors');
  const before = fs.readFileSync(bestWeights);
  flip(bestWeights);
  fs.rmSync(path.join(run, 'report.json')); // unfinished, so that --resume goes on
  const err = captureStderr(() => train(cfg, { resume: true })).stderr;
  assert.match(err, /checkpoint .*step-0000003 is incomplete or corrupt \(.*trainer_state\.json: changed since mistral-tune wrote it/);
  assert.match(err, /resume: .*best: .*adapter_model\.safetensors: changed since mistral-tune wrote it .*written again from the checkpoint of step 2/);
  assert.match(err, /resume: from the checkpoint of step 2/);
  // step 3 trained again from step 2's checkpoint: best/ is what the uninterrupted run wrote, byte for byte
  assert.ok(fs.readFileSync(bestWeights).equals(before), 'best/ as the run wrote it');
  load(path.join(run, 'best'));
});

test('--resume checks the adapter of the checkpoint it resumes from (it reads only the state): a damaged one is written again from the restored weights, exactly', () => {
  const { cfg, run } = lora(3);
  const ckpt = path.join(run, 'checkpoints', 'step-0000003'), weights = path.join(ckpt, 'adapter_model.safetensors');
  const before = fs.readFileSync(weights);
  flip(weights);
  fs.rmSync(path.join(run, 'report.json')); // unfinished, so that --resume goes on
  const err = captureStderr(() => train(cfg, { resume: true })).stderr;
  assert.match(err, /^warning: resume: .*step-0000003.adapter_model\.safetensors: changed since mistral-tune wrote it \(its SHA-256 is not the one recorded\): written again from the checkpoint's restored weights of step 3, exactly as recorded$/m);
  assert.ok(fs.readFileSync(weights).equals(before), 'the checkpoint\'s adapter as the run wrote it');
  load(ckpt); // eval --adapter RUN/checkpoints/step-0000003 reads it
  // whole: nothing is said
  fs.rmSync(path.join(run, 'report.json'));
  assert.doesNotMatch(captureStderr(() => train(cfg, { resume: true })).stderr, /adapter_model/);
});

test('a full fine-tuning run\'s model/ is checked tensor by tensor as a model load reads it: a flipped byte is refused naming the file', () => {
  const dir = tempDir('mt-written-full-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), randomIdRows(new Rng(4), 2, 10).join('\n') + '\n');
  // a base with a tokenizer whose chat template is its own file, as transformers saves it, and a tokenizer.model
  const base = path.join(dir, 'base');
  fs.mkdirSync(base);
  for (const f of fs.readdirSync(TINY_BASE)) fs.copyFileSync(path.join(TINY_BASE, f), path.join(base, f));
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, f), path.join(base, f));
  fs.writeFileSync(path.join(base, 'chat_template.jinja'), '{% for m in messages %}{{ m.content }}{% endfor %}');
  fs.writeFileSync(path.join(base, 'tokenizer.model'), 'a sentencepiece model');
  fs.mkdirSync(path.join(base, 'additional_chat_templates'));
  fs.writeFileSync(path.join(base, 'additional_chat_templates', 'tool_use.jinja'), 'TOOLS');
  const cfg = validate({ model: base, data: { train: path.join(dir, 'train.jsonl') }, method: 'full', batch_size: 2, max_steps: 1, optimizer: { lr: 1e-5 },
    eval: { samples: 0 }, output_dir: path.join(dir, 'run') }, 'test');
  captureStderr(() => train(cfg));
  const model = path.join(cfg.output_dir, 'model');
  loadModel(model, { backend: createBackend('cpu') });
  flip(path.join(model, 'model.safetensors'));
  assert.match(refusal(() => loadModel(model, { backend: createBackend('cpu') })), /model\.safetensors: changed since mistral-tune wrote it \(tensor ".*" is not the one recorded\)/);
  // the chat template edited in chat_template.jinja, as in tokenizer_config.json: read as it is now, said
  const template = path.join(model, 'chat_template.jinja');
  fs.writeFileSync(template, '{% for m in messages %}[{{ m.role }}] {{ m.content }}{% endfor %}');
  assert.match(captureStderr(() => loadTokenizer(model)).stderr, /chat_template\.jinja: edited since mistral-tune wrote it \(it is [\d,]+ bytes, written as [\d,]+\): read as it is now/);
  flip(path.join(model, 'model.safetensors')); // flipped back: the weights as written
  // so is a named template of additional_chat_templates/, which transformers reads as it reads chat_template.jinja
  // (was: not in the record, so an edited or damaged one was passed on without a word)
  fs.writeFileSync(path.join(model, 'additional_chat_templates', 'tool_use.jinja'), 'TOOLZ');
  const copied = captureStderr(() => exportRun({ run: cfg.output_dir, out: path.join(dir, 'export-edited'), merge: false, best: false })).stderr;
  assert.match(copied, /additional_chat_templates\/tool_use\.jinja: edited since mistral-tune wrote it \(its SHA-256 is not the one recorded\): read as it is now/);
  // a file an export copies without loading it (tokenizer.model) is checked too: damaged, it is not passed on
  fs.writeFileSync(path.join(model, 'tokenizer.model'), 'A sentencepiece model');
  const out = path.join(dir, 'export');
  assert.match(refusal(() => exportRun({ run: cfg.output_dir, out, merge: false, best: false })), /tokenizer\.model: changed since mistral-tune wrote it \(its SHA-256 is not the one recorded\)/);
  assert.ok(!fs.existsSync(out), 'nothing exported');
});

test('a tensor read whole is hashed in pieces: Node\'s hash takes no more than 2 GiB at once', () => {
  // a 2.7 GB tensor (a 131,072-token embedding of width 5120 in F32) threw ERR_OUT_OF_RANGE "data is too long" as a
  // model load read it: here a hash that refuses more than HASH_CHUNK_BYTES at once stands for Node's at 2 GiB
  const dir = tempDir('mt-written-big-'), file = path.join(dir, 'model.safetensors'), n = HASH_CHUNK_BYTES + 8;
  let header = JSON.stringify({ t: { dtype: 'U8', shape: [n], data_offsets: [0, n] } });
  header += ' '.repeat((8 - (header.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  fs.writeFileSync(file, Buffer.concat([len, Buffer.from(header), Buffer.alloc(n, 7)]));
  recordWrittenFolder(dir);
  const original = cryptoModule.createHash;
  Object.assign(cryptoModule, { createHash: (algorithm: string) => {
    const hash = original(algorithm), update = hash.update.bind(hash);
    return Object.assign(hash, { update: (data: Uint8Array) => {
      if (data.byteLength > HASH_CHUNK_BYTES) throw Object.assign(new RangeError('data is too long'), { code: 'ERR_OUT_OF_RANGE' });
      return update(data);
    } });
  } });
  syncBuiltinESMExports();
  try {
    const st = SafetensorsFile.open(file);
    try {
      assert.equal(st.readBytes('t').byteLength, n);
    } finally {
      st.close();
    }
  } finally {
    Object.assign(cryptoModule, { createHash: original });
    syncBuiltinESMExports();
  }
});

test('--resume reads a checkpoint\'s state.safetensors of any size: past 2 GiB (a full fine-tuning\'s from 180M parameters) it is hashed as it is read through', () => {
  // fs.readFileSync reads no file past 2 GiB (ERR_FS_FILE_TOO_LARGE): the state was read whole to be hashed, so every
  // checkpoint of such a run was "incomplete or corrupt" and --resume started it again from step 0. Here a readFileSync
  // that refuses state.safetensors stands for Node's on a state past 2 GiB
  const { cfg, run } = lora(3);
  fs.rmSync(path.join(run, 'report.json')); // unfinished, so that --resume goes on
  const original = fsModule.readFileSync;
  Object.assign(fsModule, { readFileSync: (file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    const name = typeof file === 'number' ? fs.readlinkSync(`/proc/self/fd/${file}`) : String(file);
    if (name.endsWith('state.safetensors')) throw Object.assign(new RangeError('File size (2147483656) is greater than 2 GiB'), { code: 'ERR_FS_FILE_TOO_LARGE' });
    return (original as (...a: unknown[]) => unknown)(file, ...rest);
  } });
  syncBuiltinESMExports();
  let err: string;
  try {
    err = captureStderr(() => train(cfg, { resume: true })).stderr;
  } finally {
    Object.assign(fsModule, { readFileSync: original });
    syncBuiltinESMExports();
  }
  assert.doesNotMatch(err, /incomplete or corrupt/);
  assert.match(err, /resume: from the checkpoint of step 3/);
});
