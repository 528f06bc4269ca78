// The record of the files mistral-tune wrote in a folder of weights (a checkpoint, adapter/, model/, best/): each
// file's size and SHA-256, and for a safetensors file the SHA-256 of its header and of each tensor's bytes. It is
// written last into the folder, before the folder is renamed into place (model/written-folder.ts), and every read of a
// recorded file checks what it reads against it: readRegularFile a whole file, SafetensorsFile the size and header on
// open and each tensor as it is read, so a 7B model's load hashes only what it reads anyway. A flipped byte or a file
// cut short or replaced since is refused naming the file; before, resume, eval, generate and export used it as it was.
// A settings file (a .json other than trainer_state.json) that was edited is read as it is, with a warning naming it.
// A folder without a record (an adapter from elsewhere, a run of an older version), or a file it does not list (one of
// the user's put beside the weights), reads as before. A file of a sub-folder (a model folder's named chat templates in
// additional_chat_templates/) is listed in the folder's record as "sub/name".
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './errors.ts';
import { warnOnce } from './log.ts';

/** The record's name, in the folder whose files it lists. */
export const WRITTEN_RECORD = '.mistral-tune-written.json';

/** What the record says of one file. */
export interface WrittenFile {
  bytes: number;
  sha256: string;
  /** A safetensors file's: the SHA-256 of its first bytes up to its data (length and JSON header). */
  header?: string;
  /** A safetensors file's: the SHA-256 of each tensor's bytes. */
  tensors?: Record<string, string>;
}

/** A record larger than this is none mistral-tune wrote (a 7B model's, per tensor, is tens of KB). */
const MAX_RECORD_BYTES = 64 << 20;

/**
 * Bytes hashed at a time: read from a file (checkWrittenFile, and the record's writer, written-folder.ts), or of bytes
 * in memory (sha256Hex).
 */
export const HASH_CHUNK_BYTES = 8 << 20;

/**
 * The SHA-256 of `bytes` (or of the pieces one after another: a file's chunks as written), hashed a HASH_CHUNK_BYTES
 * piece at a time: Node's hash takes no more than 2 GiB at once (a 2.7 GB tensor, a 131,072-token embedding of width
 * 5120 in F32, was ERR_OUT_OF_RANGE as a model load read it).
 */
export function sha256Hex(bytes: Uint8Array | readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const piece of bytes instanceof Uint8Array ? [bytes] : bytes) hashInPieces(hash, piece);
  return hash.digest('hex');
}

/** Adds `bytes` to `hash` a HASH_CHUNK_BYTES piece at a time (sha256Hex: a checkpoint's tensors of any size). */
function hashInPieces(hash: Hash, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.byteLength; at += HASH_CHUNK_BYTES) hash.update(bytes.subarray(at, at + HASH_CHUNK_BYTES));
}

/**
 * The SHA-256 of the file open at `fd` and its length, read through a HASH_CHUNK_BYTES piece at a time: a file of any
 * size (fs.readFileSync reads none past 2 GiB).
 */
export function fileSha256(fd: number): { sha256: string; bytes: number } {
  const hash = createHash('sha256'), buf = Buffer.allocUnsafe(HASH_CHUNK_BYTES);
  let pos = 0;
  for (let got; (got = fs.readSync(fd, buf, 0, HASH_CHUNK_BYTES, pos)) > 0; pos += got) hash.update(buf.subarray(0, got));
  return { sha256: hash.digest('hex'), bytes: pos };
}

/** The record's text for `files`: their entries, and the SHA-256 of those (so a damaged record is said to be so). */
export function writtenRecordText(files: Record<string, WrittenFile>): string {
  const listed = JSON.stringify(files);
  return JSON.stringify({ version: 1, sha256: sha256Hex(Buffer.from(listed, 'utf8')), files }, null, 1) + '\n';
}

/** Records read, by folder, with the record file's identity: a folder read often (a model's shards) is parsed once. */
const cache = new Map<string, { stamp: string; files: ReadonlyMap<string, WrittenFile> | UserError }>();

/**
 * What the record beside `file` says of it; null when the folder has none, or one that does not list it (a file of the
 * user's). A record that is damaged is an error naming it: the files it vouches for cannot be checked.
 */
export function writtenEntry(file: string): WrittenFile | null {
  const dir = path.resolve(path.dirname(file));
  // a file of a sub-folder (a model folder's additional_chat_templates/) is listed in its parent's record as "sub/name"
  return recordedIn(dir, path.basename(file)) ?? recordedIn(path.dirname(dir), `${path.basename(dir)}/${path.basename(file)}`);
}

/** What the record of folder `dir` says of its file `name` (a path inside it, "/"-separated); null as writtenEntry says. */
function recordedIn(dir: string, name: string): WrittenFile | null {
  const rec = path.join(dir, WRITTEN_RECORD);
  let st: fs.BigIntStats | undefined;
  try {
    st = fs.statSync(rec, { bigint: true, throwIfNoEntry: false });
  } catch {
    st = undefined; // a folder that cannot be searched: its files cannot be read either, and say so
  }
  if (!st?.isFile()) {
    cache.delete(dir);
    return null;
  }
  const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  let hit = cache.get(dir);
  if (hit?.stamp !== stamp) {
    hit = { stamp, files: parseRecord(rec, st.size) };
    cache.set(dir, hit);
  }
  if (hit.files instanceof UserError) throw hit.files;
  return hit.files.get(name) ?? null;
}

