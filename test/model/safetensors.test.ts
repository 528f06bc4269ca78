// safetensors: every dtype (our writer and a file written by torch), lazy reads by offset, __metadata__, atomic
// writes, and every kind of corrupt file (errors name file and tensor); sharded checkpoints: safetensors-index.test.ts.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';
import { f32ToBf16, f32ToF16 } from '../../src/backend/dtype.ts';
import {
  SafetensorsFile, encodeSafetensors, writeSafetensors, type TensorToWrite,
} from '../../src/model/safetensors.ts';
import { UserError } from '../../src/util/errors.ts';
import { FIXTURES } from '../helpers.ts';
import { f32, rawFile, throwsNaming, tmpDir } from './safetensors-helpers.ts';
import { runnable, TS_LOADER } from '../node-args.ts';
import { NO_TORCH, TORCH_PY } from '../torch-python.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VARIANTS = path.join(FIXTURES, 'variants');


function allDtypes(): Record<string, TensorToWrite> {
  return {
    a_f32: { dtype: 'F32', shape: [2, 3], data: f32([1.5, -2, 0, 3.25, -0, 1e-30]) },
    b_f16: { dtype: 'F16', shape: [4], data: f32ToF16([1, -0.5, 65504, 2 ** -24]) },
    c_bf16: { dtype: 'BF16', shape: [2, 2], data: f32ToBf16([1, -3.5, 2 ** 100, -(2 ** -100)]) },
    d_i32: { dtype: 'I32', shape: [3], data: Int32Array.from([-2147483648, 0, 2147483647]) },
    e_i64: { dtype: 'I64', shape: [3], data: BigInt64Array.from([-5n, 2147483647n, -2147483648n]) },
    f_u8: { dtype: 'U8', shape: [2, 2], data: Uint8Array.from([0, 1, 128, 255]) },
    g_bool: { dtype: 'BOOL', shape: [3], data: Uint8Array.from([1, 0, 1]) },
    h_f64: { dtype: 'F64', shape: [2], data: Float64Array.from([Math.PI, -1e300]) },
    i_i16: { dtype: 'I16', shape: [2], data: Int16Array.from([-32768, 32767]) },
    j_i8: { dtype: 'I8', shape: [2], data: Int8Array.from([-128, 127]) },
    k_empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    l_scalar: { dtype: 'F32', shape: [], data: f32([7]) },
  };
}

test('round trip of every dtype through our writer and reader', () => {
  const file = path.join(tmpDir(), 'all.safetensors');
  const tensors = allDtypes();
  writeSafetensors(file, tensors, { format: 'pt', note: 'ünïcode' });
  const f = SafetensorsFile.open(file);
  try {
    assert.deepEqual(f.names().sort(), Object.keys(tensors).sort());
    assert.deepEqual(f.metadata, { format: 'pt', note: 'ünïcode' });
    for (const [name, t] of Object.entries(tensors)) {
      assert.equal(f.info(name).dtype, t.dtype, name);
      assert.deepEqual(f.info(name).shape, t.shape, name);
      assert.deepEqual(Array.from(f.read(name) as ArrayLike<number>), Array.from(t.data as ArrayLike<number>), name);
    }
    assert.deepEqual(Array.from(f.readF32('a_f32')), [1.5, -2, 0, 3.25, -0, Math.fround(1e-30)]);
    assert.ok(Object.is(f.readF32('a_f32')[4], -0));
    assert.deepEqual(Array.from(f.readF32('b_f16')), [1, -0.5, 65504, 2 ** -24]);
    assert.deepEqual(Array.from(f.readF32('c_bf16')), [1, -3.5, 2 ** 100, -(2 ** -100)]);
    assert.deepEqual(Array.from(f.readF32('h_f64')), [Math.fround(Math.PI), -Infinity]);
    assert.deepEqual(Array.from(f.readI32('d_i32')), [-2147483648, 0, 2147483647]);
    assert.deepEqual(Array.from(f.readI32('e_i64')), [-5, 2147483647, -2147483648]);
    assert.deepEqual(Array.from(f.readI32('f_u8')), [0, 1, 128, 255]);
    assert.deepEqual(Array.from(f.readI32('g_bool')), [1, 0, 1]);
    assert.deepEqual(Array.from(f.readI32('i_i16')), [-32768, 32767]);
    assert.deepEqual(Array.from(f.readI32('j_i8')), [-128, 127]);
    assert.equal(f.readF32('k_empty').length, 0);
    assert.deepEqual(Array.from(f.readF32('l_scalar')), [7]);
    throwsNaming(() => f.readF32('d_i32'), file, 'tensor "d_i32"', 'I32');
    throwsNaming(() => f.readI32('a_f32'), file, 'tensor "a_f32"', 'F32');
    throwsNaming(() => f.info('nope'), file, 'tensor "nope" not found');
  } finally {
    f.close();
  }
});

