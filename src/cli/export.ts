// mistral-tune export: a run's PEFT adapter as it is, or a merged model folder for HF transformers.
import { parsePrecision } from '../backend/dtype.ts';
import { createBackend, type DeviceName } from '../backend/select.ts';
import { exportRun, parseSize } from '../export/export.ts';
import { info } from '../util/log.ts';
import { parseCommand, required } from './args.ts';

export const usage = `mistral-tune export --run RUN_DIR --out DIR [--merge] [--best] [--max-shard-size 5GB]

  --run DIR           a training run directory
  --out DIR           where to write (must not exist, or be empty)
  --merge             merge the LoRA adapter into the base weights and write a full HF model folder
                      (config.json, model.safetensors or shards + model.safetensors.index.json,
                      tokenizer files, generation_config.json); without it the PEFT adapter is copied
                      as it is (classification: with the score head as PEFT's modules_to_save saves it)
  --best              export best/ (the best validation evaluation) instead of the last step
  --max-shard-size S  largest safetensors shard of a merged model (default 5GB)
  --device NAME       auto, cpu or cuda: the backend for merging (default auto)
  --precision P       bf16, fp32 or auto (default: bf16 on CUDA, fp32 on the CPU) of the merge; a merged model
                      is written in the base model's dtype (BF16 base: BF16, else F32)`;

interface Flags { run?: string; out?: string; merge?: boolean; best?: boolean; 'max-shard-size'?: string; device?: string; precision?: string; help?: boolean }

export async function run(argv: string[]): Promise<void> {
  const { values: f } = parseCommand<Flags>('export', argv, {
    run: { type: 'string' }, out: { type: 'string' }, merge: { type: 'boolean' }, best: { type: 'boolean' },
    'max-shard-size': { type: 'string' }, device: { type: 'string' }, precision: { type: 'string' }, help: { type: 'boolean' },
  });
  if (f.help) {
    process.stdout.write(usage + '\n');
    return;
  }
  const result = exportRun({
    run: required('run', f.run, 'export'), out: required('out', f.out, 'export'), merge: f.merge ?? false, best: f.best ?? false,
    maxShardBytes: f['max-shard-size'] ? parseSize(f['max-shard-size']) : undefined,
    backend: createBackend((f.device ?? 'auto') as DeviceName), precision: parsePrecision(f.precision),
  });
  info(`exported ${result.kind === 'merged' ? 'a merged model' : result.kind === 'full' ? 'the fully trained model' : 'the PEFT adapter'} to ${f.out}: ${result.files.join(', ')}`);
}
