// Reads a JSON file (configs, tokenizer files, adapter configs); a missing, unreadable or malformed file is a UserError that
// names the file (and the line:column of a syntax error).
import * as fs from 'node:fs';
import { UserError } from './errors.ts';

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(e)})`, file);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : /end of JSON input/.test(msg) ? text.length : null;
    const where = offset === null ? file : `${file}:${lineColumn(text, offset)}`;
    throw new UserError(`invalid JSON (${msg})`, where);
  }
}

function lineColumn(text: string, offset: number): string {
  let line = 1, start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return `${line}:${offset - start + 1}`;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
