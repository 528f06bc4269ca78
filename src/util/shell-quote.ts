// A path or value written into a command line we print for the user to copy (quickstart's "next:"): quoted as
// a POSIX shell reads it when it holds anything but plainly safe characters (a space, a quote, `$`, `*`); a path that
// starts with `-` (a run folder named -x) written ./-x, so that the command does not read it as a flag.

/** `arg` as one shell word: unchanged when safe, else in single quotes (a quote inside written as '\''). */
export function shellWord(arg: string): string {
  if (/^[\p{L}\p{N}_\/.,:=@%+-]+$/u.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The path `p` as one shell word that no command reads as a flag: a relative one starting with `-` as `./-x`. */
export function shellPath(p: string): string {
  return shellWord(p.startsWith('-') ? `./${p}` : p);
}
