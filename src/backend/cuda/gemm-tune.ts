// Choosing among cuBLASLt's algorithms by timing them (MISTRAL_TUNE_CUDA_GEMM_TUNE, on by default): the heuristic's first answer
// is not always the fastest — on the H200 (device run 1) the LoRA factors' skinny products were far off the memory
// bound (x·Aᵀ of 2048×48×4096: 113 µs a call for 16 MB read, against ~5 µs) — so the first product of each small
// shape runs every candidate the heuristic offers on the stream, timed by CUDA events, and keeps the fastest.
// Once per shape, in the first step: a host round trip then, none after; bf16 products only (f32 and f64 are the exact
// paths, whose sums the tests compare closely: the heuristic's first, as before). The heuristic's first is among the candidates,
// so a tuned product is at worst as fast as it (within the timing's noise). What was chosen is printed on close when
// profiling (MISTRAL_TUNE_CUDA_PROFILE=1).
import { envSwitch } from '../../util/env-switch.ts';
import type { Handle } from './driver.ts';
import type { EventApi } from './op-profiler.ts';

/** MISTRAL_TUNE_CUDA_GEMM_TUNE: 1 (default) times cuBLASLt's candidate algorithms per shape; 0 takes the heuristic's first. */
export function gemmTuneFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return envSwitch(env, 'MISTRAL_TUNE_CUDA_GEMM_TUNE', { default: true, on: 'time cuBLASLt\'s candidate algorithms' });
}

/**
 * How many algorithms the heuristic is asked for when tuning: 16, so that beside its ranked tile variants of one kernel
 * family the list reaches others (split-K schemes, other tile shapes) — run 1's slow shapes (the LM head's f32 output at
 * 1,288 µs a chunk, x·Aᵀ at 113 µs) are the heuristic's misjudgements. Timed once a shape, in the first step.
 */
export const TUNE_CANDIDATES = 16;
/** The most shapes tuned in a process's backend; later shapes take the heuristic's first. */
export const TUNE_MAX_SHAPES = 256;
/** Timed runs of each candidate (after one untimed run, which also shows whether it runs at all). */
export const TUNE_REPS = 3;

/** Milliseconds the GPU spent on what `run` enqueues (it synchronizes on the stream's end event). */
export type StreamTimer = (run: () => void) => number;

/** A StreamTimer from two CUDA events on `stream`, made on first use and kept (the context's release frees them). */
export function eventTimer(driver: EventApi, stream: Handle): StreamTimer {
  let events: [Handle, Handle] | null = null;
  return (run) => {
    events ??= [driver.eventCreate(0), driver.eventCreate(0)];
    const [start, end] = events;
    driver.eventRecord(start, stream);
    run();
    driver.eventRecord(end, stream);
    driver.eventSynchronize(end);
    return driver.eventElapsed(start, end);
  };
}

/**
 * The index of the fastest of `count` candidates, and each one's time a run in ms (null: it failed to run, and is not
 * chosen): `tryRun(i)` enqueues candidate i once and says whether it ran; each that does is then timed over TUNE_REPS
 * runs. -1 when none ran.
 */
export function fastestCandidate(count: number, tryRun: (i: number) => boolean, time: StreamTimer): { best: number; ms: (number | null)[] } {
  const ms: (number | null)[] = [];
  let best = -1;
  for (let i = 0; i < count; i++) {
    if (!tryRun(i)) {
      ms.push(null);
      continue;
    }
    const t = time(() => {
      for (let r = 0; r < TUNE_REPS; r++) tryRun(i);
    }) / TUNE_REPS;
    ms.push(t);
    if (best < 0 || t < ms[best]!) best = i;
  }
  return { best, ms };
}
