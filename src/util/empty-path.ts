// A path flag or argument given "" (an unset variable quoted: --out "$OUT") names nothing: read as it is, it became
// "not found" with no place, the current folder, or "--out is required" as if it had not been given. Every command
// refuses it in one shape, naming the flag (or the argument) and what to give instead; a library function the same,
// naming itself and its argument (api-args.ts needPath).
import { UserError } from './errors.ts';

/** What a path names: what an empty one is said to name none of. */
export type PathNoun = 'file' | 'folder' | 'path';

/**
 * The error for an empty path: `where` a flag (`--out`) or the name of a positional argument ("input", "run
 * directory"), `noun` what it should have named, `give` what to give ("a run folder (…)").
 */
export function emptyPath(where: string, noun: PathNoun, give: string): UserError {
  const named = where.startsWith('--') ? `${where} ""` : `an empty ${where} argument ("")`;
  return new UserError(`${named} ${namesNo(noun, give)}`);
}

/** The same for argument `name` of library function `fn`: "exportRun: options.run is "", which names no folder: give …". */
export function emptyPathArgument(fn: string, name: string, noun: PathNoun, give: string): UserError {
  return new UserError(`${name} is "", which ${namesNo(noun, give)}`, fn);
}

function namesNo(noun: PathNoun, give: string): string {
  return `names no ${noun}: give ${give}`;
}
