// The C compiler that tests build their stand-in libraries with (a fake libcuda, NVRTC, cuBLASLt), or the reason there is
// none, for { skip }. A compiler that cannot build a shared library using libc's headers (cc without the libc
// development files) counts as none: those tests skip saying so, rather than fail at their first build.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './temp-dir.ts';

function findCompiler(): string | null {
  const dir = tempDir('mt-cc-');
  const src = path.join(dir, 'probe.c');
  fs.writeFileSync(src, '#include <stdio.h>\n#include <stdlib.h>\nint mt_probe(void) { return getenv("HOME") != NULL; }\n');
  return ['cc', 'gcc', 'clang'].find((c) => spawnSync(c, ['-shared', '-fPIC', '-o', path.join(dir, `${c}.so`), src], { stdio: 'ignore' }).status === 0) ?? null;
}

/** cc, gcc or clang: the first that builds a shared library here; null where none does. */
export const CC: string | null = findCompiler();
/** For a test's { skip }: false where CC is there, else the reason. */
export const NO_CC: string | false = CC ? false : 'no C compiler (cc, gcc, clang) here that builds a shared library with libc\'s headers, to build the stand-in libraries';
