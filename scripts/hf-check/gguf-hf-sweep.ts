// GGUF export against HF transformers itself (not our forward): model folders saved by transformers with varied
// configs (and PEFT adapters), their logits computed there (gguf_hf_sweep_models_*.py → DIR/ref.json); each exported at every --quant,
// loaded by llama.cpp (node-llama-cpp), next-token logits compared (max |Δ| / max |HF|, cosine), tokenization of a few
// strings with special tokens against HF's, metadata printed; adapters as gguf-lora over the f32 base and merged.
//   python scripts/hf-check/gguf_hf_sweep_models_{a,b,c}.py DIR (or gguf_hf_sweep_random.py DIR SEED N); [QUANTS=f32,q8_0] node --import tsx scripts/hf-check/gguf-hf-sweep.ts DIR [CASE...]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GgmlType, readGgufFileInfo } from 'node-llama-cpp';
import { exportGgufFile } from '../../src/export/gguf/export-file.ts';
import { GGUF_QUANTS, type GgufQuant } from '../../src/export/gguf/quant-choices.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { backend, tmp } from '../../test/export/gguf-models.ts';
import { center, compare, llama, llamaLogProbs, ourLogProbs } from '../../test/export/llama-cpp.ts';

const dir = process.argv[2]!;
const only = process.argv.slice(3);
const ref = JSON.parse(fs.readFileSync(path.join(dir, 'ref.json'), 'utf8')) as { prompts: number[][]; ref: Record<string, unknown> };
const P = ref.prompts;
const hf = (k: string): Float64Array[] => (ref.ref[k] as number[][]).map((x) => center(x));
const quants = (process.env.QUANTS?.split(',') ?? GGUF_QUANTS) as GgufQuant[];
const err = (e: unknown): string => (e as Error).message.split('\n')[0]!;

async function meta(file: string): Promise<string> {
  const info = await readGgufFileInfo(file, { logWarnings: false });
  const md = info.metadata as unknown as Record<string, Record<string, unknown>>;
  const l = md.llama as Record<string, unknown>;
  const t = (md.tokenizer as Record<string, Record<string, unknown>>)?.ggml;
  const pick = (o: Record<string, unknown> | undefined, ks: string[]): string => ks.map((k) => `${k}=${JSON.stringify(o?.[k])}`).join(' ');
  return `${pick(l, ['context_length', 'embedding_length', 'rope', 'attention'])} tok: ${pick(t, ['model', 'bos_token_id', 'eos_token_id', 'padding_token_id', 'unknown_token_id', 'add_bos_token', 'add_eos_token', 'eot_token_id'])} ntok=${(t?.tokens as unknown[])?.length} tmpl=${JSON.stringify((md.tokenizer as Record<string, unknown>)?.chat_template)?.slice(0, 60)}`;
}

async function tokCheck(file: string, name: string): Promise<string> {
  const cases = ref.ref[`${name}:tok`] as Array<[string, number[]]>;
  const model = await llama!.loadModel({ modelPath: file });
  const bad: string[] = [];
  try {
    for (const [s, ids] of cases) {
      const got = [...model.tokenize(s, true)];
      const hfIds = ids[0] === 1 ? ids.slice(1) : ids; // llama.cpp's tokenize adds no BOS
      if (JSON.stringify(got) !== JSON.stringify(hfIds)) bad.push(`${JSON.stringify(s)}: llama ${JSON.stringify(got)} hf ${JSON.stringify(ids)}`);
    }
  } finally {
    await model.dispose();
  }
  return bad.length ? `TOKENS DIFFER:\n    ${bad.join('\n    ')}` : `tokens same (${cases.length})`;
}

const models = Object.keys(ref.ref).filter((k) => !k.includes(':') && !k.includes('+'));
for (const name of models) {
  if (only.length && !only.includes(name)) continue;
  const mdir = path.join(dir, name);
  const want = hf(name);
  try {
    const ours = ourLogProbs(loadModel(mdir, { backend }), P);
    console.log(`${name}: ours vs HF rel ${compare(ours, want).rel.toExponential(2)}`);
  } catch (e) { console.log(`${name}: ours fails: ${err(e)}`); }
  const base = path.join(tmp, `${name}-f32.gguf`);
  for (const quant of quants) {
    const file = quant === 'f32' ? base : path.join(tmp, `${name}-${quant}.gguf`);
    try {
      exportGgufFile({ model: mdir, out: file, quant, backend });
    } catch (e) { console.log(`${name} ${quant}: export refused: ${err(e)}`); continue; }
    try {
      const ll = await llamaLogProbs(file, P);
      const { rel, cos } = compare(ll.lp, want);
      const types = [...new Set((await readGgufFileInfo(file, { logWarnings: false })).fullTensorInfo!.filter((t) => t.dimensions.length > 1).map((t) => GgmlType[t.ggmlType]))].join('/');
      const top = ll.lp.map((x, k) => argmax(x) === argmax(want[k]!)).every(Boolean);
      console.log(`${name} ${quant}: rel ${rel.toExponential(2)} cos ${cos.toFixed(5)} top1 ${top ? 'same' : 'DIFF'} | ${types}`);
      if (quant === 'f32') {
        console.log(`  meta ${await meta(file)}`);
        console.log(`  ${await tokCheck(file, name)}`);
      }
    } catch (e) { console.log(`${name} ${quant}: llama.cpp fails: ${err(e)}`); }
    if (quant !== 'f32') fs.rmSync(file, { force: true });
  }
  for (const key of Object.keys(ref.ref).filter((k) => k.startsWith(`${name}+`))) {
    const aname = key.slice(name.length + 1), adir = path.join(dir, `${name}-${aname}`);
    const wantA = hf(key);
    try {
      const m = loadModel(mdir, { backend });
      loadAdapter(m, adir, { trainable: false });
      console.log(`${key}: ours vs HF rel ${compare(ourLogProbs(m, P), wantA).rel.toExponential(2)}; adapter moves HF by ${compare(want, wantA).rel.toExponential(2)}`);
    } catch (e) { console.log(`${key}: ours fails: ${err(e)}`); }
    for (const quant of ['f32', 'f16', 'bf16'] as const) {
      const file = path.join(tmp, `${name}-${aname}-lora-${quant}.gguf`);
      try {
        exportGgufFile({ model: mdir, adapter: adir, out: file, format: 'gguf-lora', quant });
        const ll = await llamaLogProbs(base, P, 0, file);
        const { rel, cos } = compare(ll.lp, wantA);
        console.log(`${key} gguf-lora ${quant}: rel ${rel.toExponential(2)} cos ${cos.toFixed(5)}`);
      } catch (e) { console.log(`${key} gguf-lora ${quant}: ${err(e)}`); }
    }
    for (const quant of ['f32', 'q8_0', 'q4_k_m'] as const) {
      const file = path.join(tmp, `${name}-${aname}-merged-${quant}.gguf`);
      try {
        exportGgufFile({ model: mdir, adapter: adir, out: file, quant, backend });
        const ll = await llamaLogProbs(file, P);
        const { rel, cos } = compare(ll.lp, wantA);
        console.log(`${key} merged ${quant}: rel ${rel.toExponential(2)} cos ${cos.toFixed(5)}`);
      } catch (e) { console.log(`${key} merged ${quant}: ${err(e)}`); }
      fs.rmSync(file, { force: true });
    }
  }
}
function argmax(x: Float64Array): number {
  let b = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[b]!) b = i;
  return b;
}
