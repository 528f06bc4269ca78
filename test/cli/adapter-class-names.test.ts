// classify and eval with --adapter (no run, no --labels) name the classes as the adapter folder does: its config.json's
// id2label where it has one, else the class list of the card (README.md) saveAdapter writes beside every adapter it
// saves — the one place a PEFT adapter folder has for them. Before, both fell back to the base config.json (LABEL_0 …)
// although the folder named the classes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { saveAdapter } from '../../src/model/peft-save.ts';
import { Rng } from '../../src/util/rng.ts';
import { makeTokenizerModel } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli as inProcess } from './in-process-cli.ts';

const root = tempDir('mt-adapter-names-');
const base = await makeTokenizerModel(path.join(root, 'base'), 5);

/** A SEQ_CLS adapter (LoRA and a 3-class score head) on `base`, saved by saveAdapter with `labels`, and `extra` files written into it. */
function adapterWith(name: string, labels: string[] | undefined, extra: Record<string, string> = {}): string {
  const m = loadModel(base, { backend: createBackend('cpu') });
  createAdapter(m, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false }, new Rng(0), false);
  const w = m.backend.alloc('f32', 3 * m.cfg.hiddenSize);
  m.backend.upload(w, { dtype: 'f32', data: Float32Array.from({ length: 3 * m.cfg.hiddenSize }, (_, i) => Math.sin(i)) });
  m.setScoreHead(w, true);
  const dir = path.join(root, name);
  saveAdapter(m, dir, { taskType: 'SEQ_CLS', baseModel: base, ...(labels ? { labels } : {}) });
  for (const [file, text] of Object.entries(extra)) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

async function classify(adapter: string, ...extra: string[]): Promise<{ keys: string[]; stderr: string }> {
  const r = await inProcess(['classify', '--model', base, '--adapter', adapter, '--text', 'a short text', '--json', ...extra]);
  assert.equal(r.code, 0, r.err);
  return { keys: Object.keys((JSON.parse(r.out) as { probs: Record<string, number> }).probs), stderr: r.err };
}

test('classify --adapter: the class names of the adapter card saveAdapter wrote, without a warning', async () => {
  const r = await classify(adapterWith('card', ['neg', 'neu', 'pos']));
  assert.deepEqual(r.keys, ['neg', 'neu', 'pos']);
  assert.doesNotMatch(r.stderr, /class names are not known/);
});

test('classify --adapter: the adapter folder\'s config.json id2label names the classes; --labels still renames them', async () => {
  const id2label = JSON.stringify({ id2label: { 0: 'World', 1: 'Sports', 2: 'Business' }, label2id: { World: 0, Sports: 1, Business: 2 } });
  const dir = adapterWith('config', undefined, { 'config.json': id2label });
  assert.deepEqual((await classify(dir)).keys, ['World', 'Sports', 'Business']);
  assert.deepEqual((await classify(dir, '--labels', 'a,b,c')).keys, ['a', 'b', 'c']);
});

test('classify --adapter: a card without names (integer classes) gives transformers\' LABEL_i, with the warning', async () => {
  const r = await classify(adapterWith('unnamed', undefined));
  assert.deepEqual(r.keys, ['LABEL_0', 'LABEL_1', 'LABEL_2']);
  assert.match(r.stderr, /class names are not known/);
});

