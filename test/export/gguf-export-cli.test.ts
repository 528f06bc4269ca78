// The GGUF export command's refusals and --out: one line and nothing written for a classification adapter, a DoRA
// adapter as an adapter file (llama.cpp has no magnitudes), a
// vocabulary the tokenizer does not fit or a rope that switches with the sequence length (longrope), a config value its GGUF key cannot hold (a context past u32, a θ past float32); missing folders above --out are made, an existing folder is refused, as is a path ending in "/" (x.gguf/ wrote x.gguf).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { deadPid, FIXTURES, makeTokenizerModel, TINY_BASE } from '../helpers.ts';
import { cli, tmp } from './gguf-models.ts';

/** The tiny fixture with `rope_scaling` set to `rope`, as tmp/`name`. */
function withRope(name: string, rope: Record<string, unknown>, key: 'rope_scaling' | 'rope_parameters' = 'rope_scaling'): string {
  const dir = path.join(tmp, name);
  fs.cpSync(TINY_BASE, dir, { recursive: true });
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), [key]: rope }));
  return dir;
}

test('refused with one line, nothing written: a classification adapter, a vocabulary the tokenizer does not fit, a rope llama.cpp cannot express', async () => {
  const cases: Array<[string[], RegExp, string?]> = [
    [['--model', TINY_BASE, '--adapter', path.join(FIXTURES, 'hf-tiny-mistral-cls', 'adapter_init')], /classification model cannot be exported to GGUF/],
    [['--model', TINY_BASE, '--adapter', path.join(FIXTURES, 'hf-tiny-mistral-dora', 'adapter_init')],
      /adapter_config\.json: use_dora: a DoRA adapter cannot be a GGUF adapter file \(llama\.cpp applies W \+ s·B·A, without the magnitudes\); export it merged \(--format gguf\)/, 'gguf-lora'],
    [['--model', TINY_BASE], /tokenizer has 32000 tokens but the model's embedding has 512 rows/],
    // longrope switches between two sets of frequencies at the original context; llama.cpp's llama graph has one set
    // (its own longrope, for other architectures, switches by context size): refused naming config.json and the key
    [['--model', withRope('longrope', { rope_type: 'longrope', short_factor: Array(8).fill(1.5), long_factor: Array(8).fill(3), original_max_position_embeddings: 64 })],
      /longrope\/config\.json: rope_scaling: longrope cannot be exported to GGUF: it has two sets of frequencies/],
    // the same under transformers 5's rope_parameters (as save_pretrained writes it) names that key
    [['--model', withRope('longrope5', { rope_type: 'longrope', rope_theta: 10000, short_factor: Array(8).fill(1.5), long_factor: Array(8).fill(3), original_max_position_embeddings: 64 }, 'rope_parameters')],
      /longrope5\/config\.json: rope_parameters: longrope cannot be exported to GGUF/],
  ];
  for (const [args, msg, format = 'gguf'] of cases) {
    const out = path.join(tmp, 'refused.gguf');
    const r = await cli('export', ...args, '--out', out, '--format', format);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('cpu backend') && !l.startsWith('device auto') && !l.startsWith('tokenizer:')).length, 1, r.stderr);
    assert.ok(!fs.existsSync(out) && fs.readdirSync(tmp).every((f) => !f.endsWith('.tmp')), 'nothing left behind');
  }
});

test('a config value a GGUF key cannot hold is refused in one line naming the key, nothing written: a context past u32, a rope θ past float32', async () => {
  // max_position_embeddings 2^33 (llama.context_length is a u32 to llama.cpp) stopped the write with an uncaught
  // RangeError and a stack trace (exit 1); rope_theta 1e40 was written as an f32 infinity (llama.cpp ran it: logits 3.5e-4 off)
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ max_position_embeddings: 2 ** 33 }, /config\.json: llama\.context_length would be 8589934592, which a GGUF u32 \(the type llama\.cpp reads it as\) cannot hold: 0 to 4294967295/],
    [{ rope_theta: 1e40 }, /config\.json: llama\.rope\.freq_base would be 1e\+40, beyond a GGUF f32/],
  ];
  for (const [k, [config, msg]] of cases.entries()) {
    const model = await makeTokenizerModel(path.join(tmp, `unholdable-${k}`));
    const file = path.join(model, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), ...config }));
    const out = path.join(tmp, 'unholdable.gguf');
    const r = await cli('export', '--model', model, '--out', out, '--format', 'gguf', '--quant', 'f32');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('cpu backend') && !l.startsWith('device auto') && !l.startsWith('tokenizer:')).length, 1, r.stderr);
    assert.ok(!fs.existsSync(out) && fs.readdirSync(tmp).every((f) => !f.endsWith('.tmp')), 'nothing left behind');
  }
});

