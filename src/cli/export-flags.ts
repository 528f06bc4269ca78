// mistral-tune export's usage and the checks of its flags that read no file: made on the main thread before the export's
// thread and its library (the model, the backend, the GGUF writer) load, so that a mistake in them is said at the cost
// of the CLI's own modules. export-thread.ts's exportCommand makes them first too, for its in-process callers.
import { parsePrecision, type Precision } from '../backend/dtype.ts';
import type { DeviceName } from '../backend/select.ts';
import { parseGgufQuant } from '../export/gguf/quant-choices.ts';
import { parseShardSize } from '../export/shard-size.ts';
import { UserError } from '../util/errors.ts';
import { FLAG_WORDS } from '../util/option-words.ts';
import { deviceOption, parseCommand, required } from './args.ts';

export const usage = `mistral-tune export --run RUN_DIR --out DIR [--merge] [--best] [--max-shard-size 5GB]
mistral-tune export [--model DIR] --adapter DIR --merge --out DIR [--max-shard-size 5GB]
mistral-tune export (--run RUN_DIR [--best] | --model DIR [--adapter DIR] | --adapter DIR) --out FILE.gguf --format gguf [--quant Q]
mistral-tune export (--run RUN_DIR [--best] | [--model DIR] --adapter DIR) --out FILE.gguf --format gguf-lora [--quant Q]

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
  --model DIR         an HF model folder instead of a run: the base of --adapter (with --merge, an HF folder
                      of the two merged, as PEFT's merge_and_unload and save_pretrained write it), or with
                      --format gguf the model to convert
  --adapter DIR       a PEFT LoRA adapter (merged in with --merge or gguf, exported with gguf-lora; a SEQ_CLS
                      adapter's score head written as the base's class, MistralForSequenceClassification,
                      LlamaForSequenceClassification, …); without --model, over the base its
                      adapter_config.json's base_model_name_or_path names, where that is a model folder
                      from here (as AutoPeftModelForCausalLM loads it)
  --best              export best/ (the best validation evaluation) instead of the last step
  --max-shard-size S  largest safetensors shard of a merged model (--merge of a LoRA run or an adapter; at least
                      1MB; KB MB GB TB as transformers' max_shard_size takes them, or KiB MiB GiB TiB);
                      default 5GB, not transformers' 50GB, as the save holds one shard in memory at a time:
                      50GB writes a 7B as one model.safetensors, as save_pretrained does
  --device NAME       auto, cpu or cuda: the backend of a merge or GGUF export (default auto); an export that
                      copies a run's files (no --merge, or a full fine-tuning run) computes nothing and takes neither
                      --device nor --precision
  --precision P       bf16, fp32 or auto (default: bf16 on CUDA, fp32 on the CPU) of the merge; a merged model
                      is written in the base model's dtype (BF16 base: BF16, F16: F16, F32: F32; a base of
                      mixed dtypes in the one transformers loads it in, its config.json dtype; a full
                      fine-tuning run's model/ as it was trained); with --format gguf a bf16 merge rounds
                      the merged weights to bf16 before the --quant type (fp32: once): auto holds F32 or
                      F16 weights written as f32 or f16 in fp32 where they fit on the GPU so, and a bf16
                      merge of them warns of it; on the CPU, auto holds a checkpoint of BF16 tensors alone
                      (no adapter to merge) in bf16: the same GGUF file in half the memory`;

export interface Flags {
  run?: string; out?: string; merge?: boolean; best?: boolean; 'max-shard-size'?: string; device?: string; precision?: string; help?: boolean;
  format?: string; quant?: string; model?: string; adapter?: string;
}

/** Flags other converters take (`--gguf`, `--quantize`) and what they are here. */
const FLAG_HINTS: Readonly<Record<string, string>> = {
  gguf: '--format gguf', 'gguf-lora': '--format gguf-lora',
  hf: '--format hf', quantize: '--quant', quantization: '--quant', outtype: '--quant', outfile: '--out', output: '--out',
};

