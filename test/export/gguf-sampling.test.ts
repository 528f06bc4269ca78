// general.sampling.*: a model folder's generation_config.json sampling defaults in the GGUF, as gguf-py's Metadata.load
// writes them for convert_hf_to_gguf.py (llama-cli and llama-server take them as defaults: common.cpp
// common_init_sampler_from_model); before, none was written and llama.cpp sampled at its own 0.8/40/0.95.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readGgufFileInfo } from 'node-llama-cpp';
import { cli, config, randomModelDir, tmp } from './gguf-models.ts';

const model = randomModelDir('sampling', config({ vocabSize: 512 }), 512);
const genFile = path.join(model, 'generation_config.json');
const base = JSON.parse(fs.readFileSync(genFile, 'utf8')) as Record<string, unknown>;

async function exported(gen: Record<string, unknown>, name: string): Promise<Record<string, unknown>> {
  fs.writeFileSync(genFile, JSON.stringify({ ...base, ...gen }));
  const out = path.join(tmp, `${name}.gguf`);
  const r = await cli('export', '--model', model, '--out', out, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  const md = (await readGgufFileInfo(out, { readTensorInfo: false })).metadata as unknown as { general: Record<string, unknown> };
  return (md.general['sampling'] ?? {}) as Record<string, unknown>;
}

test("generation_config.json's sampling settings are written as general.sampling.* (gguf-py's keys and types)", async () => {
  const s = await exported({ do_sample: true, temperature: 0.3, top_k: 20, top_p: 0.9, min_p: 0.05, repetition_penalty: 1.1 }, 'sampled');
  assert.deepEqual(Object.keys(s).sort(), ['min_p', 'penalty_repeat', 'temp', 'top_k', 'top_p']);
  assert.equal(s['top_k'], 20);
  for (const [k, v] of [['temp', 0.3], ['top_p', 0.9], ['min_p', 0.05], ['penalty_repeat', 1.1]] as const) assert.equal(s[k], Math.fround(v), k);
  // penalty_repeat (llama.cpp's own key) before repetition_penalty, and a null as nothing, as gguf-py's gen_config.get
  const t = await exported({ penalty_repeat: 1.3, repetition_penalty: 1.1, temperature: null, mirostat: 2, sequence: 'kt' }, 'own-keys');
  assert.deepEqual(t, { penalty_repeat: Math.fround(1.3), mirostat: 2, sequence: 'kt' });
  // none stated, none written (llama.cpp keeps its defaults)
  assert.deepEqual(await exported({}, 'none'), {});
});

test('a sampling value its GGUF key cannot hold is refused naming generation_config.json and the key, nothing written', async () => {
  for (const [gen, msg] of [[{ top_k: 2.5 }, /generation_config\.json: top_k is 2\.5: general\.sampling\.top_k of a GGUF export needs an integer/],
    [{ temperature: '0.7' }, /generation_config\.json: temperature is "0\.7": general\.sampling\.temp of a GGUF export needs a number/],
    [{ top_k: 2 ** 40 }, /generation_config\.json: general\.sampling\.top_k would be 1099511627776/],
    // an integer key's NaN or Infinity (gguf-py's int32 packing fails on it too), as the file spells it
    ['{"top_k": Infinity}', /generation_config\.json: top_k is Infinity: general\.sampling\.top_k of a GGUF export needs an integer/]] as const) {
    fs.writeFileSync(genFile, typeof gen === 'string' ? gen : JSON.stringify({ ...base, ...gen }));
    const out = path.join(tmp, 'refused.gguf');
    const r = await cli('export', '--model', model, '--out', out, '--format', 'gguf', '--quant', 'f32');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, msg);
    assert.ok(!fs.existsSync(out));
  }
  fs.writeFileSync(genFile, JSON.stringify(base));
});

// generation_config.json is read as transformers reads it (json.loads: NaN, Infinity): such a value reached the GGUF as
// f32 NaN or Infinity, the default llama.cpp would sample with, without a word
test('a NaN or infinite sampling value is left out of the GGUF, said once naming the file and the key as the file spells it', async () => {
  fs.writeFileSync(genFile, '{"temperature": NaN, "top_p": Infinity, "min_p": -Infinity, "top_k": 7}');
  const out = path.join(tmp, 'non-finite.gguf');
  const r = await cli('export', '--model', model, '--out', out, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  const md = (await readGgufFileInfo(out, { readTensorInfo: false })).metadata as unknown as { general: Record<string, unknown> };
  assert.deepEqual(md.general['sampling'], { top_k: 7 });
  for (const [name, spelled, key] of [['temperature', 'NaN', 'temp'], ['top_p', 'Infinity', 'top_p'], ['min_p', '-Infinity', 'min_p']]) {
    const said = `warning: ${genFile}: ${name} is ${spelled}, not a finite number: general.sampling.${key} is left out of the GGUF (llama.cpp's default applies); give a number to set it\n`;
    assert.equal(r.stderr.split(said).length, 2, `${name} said once: ${r.stderr}`);
  }
  fs.writeFileSync(genFile, JSON.stringify(base));
});
