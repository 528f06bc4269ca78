// The input files of a prepare run: folders expanded (sorted, recursively, hidden names and the output
// folder skipped), each
// file checked readable, and each given a display name for source.file that holds no absolute path and
// no machine-specific folder: the path as given when it is relative and inside the working folder, else
// the shortest tail of the path that tells the inputs apart (so reruns from other folders are identical).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../util/errors.ts';

export type SourceRole = 'input' | 'val' | 'test';

export interface Source {
  path: string;
  name: string;
  role: SourceRole;
  bytes: number;
}

function expand(p: string, skip: string | null): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw new UserError(`cannot read input: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, p);
  }
  if (st.isFile()) return [p];
  if (!st.isDirectory()) throw new UserError('not a file or a folder', p);
  const out: string[] = [];
  if (skip !== null && path.resolve(p) === skip) throw new UserError('the output folder cannot be an input folder (its files would be read back)', p);
  for (const name of fs.readdirSync(p).sort()) {
    if (name.startsWith('.')) continue;
    const child = path.join(p, name);
    if (skip !== null && path.resolve(child) === skip) continue; // the output folder inside an input folder
    out.push(...expand(child, skip));
  }
  return out;
}

/** The input files, in order; `outDir` is skipped when it lies inside an input folder. */
export function listSources(inputs: readonly { path: string; role: SourceRole }[], outDir?: string): Source[] {
  const files: { path: string; role: SourceRole }[] = [];
  const skip = outDir === undefined ? null : path.resolve(outDir);
  for (const i of inputs) for (const f of expand(i.path, skip)) files.push({ path: f, role: i.role });
  if (files.length === 0) throw new UserError('no input files (the folders given are empty)');
  const seen = new Set<string>();
  for (const f of files) {
    const real = fs.realpathSync(f.path);
    if (seen.has(real)) throw new UserError('this file is given twice', f.path);
    seen.add(real);
    try {
      fs.accessSync(f.path, fs.constants.R_OK);
    } catch (e) {
      throw new UserError(`cannot read input: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, f.path);
    }
  }
  const names = displayNames(files.map((f) => f.path));
  return files.map((f, i) => ({ ...f, name: names[i]!, bytes: fs.statSync(f.path).size }));
}

/** Names for source.file: relative paths inside the working folder as given; others by a unique tail. */
export function displayNames(paths: readonly string[]): string[] {
  const cwd = process.cwd();
  const parts = paths.map((p) => {
    const rel = path.relative(cwd, path.resolve(p));
    const inside = !path.isAbsolute(p) && rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    return { inside, rel: rel.split(path.sep).join('/'), segs: path.resolve(p).split(path.sep).filter(Boolean) };
  });
  return parts.map((p, i) => {
    if (p.inside) return p.rel;
    for (let k = 1; k <= p.segs.length; k++) {
      const tail = p.segs.slice(-k).join('/');
      const clash = parts.some((q, j) => j !== i && q.segs.slice(-k).join('/') === tail);
      if (!clash) return tail;
    }
    return p.segs.join('/');
  });
}
