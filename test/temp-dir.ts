// Temporary folders for tests, made under the OS temp folder and removed when the test process exits (node --test
// runs each test file in a process of its own), so that a run of the suite leaves nothing behind — the tokenizer
// folders alone were 1.8 MB each. A process killed by a signal leaves its folders, as any would.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made = new Set<string>();
process.on('exit', () => {
  for (const dir of made) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // still a mount point, or not ours to remove: left, as it was before this helper
    }
  }
});

/** A new, empty folder `<tmp>/<prefix>XXXXXX`, removed with everything in it when this process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.add(dir);
  return dir;
}
