// A model folder's file that is a symbolic link to nothing — a Hugging Face cache snapshot copied with `cp -r`, whose
// files are links to ../../blobs/HASH — is an error naming the link and its target wherever the folder's files are
// looked for, not read as no such file (the bundled tokenizer, no chat template, no generation defaults, or "neither
// model.safetensors nor its index", each without a word of the link).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { readFolderTokenizerConfig } from '../../src/tokenizer/tokenizer-config.ts';
import { loadConfig } from '../../src/model/config.ts';
import { readGenerationConfig } from '../../src/model/generation-config.ts';
import { SafetensorsCheckpoint } from '../../src/model/safetensors-checkpoint.ts';
import { writeTokenizerFiles } from '../../src/model/save-tokenizer.ts';
import { fileIsThere } from '../../src/util/file-is-there.ts';
import { validate } from '../../src/train/config.ts';
import { setupRun } from '../../src/train/setup.ts';
import { isUserError } from '../../src/util/errors.ts';
import { TINY_BASE } from '../helpers.ts';
import { BUNDLED_TOKENIZER_DIR } from '../../src/tokenizer/load.ts';
import { tempDir } from '../temp-dir.ts';

const BLOB = '../../blobs/3c1226840e021d02fc5bcb096b468c3c8d256da4'; // as the hub cache links a snapshot's file

/** A copy of the tiny base folder whose `name` is a link to a blob that is not there. */
function withDanglingLink(name: string): { dir: string; link: string } {
  const dir = path.join(tempDir('mt-dangling-'), 'snapshot');
  fs.mkdirSync(dir);
  for (const f of fs.readdirSync(TINY_BASE)) fs.copyFileSync(path.join(TINY_BASE, f), path.join(dir, f));
  const link = path.join(dir, name);
  fs.rmSync(link, { force: true });
  fs.symlinkSync(BLOB, link);
  return { dir, link };
}

function refusesLink(read: () => unknown, link: string): void {
  assert.throws(read, (e: unknown) => {
    assert.ok(isUserError(e), `expected a UserError, got ${String(e)}`);
    assert.equal((e as Error).message, `${link}: a symbolic link to ${BLOB}, which does not exist (a file of a Hugging Face cache snapshot ` +
      'copied without its blob: copy the snapshot with cp -rL, which copies what the links point to)');
    return true;
  });
}

test('a dangling config.json, tokenizer.json, tokenizer_config.json, chat_template.jinja, generation_config.json or weights file is named, not taken for none', () => {
  const tokenizer = withDanglingLink('tokenizer.json');
  refusesLink(() => loadTokenizer(tokenizer.dir), tokenizer.link); // was: the bundled tokenizer
  const config = withDanglingLink('tokenizer_config.json');
  refusesLink(() => readFolderTokenizerConfig(config.dir), config.link); // was: no special tokens, no chat template
  const template = withDanglingLink('chat_template.jinja');
  refusesLink(() => readFolderTokenizerConfig(template.dir), template.link);
  const generation = withDanglingLink('generation_config.json');
  refusesLink(() => readGenerationConfig(generation.dir), generation.link); // was: no defaults, no extra stop ids
  const modelConfig = withDanglingLink('config.json');
  refusesLink(() => loadConfig(modelConfig.dir), modelConfig.link); // was: 'model config not found'
  const weights = withDanglingLink('model.safetensors');
  refusesLink(() => SafetensorsCheckpoint.open(weights.dir), weights.link); // was: 'neither model.safetensors nor …index.json'
  const index = withDanglingLink('model.safetensors.index.json');
  fs.rmSync(path.join(index.dir, 'model.safetensors'));
  refusesLink(() => SafetensorsCheckpoint.open(index.dir), index.link);
  // a merged export copies the base's tokenizer files: special_tokens_map.json was left out of the copy
  const special = withDanglingLink('special_tokens_map.json');
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), path.join(special.dir, 'tokenizer.json'));
  const out = tempDir('mt-dangling-out-');
  refusesLink(() => writeTokenizerFiles(out, { sourceDir: special.dir, vocabSize: 0, padTokenId: null }), special.link);
});

