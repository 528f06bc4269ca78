// A model folder not found that is a Hugging Face Hub id as written: every command (loadConfig, which generate, eval,
// classify and export reach; train's model key) names the snapshot folder where huggingface_hub's cache holds the
// model, found as huggingface_hub finds its cache (HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME), else where to get it; the
// cache's own models--OWNER--NAME folder given as the model points to its snapshot. Nothing is downloaded.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/model/config.ts';
import { hubCacheDir, missingModelHint } from '../../src/model/missing-model.ts';
import { checkConfigPaths } from '../../src/train/config-paths.ts';
import { loadTrainConfig, validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('mt-missing-model-');

test("the cache folder is huggingface_hub's: HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub", () => {
  const home = os.homedir();
  assert.equal(hubCacheDir({}), path.join(home, '.cache', 'huggingface', 'hub'));
  assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/huggingface/hub');
  assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/x', HF_HOME: '~/hf' }), path.join(home, 'hf', 'hub'));
  assert.equal(hubCacheDir({ HF_HOME: '/h', HUGGINGFACE_HUB_CACHE: '/legacy' }), '/legacy');
  assert.equal(hubCacheDir({ HF_HOME: '/h', HUGGINGFACE_HUB_CACHE: '/legacy', HF_HUB_CACHE: '/c' }), '/c');
});

test('a Hub id given as the model: the cache\'s snapshot of it is named where the cache holds it, else where to get it; the cache\'s repo folder points to its snapshot', () => {
  // before: "mistralai/Mistral-7B-v0.1: model folder not found" from generate and eval, without a word of the cache
  const cache = path.join(dir, 'cache'), work = path.join(dir, 'work');
  const repo = path.join(cache, 'models--mistralai--Mistral-7B-v0.1');
  fs.mkdirSync(work, { recursive: true });
  const model = path.join(work, 'mistralai', 'Mistral-7B-v0.1');
  const saved = process.env.HF_HUB_CACHE, cwd = process.cwd();
  process.env.HF_HUB_CACHE = cache;
  process.chdir(work); // mistralai/Mistral-7B-v0.1 written from there
  try {
    const download = 'if mistralai/Mistral-7B-v0.1 is a Hugging Face Hub id, download its files from https://huggingface.co/mistralai/Mistral-7B-v0.1 into a folder and give that folder';
    assert.throws(() => loadConfig(model), { name: 'UserError', message: `${model}: model folder not found (${download})` });
    const snapshot = (rev: string): string => {
      const s = path.join(repo, 'snapshots', rev);
      fs.mkdirSync(s, { recursive: true });
      fs.writeFileSync(path.join(s, 'config.json'), '{}');
      return s;
    };
    fs.mkdirSync(path.join(repo, 'snapshots', 'cut-short'), { recursive: true }); // no config.json: not one to give
    assert.throws(() => loadConfig(model), { message: `${model}: model folder not found (${download})` });
    const a = snapshot('a1'), b = snapshot('b2');
    assert.throws(() => loadConfig(model), { message: `${model}: model folder not found (the Hugging Face cache holds 2 revisions of mistralai/Mistral-7B-v0.1 and no refs/main among them: give one snapshot folder, such as ${a})` });
    fs.mkdirSync(path.join(repo, 'refs'));
    fs.writeFileSync(path.join(repo, 'refs', 'main'), 'b2');
    assert.throws(() => loadConfig(model), { message: `${model}: model folder not found (the Hugging Face cache holds mistralai/Mistral-7B-v0.1: give its snapshot folder, ${b})` });
    // the cache's repo folder itself, which holds no config.json: its snapshot
    assert.throws(() => loadConfig(repo), { message: `${path.join(repo, 'config.json')}: model config not found (a model folder needs config.json): ${repo} is huggingface_hub's cache folder of the model, not the model folder: the Hugging Face cache holds mistralai/Mistral-7B-v0.1: give its snapshot folder, ${b}` });
  } finally {
    process.chdir(cwd);
    if (saved === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = saved;
  }
});

test("a path from the root (the README's /models/Mistral-7B-v0.1) is no Hub id: no Hub page or cache is named for it", () => {
  // before: "if models/Mistral-7B-v0.1 is a Hugging Face Hub id, download its files from https://huggingface.co/models/Mistral-7B-v0.1 …"
  const missing = path.join(path.parse(process.cwd()).root, 'mt-no-such-models-folder', 'Mistral-7B-v0.1');
  assert.equal(fs.existsSync(path.dirname(missing)), false);
  assert.throws(() => loadConfig(missing), { name: 'UserError', message: `${missing}: model folder not found` });
});

test('a relative path of more than OWNER/NAME (../nope/model, a/b/c) is no Hub id: no Hub page is named for it; nope/model is', () => {
  // before: "../nope/model: model folder not found (if nope/model is a Hugging Face Hub id, download its files from …)"
  const work = path.join(dir, 'relative-work', 'here');
  fs.mkdirSync(work, { recursive: true });
  const cwd = process.cwd();
  process.chdir(work);
  try {
    for (const written of ['../nope/model', path.join('a', 'b', 'c')]) {
      assert.throws(() => loadConfig(written), { name: 'UserError', message: `${written}: model folder not found` }, written);
    }
    assert.throws(() => loadConfig('nope/model'), { name: 'UserError', message: /^nope\/model: model folder not found \(if nope\/model is a Hugging Face Hub id, download its files from https:\/\/huggingface\.co\/nope\/model/ });
  } finally {
    process.chdir(cwd);
  }
});

test('an absolute path deep in folders (/home/me/models/Mistral-7B-v0.1) is no Hub id; OWNER/NAME in a config file\'s folder is', () => {
  // before: "…/models/Mistral-7B-v0.1: model folder not found (if models/Mistral-7B-v0.1 is a Hugging Face Hub id, download its files from …)"
  const home = path.join(dir, 'deep', 'home');
  fs.mkdirSync(home, { recursive: true });
  const missing = path.join(home, 'models', 'Mistral-7B-v0.1');
  assert.throws(() => loadConfig(missing), { name: 'UserError', message: `${missing}: model folder not found` });
  assert.equal(missingModelHint(missing), '');
  // `model: models/Mistral-7B-v0.1` in a config in `home`, read from elsewhere: the Hub id as written there
  assert.match(missingModelHint(missing, [path.join(home, 'train.yaml', '..'), process.cwd()]), /^if models\/Mistral-7B-v0\.1 is a Hugging Face Hub id/);
  const cfg = validate({ model: missing, data: { train: path.join(home, 'train.jsonl') }, output_dir: path.join(home, 'run') }, 'test');
  assert.throws(() => checkConfigPaths(cfg, undefined, ['model'], path.join(home, 'train.yaml')), { message: /^model: .*Mistral-7B-v0\.1: model folder not found \(set model; if models\/Mistral-7B-v0\.1 is a Hugging Face Hub id/ });
  assert.throws(() => checkConfigPaths(cfg, undefined, ['model'], path.join(dir, 'train.yaml')), { message: /^model: .*Mistral-7B-v0\.1: model folder not found \(set model\)$/ });
  // a library train() of a config object, whose file is not known: the path as written, never a Hub id, as the CLI says it
  // (was "… (set model; if models/Mistral-7B-v0.1 is a Hugging Face Hub id, download its files from …)")
  assert.throws(() => train(cfg), { name: 'UserError', message: `model: ${missing}: model folder not found (set model)` });
  // one read by loadTrainConfig keeps its file: `model: models/Mistral-7B-v0.1` there is the Hub id as written
  fs.writeFileSync(path.join(home, 'train.yaml'), `model: models/Mistral-7B-v0.1\ndata: {train: train.jsonl}\noutput_dir: run\n`);
  assert.throws(() => train(loadTrainConfig(path.join(home, 'train.yaml'))), { message: /^model: .*Mistral-7B-v0\.1: model folder not found \(set model; if models\/Mistral-7B-v0\.1 is a Hugging Face Hub id/ });
  assert.ok(!fs.existsSync(path.join(home, 'run')), 'no run folder left behind');
});
