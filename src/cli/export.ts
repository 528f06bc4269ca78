// mistral-tune export: a run's PEFT adapter as it is, a merged model folder for HF transformers, a merged
// model as one GGUF file for llama.cpp / Ollama / LM Studio (--format gguf), or the LoRA adapter alone as a
// GGUF adapter file for use beside a GGUF of the base model (--format gguf-lora).
import { missingOutputParent, removeStoppedExport } from '../export/out-path.ts';
import { threadModule } from '../util/worker-boot.ts';
import { parseCommand } from './args.ts';
import { runOnThread } from './command-thread.ts';

export const usage = `mistral-tune export --run RUN_DIR --out DIR [--merge] [--best] [--max-shard-size 5GB]
mistral-tune export (--run RUN_DIR [--best] | --model DIR [--adapter DIR]) --out FILE.gguf --format gguf [--quant Q]
mistral-tune export (--run RUN_DIR [--best] | --model DIR --adapter DIR) --out FILE.gguf --format gguf-lora [--quant Q]

  --run DIR           a training run directory
  --out DIR|FILE      where to write (a folder that must not exist or be empty; with --format gguf or
                      gguf-lora a file path that must not exist; missing parent folders are made)
  --merge             merge the LoRA adapter into the base weights and write a full HF model folder
                      (config.json, model.safetensors or shards + model.safetensors.index.json,
                      tokenizer files, generation_config.json); without it the PEFT adapter is copied
                      as it is (classification: with the score head as PEFT's modules_to_save saves it)
  --format F          hf (default: the above); gguf: the merged model as one GGUF v3 file for llama.cpp,
                      Ollama, LM Studio (a generation model; classification is refused); gguf-lora: the LoRA
                      adapter alone as a GGUF adapter file, loaded beside a GGUF of the base model
                      (llama.cpp --lora, Ollama's ADAPTER); only the adapter is read, not the base weights
  --quant Q           GGUF tensor types: f32, f16 (default), bf16, q8_0, or llama-quantize's mixes q6_k, q5_k_m,
                      q5_k_s, q4_k_m, q4_k_s (the types per tensor as it chooses them);
                      an adapter file: f32, f16 (default) or bf16
  --model DIR         with --format gguf or gguf-lora: an HF model folder instead of a run
  --adapter DIR       with --model: a PEFT LoRA adapter (merged in with gguf, exported with gguf-lora)
  --best              export best/ (the best validation evaluation) instead of the last step
  --max-shard-size S  largest safetensors shard of a merged model (--merge of a LoRA run; default 5GB, at least 1MB)
  --device NAME       auto, cpu or cuda: the backend of a merge or GGUF export (default auto); an export that
                      copies a run's files (no --merge, or a full fine-tuning run) computes nothing and takes neither
                      --device nor --precision
  --precision P       bf16, fp32 or auto (default: bf16 on CUDA, fp32 on the CPU) of the merge; a merged model
                      is written in the base model's dtype (BF16 base: BF16, F16: F16, F32: F32; a base of
                      mixed dtypes in the one transformers loads it in, its config.json dtype; a full
                      fine-tuning run's model/ as it was trained); with --format gguf a bf16 merge rounds
                      the merged weights to bf16 before the --quant type (fp32: once)`;

export interface Flags {
  run?: string; out?: string; merge?: boolean; best?: boolean; 'max-shard-size'?: string; device?: string; precision?: string; help?: boolean;
  format?: string; quant?: string; model?: string; adapter?: string;
}

/** Flags other converters take (`--gguf`, `--quantize`) and what they are here. */
const FLAG_HINTS: Readonly<Record<string, string>> = {
  gguf: '--format gguf', 'gguf-lora': '--format gguf-lora',
  hf: '--format hf', quantize: '--quant', quantization: '--quant', outtype: '--quant', outfile: '--out', output: '--out',
};

export async function run(argv: string[]): Promise<void> {
  const { values: f } = parseCommand<Flags>('export', argv, {
    run: { type: 'string' }, out: { type: 'string' }, merge: { type: 'boolean' }, best: { type: 'boolean' },
    'max-shard-size': { type: 'string' }, device: { type: 'string' }, precision: { type: 'string' }, help: { type: 'boolean' },
    format: { type: 'string' }, quant: { type: 'string' }, model: { type: 'string' }, adapter: { type: 'string' },
  }, false, FLAG_HINTS);
  if (f.help) {
    process.stdout.write(usage + '\n');
    return;
  }
  await exportOnThread(f);
}

/**
 * Runs the export (export-thread.ts) on a thread of its own (command-thread.ts): its work is synchronous, and this
 * thread stays free to hear Ctrl-C or SIGTERM, on which the export's thread is stopped, what it was writing removed,
 * and the process ends by that signal.
 */
function exportOnThread(f: Flags): Promise<void> {
  const first = f.out !== undefined ? missingOutputParent(f.out) : undefined;
  return runOnThread<void>(threadModule('export-thread', import.meta.url).href, 'exportCommand', f, {
    onStop: () => {
      if (f.out !== undefined) removeStoppedExport(f.out, first);
    },
  });
}
