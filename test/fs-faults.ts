// Tests that fake a file system's failures (a read-only remount, another user's denial: what root, who may run the
// tests, is never refused) by replacing node:fs's functions for the length of one call, and then look at what it threw
// and what it warned.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { captureStderr } from './tokenizer/helpers.ts';

/**
 * Runs `body` with fs's functions replaced by `patches` (synced into the ES module exports, so that `import { rmSync }
 * from 'node:fs'` sees them too), restoring both after, however it ends: what it threw (undefined if nothing) and what
 * it wrote to stderr.
 */
export function withFsPatched(patches: Partial<typeof fs>, body: () => void): { error: unknown; stderr: string } {
  const saved = Object.fromEntries(Object.keys(patches).map((k) => [k, fs[k as keyof typeof fs]]));
  Object.assign(fs, patches);
  syncBuiltinESMExports();
  let error: unknown;
  try {
    const { stderr } = captureStderr(() => {
      try {
        body();
      } catch (e) {
        error = e;
      }
    });
    return { error, stderr };
  } finally {
    Object.assign(fs, saved);
    syncBuiltinESMExports();
  }
}