test('--out of a GGUF export: missing folders above the file are made; an existing folder is refused as a folder, not a file', async () => {
  const model = await makeTokenizerModel(path.join(tmp, 'paths-model'));
  const adapter = path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init');
  const cases: Array<[string, string[]]> = [['gguf', ['--model', model]], ['gguf-lora', ['--model', TINY_BASE, '--adapter', adapter]]];
  for (const [format, args] of cases) {
    const file = path.join(tmp, `new-${format}`, 'deeper', 'x.gguf');
    const r = await cli('export', ...args, '--out', file, '--format', format);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.statSync(file).size > 0, file);
    const empty = path.join(tmp, `empty-${format}`);
    fs.mkdirSync(empty);
    const refused = await cli('export', ...args, '--out', empty, '--format', format);
    assert.equal(refused.status, 2, refused.stderr);
    assert.equal(refused.stderr, `error: ${empty}: is a folder: a GGUF export writes one file, so give a file path (e.g. ${path.join(empty, format === 'gguf' ? 'model.gguf' : 'adapter.gguf')})\n`);
    assert.deepEqual(fs.readdirSync(empty), []);
    // killed between putting the file in place (a hard link) and removing its temporary name: the refusal removes that
    const dead = deadPid();
    fs.linkSync(file, path.join(path.dirname(file), `.x.gguf.${dead}.1.tmp`));
    const again = await cli('export', ...args, '--out', file, '--format', format);
    assert.equal(again.stderr, `error: ${file}: output file exists (a GGUF export does not overwrite): remove it, or give --out another name\n`);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['x.gguf']);
    // a killed export's temporary of another name is not this export's to remove: it is said, and left (an audit's
    // find: killed, then run again under another --out, the first's gigabytes stayed hidden); a live writer's is not said
    // (another process's: the test runner's, as this process was the spawned export's; this process's own are the
    // export's now, which atomic.ts writerGone judges by their age)
    const other = path.join(path.dirname(file), `.first.gguf.${dead}.1.tmp`), live = path.join(path.dirname(file), `.other.gguf.${process.ppid}.1.tmp`);
    fs.writeFileSync(other, 'partial');
    fs.writeFileSync(live, 'partial');
    const second = path.join(path.dirname(file), 'second.gguf');
    const beside = await cli('export', ...args, '--out', second, '--format', format);
    assert.equal(beside.status, 0, beside.stderr);
    assert.ok(beside.stderr.includes(`warning: a temporary file of a killed mistral-tune write is left beside ${second}: .first.gguf.${dead}.1.tmp; remove it`), beside.stderr);
    assert.deepEqual(fs.readdirSync(path.dirname(file)).sort(), [`.first.gguf.${dead}.1.tmp`, `.other.gguf.${process.ppid}.1.tmp`, 'second.gguf', 'x.gguf']);
    // past three, how many more (it was "a, b, c, …")
    const more = [1, 2, 3, 4].map((i) => path.join(path.dirname(file), `.more${i}.gguf.${dead}.1.tmp`));
    for (const f of more) fs.writeFileSync(f, 'partial');
    const third = path.join(path.dirname(file), 'third.gguf');
    const many = await cli('export', ...args, '--out', third, '--format', format);
    assert.equal(many.status, 0, many.stderr);
    assert.match(many.stderr, /warning: 5 temporary files of a killed mistral-tune write are left beside \S+third\.gguf: (\.\w+\.gguf\.\d+\.1\.tmp, ){2}\.\w+\.gguf\.\d+\.1\.tmp and 2 more; remove them/);
    for (const f of [other, live, second, third, ...more]) fs.rmSync(f);
    // a symbolic link to nothing is refused before the model is loaded and quantised, not after (the file is not written through it)
    const link = path.join(tmp, `dangling-${format}.gguf`);
    fs.symlinkSync(path.join(tmp, 'nowhere', 'x.gguf'), link);
    const dangling = await cli('export', ...args, '--out', link, '--format', format);
    assert.equal(dangling.status, 2, dangling.stderr);
    assert.equal(dangling.stderr, `error: ${link}: cannot write: it is a symbolic link to ${path.join(tmp, 'nowhere', 'x.gguf')}, which does not exist (remove the link, or give another path)\n`);
  }
});

test("--format gguf-lora of a run's adapter reads no base weight: a --model folder of config.json alone exports it", async () => {
  // a run's adapter (report.json recording the base's fingerprint) over a base holding only config.json: the fingerprint
  // check for another base read the base's weights and stopped the export with 'model weights not found'
  const run = path.join(tmp, 'config-only-run');
  fs.cpSync(path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init'), path.join(run, 'adapter'), { recursive: true });
  fs.writeFileSync(path.join(run, 'report.json'), JSON.stringify({ base_fingerprint: '0123456789abcdef' }));
  const base = path.join(tmp, 'config-only-base');
  fs.mkdirSync(base);
  fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(base, 'config.json'));
  const out = path.join(tmp, 'config-only.gguf');
  const r = await cli('export', '--model', base, '--adapter', path.join(run, 'adapter'), '--out', out, '--format', 'gguf-lora');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.statSync(out).size > 0, out);
  // the closing line says "as a GGUF adapter (f16)", not "as a f16 GGUF adapter"
  const done = r.stderr.split('\n').find((l) => l.startsWith('exported the LoRA adapter')) ?? r.stderr;
  assert.match(done, /^exported the LoRA adapter as a GGUF adapter \(f16\) to .+ \(\d+\.\d\d MiB\): load it beside a GGUF of .+ \(llama\.cpp --lora, Ollama's ADAPTER\)$/);
  assert.ok(done.includes(` to ${out} (`), done);
});

test('--out x.gguf/ (a trailing "/", or "/.") of a GGUF export is refused in one line naming --out, nothing written: the system says EISDIR, the export wrote x.gguf', async () => {
  const adapter = path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init');
  const work = path.join(tmp, 'trailing-slash');
  fs.mkdirSync(work);
  fs.writeFileSync(path.join(work, 'file.gguf'), 'x'); // an existing file: ENOTDIR, said the same way
  for (const name of ['x.gguf', 'deeper/x.gguf', 'file.gguf']) {
    for (const tail of ['/', '/.']) {
      const out = path.join(work, name) + tail;
      const r = await cli('export', '--model', TINY_BASE, '--adapter', adapter, '--out', out, '--format', 'gguf-lora');
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr, `error: ${out}: names a folder (it ends in "${tail}"): a GGUF export writes one file, so give --out a file name (e.g. ${path.join(work, name)})\n`);
      assert.deepEqual(fs.readdirSync(work), ['file.gguf'], out);
    }
  }
});
