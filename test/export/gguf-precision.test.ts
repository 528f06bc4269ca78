// The merge's precision against the file's type: a model held in bf16 (--precision bf16) whose checkpoint is F32 or
// F16 reaches an f32 or f16 file rounded to bf16 first, so llama.cpp's logits differ from the model's by bf16's error
// (measured here, hidden 256: f16 1.7e-3 relative at fp32, 1.4e-2 at bf16). The export says so, naming the way out;
// where nothing is lost (a BF16 checkpoint, a quantised type, an fp32 merge) it says nothing. auto, bf16 on CUDA,
// holds such a checkpoint in fp32 for such a file instead.
// A CUDA backend is not needed to see it: the CPU's bf16 storage rounds as CUDA's does, and auto's choice is named by
// the backend's name alone.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportGgufFile } from '../../src/export/gguf/export-file.ts';
import { ggufPrecision, planGgufSource } from '../../src/export/gguf/from-source.ts';
import { CUDA_RESERVE_BYTES } from '../../src/backend/capacity.ts';
import { fakeBackend } from '../backend/cuda/fake-cuda.ts';
import type { GgufQuant } from '../../src/export/gguf/quant-choices.ts';
import type { Precision } from '../../src/backend/dtype.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { SafetensorsFile, writeSafetensors } from '../../src/model/safetensors.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { usage as exportUsage } from '../../src/cli/export-flags.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { FIXTURES } from '../helpers.ts';
import { backend, config, cutTokenizer, randomModelDir, tmp } from './gguf-models.ts';

const WARNING = /gguf: .*holds the model in bf16, so its (F32|F16) weights are rounded to bf16 before they are written as (F32|F16)/;

test('an F32 or F16 checkpoint held in bf16 and written as f32 or f16: one warning naming --precision fp32; none where nothing is lost', () => {
  const f32 = randomModelDir('precision-f32', config({ vocabSize: 512 }), 512);
  const f16 = path.join(tmp, 'precision-f16'), bf16 = path.join(tmp, 'precision-bf16');
  for (const [dir, dtype] of [[f16, 'f16'], [bf16, 'bf16']] as const) {
    saveModelFolder(loadModel(f32, { backend }), dir, { sourceDir: null, head: 'causal', dtype });
    cutTokenizer(dir, 512);
  }
  let n = 0;
  const stderrOf = (model: string, quant: GgufQuant, precision: Precision, be = backend): string =>
    captureStderr(() => exportGgufFile({ model, out: path.join(tmp, `precision-${n++}.gguf`), quant, precision, backend: be }, FLAG_WORDS)).stderr;
  const cases: Array<[string, GgufQuant, Precision, RegExp | null]> = [
    [f32, 'f16', 'bf16', /--precision bf16 holds the model in bf16, so its F32 weights are rounded to bf16 before they are written as F16, which would hold them more closely; --precision fp32 writes them rounded once/],
    [f16, 'f32', 'bf16', /its F16 weights are rounded to bf16 before they are written as F32/],
    [f32, 'f16', 'fp32', null],
    [f32, 'f16', 'auto', null], // auto on the CPU is fp32
    [bf16, 'f16', 'bf16', null], // bf16 to begin with
    [f32, 'q8_0', 'bf16', null], // the type's own error is larger
    [f32, 'bf16', 'bf16', null],
  ];
  for (const [model, quant, precision, want] of cases) {
    const stderr = stderrOf(model, quant, precision);
    const what = `${path.basename(model)} ${quant} ${precision}`;
    if (want) assert.match(stderr.replace(/\n(?!$)/g, ' '), want, what);
    else assert.doesNotMatch(stderr, WARNING, what);
    assert.equal((stderr.match(/holds the model in bf16/g) ?? []).length, want ? 1 : 0, what);
  }
  // auto is bf16 on CUDA (told by the backend's name: the CPU backend named so, since no GPU is needed to choose), but
  // it holds an F32 or F16 checkpoint written as f32 or f16 in fp32: the file as the fp32 merge's, no warning
  const namedCuda = Object.create(backend, { name: { value: 'cuda' } }) as typeof backend;
  const bytes = (model: string, quant: GgufQuant, precision: Precision, be = backend): Buffer => {
    const out = path.join(tmp, `precision-${n++}.gguf`);
    const { stderr } = captureStderr(() => exportGgufFile({ model, out, quant, precision, backend: be }, FLAG_WORDS));
    assert.doesNotMatch(stderr, WARNING, `${path.basename(model)} ${quant} ${precision}`);
    return fs.readFileSync(out);
  };
  for (const [model, quant] of [[f32, 'f32'], [f16, 'f16']] as const) {
    assert.ok(bytes(model, quant, 'auto', namedCuda).equals(bytes(model, quant, 'fp32')), `${path.basename(model)} ${quant}: auto on CUDA writes the fp32 merge's file`);
  }
  // where bf16 loses nothing, auto on CUDA stays bf16: the file differs from the fp32 merge's only if bf16 rounds (a q8_0 of F32 weights)
  assert.ok(!bytes(f32, 'q8_0', 'auto', namedCuda).equals(bytes(f32, 'q8_0', 'fp32')), 'q8_0 of F32 weights: auto on CUDA holds them in bf16');
});

