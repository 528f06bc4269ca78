// The work `mistral-tune export` does on a thread of its own (export.ts, command-thread.ts): the flags checked and the
// export written, all synchronous.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePrecision } from '../backend/dtype.ts';
import { withBackend } from '../backend/select.ts';
import { exportMerges, exportRun, parseShardSize, type ExportResult } from '../export/export.ts';
import { exportGguf, parseGgufQuant } from '../export/gguf/export-gguf.ts';
import { exportLoraGguf } from '../export/gguf/export-lora-gguf.ts';
import { adapterSource, loadGgufSource, planGgufSource, type GgufSource } from '../export/gguf/from-source.ts';
import { wasmQuantizers } from '../export/gguf/quant/wasm-quant.ts';
import { refuseDanglingOutput, withOutputParent } from '../export/out-path.ts';
import { removeDeadTemps, withIo } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { info } from '../util/log.ts';
import { deviceOption, required } from './args.ts';
import type { Flags } from './export.ts';

/** The whole export the flags ask for. */
export function exportCommand(f: Flags): void {
  const format = f.format ?? 'hf';
  // a folder named x.gguf full of safetensors is not what `--out x.gguf` asks for
  if (f.format === undefined && f.out !== undefined && /\.gguf$/i.test(f.out)) {
    throw new UserError('names a GGUF file, but without --format the export is an HF folder: add --format gguf (the merged model) or --format gguf-lora (the adapter alone), or --format hf for a folder of that name', f.out);
  }
  if (format !== 'hf' && format !== 'gguf' && format !== 'gguf-lora') throw new UserError(`--format: "${format}" is not one of hf, gguf, gguf-lora`);
  if (format !== 'hf') return runGguf(f, format === 'gguf-lora');
  for (const flag of ['quant', 'model', 'adapter'] as const) {
    if (f[flag] !== undefined) throw new UserError(`--${flag} goes with --format gguf or gguf-lora (see mistral-tune export --help)`);
  }
  const maxShardBytes = f['max-shard-size'] !== undefined ? parseShardSize(f['max-shard-size']) : undefined;
  // every flag checked before the backend starts and says what it found
  const run = required('run', f.run, 'export'), out = required('out', f.out, 'export'), precision = parsePrecision(f.precision), device = deviceOption(f.device);
  const opts = { run, out, merge: f.merge ?? false, best: f.best ?? false, maxShardBytes };
  let result: ExportResult;
  if (exportMerges(run, opts.merge)) {
    result = exportRun({ ...opts, device, precision }); // which starts the backend once nothing is left to refuse
  } else {
    // a copy: no backend to start (nor to fail where there is none), and no precision to honour
    if (f.device !== undefined || f.precision !== undefined) throw new UserError('--device and --precision apply to a merge (--merge of a LoRA run): this export copies the run\'s files as they are, computing nothing');
    result = exportRun(opts);
  }
  info(`exported ${result.kind === 'merged' ? 'a merged model' : result.kind === 'full' ? 'the fully trained model' : 'the PEFT adapter'} to ${f.out}: ${result.files.join(', ')}`);
}

function runGguf(f: Flags, adapterOnly: boolean): void {
  const format = adapterOnly ? 'gguf-lora' : 'gguf';
  if ((f.run === undefined) === (f.model === undefined)) throw new UserError(`--format ${format}: give exactly one of --run or --model (see mistral-tune export --help)`);
  if (f.adapter !== undefined && f.model === undefined) throw new UserError('--adapter goes with --model (a run brings its own adapter)');
  if (f.best && f.run === undefined) throw new UserError('--best goes with --run');
  if (f['max-shard-size'] !== undefined || f.merge) throw new UserError(`--format ${format} always writes one file: drop --merge / --max-shard-size`);
  const out = required('out', f.out, 'export');
  const existing = withIo(out, 'use as the output file', () => fs.statSync(out, { throwIfNoEntry: false })); // ENOTDIR: a file on the path
  if (existing?.isDirectory()) throw new UserError(`is a folder: --format ${format} writes one file, so give a file path (e.g. ${path.join(out, adapterOnly ? 'adapter.gguf' : 'model.gguf')})`, out);
  if (existing) {
    removeDeadTemps(out); // a second name of it, if the export that wrote it was killed before removing that
    throw new UserError('output file exists (a GGUF export does not overwrite)', out);
  }
  refuseDanglingOutput(out);
  const quant = parseGgufQuant(f.quant);
  const src: GgufSource = f.run !== undefined ? { run: f.run, best: f.best ?? false } : { model: f.model!, adapter: f.adapter ?? null };
  if (adapterOnly) {
    if (f.device !== undefined || f.precision !== undefined) throw new UserError('--device and --precision do not apply to --format gguf-lora: it copies the adapter, computing nothing');
    const a = adapterSource(src);
    const result = withOutputParent(out, () => exportLoraGguf(a.cfg, a.adapterDir, out, quant, a.from));
    info(`exported the LoRA adapter as a ${quant} GGUF adapter to ${out} (${(result.bytes / 2 ** 20).toFixed(2)} MiB): load it beside a GGUF of ${a.from.baseModel} (llama.cpp --lora, Ollama's ADAPTER)`);
    return;
  }
  wasmQuantizers(); // a bad MISTRAL_TUNE_GGUF_QUANT is refused before the model loads
  const precision = parsePrecision(f.precision), device = deviceOption(f.device);
  const plan = planGgufSource(src); // what the configs refuse (a classification run), refused before the backend starts
  const result = withBackend(device, (backend) => {
    const loaded = loadGgufSource(plan, backend, precision);
    return withOutputParent(out, () => exportGguf(loaded.model, loaded.modelDir, out, quant, loaded.from, { tokenizer: loaded.tokenizer }));
  });
  info(`exported ${quant} GGUF to ${out} (${(result.bytes / 2 ** 20).toFixed(1)} MiB)`);
}
