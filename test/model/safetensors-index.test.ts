// Sharded checkpoints: each tensor read from the shard model.safetensors.index.json names (a stale index's tensor from
// the named shard that holds it, as transformers reads them), a model.safetensors beside an index taking precedence
// (with a warning), and every kind of bad index (errors name the index, the shard and the tensor, and leave no file open).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { f32ToBf16, f32ToF16 } from '../../src/backend/dtype.ts';
import { writeSafetensors } from '../../src/model/safetensors.ts';
import { SafetensorsCheckpoint } from '../../src/model/safetensors-checkpoint.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { f32, throwsNaming, tmpDir } from './safetensors-helpers.ts';

function writeSharded(dir: string): void {
  writeSafetensors(path.join(dir, 'model-00001-of-00002.safetensors'), {
    'model.a': { dtype: 'F32', shape: [2], data: f32([1, 2]) },
    'model.b': { dtype: 'BF16', shape: [2], data: f32ToBf16([3, 4]) },
  });
  writeSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), {
    'model.c': { dtype: 'F16', shape: [1, 2], data: f32ToF16([5, 6]) },
  });
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({
    metadata: { total_size: 16 },
    weight_map: {
      'model.a': 'model-00001-of-00002.safetensors',
      'model.b': 'model-00001-of-00002.safetensors',
      'model.c': 'model-00002-of-00002.safetensors',
    },
  }));
}

test('a sharded checkpoint reads each tensor from the shard its index names', () => {
  const dir = tmpDir();
  writeSharded(dir);
  const ckpt = SafetensorsCheckpoint.open(dir);
  try {
    assert.deepEqual(ckpt.names().sort(), ['model.a', 'model.b', 'model.c']);
    assert.equal(ckpt.has('model.c'), true);
    assert.equal(ckpt.has('model.d'), false);
    assert.deepEqual(Array.from(ckpt.readF32('model.a')), [1, 2]);
    assert.deepEqual(Array.from(ckpt.readF32('model.b')), [3, 4]);
    assert.deepEqual(Array.from(ckpt.readF32('model.c')), [5, 6]);
    assert.deepEqual(ckpt.info('model.c').shape, [1, 2]);
    assert.equal(path.basename(ckpt.fileOf('model.c').file), 'model-00002-of-00002.safetensors');
    throwsNaming(() => ckpt.readF32('model.d'), 'tensor "model.d" not found', dir);
  } finally {
    ckpt.close();
  }
});

test('a model.safetensors takes precedence over an index beside it, as transformers reads them; a single file works without an index', () => {
  const dir = tmpDir();
  writeSharded(dir);
  const sharded = SafetensorsCheckpoint.open(dir);
  assert.deepEqual(sharded.names().sort(), ['model.a', 'model.b', 'model.c']);
  sharded.close();
  writeSafetensors(path.join(dir, 'model.safetensors'), { other: { dtype: 'F32', shape: [1], data: f32([9]) } });
  const both = captureStderr(() => SafetensorsCheckpoint.open(dir)).result;
  assert.deepEqual(both.names(), ['other']);
  both.close();
  fs.rmSync(path.join(dir, 'model.safetensors.index.json'));
  const single = SafetensorsCheckpoint.open(dir);
  assert.deepEqual(single.names(), ['other']);
  assert.deepEqual(Array.from(single.readF32('other')), [9]);
  single.close();
});

