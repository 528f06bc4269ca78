// config.json has one reader (config-json.ts): a command that needs its config, its tokenizer's class and its family
// parses it once, and parses it again only when its bytes change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/model/config.ts';
import { familyOfFolder } from '../../src/model/family.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { tempDir } from '../temp-dir.ts';

const TINY_MODEL = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'mistral-tune-tiny');

/** A model folder with the bundled tiny model's config and tokenizer files (no weights: nothing here reads them). */
function modelFolder(): string {
  const dir = tempDir('config-json-');
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json']) fs.copyFileSync(path.join(TINY_MODEL, f), path.join(dir, f));
  return dir;
}

/** How many times `run` calls JSON.parse on `text`. */
function parsesOf(text: string, run: () => void): number {
  const parse = JSON.parse;
  let n = 0;
  JSON.parse = ((s: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    if (s === text) n++;
    return parse(s, reviver);
  }) as typeof JSON.parse;
  try {
    run();
  } finally {
    JSON.parse = parse;
  }
  return n;
}

test('a model folder\'s config.json is parsed once by its config, tokenizer and family readers', () => {
  const dir = modelFolder();
  const text = fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
  const n = parsesOf(text, () => {
    loadConfig(dir);
    loadTokenizer(dir);
    familyOfFolder(dir);
    loadConfig(dir);
  });
  assert.equal(n, 1);
});

test('a config.json rewritten with other bytes (same size, same second) is read again', () => {
  const dir = modelFolder();
  const file = path.join(dir, 'config.json');
  const text = fs.readFileSync(file, 'utf8');
  assert.equal(loadConfig(dir).vocabSize, 32000);
  fs.writeFileSync(file, text.replace('"vocab_size": 32000', '"vocab_size": 32001'));
  assert.equal(loadConfig(dir).vocabSize, 32001);
});

test('the parses kept are those of the last few config.json files read: a process that reads many keeps no more', () => {
  const dirs = Array.from({ length: 6 }, (_, i) => {
    const dir = modelFolder();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"vocab_size": 32000', `"vocab_size": ${32000 + i}`));
    return dir;
  });
  const text = (i: number): string => fs.readFileSync(path.join(dirs[i]!, 'config.json'), 'utf8');
  assert.equal(parsesOf(text(0), () => loadConfig(dirs[0]!)), 1);
  // read again while others are read: kept (the most recent are)
  assert.equal(parsesOf(text(0), () => dirs.slice(1, 4).forEach((d) => { loadConfig(d); loadConfig(dirs[0]!); })), 0);
  // before: 0 (every file's bytes and value were kept for the whole process)
  assert.equal(parsesOf(text(0), () => { dirs.slice(1).forEach((d) => loadConfig(d)); loadConfig(dirs[0]!); }), 1);
});
