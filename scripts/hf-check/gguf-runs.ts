// The GGUF export of training runs made by the CLI (export-matrix.ts's DIR/NAME.out/lora-generation-run and full-generation-run):
// each run exported by the CLI at f32 and q8_0 (--format gguf), its adapter as --format gguf-lora over the base's f32 GGUF,
// loaded by llama.cpp (node-llama-cpp), next-token logits against our CPU forward of the run. Not part of the product.
//   node --import tsx scripts/hf-check/gguf-runs.ts DIR [CASE...]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { backend, tmp } from '../../test/export/gguf-models.ts';
import { compare, llamaLogProbs, ourLogProbs } from '../../test/export/llama-cpp.ts';

const dir = path.resolve(process.argv[2]!);
const only = process.argv.slice(3);
const P = [[1, ...Array.from({ length: 13 }, (_, i) => 5 + ((i * 37) % 500))], [1, ...Array.from({ length: 9 }, (_, i) => 300 - i * 11)]];
const cli = (...a: string[]): void => {
  const r = spawnSync(process.execPath, [path.resolve('bin/mistral-tune.js'), ...a], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr.trim().split('\n').pop());
};
for (const name of fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'config.json'))).sort()) {
  if (only.length && !only.includes(name)) continue;
  const base = path.join(dir, name), lora = path.join(dir, `${name}.out`, 'lora-generation-run'), full = path.join(dir, `${name}.out`, 'full-generation-run');
  const m = loadModel(base, { backend });
  const baseLp = ourLogProbs(m, P);
  loadAdapter(m, path.join(lora, 'adapter'), { trainable: false });
  const ours = ourLogProbs(m, P);
  const fullOurs = ourLogProbs(loadModel(path.join(full, 'model'), { backend }), P);
  const row = async (label: string, file: string, want: Float64Array[], adapter?: string): Promise<void> => {
    try {
      const { rel, cos } = compare((await llamaLogProbs(file, P, 0, adapter)).lp, want);
      console.log(`${name} ${label}: rel ${rel.toExponential(2)} cos ${cos.toFixed(5)}`);
    } catch (e) { console.log(`${name} ${label}: ${(e as Error).message.split('\n')[0]}`); }
  };
  console.log(`${name}: training moved our logits by ${compare(ours, baseLp).rel.toExponential(2)} (LoRA), ${compare(fullOurs, baseLp).rel.toExponential(2)} (full)`);
  const baseGguf = path.join(tmp, `${name}-base.gguf`);
  cli('export', '--model', base, '--format', 'gguf', '--quant', 'f32', '--out', baseGguf);
  for (const q of ['f32', 'q8_0']) {
    const f = path.join(tmp, `${name}-run-${q}.gguf`), g = path.join(tmp, `${name}-full-${q}.gguf`);
    try { cli('export', '--run', lora, '--format', 'gguf', '--quant', q, '--out', f); await row(`lora run merged ${q}`, f, ours); } catch (e) { console.log(`${name} lora run ${q}: export fails: ${(e as Error).message}`); }
    try { cli('export', '--run', full, '--format', 'gguf', '--quant', q, '--out', g); await row(`full run ${q}`, g, fullOurs); } catch (e) { console.log(`${name} full run ${q}: export fails: ${(e as Error).message}`); }
  }
  const a = path.join(tmp, `${name}-lora.gguf`);
  try { cli('export', '--run', lora, '--format', 'gguf-lora', '--quant', 'f32', '--out', a); await row('gguf-lora f32 over base f32', baseGguf, ours, a); } catch (e) { console.log(`${name} gguf-lora: export fails: ${(e as Error).message}`); }
}