test('eval --adapter: data labelled with the card\'s class names is scored with them', async () => {
  const dir = adapterWith('eval', ['pos', 'neg', 'neu']) // not in sorted order: the data's own order would differ;
  const data = path.join(root, 'named.jsonl');
  fs.writeFileSync(data, [[[1, 5, 9], 'pos'], [[1, 7, 3], 'neg'], [[1, 8], 'neu']].map(([ids, label]) => JSON.stringify({ input_ids: ids, label })).join('\n') + '\n');
  const r = await inProcess(['eval', '--model', base, '--adapter', dir, '--data', data, '--json']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual((JSON.parse(r.out) as { labels: string[] }).labels, ['pos', 'neg', 'neu']);
});

test('classify and eval --adapter: a card whose class list does not fit the head is refused at the card, not blamed on a --labels not given', async () => {
  const dir = adapterWith('edited', ['neg', 'neu', 'pos']);
  const card = path.join(dir, 'README.md');
  fs.writeFileSync(card, fs.readFileSync(card, 'utf8').replace(/^labels = .*$/m, 'labels = ["neg", "pos"]')); // edited by hand
  const data = path.join(root, 'two.jsonl');
  fs.writeFileSync(data, [[[1, 5, 9], 'pos'], [[1, 7, 3], 'neg']].map(([ids, label]) => JSON.stringify({ input_ids: ids, label })).join('\n') + '\n');
  for (const args of [['classify', '--text', 'a short text'], ['eval', '--data', data]]) {
    const r = await inProcess([...args, '--model', base, '--adapter', dir]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /README\.md.*2 class names for a head that scores 3 classes/, r.err); // before: "--labels: 2 class names …"
    assert.doesNotMatch(r.err, /error: --labels:/);
  }
});

/** An adapter saved with the names neg, neu, pos whose card's labels line is replaced by `line` (edited by hand); null: the line removed. */
function editedCard(name: string, line: string | null): { dir: string; card: string; lineNo: number } {
  const dir = adapterWith(name, ['neg', 'neu', 'pos']);
  const card = path.join(dir, 'README.md');
  const lines = fs.readFileSync(card, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith('labels = '));
  assert.ok(at > 0);
  if (line === null) lines.splice(at, 1);
  else lines[at] = line;
  fs.writeFileSync(card, lines.join('\n'));
  return { dir, card, lineNo: at + 1 };
}

test('classify and eval --adapter: a card whose labels line cannot be read is refused at its line, not left for the base model\'s names; --labels is the way out', async () => {
  // before: the line was skipped and the classes named as the base config.json (or LABEL_i) names them, which can mislabel every prediction
  const data = path.join(root, 'three.jsonl');
  fs.writeFileSync(data, [[[1, 5, 9], 'pos'], [[1, 7, 3], 'neg']].map(([ids, label]) => JSON.stringify({ input_ids: ids, label })).join('\n') + '\n');
  for (const [name, line] of [['python', "labels = ['neg', 'neu', 'pos']"], ['bracket', 'labels = ["neg", "neu", "pos"'], ['numbers', 'labels = [0, 1, 2]']] as const) {
    const { dir, card, lineNo } = editedCard(name, line);
    for (const args of [['classify', '--text', 'a short text'], ['eval', '--data', data]]) {
      const r = await inProcess([...args, '--model', base, '--adapter', dir]);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.ok(r.err.includes(`${card}:${lineNo}:`), r.err);
      assert.match(r.err, /--labels/, r.err);
    }
    assert.deepEqual((await classify(dir, '--labels', 'neg,neu,pos')).keys, ['neg', 'neu', 'pos']);
  }
});

test('classify --adapter: a card with no labels line (as HF PEFT writes one) is no error: the classes are named as the base model names them', async () => {
  const { dir } = editedCard('nolines', null);
  const r = await classify(dir);
  assert.deepEqual(r.keys, ['LABEL_0', 'LABEL_1', 'LABEL_2']);
});

test('classify and eval --adapter: a class named twice by the adapter\'s card or config.json id2label is refused at that file', async () => {
  const data = path.join(root, 'twice.jsonl');
  fs.writeFileSync(data, [[[1, 5, 9], 'pos'], [[1, 7, 3], 'neg']].map(([ids, label]) => JSON.stringify({ input_ids: ids, label })).join('\n') + '\n');
  const card = editedCard('twice-card', 'labels = ["neg", "pos", "neg"]');
  const id2label = JSON.stringify({ id2label: { 0: 'neg', 1: 'pos', 2: 'neg' }, label2id: { neg: 2, pos: 1 } });
  const config = adapterWith('twice-config', undefined, { 'config.json': id2label });
  for (const [dir, where] of [[card.dir, card.card], [config, `${path.join(config, 'config.json')}: id2label`]] as const) {
    for (const args of [['classify', '--text', 'a short text'], ['eval', '--data', data]]) {
      const r = await inProcess([...args, '--model', base, '--adapter', dir]);
      assert.equal(r.code, 2, r.err);
      assert.ok(r.err.includes(where), r.err); // before: 'the class list (labels) names the label "neg" twice', no file
      assert.match(r.err, /"neg" twice/, r.err);
    }
  }
});

test('classify and eval --adapter: --labels for a head that the base\'s id2label does not name (another count) are taken, not refused as a reorder of those names', async () => {
  // a 3-row SEQ_CLS adapter over a base whose config.json id2label names 2 classes (transformers builds the 3-row head
  // with LABEL_0 … LABEL_2, as train takes it): without --labels the refusal asks for 3 names, and 3 names not in the
  // base's order were then refused as a swap of the base's 2 ('"b" is class 0 of … (b, a, in index order), not class 2')
  const twoNamed = path.join(root, 'base-two-named');
  fs.cpSync(base, twoNamed, { recursive: true });
  const cfgFile = path.join(twoNamed, 'config.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), id2label: { 0: 'b', 1: 'a' }, label2id: { b: 0, a: 1 } }));
  const dir = adapterWith('over-two-named', undefined);
  const data = path.join(root, 'cab.jsonl');
  fs.writeFileSync(data, [[[1, 5, 9], 'c'], [[1, 7, 3], 'a'], [[1, 8], 'b']].map(([ids, label]) => JSON.stringify({ input_ids: ids, label })).join('\n') + '\n');
  const unnamed = await inProcess(['classify', '--model', twoNamed, '--adapter', dir, '--text', 'a short text']);
  assert.equal(unnamed.code, 2, unnamed.err);
  assert.match(unnamed.err, /2 class names for a head that scores 3 classes: give --labels with 3/, unnamed.err);
  const r = await inProcess(['classify', '--model', twoNamed, '--adapter', dir, '--text', 'a short text', '--json', '--labels', 'c,a,b']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(Object.keys((JSON.parse(r.out) as { probs: Record<string, number> }).probs), ['c', 'a', 'b']);
  const e = await inProcess(['eval', '--model', twoNamed, '--adapter', dir, '--data', data, '--json', '--labels', 'c,a,b']);
  assert.equal(e.code, 0, e.err);
  assert.deepEqual((JSON.parse(e.out) as { labels: string[] }).labels, ['c', 'a', 'b']);
});

test('classify and eval --adapter: --labels in another order than the base\'s id2label that names the head is refused with the way out (the adapter\'s own config.json id2label), which is then taken', async () => {
  // HF's run_classification sorts the data's labels whatever the base's id2label says: its adapter's rows are a, b, c
  // over a base of b, a, c, and PEFT saves no class names. The refusal said 'leave --labels out' (the base's names,
  // each row another class) and not which config.json named them, nor that the adapter's own id2label decides
  const bac = path.join(root, 'base-bac');
  fs.cpSync(base, bac, { recursive: true });
  const cfgFile = path.join(bac, 'config.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), id2label: { 0: 'b', 1: 'a', 2: 'c' }, label2id: { b: 0, a: 1, c: 2 } }));
  const dir = adapterWith('sorted-rows', undefined);
  const data = path.join(root, 'abc.jsonl');
  fs.writeFileSync(data, [[[1, 5, 9], 'a'], [[1, 7, 3], 'b'], [[1, 8], 'c']].map(([ids, label]) => JSON.stringify({ input_ids: ids, label })).join('\n') + '\n');
  for (const args of [['classify', '--text', 'a short text'], ['eval', '--data', data]]) {
    const r = await inProcess([...args, '--model', bac, '--adapter', dir, '--labels', 'a,b,c']);
    assert.equal(r.code, 2, r.err);
    assert.ok(r.err.includes(`"a" is class 1 of the adapter's head (config.json's id2label of ${bac}, as ${dir} names none: `), r.err);
    assert.match(r.err, /names them in its own config\.json id2label\) \(b, a, c, in index order\)/, r.err);
  }
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ id2label: { 0: 'a', 1: 'b', 2: 'c' }, label2id: { a: 0, b: 1, c: 2 } }));
  const r = await inProcess(['classify', '--model', bac, '--adapter', dir, '--text', 'a short text', '--json', '--labels', 'a,b,c']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(Object.keys((JSON.parse(r.out) as { probs: Record<string, number> }).probs), ['a', 'b', 'c']);
  const e = await inProcess(['eval', '--model', bac, '--adapter', dir, '--data', data, '--json']);
  assert.equal(e.code, 0, e.err);
  assert.deepEqual((JSON.parse(e.out) as { labels: string[] }).labels, ['a', 'b', 'c']);
});

test('classify and eval --adapter: a SEQ_CLS adapter without a head of its own over a classification model is refused a --labels reorder as the model\'s classes, not as an adapter head the base names', async () => {
  // the model's score head scores the classes (the adapter's file holds none): its config.json id2label names its rows,
  // and the way out of an adapter head of another order (its own config.json id2label) is no way out here
  const cls = await makeTokenizerModel(path.join(root, 'classifier-bac'), 5, { classes: 3 });
  const clsConfig = path.join(cls, 'config.json');
  fs.writeFileSync(clsConfig, JSON.stringify({ ...JSON.parse(fs.readFileSync(clsConfig, 'utf8')), id2label: { 0: 'b', 1: 'a', 2: 'c' }, label2id: { b: 0, a: 1, c: 2 } }));
  const m = loadModel(cls, { backend: createBackend('cpu') });
  createAdapter(m, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false }, new Rng(0), false);
  const dir = path.join(root, 'headless-seq-cls');
  saveAdapter(m, dir, { taskType: 'CAUSAL_LM', baseModel: cls });
  const cfgFile = path.join(dir, 'adapter_config.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), task_type: 'SEQ_CLS' }));
  const data = path.join(root, 'abc-headless.jsonl');
  fs.writeFileSync(data, [[[1, 5, 9], 'a'], [[1, 7, 3], 'b'], [[1, 8], 'c']].map(([ids, label]) => JSON.stringify({ input_ids: ids, label })).join('\n') + '\n');
  for (const args of [['classify', '--text', 'a short text'], ['eval', '--data', data]]) {
    const r = await inProcess([...args, '--model', cls, '--adapter', dir, '--labels', 'a,b,c']);
    assert.equal(r.code, 2, r.err);
    assert.ok(r.err.includes('"a" is class 1 of the classes of config.json\'s id2label (b, a, c, in index order), not class 0'), r.err);
  }
});