test('the writer lays out an 8-byte-aligned header and contiguous data in name order', () => {
  const bytes = Buffer.concat(encodeSafetensors(allDtypes()));
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0);
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { data_offsets: [number, number] }>;
  assert.equal('__metadata__' in header, false, 'no metadata given, none written');
  let end = 0;
  for (const name of Object.keys(allDtypes()).sort()) {
    assert.equal(header[name]!.data_offsets[0], end, name);
    end = header[name]!.data_offsets[1];
  }
  assert.equal(bytes.byteLength, 8 + n + end);
  assert.throws(() => encodeSafetensors({ x: { dtype: 'F32', shape: [3], data: f32([1, 2]) } }), /tensor "x".*12 bytes, data has 8/);
  assert.throws(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [1], data: f32([1]) } }), /reserved/);
});

interface TorchDtypes {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; values: Array<number | string> }>;
}

test('reads a file written by torch: every dtype, values as torch sees them', () => {
  const ref = JSON.parse(fs.readFileSync(path.join(VARIANTS, 'torch-dtypes.json'), 'utf8')) as TorchDtypes;
  const f = SafetensorsFile.open(path.join(VARIANTS, 'torch-dtypes.safetensors'));
  try {
    assert.deepEqual(f.metadata, ref.metadata);
    assert.deepEqual(f.names().sort(), Object.keys(ref.tensors).sort());
    for (const [name, r] of Object.entries(ref.tensors)) {
      const info = f.info(name);
      assert.equal(info.dtype, r.dtype, name);
      assert.deepEqual(info.shape, r.shape, name);
      const isFloat = ['F16', 'BF16', 'F32', 'F64'].includes(r.dtype);
      const ours: Array<number | bigint> = isFloat ? Array.from(f.readF32(name))
        : r.dtype === 'I64' ? Array.from(f.read(name) as BigInt64Array) : Array.from(f.readI32(name));
      const want = r.values.map((v) => (typeof v === 'number' ? (r.dtype === 'I64' ? BigInt(v) : v)
        : r.dtype === 'I64' ? BigInt(v) : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity));
      if (r.dtype === 'F64') {
        assert.deepEqual(Array.from(f.read(name) as Float64Array), want, name);
      } else {
        assert.deepEqual(ours, want, name);
      }
    }
    throwsNaming(() => f.readI32('i64_big'), 'tensor "i64_big"', 'does not fit in int32', 'torch-dtypes.safetensors');
  } finally {
    f.close();
  }
});

