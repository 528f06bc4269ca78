// A training config file for a test: `text` written as c.yaml in a fresh temporary folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../temp-dir.ts';

export function file(text: string): string {
  const dir = tempDir('mt-config-');
  const f = path.join(dir, 'c.yaml');
  fs.writeFileSync(f, text);
  return f;
}
