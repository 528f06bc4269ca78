// The special token ids of a GGUF export as llama.cpp's convert_hf_to_gguf.py picks them (special-ids.ts): which of
// tokenizer_config.json, the post-processor and config.json wins for each id, on the folders of special-id-cases.ts
// (whose `convert` ids gguf-py's SpecialVocab gave: scripts/hf-check/gguf-special-ids.ts), and what the file adds
// where convert gives none (the tokenizer's own ids, stop ids beyond the EOS).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { configTokenIds, convertSpecialIds, SPECIAL_ID_KEYS, type SpecialKind } from '../../src/export/gguf/special-ids.ts';
import { modelTokenizer } from '../../src/export/gguf/tokenizer.ts';
import { loadConfig } from '../../src/model/config.ts';
import { addedTokensAsLoaded } from '../../src/tokenizer/load.ts';
import { readFolderTokenizerConfig } from '../../src/tokenizer/tokenizer-config.ts';
import { readTokenizerJson } from '../../src/tokenizer/tokenizer-json.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { SPECIAL_ID_CASES, writeCaseFolder } from './special-id-cases.ts';

const root = tempDir('mt-gguf-special-');
const folders = SPECIAL_ID_CASES.map((c) => writeCaseFolder(c, root));

for (const [i, c] of SPECIAL_ID_CASES.entries()) {
  test(`special ids, ${c.name}: convert_hf_to_gguf.py's, and the file's`, () => {
    const dir = folders[i]!;
    const config = readFolderTokenizerConfig(dir);
    const json = addedTokensAsLoaded(readTokenizerJson(path.join(dir, 'tokenizer.json')), config, dir);
    const cfg = loadConfig(dir);
    assert.deepEqual(Object.fromEntries(convertSpecialIds(json, config.source === 'none' ? null : config.raw, configTokenIds(cfg, path.join(dir, 'config.json')))), c.convert);
    const m = captureStderr(() => modelTokenizer({ cfg }, dir)).result;
    const written = Object.fromEntries((Object.entries(SPECIAL_ID_KEYS) as Array<[SpecialKind, string]>).flatMap(([k, key]) => (m.has(key) ? [[k, m.get(key)!.value]] : [])));
    assert.deepEqual(written, c.gguf);
  });
}
