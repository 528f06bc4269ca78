// mistral-tune doctor's usage and flags: checked before doctor.ts (the CPU and CUDA backends' probes) loads.
import { parseCommand } from './args.ts';

export const usage = `mistral-tune doctor [--json]

Prints Node.js, the CPU backend (cores, memory, BLAS, WebAssembly kernels) and whether CUDA can be used here
(the GPU's name, memory, compute capability; driver, NVRTC and cuBLASLt versions), or, one line each, which of
the driver, the GPU, NVRTC and cuBLASLt is missing or broken and what to install or check; last, whether
Mistral 7B v0.1's LoRA run (r=16, 1 × 2048 tokens) fits, by the memory plan train --dry-run makes of it:
on the GPU in bf16, else on the CPU in fp32 and bf16 (a run of yours: mistral-tune train CONFIG --dry-run).
Exit status 0 whenever it could report (CUDA not available is a finding, not a failure); 2 for a bad flag.
  --json   one JSON object instead of lines`;

export interface DoctorFlags { json?: boolean; help?: boolean }

/** doctor's flags; null: -h. */
export function parse(argv: string[]): DoctorFlags | null {
  const { values } = parseCommand<DoctorFlags>('doctor', argv, { json: { type: 'boolean' }, help: { type: 'boolean' } });
  return values.help ? null : values;
}
