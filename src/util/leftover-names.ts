// The names of what an atomic write puts beside its target while it works, in one place: a file's temporary
// (.NAME.PID.N.tmp, atomic.ts; prepare's outputs' .NAME.PID.0.tmp, out-file.ts) and a folder's temporary and
// moved-aside copy (.tmp-NAME-PID, .old-NAME-PID, or .old-NAME-PID.N beside one of that pid's kept: folder-swap.ts). A
// write killed midway leaves them; knowing whose they are lets the folders' owners judge them as the entry they stand
// for (owned-tree.ts).

/** The temporary file `counter` of process `pid` for the file `name`. */
export function tempFileName(name: string, pid: number, counter: number): string {
  return `.${name}.${pid}.${counter}.tmp`;
}

/**
 * The temporary folder (`tmp`) or moved-aside previous folder (`old`) of process `pid` replacing the folder `name`;
 * `n` > 0: the nth other name of that one, where a folder already holds it.
 */
export function swapFolderName(kind: 'tmp' | 'old', name: string, pid: number, n = 0): string {
  return `.${kind}-${name}-${pid}${n > 0 ? `.${n}` : ''}`;
}

export interface Leftover {
  /** `file`: a file's temporary; `tmp`/`old`: a folder's temporary or moved-aside copy. */
  kind: 'file' | 'tmp' | 'old';
  /** The name of the entry it stands for. */
  name: string;
  pid: number;
}

const FILE_TEMP = /^\.(.+)\.(\d+)\.\d+\.tmp$/;
const SWAP = /^\.(tmp|old)-(.+)-(\d+)$/;
/** A moved-aside folder's other name (.old-NAME-PID.N); a temporary folder has none. */
const SWAP_AGAIN = /^\.(old)-(.+)-(\d+)\.\d+$/;

/** What `entry` is a leftover of, or null when it is not one. */
export function parseLeftover(entry: string): Leftover | null {
  const f = FILE_TEMP.exec(entry);
  if (f) return { kind: 'file', name: f[1]!, pid: Number(f[2]) };
  const s = SWAP.exec(entry) ?? SWAP_AGAIN.exec(entry);
  return s ? { kind: s[1] as 'tmp' | 'old', name: s[2]!, pid: Number(s[3]) } : null;
}