test('torch reads what our writer wrote (when a Python with torch is here: test/torch-python.ts)', { skip: NO_TORCH }, () => {
  const file = path.join(tmpDir(), 'ours.safetensors');
  writeSafetensors(file, allDtypes(), { who: 'mistral-tune' });
  const script = `
import json, sys, math
sys.path.insert(0, ${JSON.stringify(VARIANTS)})
import mistral_torch as mt, torch
t = mt.load_safetensors(${JSON.stringify(file)})
out = {}
for k, v in t.items():
    x = v.float() if v.dtype in (torch.float16, torch.bfloat16) else v
    out[k] = {"dtype": mt._TORCH_TO_ST[v.dtype], "shape": list(v.shape), "values": [float(a) if isinstance(a, float) else int(a) for a in x.flatten().tolist()]}
print(json.dumps(out))`;
  const r = spawnSync(TORCH_PY, ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as Record<string, { dtype: string; shape: number[]; values: number[] }>;
  const want: Record<string, number[]> = {
    a_f32: [1.5, -2, 0, 3.25, -0, Math.fround(1e-30)], b_f16: [1, -0.5, 65504, 2 ** -24],
    c_bf16: [1, -3.5, 2 ** 100, -(2 ** -100)], d_i32: [-2147483648, 0, 2147483647], e_i64: [-5, 2147483647, -2147483648],
    f_u8: [0, 1, 128, 255], g_bool: [1, 0, 1], h_f64: [Math.PI, -1e300], i_i16: [-32768, 32767], j_i8: [-128, 127],
    k_empty: [], l_scalar: [7],
  };
  for (const [name, t] of Object.entries(allDtypes())) {
    assert.equal(got[name]!.dtype, t.dtype, name);
    assert.deepEqual(got[name]!.shape, t.shape, name);
    assert.deepEqual(got[name]!.values, want[name], name);
  }
});

// ---- lazy reads -------------------------------------------------------------------------------

const cjsFs = createRequire(import.meta.url)('node:fs') as typeof fs;

/** Runs `fn` while recording every fs.readSync (position, length) made by any module. */
function recordReads<T>(fn: () => T): { result: T; reads: Array<{ position: number; length: number }> } {
  const reads: Array<{ position: number; length: number }> = [];
  const original = cjsFs.readSync;
  const spy = mock.method(cjsFs, 'readSync', (...args: unknown[]) => {
    reads.push({ length: args[3] as number, position: Number(args[4]) });
    return (original as (...a: unknown[]) => number).apply(cjsFs, args);
  });
  syncBuiltinESMExports();
  try {
    return { result: fn(), reads };
  } finally {
    spy.mock.restore();
    syncBuiltinESMExports();
  }
}

test('open reads only the header; a tensor read touches only that tensor\'s bytes', () => {
  const file = path.join(tmpDir(), 'lazy.safetensors');
  const tensors = {
    a: { dtype: 'F32' as const, shape: [1000], data: new Float32Array(1000).fill(1) },
    b: { dtype: 'F32' as const, shape: [3], data: f32([4, 5, 6]) },
    c: { dtype: 'F32' as const, shape: [500], data: new Float32Array(500).fill(2) },
  };
  writeSafetensors(file, tensors);
  const headerLen = Number(fs.readFileSync(file).readBigUInt64LE(0));
  const dataStart = 8 + headerLen;
  const opened = recordReads(() => SafetensorsFile.open(file));
  const f = opened.result;
  try {
    assert.ok(opened.reads.length > 0, 'the spy saw the header reads');
    for (const r of opened.reads) assert.ok(r.position + r.length <= dataStart, `open read [${r.position}, +${r.length}) past the header`);
    const { begin, end } = f.info('b');
    const { result, reads } = recordReads(() => f.readF32('b'));
    assert.deepEqual(Array.from(result), [4, 5, 6]);
    assert.ok(reads.length >= 1);
    for (const r of reads) {
      assert.ok(r.position >= dataStart + begin && r.position + r.length <= dataStart + end,
        `read [${r.position}, ${r.position + r.length}) outside tensor b [${dataStart + begin}, ${dataStart + end})`);
    }
  } finally {
    f.close();
  }
});

test('a small tensor is read from a 9 GiB (sparse) file without reading the rest; garbage elsewhere does not matter', () => {
  const file = path.join(tmpDir(), 'huge.safetensors');
  const bigBytes = 2 ** 31 * 4; // (2^31) F32 = 8 GiB, a hole in the file
  const header = {
    __metadata__: { format: 'pt' },
    big: { dtype: 'F32', shape: [2 ** 31], data_offsets: [0, bigBytes] },
    small: { dtype: 'F32', shape: [2], data_offsets: [bigBytes, bigBytes + 8] },
    tail: { dtype: 'U8', shape: [1 << 20], data_offsets: [bigBytes + 8, bigBytes + 8 + (1 << 20)] },
  };
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.byteLength));
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, Buffer.concat([len, h]), 0, 8 + h.byteLength, 0);
  const dataStart = 8 + h.byteLength;
  fs.writeSync(fd, Buffer.from(f32([3.5, -1]).buffer), 0, 8, dataStart + bigBytes);
  fs.writeSync(fd, Buffer.alloc(1 << 20, 0xff), 0, 1 << 20, dataStart + bigBytes + 8); // garbage after it
  fs.writeSync(fd, Buffer.alloc(4096, 0xff), 0, 4096, dataStart + bigBytes - 4096); // garbage just before it
  fs.closeSync(fd);
  const rss = process.memoryUsage().rss;
  const t0 = performance.now();
  const f = SafetensorsFile.open(file);
  try {
    assert.deepEqual(Array.from(f.readF32('small')), [3.5, -1]);
    assert.equal(f.info('big').end, bigBytes);
  } finally {
    f.close();
  }
  assert.ok(performance.now() - t0 < 2000, 'reading 8 bytes took seconds: the file was read whole?');
  assert.ok(process.memoryUsage().rss - rss < 256 * 2 ** 20, 'memory grew by more than 256 MiB');
});