test('an index beside a model.safetensors (one save over another) is said in a warning, once; the index\'s shards are never read, even missing', () => {
  const dir = tmpDir();
  writeSharded(dir);
  writeSafetensors(path.join(dir, 'model.safetensors'), { other: { dtype: 'F32', shape: [1], data: f32([9]) } });
  const { stderr } = captureStderr(() => { SafetensorsCheckpoint.open(dir).close(); SafetensorsCheckpoint.open(dir).close(); });
  assert.equal(stderr.match(/warning: /g)?.length, 1, stderr);
  assert.match(stderr, /holds both model\.safetensors and model\.safetensors\.index\.json: model\.safetensors is read, as transformers reads it, and the index's shards are not; delete the one that is not the model/);
  // a single-file save_pretrained over a sharded one deletes the old shards, not the index: transformers loads the file, and so do we
  fs.rmSync(path.join(dir, 'model-00002-of-00002.safetensors'));
  const ckpt = captureStderr(() => SafetensorsCheckpoint.open(dir)).result;
  assert.deepEqual(ckpt.names(), ['other']);
  ckpt.close();
});

// transformers 5.17 reads every tensor of the shards the index names: the weight_map only says which files. A stale
// index (a tensor left out, or placed in another of its shards) loads there (checked with transformers: a Mistral whose
// index leaves out, or misplaces, a v_proj gives the reference loss).
test('a tensor the index leaves out or misplaces is read from the listed shard that holds it, as transformers does', () => {
  const dir = tmpDir();
  writeSharded(dir);
  writeSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), {
    'model.c': { dtype: 'F16', shape: [1, 2], data: f32ToF16([5, 6]) },
    'model.a': { dtype: 'F32', shape: [2], data: f32([7, 8]) }, // also in shard 1, where the index puts it
    'model.e': { dtype: 'F32', shape: [1], data: f32([10]) }, // not in the index
  });
  const index = path.join(dir, 'model.safetensors.index.json');
  const j = JSON.parse(fs.readFileSync(index, 'utf8')) as { weight_map: Record<string, string> };
  j.weight_map['model.b'] = 'model-00002-of-00002.safetensors'; // misplaced: shard 1 holds it
  fs.writeFileSync(index, JSON.stringify(j));
  const ckpt = SafetensorsCheckpoint.open(dir);
  try {
    assert.deepEqual(ckpt.names().sort(), ['model.a', 'model.b', 'model.c', 'model.e']);
    assert.deepEqual(Array.from(ckpt.readF32('model.b')), [3, 4]);
    assert.deepEqual(Array.from(ckpt.readF32('model.e')), [10]);
  } finally {
    ckpt.close();
  }
});

// transformers 5.17 opens the index's shards in name order (sorted(set(weight_map.values()))) and each shard's tensors
// replace those of the shards before it (modeling_utils: merged_state_dict[k] = …): a tensor two shards hold is read
// from the last of them by name, whichever the index lists it in (checked with transformers: a Mistral whose
// model.embed_tokens.weight, listed in shard 1, is also in shard 3 with other values, loads shard 3's)
test('a tensor two shards hold is read from the last of them by name, as transformers reads it, with a warning naming both', () => {
  const dir = tmpDir();
  writeSharded(dir);
  writeSafetensors(path.join(dir, 'model-00001-of-00002.safetensors'), {
    'model.a': { dtype: 'F32', shape: [2], data: f32([1, 2]) },
    'model.b': { dtype: 'BF16', shape: [2], data: f32ToBf16([3, 4]) },
    'model.c': { dtype: 'F32', shape: [1, 2], data: f32([50, 60]) }, // also in shard 2, where the index puts it
  });
  writeSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), {
    'model.c': { dtype: 'F16', shape: [1, 2], data: f32ToF16([5, 6]) },
    'model.a': { dtype: 'F32', shape: [2], data: f32([7, 8]) }, // also in shard 1, where the index puts it
  });
  const { result: ckpt, stderr } = captureStderr(() => { SafetensorsCheckpoint.open(dir).close(); return SafetensorsCheckpoint.open(dir); });
  try {
    assert.deepEqual(Array.from(ckpt.readF32('model.a')), [7, 8]);
    assert.deepEqual(Array.from(ckpt.readF32('model.c')), [5, 6]);
    assert.deepEqual(Array.from(ckpt.readF32('model.b')), [3, 4]);
    assert.equal(stderr.match(/warning: /g)?.length, 1, stderr);
    assert.match(stderr, /2 tensors are in more than one shard, e\.g\. "model\.(a|c)" in model-00001-of-00002\.safetensors and model-00002-of-00002\.safetensors: each is read from the last of its shards by name, as transformers reads them/);
  } finally {
    ckpt.close();
  }
});

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

