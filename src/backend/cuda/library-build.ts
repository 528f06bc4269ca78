// What tells two builds of one shared library apart, for the kernel cache's key (kernel-cache.ts): nvrtcVersion says
// "13.0" for every patch release of NVRTC 13.0, whose cubins may differ (a code-generation fix), so a cubin compiled
// by 13.0.48 was read back after an upgrade to 13.0.88. The library file that is loaded — its real path (the
// versioned file a soname links to: libnvrtc.so.13.0.88), size and modification time — changes with every install of
// another build and stays the same across runs of one install, which keep their cache. Read by a stat: no hashing.
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The build of the library loaded from `file` (a path, or a bare soname the system loader found: then the file this
 * process mapped, from /proc/self/maps): "REALPATH SIZE MTIME_MS", or `file` itself when it cannot be read.
 */
export function libraryBuild(file: string, maps = '/proc/self/maps'): string {
  const at = path.isAbsolute(file) ? file : mappedFile(file, maps);
  if (at === null) return file;
  try {
    const real = fs.realpathSync(at);
    const st = fs.statSync(real);
    return `${real} ${st.size} ${Math.trunc(st.mtimeMs)}`;
  } catch {
    return file; // gone since it was loaded: the name alone
  }
}

/** The file mapped into this process whose name is the soname `soname` or one of its versions (libnvrtc.so.13 → libnvrtc.so.13.0.88). */
function mappedFile(soname: string, maps: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(maps, 'utf8');
  } catch {
    return null; // not Linux
  }
  for (const line of text.split('\n')) {
    const at = line.indexOf(' /');
    if (at < 0) continue;
    const file = line.slice(at + 1).trim();
    const name = path.basename(file);
    if (name === soname || name.startsWith(`${soname}.`)) return file;
  }
  return null;
}
