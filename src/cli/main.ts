// The mistral-tune command line: dispatches to two modules per command, its flags' (`usage`, `parse`) and its work's (`run`).
// The CLI only parses and calls the library; user errors print as one line, without a stack trace.
import * as fs from 'node:fs';
import { didYouMean } from '../util/did-you-mean.ts';
import { isUserError } from '../util/errors.ts';
import { oneLine } from '../util/json-file.ts';
import { beginCommand } from '../util/log.ts';
import { ignoreHangupWhenDetached, sayStopWhileStarting, stopIfSignalled } from '../util/stop-signals.ts';
import { openFilesLimitError } from './open-files-limit.ts';
import { endOnOutputError } from './output-errors.ts';
// loaded first, so that it catches the folder the process started in, from which Node resolved the --import preloads
import './process-preloads.ts';

/**
 * A command's usage and the checks of its flags that need no library (src/cli/*-flags.ts): loaded first and alone, so
 * that a usage error or --help costs the CLI's own modules, not the command's backend, model, tokenizer and config schema.
 */
interface CommandFlags<P> {
  usage: string;
  /** The flags checked in the command's own order up to its first check that needs the library; null where -h asks for the usage. */
  parse(argv: string[]): P | null | Promise<P | null>;
}

/** A command's work (its module imports the library), given what its flags module let through. */
interface CommandWork<P> {
  /** Resolves to the exit status when it is not 0 without an error (train --dashboard whose dashboard stopped). */
  run(flags: P): Promise<void | number>;
}

interface Command {
  summary: string;
  flags: () => Promise<{ usage: string }>;
  /** Parses argv with the flags module and then, only if they pass, loads the work's module and runs it; null: -h. */
  start: (argv: string[]) => Promise<number | null>;
}

/** A command of a flags module and a work module that takes what it parses. */
function defineCommand<P>(summary: string, flags: () => Promise<CommandFlags<P>>, work: () => Promise<CommandWork<P>>): Command {
  return {
    summary, flags,
    start: async (argv) => {
      const parsed = await (await flags()).parse(argv);
      return parsed === null ? null : ((await (await work()).run(parsed)) ?? 0);
    },
  };
}

const COMMANDS: Record<string, Command> = {
  quickstart: defineCommand('the whole path on the bundled model and data: LoRA fine-tuning on the CPU in under two minutes', () => import('./quickstart-flags.ts'), () => import('./quickstart.ts')),
  prepare: defineCommand('clean, deduplicate and split raw data into train/val/test JSONL', () => import('./prepare-flags.ts'), () => import('./prepare.ts')),
  train: defineCommand('fine-tune a model (LoRA or full) from a YAML config', () => import('./train-flags.ts'), () => import('./train.ts')),
  eval: defineCommand('loss and perplexity (or accuracy) of a model on a data file', () => import('./eval-flags.ts'), () => import('./eval.ts')),
  generate: defineCommand('generate text with a model (and adapter), streamed', () => import('./generate-flags.ts'), () => import('./generate.ts')),
  classify: defineCommand('the class a classification model (or run) predicts for new texts, with each class\'s probability', () => import('./classify-flags.ts'), () => import('./classify.ts')),
  export: defineCommand('a run as a PEFT adapter, a merged HF model folder, or a GGUF file for llama.cpp', () => import('./export-flags.ts'), () => import('./export.ts')),
  doctor: defineCommand('what this machine offers: Node.js, the CPU backend (BLAS, WebAssembly kernels), CUDA and its GPU, or why not', () => import('./doctor-flags.ts'), () => import('./doctor.ts')),
  dashboard: defineCommand('live web page of training runs: curves, config, report, samples', () => import('./dashboard-flags.ts'), () => import('./dashboard.ts')),
};

/** What other fine-tuning tools call a command (a server for the dashboard, finetune for train), and ours. */
const COMMAND_ALIASES: Readonly<Record<string, string>> = {
  serve: 'dashboard', server: 'dashboard', ui: 'dashboard', finetune: 'train', 'fine-tune': 'train', sft: 'train',
  evaluate: 'eval', infer: 'generate', inference: 'generate', chat: 'generate', predict: 'classify', convert: 'export',
  merge: 'export', env: 'doctor', check: 'doctor', clean: 'prepare', preprocess: 'prepare', split: 'prepare', version: '--version',
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: mistral-tune <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` +
    'mistral-tune <command> --help (or -h) shows a command\'s options; mistral-tune --version prints the version.';
}

/** The version in package.json (two folders up from src/cli/ and from dist/cli/ alike). */
function version(): string {
  return (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export async function main(argv: string[]): Promise<number> {
  endOnOutputError(); // before anything is written: the usage, --help and --version too
  const [name, ...rest] = argv;
  if (!name) {
    // no command is a usage error, as an unknown one is
    process.stderr.write(usage() + '\n');
    return 2;
  }
  if (name === 'help' && rest.length > 0) return main([rest[0]!, '--help']); // `mistral-tune help train`, as git says it
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    // one line, as every other usage error: the full usage under it buried the mistake; a command written as a
    // flag (--eval) is matched without its dashes
    const bare = name.replace(/^-+/, '').toLowerCase();
    const near = Object.hasOwn(COMMAND_ALIASES, bare) ? COMMAND_ALIASES[bare]! : didYouMean(bare, Object.keys(COMMANDS));
    process.stderr.write(`error: unknown command "${oneLine(name)}"${near ? ` (did you mean "${near}"?)` : ''}: run mistral-tune --help for the commands\n`);
    return 2;
  }
  ignoreHangupWhenDetached();
  beginCommand(); // as in a process of its own: info lines on (a prepare --quiet before it in this process), once-only notes said
  const started = sayStopWhileStarting(name);
  try {
    const { usage } = await command.flags();
    // `train --version`, `eval --run x --help`: each command answers these alike, wherever they stand before `--`
    // (no value starts with "--"), before its other arguments are parsed or checked
    const asked = rest.slice(0, rest.includes('--') ? rest.indexOf('--') : rest.length).find((a) => a === '--help' || a === '--version');
    if (asked !== undefined) {
      process.stdout.write(`${asked === '--help' ? usage : version()}\n`);
      return 0;
    }
    const status = await command.start(rest);
    if (status === null) process.stdout.write(usage + '\n'); // -h, or --help where parsing found it (train's)
    return status ?? 0;
  } catch (caught) {
    const e = openFilesLimitError(caught) ?? caught; // first met where Node loads the command's modules, outside our file operations
    if (isUserError(e)) {
      // one line whatever it quotes: a path or value holding a line break (output_dir: "runs/a\nb") or a terminal
      // escape sequence is shown escaped, not printed as a second line or acted on by the terminal
      process.stderr.write(`error: ${oneLine(e.message)}\n`);
      await stopIfSignalled(); // Ctrl-C while it read what it refused: ended by it (130), not 2
      return 2;
    }
    throw e;
  } finally {
    started();
  }
}
