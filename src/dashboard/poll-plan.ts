// Which runs the dashboard reads at each tick, so that an idle dashboard costs the same for 2 runs as for 2,000.
// Each run folder is watched (fs.watch: inotify, FSEvents): a change in it marks the run to be read at the next
// tick. Read every tick besides: a run whose folder is gone or cannot be watched (cheap: nothing to open), one a
// train holds (its lock's process may die without a file changing), one whose large metrics.jsonl is still
// being read, and one whose large report.json was just parsed on its thread (no file changed: its turn may be a minute away). Every other run is read in turn, SWEEP_PER_TICK of them a tick, for what a watch misses (a network
// file system that sends no events, a symlinked file's target changed): with few runs that is every run every
// tick, as before the watches; with 2,000 each is read every 250 ticks (about a minute at 250 ms).
import * as fs from 'node:fs';
import { warn } from '../util/log.ts';

/** What the plan needs to know of a run after it was read (RunWatcher). */
export interface PlannedRun {
  readonly dir: string;
  /** metrics.jsonl has bytes left that the last read had no budget for. */
  readonly behind: boolean;
  readonly locked: boolean;
  readonly dirExists: boolean;
  /** A report.json parsed on its thread since the last read, to be sent: the run is read at the next tick. */
  readonly reportReady: boolean;
}

/** Quiet runs read a tick, in turn. */
export const SWEEP_PER_TICK = 8;

/** Starts watching `dir`, calling `onChange` on any change in it and `onError` when the watch fails (it then
 * reports nothing more); returns the closer, or null when it cannot watch. */
export type WatchFolder = (dir: string, onChange: () => void, onError: () => void) => (() => void) | null;

export const watchFolder: WatchFolder = (dir, onChange, onError) => {
  try {
    // persistent false: the watches never keep the process alive
    const w = fs.watch(dir, { persistent: false }, () => onChange());
    w.on('error', onError);
    return () => w.close();
  } catch {
    return null;
  }
};

/** A run's folder: watched (the folder of inode `ino`), or not watchable (fs.watch refused it: read in turn), or
 * null (gone, or its watch just failed: read every tick, and watched again once there). */
type FolderState = { watched: true; ino: bigint; close: () => void } | { watched: false; ino: bigint } | null;

export class PollPlan<R extends PlannedRun> {
  /** Runs to read at the next tick: all of them at the start. */
  private readonly dirty: Set<number>;
  private readonly folders: FolderState[];
  private cursor = 0;
  /** Whether a folder fs.watch refused (e.g. past the system's inotify limit) was warned of. */
  private warned = false;

  private readonly runs: R[];

  /** `runs`: run i is the caller's index i, as are those add() appends. */
  constructor(runs: readonly R[], private readonly watch: WatchFolder = watchFolder, private readonly sweepPerTick = SWEEP_PER_TICK) {
    this.runs = [...runs];
    this.dirty = new Set(this.runs.keys());
    // watched before the first read, so that no change is missed and none is read twice
    this.folders = this.runs.map(() => null);
    this.runs.forEach((r, i) => this.follow(i, folderIno(r.dir)));
  }

  /** A run found after the start (a train started after the dashboard): watched, and read at the next tick; its index. */
  add(run: R): number {
    const i = this.runs.push(run) - 1;
    this.folders.push(null);
    this.dirty.add(i);
    this.follow(i, folderIno(run.dir));
    return i;
  }

  /** Indexes of the runs to read now, in run order. */
  due(): number[] {
    const out = new Set(this.dirty);
    this.dirty.clear();
    this.runs.forEach((r, i) => {
      if (r.behind || r.locked || r.reportReady || this.folders[i] === null) out.add(i);
    });
    // the turn of the quiet ones: those read anyway this tick do not use it up
    for (let added = 0; added < this.sweepPerTick && out.size < this.runs.length;) {
      const i = this.cursor;
      this.cursor = (i + 1) % this.runs.length;
      if (!out.has(i)) {
        out.add(i);
        added++;
      }
    }
    return [...out].sort((a, b) => a - b);
  }

  /** Run `i` could not be read now (the tick's budget ran out): it is read at the next tick. */
  defer(i: number): void {
    this.dirty.add(i);
  }

  /** After run `i` was read: its folder is watched while it is there (again, after it was replaced), not once gone. */
  read(i: number): void {
    const ino = this.runs[i]!.dirExists ? folderIno(this.runs[i]!.dir) : null;
    const was = this.folders[i] ?? null;
    if (was !== null && was.ino === ino) return;
    if (was?.watched) was.close();
    this.folders[i] = null;
    // a change between the read and the watch's start would be missed: read once more
    if (this.follow(i, ino)) this.dirty.add(i);
  }

  /** Watches run `i`'s folder of inode `ino` (null: gone); true when it now is watched. */
  private follow(i: number, ino: bigint | null): boolean {
    if (ino === null) return false;
    const r = this.runs[i]!;
    const entry: FolderState = { watched: true, ino, close: () => {} };
    const close = this.watch(r.dir, () => this.dirty.add(i), () => {
      // a failed watch reports nothing more: the run is read every tick until a read watches it again
      if (this.folders[i] === entry) this.folders[i] = null;
      entry.close();
    });
    if (close === null) {
      this.folders[i] = { watched: false, ino };
      if (!this.warned) warn(`dashboard: cannot watch ${r.dir} for changes (nor, it may be, other run folders): such runs are read in turn, ${this.sweepPerTick} a tick, so their changes may show late`);
      this.warned = true;
      return false;
    }
    entry.close = close;
    this.folders[i] = entry;
    return true;
  }

  close(): void {
    for (const f of this.folders) if (f?.watched) f.close();
    this.folders.fill(null);
  }
}
/** The inode of folder `dir` (a bigint: a Number rounds those past 2^53, so a folder replaced by a neighbour looked the same), null when gone. */
function folderIno(dir: string): bigint | null {
  try {
    return fs.statSync(dir, { bigint: true }).ino;
  } catch {
    return null;
  }
}
