// The run directory: config.yaml (the resolved config), metrics.jsonl (one JSON row per optimizer step
// and per evaluation), adapter/ (last step), best/ (best validation), report.json and loss_curve.svg.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';

/** Files that mark a folder as a run directory. */
const RUN_MARKERS = ['config.yaml', 'metrics.jsonl'];

export class RunDir {
  private constructor(readonly dir: string) {}

  /**
   * Checks that `dir` can become a run directory: absent, empty, or (with `overwrite`) an earlier run
   * directory. Anything else is refused, so a mistyped output_dir never empties a folder of other files.
   */
  static check(dir: string, overwrite: boolean): void {
    if (!fs.existsSync(dir)) return;
    if (!fs.statSync(dir).isDirectory()) throw new UserError('output_dir exists and is not a folder', dir);
    const entries = fs.readdirSync(dir);
    if (entries.length === 0) return;
    if (!overwrite) throw new UserError('output_dir exists and is not empty: choose another output_dir, or pass --overwrite (or --resume to continue it)', dir);
    if (!RUN_MARKERS.some((m) => entries.includes(m))) {
      throw new UserError(`output_dir is not empty and is not a run directory (no ${RUN_MARKERS.join(' or ')}): --overwrite only replaces runs`, dir);
    }
  }

  /** Creates the run directory (after check), emptying an earlier run there when `overwrite`. */
  static create(dir: string, overwrite: boolean): RunDir {
    RunDir.check(dir, overwrite);
    if (fs.existsSync(dir)) for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    return new RunDir(dir);
  }

  /** Opens an existing run directory (resume). */
  static open(dir: string): RunDir {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError('run directory not found', dir);
    return new RunDir(dir);
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  writeText(name: string, text: string): void {
    writeFileAtomic(this.file(name), text);
  }

  writeJson(name: string, value: unknown): void {
    this.writeText(name, JSON.stringify(value, null, 2) + '\n');
  }
}

/** Append-only metrics.jsonl: each row is written whole with one write. */
export class MetricsLog {
  constructor(readonly file: string) {}

  append(row: Record<string, unknown>): void {
    fs.appendFileSync(this.file, JSON.stringify(row) + '\n');
  }

  /** Current length in bytes (0 when the file does not exist yet). */
  bytes(): number {
    return fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
  }

  /** Drops everything past `bytes` (the rows of steps after a checkpoint, on resume). */
  truncate(bytes: number): void {
    if (fs.existsSync(this.file)) fs.truncateSync(this.file, bytes);
    else fs.writeFileSync(this.file, '');
  }

  /** Every row that parses (a torn last line from a crash is skipped). */
  rows(): Array<Record<string, unknown>> {
    if (!fs.existsSync(this.file)) return [];
    const out: Array<Record<string, unknown>> = [];
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a partial line written at the moment of a crash
      }
    }
    return out;
  }
}
