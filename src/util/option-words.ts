// How an error names an option its caller gave: a library call's option (options.best, placed at the function's name),
// or the CLI's flag (--best). Functions that both serve (resolveEvalTarget, exportRun, exportGgufFile) take the words of
// their caller, so that neither reads the other's: a library call was told of --run, --best and --quant.
export interface OptionWords {
  /** Where an error with no file or folder of its own is placed: the library function; none for the CLI (its flags say where). */
  where: string | undefined;
  /** Whether these are the CLI's words. */
  cli: boolean;
  /** The option `name` (the library's name for it) as this caller writes it. */
  say(name: string): string;
}

/** The CLI's flags whose names are not the library option's in kebab case. */
const FLAG_OF: Record<string, string> = { maxShardBytes: '--max-shard-size', inputs: '--input', outDir: '--out', fields: '--field', allowHosts: '--allow-host' };

/** The words of a library call of `fn`: options.NAME, errors placed at `fn`. */
export function libraryWords(fn: string): OptionWords {
  return { where: fn, cli: false, say: (name) => `options.${name}` };
}

/** The CLI's words: --kebab-name. */
export const FLAG_WORDS: OptionWords = {
  where: undefined,
  cli: true,
  say: (name) => FLAG_OF[name] ?? `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
};

/**
 * The option `name` set to `value`, as this caller writes it: `--dedup none`, `options.dedup 'none'`; with `key`, an
 * entry of a map option: `--field text=none`, `options.fields.text 'none'`. `cliValue`: the value as the CLI shows it,
 * where that differs (a key quoted for the shell).
 */
export function optionIs(words: OptionWords, name: string, value: string, key?: string, cliValue = value): string {
  if (words.cli) return `${words.say(name)} ${key === undefined ? '' : `${key}=`}${cliValue}`;
  return `${words.say(name)}${key === undefined ? '' : `.${key}`} ${quoted(value)}`;
}

/** A string as a library caller writes it in code: 'none', or "it's" where a quote, backslash or newline is in it. */
export function quoted(value: string): string {
  return /['\\\n]/.test(value) ? JSON.stringify(value) : `'${value}'`;
}

/** Giving the (boolean) option `name`, as this caller does it: "pass --overwrite" on the command line, "set options.overwrite". */
export function setOption(words: OptionWords, name: string): string {
  return `${words.cli ? 'pass' : 'set'} ${words.say(name)}`;
}

/** The option `name` after its article, as this caller writes it: "a --val", "an options.val". */
export function aOption(words: OptionWords, name: string): string {
  return `${words.cli ? 'a' : 'an'} ${words.say(name)}`;
}