test('fileIsThere: a file or folder is there, nothing is not, and a link to another name that is not a blob is named without the hub hint', () => {
  const dir = tempDir('mt-there-');
  fs.writeFileSync(path.join(dir, 'a'), '');
  assert.equal(fileIsThere(path.join(dir, 'a')), true);
  assert.equal(fileIsThere(dir), true);
  assert.equal(fileIsThere(path.join(dir, 'none')), false);
  fs.symlinkSync('a', path.join(dir, 'to-a'));
  assert.equal(fileIsThere(path.join(dir, 'to-a')), true);
  fs.symlinkSync('gone.json', path.join(dir, 'to-gone'));
  assert.throws(() => fileIsThere(path.join(dir, 'to-gone')), { message: `${path.join(dir, 'to-gone')}: a symbolic link to gone.json, which does not exist` });
});

test('a loop of symbolic links in a model folder (tokenizer.json → itself, generation_config.json → a → b → a) is named, not taken for no file', () => {
  const loop = (name: string, via: string[] = []): { dir: string; link: string } => {
    const { dir, link } = withDanglingLink(name);
    fs.rmSync(link);
    const chain = [name, ...via];
    chain.forEach((from, i) => fs.symlinkSync(chain[(i + 1) % chain.length]!, path.join(dir, from)));
    return { dir, link };
  };
  const refusesLoop = (read: () => unknown, link: string): void => {
    assert.throws(read, { message: `${link}: a loop of symbolic links (it leads back to itself, not to a file): replace it with the file, or a link to it` });
  };
  const tokenizer = loop('tokenizer.json');
  refusesLoop(() => loadTokenizer(tokenizer.dir), tokenizer.link); // was: "has no tokenizer.json", the bundled tokenizer
  const generation = loop('generation_config.json', ['a', 'b']);
  refusesLoop(() => readGenerationConfig(generation.dir), generation.link); // was: no defaults, no extra stop ids, unsaid
  const template = loop('chat_template.jinja');
  refusesLoop(() => readFolderTokenizerConfig(template.dir), template.link); // was: tokenizer_config.json's template
});

test('a weights file that is a link to nothing beside the other weights file (a good index and shards, or a good model.safetensors) is no file, as transformers takes it: the other is read, with a warning naming the link', () => {
  const SHARDED = path.join(import.meta.dirname, '..', 'fixtures', 'variants', 'sharded');
  const said: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => { said.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    const sharded = path.join(tempDir('mt-dangling-single-'), 'snapshot');
    fs.mkdirSync(sharded);
    for (const f of fs.readdirSync(SHARDED)) fs.copyFileSync(path.join(SHARDED, f), path.join(sharded, f));
    fs.symlinkSync(BLOB, path.join(sharded, 'model.safetensors'));
    const fromShards = SafetensorsCheckpoint.open(sharded);
    assert.ok(fromShards.names().length > 0);
    fromShards.close();
    const single = withDanglingLink('model.safetensors.index.json');
    const fromSingle = SafetensorsCheckpoint.open(single.dir);
    assert.ok(fromSingle.names().length > 0);
    fromSingle.close();
  } finally {
    process.stderr.write = write;
  }
  assert.equal(said.length, 2, said.join(''));
  assert.match(said[0]!, /snapshot\/model\.safetensors: a symbolic link to \.\.\/\.\.\/blobs\/\w+, which does not exist .*; the other weights file beside it is read, as transformers reads it\n$/);
  assert.match(said[1]!, /snapshot\/model\.safetensors\.index\.json: a symbolic link to /);
});

test('full fine-tuning refuses a tokenizer file that is a link to nothing before it trains, not at its first save of model/ or best/ after the steps', () => {
  const special = withDanglingLink('special_tokens_map.json');
  const data = path.join(tempDir('mt-dangling-full-'), 'train.jsonl');
  fs.writeFileSync(data, JSON.stringify({ input_ids: [1, 5, 9, 12] }) + '\n');
  const cfg = validate({ model: special.dir, method: 'full', data: { train: data }, output_dir: path.join(path.dirname(data), 'run') }, 'test');
  refusesLink(() => setupRun(cfg).backend.close?.(), special.link);
});
