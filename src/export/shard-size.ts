// --max-shard-size (exportRun's and exportMergedAdapter's options.maxShardBytes from the CLI): a size such as 5GB in
// bytes, with its lower bound; and the library's check of options.maxShardBytes.
// A leaf: the CLI checks the flag before it loads the export.
import { UserError } from '../util/errors.ts';

/** The units a size may have, in any case: huggingface_hub's parse_size_to_int's (KB, MB, GB, TB), bytes, and the binary ones. */
const UNIT_BYTES: ReadonlyMap<string, number> = new Map(Object.entries({ b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 }));

/** "5GB", "500MB", "1TB", "2GiB" or a byte count → bytes, cut to a whole byte as parse_size_to_int's int() cuts it; null when it is none of these. */
function sizeOrNull(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const mult = m ? UNIT_BYTES.get((m[2] || 'b').toLowerCase()) : undefined;
  return mult === undefined ? null : Math.trunc(Number(m![1]) * mult);
}

/** The smallest --max-shard-size: below it a merged model would be a heap of tiny files (0: a file per tensor). */
export const MIN_SHARD_BYTES = 1e6;

/** A --max-shard-size value → bytes, refused below MIN_SHARD_BYTES. */
export function parseShardSize(text: string): number {
  // "-1", "1TB", "5G": named with the flag, as every option's error is
  const bytes = sizeOrNull(text);
  if (bytes === null) throw new UserError(`--max-shard-size: "${text}" is not a size (e.g. 5GB, 500MB, 2GiB; the minimum is 1MB)`);
  if (bytes < MIN_SHARD_BYTES) throw new UserError(`--max-shard-size ${text.trim()} is too small: the minimum is 1MB (the default is 5GB)`);
  // past 2^53 bytes (8 PiB) no byte count is exact: refused with the flag, not by exportRun naming its own option
  if (!Number.isSafeInteger(bytes)) throw new UserError(`--max-shard-size ${text.trim()} is too large: at most 2^53 − 1 bytes (9007199GB); any size past the model's own keeps it one file`);
  return bytes;
}

/** What to write for transformers' max_shard_size (save_pretrained's, and the CLI's --max-shard-size), which no did-you-mean reaches: it was ignored. */
export const SHARD_SIZE_HINTS: Readonly<Record<string, string>> = {
  max_shard_size: "write options.maxShardBytes, a number of bytes (transformers' max_shard_size, the CLI's --max-shard-size)",
};

/** The library's check of `fn`'s options.maxShardBytes, where given: a positive whole number of bytes. */
export function needShardBytes(fn: string, maxShardBytes: number | undefined): void {
  if (maxShardBytes !== undefined && !(Number.isSafeInteger(maxShardBytes) && maxShardBytes > 0)) {
    throw new UserError(`options.maxShardBytes must be a positive number of bytes, got ${maxShardBytes}`, fn);
  }
}
