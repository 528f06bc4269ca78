// doctor's answer to "would the 7B run this toolkit is for fit here?": the memory plan `train --dry-run` makes
// (planMemory) for Mistral 7B v0.1's config.json — LoRA r=16 on its 7 projections, one sequence of 2048 tokens —
// against this machine: the GPU's memory (less the CUDA context's) in bf16, else the RAM in fp32 and in bf16.
// v0.3 (vocab_size 32768, no sliding window) plans some 14 MiB more in bf16: the line says which it planned.
import { hostMemoryNote, usableBytes } from '../backend/capacity.ts';
import { flashGpuOf, type CudaDeviceInfo } from '../backend/cuda/probe.ts';
import { parseConfig } from '../model/config.ts';
import { validate } from '../train/config.ts';
import { deviceBytesNeeded, planMemory } from '../train/memory-plan.ts';
import { gib } from '../util/byte-size.ts';

/** One planned Mistral 7B run: its device and precision, the bytes its plan needs there, what the device offers. */
export interface Mistral7bFit {
  device: 'cpu' | 'cuda';
  precision: 'fp32' | 'bf16';
  neededBytes: number;
  availableBytes: number;
  /** On the CPU, the RAM free now (MemAvailable), which a plan that fits the RAM may still exceed; null on a GPU. */
  freeBytes: number | null;
  fits: boolean;
}

/** Mistral 7B v0.1's config.json: MistralConfig's defaults are its shape; these two keys differ from them. */
const MISTRAL_7B = { model_type: 'mistral', vocab_size: 32000, max_position_embeddings: 32768 };
const RANK = 16, TOKENS = 2048;

/** The GPU the probe found: what the plan's CUDA side asks of it (its memory; its shared memory for the flash kernels). */
export type PlannedGpu = Pick<CudaDeviceInfo, 'totalBytes' | 'computeCapability' | 'sharedPerBlock'>;

/**
 * The plans on `gpu` (bf16) where one is here, against usableBytes as train checks it and with the attention paths
 * train --dry-run plans on it (dry-run.ts plannedDevice), else on the CPU in fp32 and bf16 against `ramBytes`.
 */
export function mistral7bFits(machine: { ramBytes: number; freeBytes: number; gpu: PlannedGpu | null }): Mistral7bFit[] {
  const model = parseConfig(MISTRAL_7B, 'Mistral-7B-v0.1 config.json');
  const { gpu } = machine;
  const runs: Array<[Mistral7bFit['device'], Mistral7bFit['precision'], number]> = gpu !== null
    ? [['cuda', 'bf16', usableBytes({ backend: 'cuda', deviceBytes: gpu.totalBytes })!]]
    : [['cpu', 'fp32', machine.ramBytes], ['cpu', 'bf16', machine.ramBytes]];
  const flash = gpu === null ? null : flashGpuOf(gpu);
  return runs.map(([device, precision, availableBytes]) => {
    const cfg = validate({ model: 'Mistral-7B-v0.1', data: { train: 'train.jsonl' }, lora: { r: RANK }, batch_size: 1, max_seq_len: TOKENS, device, precision }, 'doctor');
    const neededBytes = deviceBytesNeeded(planMemory(cfg, model, { B: 1, T: TOKENS }, device, undefined, device === 'cuda' ? flash : null));
    const freeBytes = device === 'cpu' ? machine.freeBytes : null;
    return { device, precision, neededBytes, availableBytes, freeBytes, fits: neededBytes <= availableBytes };
  });
}

/** doctor's line: what the plans need of what the device offers, and whether (in which precision) it fits. */
export function formatMistral7bFit(fits: readonly Mistral7bFit[]): string {
  const needs = fits.map((f) => `${gib(f.neededBytes)} in ${f.precision}`).join(' and ');
  const of = fits[0]!.device === 'cuda' ? `the GPU's ${gib(fits[0]!.availableBytes)} (less the CUDA context's)` : `this machine's ${gib(fits[0]!.availableBytes)} of RAM`;
  const fitting = fits.filter((f) => f.fits);
  const verdict = fitting.length === fits.length ? 'fits'
    : fitting.length > 0 ? `fits in ${fitting.map((f) => f.precision).join(', ')} only (precision: ${fitting[0]!.precision})`
    : 'does NOT fit (a smaller model, or a device with more memory)';
  // a plan that fits the RAM but not what other processes leave of it now (23.4 GiB of 23.5 with 21 free) was said to
  // fit, no more: train warns of it (hostMemoryNote), and so does this line
  const first = fitting[0];
  const note = first?.freeBytes != null ? hostMemoryNote(first.neededBytes, first.freeBytes) : null;
  // fp32 fitting the RAM but not what is free, where bf16 fits that: said, not left at "make the run smaller"
  const free = note === null ? undefined : fitting.find((f) => f.freeBytes != null && f.neededBytes <= f.freeBytes);
  const instead = free === undefined ? '' : `; in ${free.precision} (${gib(free.neededBytes)}) it fits what is free (precision: ${free.precision})`;
  return `mistral 7B v0.1: LoRA r=${RANK} on 1 × ${TOKENS} tokens needs ${needs} of ${of}: ${verdict}${note === null ? '' : `, but ${note}${instead}`}; your own run: mistral-tune train CONFIG --dry-run`;
}
