// The GGUF export over scripts/hf-check/config_matrix.py's cases (real checkpoints' config shapes, saved by transformers
// 5.17 in float32/float16/bfloat16), checked by llama.cpp (node-llama-cpp 3.21.1's prebuilt binary, test/export/llama-cpp.ts).
// Not part of the product or the tests. For each case OUT_DIR/<case>/{model,exp-adapter}: the base and the adapter merged
// at every --quant, loaded by llama.cpp, next-token logits against our CPU forward (max |Δ| / max |ours| and cosine over
// the three PROMPT_TEXTS, after BOS); the metadata llama.cpp reads and its tokenization of a few strings (f32 base); the
// adapter alone as a GGUF LoRA (f32) applied by llama.cpp over the base f32 file. A refusal prints its one-line error.
// A sliding-window case's prompts are cut to its window (llama.context_length): llama.cpp's llama architecture runs full
// attention, which equals the window's up to its length and differs past it (by design: the export says so).
// From the project root, after `python3 scripts/hf-check/config_matrix.py OUT_DIR`:
//   node --import tsx scripts/hf-check/gguf-matrix.ts OUT_DIR GGUF_DIR [CASE...]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { createBackend } from '../../src/backend/select.ts';
import { exportGgufFile } from '../../src/export/gguf/export-file.ts';
import { ggufContextLength } from '../../src/export/gguf/metadata.ts';
import { GGUF_QUANTS } from '../../src/export/gguf/quant-choices.ts';
import { loadConfig } from '../../src/model/config.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { compare, llama, llamaLogProbs, ourLogProbs, PROMPT_TEXTS } from '../../test/export/llama-cpp.ts';

const [root, out, ...only] = process.argv.slice(2) as [string, string, ...string[]];
if (!llama) throw new Error('llama.cpp (node-llama-cpp) does not load here');
const backend = createBackend('cpu');
const STRINGS = ['Hello world', ' leading space', '[INST] hi [/INST]', 'Здравствуй 你好 🙂', 'a</s>b<unk>c', ''];
const firstLine = (e: unknown): string => (e as Error).message.split('\n')[0]!;

for (const c of fs.readdirSync(root).filter((c) => fs.existsSync(path.join(root, c, 'model')) && (only.length === 0 || only.includes(c)))) {
  const dir = path.join(root, c, 'model'), adapter = path.join(root, c, 'exp-adapter'), o = path.join(out, c);
  fs.mkdirSync(o, { recursive: true });
  const tok = loadTokenizer(dir);
  let prompts = PROMPT_TEXTS.map((t) => [1, ...tok.encode(t)]);
  let base: Float64Array[], merged: Float64Array[];
  try {
    const m = loadModel(dir, { backend });
    prompts = prompts.map((p) => p.slice(0, ggufContextLength(loadConfig(dir))));
    base = ourLogProbs(m, prompts);
    loadAdapter(m, adapter, { trainable: false });
    merged = ourLogProbs(m, prompts);
  } catch (e) {
    console.log(`${c} | our model | ${firstLine(e)}`);
  }
  let refused = false; // the base at f32 refused: every other export is too (the refusals are the config's)
  for (const withAdapter of [false, true]) {
    for (const quant of GGUF_QUANTS) {
      if (refused) break;
      const what = `${withAdapter ? 'merged' : 'base'} ${quant}`, file = path.join(o, `${withAdapter ? 'merged' : 'base'}-${quant}.gguf`);
      fs.rmSync(file, { force: true });
      try {
        const r = exportGgufFile({ model: dir, adapter: withAdapter ? adapter : null, out: file, quant, backend });
        const types = [...new Set(Object.entries(r.types).filter(([n]) => !n.endsWith('norm.weight')).map(([, t]) => t))].join('/');
        const { rel, cos } = compare((await llamaLogProbs(file, prompts)).lp, withAdapter ? merged! : base!);
        console.log(`${c} | ${what} | loads | rel ${rel.toExponential(2)} cos ${cos.toFixed(5)} | ${types}`);
      } catch (e) {
        console.log(`${c} | ${what} | ${firstLine(e)}`);
        refused = !withAdapter && quant === 'f32';
        continue;
      }
      if (quant !== 'f32' || withAdapter) continue;
      const md = (await readGgufFileInfo(file, { logWarnings: false })).metadata as unknown as Record<string, Record<string, unknown>>;
      const key = (k: string): unknown => k.split('.').reduce<unknown>((v, p) => (v as Record<string, unknown> | undefined)?.[p], md);
      console.log(`  metadata: ${['llama.context_length', 'llama.rope.freq_base', 'llama.attention.head_count', 'llama.attention.head_count_kv', 'llama.attention.key_length',
        'llama.attention.value_length', 'llama.rope.dimension_count', 'tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.unknown_token_id',
        'tokenizer.ggml.padding_token_id', 'tokenizer.ggml.add_bos_token'].map((k) => `${k.split('.').slice(-1)[0]} ${String(key(k))}`).join(', ')}, chat_template ${key('tokenizer.chat_template') ? 'yes' : 'no'}`);
      const lm = await llama.loadModel({ modelPath: file });
      const differ = STRINGS.filter((s) => JSON.stringify(lm.tokenize(s, true)) !== JSON.stringify(tok.encode(s)));
      await lm.dispose();
      console.log(`  tokenization: ${differ.length === 0 ? `${STRINGS.length} strings as ours` : `DIFFERS on ${JSON.stringify(differ)}`}`);
    }
  }
  const lora = path.join(o, 'adapter-f32.gguf');
  fs.rmSync(lora, { force: true });
  try {
    exportGgufFile({ model: dir, adapter, out: lora, format: 'gguf-lora', quant: 'f32' });
    const { rel } = compare((await llamaLogProbs(path.join(o, 'base-f32.gguf'), prompts, 0, lora)).lp, merged!);
    console.log(`${c} | gguf-lora f32 over base f32 | loads | rel ${rel.toExponential(2)} (the adapter moves ours by ${compare(merged!, base!).rel.toExponential(2)})`);
  } catch (e) {
    console.log(`${c} | gguf-lora f32 | ${firstLine(e)}`);
  }
}