// ---- sharded checkpoints ----------------------------------------------------------------------

// ---- atomic writes ----------------------------------------------------------------------------

const leftovers = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));

test('atomic write: replaces the file, leaves no temp file; a failed encode leaves the old file alone', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'w.safetensors');
  writeSafetensors(file, { x: { dtype: 'F32', shape: [1], data: f32([1]) } });
  writeSafetensors(file, { y: { dtype: 'F32', shape: [2], data: f32([2, 3]) } });
  assert.deepEqual(leftovers(dir), []);
  const before = fs.readFileSync(file);
  const f = SafetensorsFile.open(file);
  assert.deepEqual(f.names(), ['y']);
  f.close();
  assert.throws(() => writeSafetensors(file, { z: { dtype: 'F32', shape: [4], data: f32([1]) } }), /tensor "z"/);
  assert.deepEqual(fs.readFileSync(file), before);
  assert.throws(() => writeSafetensors(path.join(dir, 'new.safetensors'), { z: { dtype: 'I32', shape: [2], data: f32([1]) } }), /tensor "z"/);
  assert.equal(fs.existsSync(path.join(dir, 'new.safetensors')), false);
  assert.deepEqual(leftovers(dir), []);
});

test('atomic write: a write that fails half-way (file size limit) leaves the old file and no temp file', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'big.safetensors');
  writeSafetensors(file, { old: { dtype: 'F32', shape: [4], data: f32([1, 2, 3, 4]) } });
  const before = fs.readFileSync(file);
  // The child may write at most 64 KiB per file (ulimit -f), so writing 400 KB fails with EFBIG mid-way.
  const script = `
    import { writeSafetensors } from ${JSON.stringify(runnable(path.join(ROOT, 'src/model/safetensors.ts')))};
    try {
      writeSafetensors(${JSON.stringify(file)}, { big: { dtype: 'F32', shape: [100000], data: new Float32Array(100000) } });
      console.log('wrote');
    } catch (e) { console.log('failed ' + e.message); }`;
  const r = spawnSync('bash', ['-c', `ulimit -f 64 && exec "${process.execPath}" "$@" --input-type=module -e "$0"`, script, ...TS_LOADER],
    { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // a one-line error naming the cause (the UserError of util/atomic.ts)
  assert.match(r.stdout.trim(), /^failed .*big\.safetensors: cannot write: file too large \(EFBIG\)$/, r.stderr);
  assert.deepEqual(fs.readFileSync(file), before);
  assert.deepEqual(leftovers(dir), []);
});

test('atomic write: when the final rename fails, the temp file is removed', () => {
  const dir = tmpDir();
  const target = path.join(dir, 'target.safetensors');
  fs.mkdirSync(target); // rename(file → non-empty directory) fails
  fs.writeFileSync(path.join(target, 'keep'), 'x');
  assert.throws(() => writeSafetensors(target, { x: { dtype: 'F32', shape: [1], data: f32([1]) } }));
  assert.deepEqual(leftovers(dir), []);
});

// ---- corrupt files ----------------------------------------------------------------------------