/** export's flags, checked as far as checkExportFlags goes; null: -h. */
export function parse(argv: string[]): Flags | null {
  const { values: f } = parseCommand<Flags>('export', argv, {
    run: { type: 'string' }, out: { type: 'string' }, merge: { type: 'boolean' }, best: { type: 'boolean' },
    'max-shard-size': { type: 'string' }, device: { type: 'string' }, precision: { type: 'string' }, help: { type: 'boolean' },
    format: { type: 'string' }, quant: { type: 'string' }, model: { type: 'string' }, adapter: { type: 'string' },
  }, false, FLAG_HINTS);
  if (f.help) return null;
  checkExportFlags(f);
  return f;
}

/** What checkExportFlags found: an HF export's settings, or a GGUF file's format and path (its --quant checked, parsed again by the writer's caller). */
export type CheckedExport =
  | ({ format: 'hf'; out: string; maxShardBytes: number | undefined; precision: Precision; device: DeviceName } &
    ({ run: string } | { adapter: string; model: string | undefined }))
  | { format: 'gguf' | 'gguf-lora'; out: string };

/** export's checks of its flags in exportCommand's order, up to the first that needs the library (the run's files). */
export function checkExportFlags(f: Flags): CheckedExport {
  const format = f.format ?? 'hf';
  // a folder named x.gguf full of safetensors is not what `--out x.gguf` asks for
  if (f.format === undefined && f.out !== undefined && /\.gguf$/i.test(f.out)) {
    throw new UserError('names a GGUF file, but without --format the export is an HF folder: add --format gguf (the merged model) or --format gguf-lora (the adapter alone), or --format hf for a folder of that name', f.out);
  }
  if (format !== 'hf' && format !== 'gguf' && format !== 'gguf-lora') throw new UserError(`--format: "${format}" is not one of hf, gguf, gguf-lora`);
  if (format !== 'hf') {
    // an HF PEFT adapter alone stands for the base its adapter_config.json names, as AutoPeftModel loads it: read on the
    // export's thread (adapterBaseFolder), which loads the model's modules anyway
    const adapterAlone = f.run === undefined && f.model === undefined && f.adapter !== undefined;
    if ((f.run === undefined) === (f.model === undefined) && !adapterAlone) throw new UserError(`--format ${format}: give exactly one of --run or --model, or --adapter DIR alone (see mistral-tune export --help)`);
    if (f.adapter !== undefined && f.model === undefined && !adapterAlone) throw new UserError('--adapter goes with --model (a run brings its own adapter)');
    if (f.best && f.run === undefined) throw new UserError('--best goes with --run');
    if (f['max-shard-size'] !== undefined || f.merge) throw new UserError(`--format ${format} always writes one file: drop --merge / --max-shard-size`);
    const out = required('out', f.out, 'export');
    if (format === 'gguf-lora' && (f.device !== undefined || f.precision !== undefined)) throw new UserError('--device and --precision do not apply to --format gguf-lora: it copies the adapter, computing nothing');
    parseGgufQuant(f.quant, FLAG_WORDS, format); // an adapter file's narrower choice is the writer's to say, with the adapter read
    return { format, out };
  }
  if (f.quant !== undefined) throw new UserError('--quant goes with --format gguf or gguf-lora (see mistral-tune export --help)');
  if (f.model !== undefined || f.adapter !== undefined) {
    // PeftModel.from_pretrained(base, A).merge_and_unload().save_pretrained(DIR): an adapter merged into its base
    if (f.run !== undefined) throw new UserError(`--${f.model !== undefined ? 'model' : 'adapter'} goes without --run (a run brings its own base model and adapter)`);
    if (f.adapter === undefined) throw new UserError(`--model without --adapter: ${f.model} is already an HF model folder (a GGUF file of it: --format gguf; merged with an adapter: add --adapter DIR --merge)`);
    if (!f.merge) throw new UserError(`--adapter without --merge: ${f.adapter} is already a PEFT adapter; add --merge to write it merged into its base model as an HF model folder (or --format gguf-lora for a GGUF adapter file)`);
    if (f.best) throw new UserError('--best goes with --run');
  }
  const maxShardBytes = f['max-shard-size'] !== undefined ? parseShardSize(f['max-shard-size']) : undefined;
  // every flag checked before the backend starts and says what it found
  const source = f.adapter === undefined ? { run: required('run', f.run, 'export') } : { adapter: f.adapter, model: f.model };
  const out = required('out', f.out, 'export'), precision = parsePrecision(f.precision), device = deviceOption(f.device);
  return { format, ...source, out, maxShardBytes, precision, device };
}