function parseRecord(rec: string, size: bigint): ReadonlyMap<string, WrittenFile> | UserError {
  const damaged = (why: string): UserError => new UserError(`the record of the files mistral-tune wrote in this folder is damaged (${why}), so they cannot ` +
    `be checked against it: the folder's files are not to be trusted as they are; write them again, or delete ${WRITTEN_RECORD} to use them unchecked`, rec);
  if (size > BigInt(MAX_RECORD_BYTES)) return damaged(`${size} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(rec, 'utf8'));
  } catch (e) {
    return damaged((e as NodeJS.ErrnoException).code ?? 'not valid JSON');
  }
  const r = value as { version?: unknown; sha256?: unknown; files?: unknown } | null;
  if (typeof r !== 'object' || r === null || r.version !== 1 || typeof r.files !== 'object' || r.files === null || Array.isArray(r.files)) return damaged('not {version: 1, files}');
  if (r.sha256 !== sha256Hex(Buffer.from(JSON.stringify(r.files), 'utf8'))) return damaged('its entries do not match their SHA-256');
  const files = new Map<string, WrittenFile>();
  for (const [name, f] of Object.entries(r.files as Record<string, unknown>)) {
    const e = f as WrittenFile | null;
    if (typeof e !== 'object' || e === null || !Number.isSafeInteger(e.bytes) || typeof e.sha256 !== 'string') return damaged(`the entry of ${name} is not {bytes, sha256}`);
    files.set(name, e);
  }
  return files;
}

/** The error of a recorded file that is not what was written: `what` says how it differs. */
export function changedError(file: string, what: string): UserError {
  return new UserError(`changed since mistral-tune wrote it (${what}): it is damaged (a disk or copy error) or was edited, and is not used as it is; ` +
    `write it again or copy it again from where it came from (or delete ${WRITTEN_RECORD} beside it to use the folder unchecked)`, file);
}

/** How a file of `size` bytes differs in size from its record `entry` (cut short, or written over), or null. */
function sizeChange(entry: Pick<WrittenFile, 'bytes'>, size: number): string | null {
  return size === entry.bytes ? null : `it is ${size.toLocaleString('en-US')} bytes, written as ${entry.bytes.toLocaleString('en-US')}`;
}

/** Throws when `file` is recorded with another size than `size` (cut short, or written over). */
export function checkWrittenSize(file: string, entry: WrittenFile, size: number): void {
  const what = sizeChange(entry, size);
  if (what !== null) throw changedError(file, what);
}

/**
 * A settings file a user may mean to edit (adapter_config.json's base_model_name_or_path, a config.json, a tokenizer's
 * files, the chat template in chat_template.jinja as in tokenizer_config.json, an adapter's model card README.md): one
 * that differs from what train wrote is read as it is now, with a warning, not refused. trainer_state.json, the loop's
 * own state (a resume from an edited one trains on other rows), and every weight are refused.
 */
function editable(file: string): boolean {
  return (file.endsWith('.json') && path.basename(file) !== 'trainer_state.json') || file.endsWith('.jinja') || file.endsWith('.md');
}

/**
 * Throws when `bytes`, the whole content read of `file`, are not what its record says was written there; an edited
 * settings file (editable) is said in a warning instead, once, and read as it is.
 */
export function checkWrittenBytes(file: string, bytes: Uint8Array): void {
  const entry = writtenEntry(file);
  if (entry === null) return;
  const what = sizeChange(entry, bytes.byteLength) ?? (sha256Hex(bytes) !== entry.sha256 ? 'its SHA-256 is not the one recorded' : null);
  if (what === null) return;
  if (!editable(file)) throw changedError(file, what);
  warnOnce(`written-record-edited:${path.resolve(file)}`, `${file}: edited since mistral-tune wrote it (${what}): read as it is now`);
}

/** How the file open at `fd` differs from what its record `entry` says (its whole SHA-256, read through); null when it is what was written. */
export function writtenFileChange(fd: number, entry: Pick<WrittenFile, 'bytes' | 'sha256'>): string | null {
  // the size first: a file of another size is told by its stat, not by hashing it (a 10 GB split edited by hand)
  const size = sizeChange(entry, fs.fstatSync(fd).size);
  if (size !== null) return size;
  const read = fileSha256(fd);
  return sizeChange(entry, read.bytes) ?? (read.sha256 !== entry.sha256 ? 'its SHA-256 is not the one recorded' : null);
}

/** Throws when the file open at `fd` is not what the record's `entry` of `file` says (writtenFileChange). */
export function checkWrittenFile(file: string, fd: number, entry: WrittenFile): void {
  const what = writtenFileChange(fd, entry);
  if (what !== null) throw changedError(file, what);
}