test('auto on CUDA holds F32 or F16 weights written as f32 or f16 in fp32 only where they fit on the GPU so; else bf16, said', () => {
  const f32 = randomModelDir('fit-f32', config({ vocabSize: 512 }), 512);
  const plan = planGgufSource({ model: f32, adapter: null });
  const st = SafetensorsFile.open(path.join(f32, 'model.safetensors'));
  const elements = st.names().reduce((sum, n) => sum + st.info(n).shape.reduce((a, b) => a * b, 1), 0);
  st.close();
  const gpu = (deviceBytes?: number) => fakeBackend(deviceBytes === undefined ? {} : { deviceBytes }).be;
  const fits = 4 * elements + CUDA_RESERVE_BYTES;
  // the choice, and what it says (nothing but where bf16 rounds what the file would hold)
  const chosen = (quant: GgufQuant, precision: Precision, be: Pick<typeof backend, 'name'>): { precision: Precision; stderr: string } => {
    const { result, stderr } = captureStderr(() => ggufPrecision(plan, quant, precision, be, FLAG_WORDS));
    return { precision: result, stderr };
  };
  assert.deepEqual(chosen('f16', 'auto', gpu(fits)), { precision: 'fp32', stderr: '' });
  assert.deepEqual(chosen('f32', 'auto', gpu()), { precision: 'fp32', stderr: '' }, 'the GPU\'s memory unknown: the allocator says if it runs out');
  assert.deepEqual(chosen('q8_0', 'auto', gpu(fits)), { precision: 'auto', stderr: '' });
  assert.deepEqual(chosen('f16', 'auto', backend), { precision: 'auto', stderr: '' }, 'the CPU\'s auto is fp32 already');
  const asked = chosen('f16', 'bf16', gpu(fits));
  assert.equal(asked.precision, 'bf16', 'asked for');
  assert.match(asked.stderr, WARNING);
  const short = chosen('f16', 'auto', gpu(fits - 1));
  assert.equal(short.precision, 'auto', 'one byte short: bf16');
  const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;
  assert.equal(short.stderr, `warning: gguf: --precision auto holds the model in bf16 on this GPU (in fp32 it needs ${gib(4 * elements)}, more than the ${gib(fits - 1 - CUDA_RESERVE_BYTES)} it has beside the CUDA context), ` +
    'so its F32 weights are rounded to bf16 before they are written as F16, which would hold them more closely; --device cpu writes them rounded once\n');
});

