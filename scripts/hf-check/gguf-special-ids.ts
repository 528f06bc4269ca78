// A check of the GGUF special token ids against llama.cpp's convert_hf_to_gguf.py: writes the folders of
// test/export/special-id-cases.ts, runs gguf-py's SpecialVocab on them (gguf_special_ids.py) and prints, per folder,
// whether it gives the ids the cases say (`convert`) and whether our convertSpecialIds (special-ids.ts) gives them too.
// Not part of the product. From the project root (LLAMA: a llama.cpp tree, e.g. node-llama-cpp's bundle cloned):
//   node --import tsx scripts/hf-check/gguf-special-ids.ts LLAMA OUT_DIR [PYTHON]
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { configTokenIds, convertSpecialIds, listedAddedTokens } from '../../src/export/gguf/special-ids.ts';
import { addedTokensAsLoaded } from '../../src/tokenizer/load.ts';
import { readFolderTokenizerConfig } from '../../src/tokenizer/tokenizer-config.ts';
import { readTokenizerJson } from '../../src/tokenizer/tokenizer-json.ts';
import { loadConfig } from '../../src/model/config.ts';
import { SPECIAL_ID_CASES, writeCaseFolder } from '../../test/export/special-id-cases.ts';

const [llama, outArg, python = 'python3'] = process.argv.slice(2);
if (llama === undefined || outArg === undefined) {
  console.error('usage: gguf-special-ids.ts LLAMA OUT_DIR [PYTHON]');
  process.exit(2);
}
const out = path.resolve(outArg);
const dirs = SPECIAL_ID_CASES.map((c) => writeCaseFolder(c, out));
const reference = JSON.parse(execFileSync(python, [path.join(import.meta.dirname, 'gguf_special_ids.py'), llama, out], { encoding: 'utf8' })) as Record<string, Record<string, number>>;
const sorted = (o: Record<string, number | undefined>): string => JSON.stringify(Object.fromEntries(Object.entries(o).filter(([k]) => ['bos', 'eos', 'unk', 'pad', 'eot', 'eom'].includes(k)).sort()));
let bad = 0;
SPECIAL_ID_CASES.forEach((c, i) => {
  const dir = dirs[i]!;
  const config = readFolderTokenizerConfig(dir);
  const read = readTokenizerJson(path.join(dir, 'tokenizer.json'));
  const json = listedAddedTokens(addedTokensAsLoaded(read, config, dir), read, config.raw);
  const ours = Object.fromEntries(convertSpecialIds(json, config.source === 'none' ? null : config.raw, configTokenIds(loadConfig(dir))));
  const ref = sorted(reference[c.name]!), said = sorted(c.convert), got = sorted(ours);
  const ok = ref === said && got === said;
  if (!ok) bad++;
  console.log(`${ok ? 'same' : 'DIFF'} ${c.name}: SpecialVocab ${ref}, the case ${said}, convertSpecialIds ${got}`);
});
process.exit(bad > 0 ? 1 : 0);
