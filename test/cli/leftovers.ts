// What a stopped command must not leave behind, for the stop tests (stop-signal, hangup): its temporaries (either
// naming: leftover-names.ts, and an older version's out-file.ts .NAME.PID.tmp) and its locks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseLeftover } from '../../src/util/leftover-names.ts';

/** Every path under `dir`, relative, folders with a trailing "/". */
export function tree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
    .map((p) => (fs.lstatSync(path.join(dir, p)).isDirectory() ? `${p}/` : p));
}

/** The entries under `dir` that a stopped command should have removed: temporaries (either naming) and locks. */
export const leftovers = (dir: string): string[] => tree(dir).filter((p) => p.split('/').some((seg) =>
  seg !== '' && (parseLeftover(seg) !== null || /^\..+\.\d+\.tmp$/.test(seg) || seg.startsWith('.mistral-tune.lock'))));