test('index errors: missing shard, bad JSON, no weight_map, path in a shard name', () => {
  const dir = tmpDir();
  const index = path.join(dir, 'model.safetensors.index.json');
  writeSharded(dir);
  const good = fs.readFileSync(index, 'utf8');
  const fds = openFds();

  fs.writeFileSync(index, good.replace('model-00002-of-00002', 'model-00009-of-00009'));
  throwsNaming(() => SafetensorsCheckpoint.open(dir), index, 'model-00009-of-00009.safetensors', 'missing', '"model.c"');

  fs.writeFileSync(index, '{"weight_map": {');
  throwsNaming(() => SafetensorsCheckpoint.open(dir), index, 'invalid JSON');
  fs.writeFileSync(index, 'null');
  throwsNaming(() => SafetensorsCheckpoint.open(dir), index, 'weight_map');
  fs.writeFileSync(index, '{"metadata": {}}');
  throwsNaming(() => SafetensorsCheckpoint.open(dir), index, 'weight_map');
  fs.writeFileSync(index, JSON.stringify({ weight_map: { 'model.a': '../elsewhere.safetensors' } }));
  throwsNaming(() => SafetensorsCheckpoint.open(dir), index, 'weight_map["model.a"]');
  fs.writeFileSync(index, JSON.stringify({ weight_map: { 'model.a': 7 } }));
  throwsNaming(() => SafetensorsCheckpoint.open(dir), index, 'weight_map["model.a"]');
  // names that are no file in the folder: the folder itself or the one above (it was "DIR: is a directory, not a regular file")
  for (const name of ['', '.', '..']) {
    fs.writeFileSync(index, JSON.stringify({ weight_map: { 'model.a': name } }));
    throwsNaming(() => SafetensorsCheckpoint.open(dir), index, 'weight_map["model.a"]');
  }

  // a file outside the folder, which transformers 5.17 reads too (os.path.join(folder, name)): refused, saying so
  for (const name of ['../elsewhere.safetensors', 'sub/../../x.safetensors', path.join(dir, 'model-00001-of-00002.safetensors')]) {
    fs.writeFileSync(index, JSON.stringify({ weight_map: { 'model.a': name } }));
    throwsNaming(() => SafetensorsCheckpoint.open(dir), index, 'weight_map["model.a"]', 'outside the model folder');
  }

  // a shard in a sub-folder that is a file (or a shard named as a folder inside another shard): missing, said so
  // (the path's ENOTDIR was thrown as it came)
  for (const name of ['model-00001-of-00002.safetensors/x.safetensors', 'shards/x.safetensors']) {
    fs.writeFileSync(path.join(dir, 'shards'), 'not a folder');
    fs.writeFileSync(index, JSON.stringify({ weight_map: { 'model.a': name } }));
    throwsNaming(() => SafetensorsCheckpoint.open(dir), index, `shard ${name}`, 'is missing');
    fs.rmSync(path.join(dir, 'shards'));
  }

  assert.equal(openFds(), fds, 'a failed open left files open');
  const empty = tmpDir();
  throwsNaming(() => SafetensorsCheckpoint.open(empty), empty, 'model.safetensors');
});

