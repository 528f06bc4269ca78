// MISTRAL_TUNE_CUDA_PROFILE=1: where a CUDA run's GPU time goes, by operation class — the kernel's name, a
// GEMM's shape and types, a device-to-device copy — from a pair of CUDA events recorded around each operation
// on the backend's stream (issue [10]: profile before choosing what to fuse). Events are read back in batches
// (each batch waits for the GPU: the run is slower while profiled, the times of the operations are not), and
// the table goes to stderr when the backend closes.
import type { CudaDriver, Handle } from './driver.ts';
import { UserError } from '../../util/errors.ts';

/** The driver's event calls the profiler makes. */
export type EventApi = Pick<CudaDriver, 'eventCreate' | 'eventRecord' | 'eventSynchronize' | 'eventElapsed' | 'eventDestroy'>;

/** MISTRAL_TUNE_CUDA_PROFILE: 1 profiles, 0 or unset does not; anything else is an error naming the variable. */
export function cudaProfileFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.MISTRAL_TUNE_CUDA_PROFILE ?? '0';
  if (v !== '0' && v !== '1') throw new UserError(`MISTRAL_TUNE_CUDA_PROFILE=${v}: expected 1 (profile) or 0`);
  return v === '1';
}

/** Operations timed before their events are read back (and reused). */
const BATCH = 4096;

export interface OpClass {
  label: string;
  calls: number;
  ms: number;
}

export class OpProfiler {
  private readonly pool: Handle[] = [];
  private readonly created: Handle[] = [];
  private pending: Array<{ label: string; start: Handle; end: Handle }> = [];
  private readonly classes = new Map<string, OpClass>();

  constructor(private readonly d: EventApi, private readonly stream: Handle) {}

  /** Runs `op` (which enqueues one operation on the stream) between two events, counted under `label`. */
  around(label: string, op: () => void): void {
    const start = this.event();
    this.d.eventRecord(start, this.stream);
    op();
    const end = this.event();
    this.d.eventRecord(end, this.stream);
    this.pending.push({ label, start, end });
    if (this.pending.length >= BATCH) this.collect();
  }

  /** Waits for the pending operations and adds their times to their classes. */
  collect(): void {
    const last = this.pending.at(-1);
    if (!last) return;
    this.d.eventSynchronize(last.end);
    for (const p of this.pending) {
      const c = this.classes.get(p.label) ?? { label: p.label, calls: 0, ms: 0 };
      c.calls++;
      c.ms += this.d.eventElapsed(p.start, p.end);
      this.classes.set(p.label, c);
      this.pool.push(p.start, p.end);
    }
    this.pending = [];
  }

  /** Forgets the classes so far (after waiting for what is pending): the table starts again. */
  reset(): void {
    this.collect();
    this.classes.clear();
  }

  /** The classes so far, the most time first. */
  classesByTime(): OpClass[] {
    this.collect();
    return [...this.classes.values()].sort((a, b) => b.ms - a.ms || a.label.localeCompare(b.label));
  }

  /** The profile as a table (lines starting "# "), at most `rows` classes and one line for the rest. */
  report(gpu: string, rows = 40): string {
    const all = this.classesByTime();
    const total = all.reduce((s, c) => s + c.ms, 0);
    const ops = all.reduce((s, c) => s + c.calls, 0);
    const line = (ms: number, calls: number, label: string): string =>
      `# ${ms.toFixed(1).padStart(10)} ${(total > 0 ? `${((100 * ms) / total).toFixed(1)}%` : '-').padStart(6)} ${String(calls).padStart(7)} ` +
      `${(calls > 0 ? ((1000 * ms) / calls).toFixed(1) : '-').padStart(9)}  ${label}`;
    const shown = all.slice(0, rows), rest = all.slice(rows);
    return [
      `# CUDA profile (MISTRAL_TUNE_CUDA_PROFILE=1) on ${gpu}: GPU time of ${ops} operations in ${all.length} classes, ${total.toFixed(1)} ms in all`,
      `# ${'ms'.padStart(10)} ${'share'.padStart(6)} ${'calls'.padStart(7)} ${'µs/call'.padStart(9)}  operation`,
      ...shown.map((c) => line(c.ms, c.calls, c.label)),
      ...(rest.length > 0 ? [line(rest.reduce((s, c) => s + c.ms, 0), rest.reduce((s, c) => s + c.calls, 0), `${rest.length} other classes`)] : []),
    ].join('\n');
  }

  /** Destroys the events (after collect: none is pending). */
  destroy(): void {
    for (const e of this.created) this.d.eventDestroy(e);
    this.created.length = 0;
    this.pool.length = 0;
    this.pending = [];
  }

  private event(): Handle {
    const e = this.pool.pop();
    if (e !== undefined) return e;
    const made = this.d.eventCreate(0);
    this.created.push(made);
    return made;
  }
}
