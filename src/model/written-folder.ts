// Writes the record of a folder of weights that mistral-tune has just filled (a checkpoint, adapter/, model/, best/,
// in their temporary folder before the rename that puts them in place): each file's size and SHA-256, a safetensors
// file's header and tensors each with theirs, hashed in one read of the file (util/written-record.ts reads them). The
// files of its sub-folders (a model folder's additional_chat_templates/) are recorded too, as "sub/name".
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withIo, writeFileAtomic } from '../util/atomic.ts';
import { isUserError } from '../util/errors.ts';
import { HASH_CHUNK_BYTES, WRITTEN_RECORD, writtenRecordText, type WrittenFile } from '../util/written-record.ts';
import { SafetensorsFile } from './safetensors.ts';

/**
 * Records every file in `dir` (a folder of the tool's, being filled: all its files are the tool's) and in its
 * sub-folders one level down (a model folder's additional_chat_templates/, read as the chat template is).
 */
export function recordWrittenFolder(dir: string): void {
  const files: Record<string, WrittenFile> = {};
  const record = (folder: string, prefix: string): void => {
    for (const name of withIo(folder, 'read', () => fs.readdirSync(folder)).sort()) {
      const file = path.join(folder, name), st = fs.lstatSync(file);
      if (st.isDirectory() && prefix === '') record(file, `${name}/`);
      if (name === WRITTEN_RECORD || !st.isFile()) continue;
      files[prefix + name] = withIo(file, 'read back', () => writtenFile(file));
    }
  };
  record(dir, '');
  writeFileAtomic(path.join(dir, WRITTEN_RECORD), writtenRecordText(files));
}

/** The record of `file`: its size and SHA-256, and for a safetensors file its header's and each tensor's. */
function writtenFile(file: string): WrittenFile {
  // byte ranges hashed besides the whole file: a safetensors file's header and tensors, in file order
  const ranges: Array<{ name: string | null; from: number; to: number; hash: Hash }> = [];
  const st = file.endsWith('.safetensors') ? safetensorsOrNull(file) : null;
  if (st !== null) {
    try {
      ranges.push({ name: null, from: 0, to: st.dataStart, hash: createHash('sha256') });
      for (const [name, t] of st.tensors) ranges.push({ name, from: st.dataStart + t.begin, to: st.dataStart + t.end, hash: createHash('sha256') });
    } finally {
      st.close();
    }
    ranges.sort((a, b) => a.from - b.from || a.to - b.to);
  }
  const whole = createHash('sha256'), buf = Buffer.allocUnsafe(HASH_CHUNK_BYTES), fd = fs.openSync(file, 'r');
  let pos = 0;
  try {
    for (;;) {
      const got = fs.readSync(fd, buf, 0, HASH_CHUNK_BYTES, pos);
      if (got === 0) break;
      const chunk = buf.subarray(0, got);
      whole.update(chunk);
      for (const r of ranges) {
        const from = Math.max(r.from, pos), to = Math.min(r.to, pos + got);
        if (from < to) r.hash.update(chunk.subarray(from - pos, to - pos));
      }
      pos += got;
    }
  } finally {
    fs.closeSync(fd);
  }
  const entry: WrittenFile = { bytes: pos, sha256: whole.digest('hex') };
  if (ranges.length > 0) {
    entry.header = ranges.find((r) => r.name === null)!.hash.digest('hex');
    entry.tensors = Object.fromEntries(ranges.filter((r) => r.name !== null).map((r) => [r.name!, r.hash.digest('hex')]));
  }
  return entry;
}

/** The safetensors file `file` opened, or null when it does not read as one: recorded then by its whole SHA-256 alone. */
function safetensorsOrNull(file: string): SafetensorsFile | null {
  try {
    return SafetensorsFile.open(file);
  } catch (e) {
    if (isUserError(e)) return null;
    throw e;
  }
}