// transformers 5.17 joins each name to the folder (os.path.join): './model-00001-of-00002.safetensors' and a shard in a
// sub-folder ('shards/model-00001-of-00002.safetensors', './shards/./x', 'shards//x') load there, and load here
// (they were refused as 'not a shard file name')
test("an index naming its shards as ./name or in a sub-folder of the model folder is read, as transformers reads it", () => {
  for (const spell of [(f: string) => `./${f}`, (f: string) => `shards/${f}`, (f: string) => `./shards/./${f}`, (f: string) => `shards//${f}`]) {
    const dir = tmpDir();
    writeSharded(dir);
    const index = path.join(dir, 'model.safetensors.index.json');
    const j = JSON.parse(fs.readFileSync(index, 'utf8')) as { weight_map: Record<string, string> };
    for (const [tensor, shard] of Object.entries(j.weight_map)) j.weight_map[tensor] = spell(shard);
    fs.writeFileSync(index, JSON.stringify(j));
    if (spell('x').includes('shards')) {
      fs.mkdirSync(path.join(dir, 'shards'));
      for (const f of ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']) fs.renameSync(path.join(dir, f), path.join(dir, 'shards', f));
    }
    const ckpt = SafetensorsCheckpoint.open(dir);
    try {
      assert.deepEqual(ckpt.names().sort(), ['model.a', 'model.b', 'model.c'], spell('x'));
      assert.deepEqual(Array.from(ckpt.readF32('model.b')), [3, 4]);
      assert.deepEqual(Array.from(ckpt.readF32('model.c')), [5, 6]);
    } finally {
      ckpt.close();
    }
  }
});

// transformers 5.17 opens sorted(set(weight_map.values())) as the index spells the names, so './model-00002…' before
// 'model-00001…', and a shard spelled both ways twice (checked with transformers: a Mistral whose
// model.embed_tokens.weight, 1s in shard 1 and 2s in shard 2, loads 1s where shard 2 is named only as './model-00002…',
// and 2s where it is also named 'model-00002…')
test('a tensor two shards hold, in an index that spells its shards two ways (./name and name), is read from the shard transformers opens last', () => {
  const cases: [string, string[], number[]][] = [
    ['./ before the plain name', ['model-00001-of-00002.safetensors', './model-00002-of-00002.safetensors'], [1, 2]],
    ['a shard spelled both ways', ['model-00001-of-00002.safetensors', './model-00002-of-00002.safetensors', 'model-00002-of-00002.safetensors'], [7, 8]],
  ];
  for (const [what, names, want] of cases) {
    const dir = tmpDir();
    writeSharded(dir);
    writeSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), {
      'model.c': { dtype: 'F16', shape: [1, 2], data: f32ToF16([5, 6]) },
      'model.a': { dtype: 'F32', shape: [2], data: f32([7, 8]) }, // also in shard 1
      'model.d': { dtype: 'F32', shape: [1], data: f32([9]) },
    });
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({
      metadata: {},
      weight_map: { 'model.a': names[0], 'model.b': names[0], 'model.c': names[1], 'model.d': names[2] ?? names[1] },
    }));
    const { result: ckpt } = captureStderr(() => SafetensorsCheckpoint.open(dir));
    try {
      assert.deepEqual(Array.from(ckpt.readF32('model.a')), want, what);
      assert.deepEqual(Array.from(ckpt.readF32('model.c')), [5, 6], what);
      assert.deepEqual(Array.from(ckpt.readF32('model.d')), [9], what);
    } finally {
      ckpt.close();
    }
  }
});

// transformers 5.17 refuses it (sharded_metadata = index["metadata"]: KeyError), though nothing in it is needed
test('an index without a "metadata" object is read, with a warning (once) that transformers refuses it', () => {
  const dir = tmpDir();
  writeSharded(dir);
  const index = path.join(dir, 'model.safetensors.index.json');
  const j = JSON.parse(fs.readFileSync(index, 'utf8')) as { metadata?: unknown };
  for (const metadata of [undefined, null, []]) {
    j.metadata = metadata;
    fs.writeFileSync(index, JSON.stringify(j));
    const { result: ckpt, stderr } = captureStderr(() => { SafetensorsCheckpoint.open(dir).close(); return SafetensorsCheckpoint.open(dir); });
    try {
      assert.deepEqual(Array.from(ckpt.readF32('model.c')), [5, 6]);
    } finally {
      ckpt.close();
    }
    if (metadata === undefined) {
      assert.equal(stderr.match(/warning: /g)?.length, 1, stderr);
      assert.match(stderr, new RegExp(`${index.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: has no "metadata" object: read here, but transformers 5\\.17 refuses the folder \\(KeyError: 'metadata'\\); add "metadata": \\{\\} to the index`));
    }
  }
  j.metadata = { total_size: 16 };
  fs.writeFileSync(index, JSON.stringify(j));
  const other = tmpDir();
  fs.cpSync(dir, other, { recursive: true });
  const { stderr } = captureStderr(() => SafetensorsCheckpoint.open(other).close());
  assert.equal(stderr, '', 'an index with its metadata reads without a word');
});

