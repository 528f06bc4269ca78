// mistral-tune doctor's usage and flags: checked before doctor.ts (the CPU and CUDA backends' probes) loads.
import { parseCommand } from './args.ts';

export const usage = `mistral-tune doctor [--json]

Prints Node.js, the CPU backend (cores, memory, BLAS, WebAssembly kernels) and whether CUDA can be used here
(the GPU's name, memory, compute capability; driver, NVRTC and cuBLASLt versions), or why not.
  --json   one JSON object instead of lines`;

export interface DoctorFlags { json?: boolean; help?: boolean }

/** doctor's flags; null: -h. */
export function parse(argv: string[]): DoctorFlags | null {
  const { values } = parseCommand<DoctorFlags>('doctor', argv, { json: { type: 'boolean' }, help: { type: 'boolean' } });
  return values.help ? null : values;
}
