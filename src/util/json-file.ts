// Reads a JSON file (configs, tokenizer files, adapter configs); a missing, unreadable, non-regular (FIFO, folder) or
// malformed file is a UserError that names the file (and the line:column of a syntax error).
import { UserError } from './errors.ts';
import { readRegularFile } from './regular-file.ts';

export function readJsonFile(file: string): unknown {
  const text = readRegularFile(file).toString('utf8');
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

/** The value of an own property only: a field name such as "constructor" never reads the prototype. */
export function ownField(v: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(v, key) ? v[key] : undefined;
}