test('auto on the CPU holds a checkpoint of BF16 tensors alone, with no adapter to merge, in bf16: the fp32 file in half the memory', () => {
  // the shapes of hf-tiny-mistral's base (intermediate 160), whose adapter_init is merged below: an adapter of other
  // shapes is refused as the source is planned (readAdapterInfo given the base's config)
  const f32 = randomModelDir('cpu-auto-f32', config({ vocabSize: 512, intermediateSize: 160 }), 512);
  const bf16 = path.join(tmp, 'cpu-auto-bf16'), mixed = path.join(tmp, 'cpu-auto-mixed');
  saveModelFolder(loadModel(f32, { backend }), bf16, { sourceDir: null, head: 'causal', dtype: 'bf16' });
  cutTokenizer(bf16, 512);
  const st = SafetensorsFile.open(path.join(bf16, 'model.safetensors'));
  assert.deepEqual(new Set(st.names().map((n) => st.info(n).dtype)), new Set(['BF16']), 'every tensor BF16');
  st.close();
  // BF16 matrices with F32 norms (as some checkpoints mix them): bf16 would round the norms, so fp32 as before
  fs.cpSync(bf16, mixed, { recursive: true });
  const m = SafetensorsFile.open(path.join(bf16, 'model.safetensors'));
  const tensors = Object.fromEntries(m.names().map((n) => [n, n.includes('norm') ? { dtype: 'F32' as const, shape: m.info(n).shape, data: m.readF32(n) } : { dtype: 'BF16' as const, shape: m.info(n).shape, data: m.read(n) }]));
  m.close();
  writeSafetensors(path.join(mixed, 'model.safetensors'), tensors);
  const adapter = path.join(tmp, 'cpu-auto-adapter');
  fs.cpSync(path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init'), adapter, { recursive: true });
  const chosen = (model: string, withAdapter: string | null, quant: GgufQuant): Precision =>
    captureStderr(() => ggufPrecision(planGgufSource({ model, adapter: withAdapter }), quant, 'auto', backend, FLAG_WORDS)).result;
  for (const quant of ['f32', 'f16', 'bf16', 'q8_0'] as const) assert.equal(chosen(bf16, null, quant), 'bf16', quant);
  assert.equal(chosen(mixed, null, 'f16'), 'auto', 'F32 norms: fp32');
  assert.equal(chosen(f32, null, 'bf16'), 'auto', 'F32 weights: fp32');
  assert.equal(chosen(bf16, adapter, 'f16'), 'auto', 'an adapter merged: fp32, as before');
  // auto on CUDA (bf16) with room for fp32: the F32 norms of the mixed checkpoint (config.json dtype bfloat16) are not
  // rounded to bf16 on their way to an f32 or f16 file; a BF16-only one, or a quantised type, stays bf16
  const gpu = fakeBackend({ deviceBytes: 2 ** 34 }).be;
  const onCuda = (model: string, quant: GgufQuant): Precision =>
    captureStderr(() => ggufPrecision(planGgufSource({ model, adapter: null }), quant, 'auto', gpu, FLAG_WORDS)).result;
  assert.equal(JSON.parse(fs.readFileSync(path.join(mixed, 'config.json'), 'utf8')).dtype, 'bfloat16');
  for (const quant of ['f32', 'f16'] as const) assert.equal(onCuda(mixed, quant), 'fp32', `CUDA, F32 norms, ${quant}`);
  for (const quant of ['bf16', 'q8_0'] as const) assert.equal(onCuda(mixed, quant), 'auto', `CUDA, F32 norms, ${quant}`);
  assert.equal(onCuda(bf16, 'f16'), 'auto', 'CUDA, BF16 alone: nothing rounded');
  // the same file as the fp32 load's
  let n = 0;
  const bytes = (precision: Precision, quant: GgufQuant): Buffer => {
    const out = path.join(tmp, `cpu-auto-${n++}.gguf`);
    captureStderr(() => exportGgufFile({ model: bf16, out, quant, precision, backend }, FLAG_WORDS));
    return fs.readFileSync(out);
  };
  for (const quant of ['f32', 'q8_0'] as const) assert.ok(bytes('auto', quant).equals(bytes('fp32', quant)), quant);
});

test('export --help: --precision says auto holds a GGUF export of BF16 tensors alone on the CPU in bf16, as docs/precision.md does', () => {
  const entry = /--precision P([\s\S]*?)\n  --/.exec(`${exportUsage}\n  --`)![1]!.replace(/\s+/g, ' ');
  assert.match(entry, /on the CPU/);
  assert.match(entry, /BF16 tensors alone/);
  assert.match(entry, /no adapter/);
});