// transformers 5.17 fails on a "metadata" that is there but no object with a TypeError (it sets a key in it), not the
// KeyError of one that is absent: checked with get_checkpoint_shard_files ('NoneType' object does not support item
// assignment; list indices must be integers or slices, not str)
test('an index whose "metadata" is null, a list or a string is read, with a warning naming the TypeError transformers fails with', () => {
  for (const [metadata, shown] of [[null, 'null'], [[], 'a list'], ['x', 'a string']] as [unknown, string][]) {
    const dir = tmpDir();
    writeSharded(dir);
    const index = path.join(dir, 'model.safetensors.index.json');
    const j = JSON.parse(fs.readFileSync(index, 'utf8')) as { metadata?: unknown };
    j.metadata = metadata;
    fs.writeFileSync(index, JSON.stringify(j));
    const { stderr } = captureStderr(() => SafetensorsCheckpoint.open(dir).close());
    assert.equal(stderr.match(/warning: /g)?.length, 1, stderr);
    assert.ok(stderr.includes(`${index}: its "metadata" is ${shown}, not an object: read here, but transformers 5.17 refuses the folder (TypeError); ` +
      'make it "metadata": {} for it to load there'), stderr);
    assert.doesNotMatch(stderr, /KeyError/);
  }
});

test('an index entry for a tensor no shard holds is left out with a warning, as transformers 5.17 loads the folder without it', () => {
  // probed: a random tiny Mistral saved sharded by save_pretrained, its index given one more entry
  // "model.layers.0.self_attn.rotary_emb.inv_freq" (in its first shard, which does not hold it): transformers 5.17's
  // from_pretrained loads it and gives the logits of the folder without the entry; it was refused here ("does not hold it")
  const dir = tmpDir();
  const index = path.join(dir, 'model.safetensors.index.json');
  writeSharded(dir);
  const doc = JSON.parse(fs.readFileSync(index, 'utf8')) as { weight_map: Record<string, string> };
  doc.weight_map['model.layers.0.self_attn.rotary_emb.inv_freq'] = 'model-00001-of-00002.safetensors';
  fs.writeFileSync(index, JSON.stringify(doc));
  const { result: ckpt, stderr } = captureStderr(() => SafetensorsCheckpoint.open(dir));
  try {
    assert.deepEqual(ckpt.names().sort(), ['model.a', 'model.b', 'model.c']);
    assert.deepEqual(Array.from(ckpt.readF32('model.c')), [5, 6]);
    assert.match(stderr, /model\.safetensors\.index\.json: lists 1 tensor that none of its shards holds, e\.g\. "model\.layers\.0\.self_attn\.rotary_emb\.inv_freq" in model-00001-of-00002\.safetensors: left out/);
  } finally {
    ckpt.close();
  }
  // a tensor moved to a shard that does not hold it, its own no longer named: absent, refused where it is read
  writeSharded(dir);
  fs.writeFileSync(index, fs.readFileSync(index, 'utf8').replace('"model.c":"model-00002-of-00002', '"model.c":"model-00001-of-00002'));
  const moved = captureStderr(() => SafetensorsCheckpoint.open(dir)).result;
  try {
    assert.equal(moved.has('model.c'), false);
    throwsNaming(() => moved.readF32('model.c'), `tensor "model.c" not found in the checkpoint: ${index} lists it in model-00001-of-00002.safetensors, which does not hold it`);
  } finally {
    moved.close();
  }
});