test('corrupt files: each error names the file, and the tensor where there is one', () => {
  const dir = tmpDir();
  const p = (name: string): string => path.join(dir, name);
  const eight = new Uint8Array(8);
  const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

  const missing = p('missing.safetensors');
  throwsNaming(() => SafetensorsFile.open(missing), missing, 'not found');

  fs.writeFileSync(p('tiny.safetensors'), Buffer.from([1, 2, 3]));
  throwsNaming(() => SafetensorsFile.open(p('tiny.safetensors')), p('tiny.safetensors'), 'truncated', '3 bytes');

  // truncated: a valid file cut short, so its last tensor runs past the end
  const whole = p('whole.safetensors');
  writeSafetensors(whole, { first: { dtype: 'F32', shape: [4], data: new Float32Array(4) }, last: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
  const cut = p('cut.safetensors');
  fs.writeFileSync(cut, fs.readFileSync(whole).subarray(0, fs.statSync(whole).size - 5));
  throwsNaming(() => SafetensorsFile.open(cut), cut, 'tensor "last"', 'past the end');
  // cut inside the header
  fs.writeFileSync(p('cuthdr.safetensors'), fs.readFileSync(whole).subarray(0, 20));
  throwsNaming(() => SafetensorsFile.open(p('cuthdr.safetensors')), p('cuthdr.safetensors'), 'header length', 'past the end');

  const lenPast = p('lenpast.safetensors');
  const buf = Buffer.alloc(16);
  buf.writeBigUInt64LE(1000n);
  fs.writeFileSync(lenPast, buf);
  throwsNaming(() => SafetensorsFile.open(lenPast), lenPast, 'header length 1000', 'past the end');
  buf.writeBigUInt64LE(2n ** 63n);
  fs.writeFileSync(lenPast, buf);
  throwsNaming(() => SafetensorsFile.open(lenPast), lenPast, 'past the end');

  throwsNaming(() => SafetensorsFile.open(rawFile(p('json.safetensors'), '{"a": {"dtype": "F32",', eight)), p('json.safetensors'), 'not valid JSON');
  // a header of bytes that are no JSON (a binary or overwritten file) stays one line: V8 quotes them raw
  assert.throws(() => SafetensorsFile.open(rawFile(p('bytes.safetensors'), '{"a":\n\u0001 bad header\n}', eight)),
    (e: unknown) => e instanceof UserError && e.message.startsWith(`${p('bytes.safetensors')}: header is not valid JSON (Unexpected token '\\u0001'`) && !/[\u0000-\u001f]/.test(e.message));
  throwsNaming(() => SafetensorsFile.open(rawFile(p('arr.safetensors'), '[1, 2]', eight)), p('arr.safetensors'), 'not a JSON object');
  throwsNaming(() => SafetensorsFile.open(rawFile(p('ent.safetensors'), { w: [1, 2] }, eight)), p('ent.safetensors'), 'tensor "w"', 'not an object');

  const range = rawFile(p('range.safetensors'), { w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, eight);
  throwsNaming(() => SafetensorsFile.open(range), range, 'tensor "w"', 'data_offsets [0, 16)', 'past the end of the data (8 bytes)');
  const rev = rawFile(p('rev.safetensors'), { w: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, eight);
  throwsNaming(() => SafetensorsFile.open(rev), rev, 'tensor "w"', 'data_offsets');
  const neg = rawFile(p('neg.safetensors'), { w: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }, eight);
  throwsNaming(() => SafetensorsFile.open(neg), neg, 'tensor "w"', 'data_offsets');
  const frac = rawFile(p('frac.safetensors'), { w: { dtype: 'F32', shape: [2], data_offsets: [0.5, 8.5] } }, eight);
  throwsNaming(() => SafetensorsFile.open(frac), frac, 'tensor "w"', 'data_offsets');

  const overlap = rawFile(p('overlap.safetensors'), {
    a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
    b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
  }, new Uint8Array(16));
  throwsNaming(() => SafetensorsFile.open(overlap), overlap, 'tensor "b"', 'overlap', '"a"');
  // overlap with a tensor that is not the nearest one before it
  const nested = rawFile(p('nested.safetensors'), {
    outer: { dtype: 'U8', shape: [16], data_offsets: [0, 16] },
    inner: { dtype: 'U8', shape: [2], data_offsets: [2, 4] },
    later: { dtype: 'U8', shape: [4], data_offsets: [10, 14] },
  }, new Uint8Array(16));
  throwsNaming(() => SafetensorsFile.open(nested), nested, 'overlap', '"outer"');
  // bytes of the data that no tensor holds (a hole between tensors, before the first, or after the last) are refused,
  // as safetensors refuses them ("incomplete metadata, file not fully covered"): the header does not describe the file
  const hole = rawFile(p('hole.safetensors'), {
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'F32', shape: [1], data_offsets: [12, 16] },
  }, new Uint8Array(16));
  throwsNaming(() => SafetensorsFile.open(hole), hole, 'tensor "b"', 'bytes [8, 12) of the data to no tensor');
  const late = rawFile(p('late.safetensors'), { w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eight);
  throwsNaming(() => SafetensorsFile.open(late), late, 'tensor "w"', 'bytes [0, 4) of the data to no tensor');
  const tail = rawFile(p('tail.safetensors'), { w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, eight);
  throwsNaming(() => SafetensorsFile.open(tail), tail, '4 bytes after the last tensor\'s data');
  const onlyData = rawFile(p('only-data.safetensors'), { __metadata__: { format: 'pt' } }, eight);
  throwsNaming(() => SafetensorsFile.open(onlyData), onlyData, '8 bytes after the last tensor\'s data');
  // empty tensors hold no bytes and may sit anywhere
  const empties = rawFile(p('empties.safetensors'), {
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    e: { dtype: 'F32', shape: [0], data_offsets: [4, 4] },
  }, eight);
  SafetensorsFile.open(empties).close();

  for (const dtype of ['f32', 'toString', 'constructor', 7, null]) {
    const file = rawFile(p('dtype.safetensors'), { w: { ...ok, dtype } }, eight);
    throwsNaming(() => SafetensorsFile.open(file), file, 'tensor "w"', 'unknown dtype', JSON.stringify(dtype));
  }
  // the format's types we do not read are not "unknown": a file holding one opens (transformers loads a model past a
  // tensor it does not use), and reading it is refused naming the file, the tensor and the dtype; FP8/FP6/FP4 ones as
  // quantized weights (an FP8 release). Each type's size is checked (safetensors-unread-dtypes.test.ts).
  for (const [dtype, what, bytes] of [['F8_E4M3', 'an 8-bit float', 4], ['F8_E5M2', 'an 8-bit float', 4], ['F8_E8M0', 'an 8-bit float', 4], ['F8_E4M3FNUZ', 'an 8-bit float', 4], ['F8_E5M2FNUZ', 'an 8-bit float', 4], ['F4', 'a 4-bit float', 2], ['F6_E2M3', 'a 6-bit float', 3]] as const) {
    // 4 values: 4 bytes of FP8, 3 of FP6, 2 of FP4
    const file = rawFile(p('dtype.safetensors'), { w: { dtype, shape: [4], data_offsets: [0, bytes] } }, new Uint8Array(bytes));
    const f = SafetensorsFile.open(file);
    assert.equal(f.info('w').dtype, dtype);
    throwsNaming(() => f.readF32('w'), file, `tensor "w": dtype ${dtype} (${what}: quantized weights) is not supported: use the model's unquantized weights (BF16, F16 or F32)`);
    f.close();
  }
  for (const [dtype, bytes] of [['U16', 4], ['U32', 8], ['U64', 16], ['C64', 16]] as const) {
    const file = rawFile(p('dtype.safetensors'), { w: { dtype, shape: [2], data_offsets: [0, bytes] } }, new Uint8Array(bytes));
    const f = SafetensorsFile.open(file);
    throwsNaming(() => f.read('w'), file, `tensor "w": dtype ${dtype} is not supported (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)`);
    f.close();
  }
  const size = rawFile(p('size.safetensors'), { w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, eight);
  throwsNaming(() => SafetensorsFile.open(size), size, 'tensor "w"', 'shape [3] × F32 is 12 bytes', 'span 8');
  const bf = rawFile(p('bf.safetensors'), { w: { dtype: 'BF16', shape: [2, 3], data_offsets: [0, 8] } }, eight);
  throwsNaming(() => SafetensorsFile.open(bf), bf, 'tensor "w"', '12 bytes', 'span 8');
  for (const shape of [[-1, -8], [2.5], '2', null]) {
    const file = rawFile(p('shape.safetensors'), { w: { ...ok, shape } }, eight);
    throwsNaming(() => SafetensorsFile.open(file), file, 'tensor "w"', 'shape');
  }
  const meta = rawFile(p('meta.safetensors'), { __metadata__: { n: 3 }, w: ok }, eight);
  throwsNaming(() => SafetensorsFile.open(meta), meta, '__metadata__.n');
  const metaNull = rawFile(p('metanull.safetensors'), { __metadata__: null, w: ok }, eight);
  const mf = SafetensorsFile.open(metaNull);
  assert.deepEqual(mf.metadata, {});
  mf.close();
});

test('a file truncated after it was opened fails the read, naming the tensor and the file', () => {
  const file = path.join(tmpDir(), 'shrink.safetensors');
  writeSafetensors(file, { a: { dtype: 'F32', shape: [2], data: f32([1, 2]) }, b: { dtype: 'F32', shape: [64], data: new Float32Array(64) } });
  const f = SafetensorsFile.open(file);
  try {
    fs.truncateSync(file, fs.statSync(file).size - 100);
    assert.deepEqual(Array.from(f.readF32('a')), [1, 2]);
    throwsNaming(() => f.readF32('b'), file, 'tensor "b"', 'file ended');
  } finally {
    f.close();
  }
});
