// Every command answers --help, -h and --version alike: its usage (or the version) on stdout, exit 0, wherever the
// flag stands before `--` and whatever else is given. `train --version` was an unknown option, and `eval -h` too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { ParseArgsConfig } from 'node:util';
import * as path from 'node:path';
import { readGenerationConfig } from '../../src/model/generation-config.ts';
import * as classifyFlags from '../../src/cli/classify-flags.ts';
import * as dashboardFlags from '../../src/cli/dashboard-flags.ts';
import * as doctorFlags from '../../src/cli/doctor-flags.ts';
import * as evalFlags from '../../src/cli/eval-flags.ts';
import * as exportFlags from '../../src/cli/export-flags.ts';
import * as generateFlags from '../../src/cli/generate-flags.ts';
import * as prepareFlags from '../../src/cli/prepare-flags.ts';
import * as quickstartFlags from '../../src/cli/quickstart-flags.ts';
import { cli } from './in-process-cli.ts';

const VERSION = (JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
const COMMANDS = ['quickstart', 'prepare', 'train', 'eval', 'generate', 'classify', 'export', 'doctor', 'dashboard'];

test('each command: --version prints the version, --help and -h its usage, exit 0, even after other arguments', async () => {
  for (const command of COMMANDS) {
    assert.deepEqual(await cli([command, '--version']), { code: 0, out: `${VERSION}\n`, err: '' }, command);
    const help = await cli([command, '--help']);
    assert.equal(help.code, 0, command);
    assert.match(help.out, new RegExp(`^(usage: )?mistral-tune ${command}\\b`), command);
    assert.deepEqual(await cli([command, '-h']), help, `${command} -h`);
    assert.deepEqual(await cli([command, '--no-such-flag', 'x', '--help']), help, `${command}: --help after an unknown flag`);
  }
});

test('after `--` a --help is an argument, not the flag', async () => {
  const r = await cli(['train', '--', '--help']);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /^error: .*--help/);
});

test("each flag of a command's usage line is explained on a line of its own in its --help", async () => {
  // `quickstart --help` showed [--out …] [--epochs …] [--seed …] [--overwrite] and explained none of them
  const missing: string[] = [];
  for (const command of COMMANDS) {
    const { out } = await cli([command, '--help']);
    const synopsis = out.split('\n').filter((l) => /^\s*mistral-tune /.test(l)).join('\n');
    for (const [, flag] of synopsis.matchAll(/(?<![\w-])(--[a-z][a-z-]*[a-z])\b(?![.\w])/g)) {
      if (!new RegExp(`^ {2}${flag}\\b`, 'm').test(out)) missing.push(`${command} ${flag}`);
    }
  }
  assert.deepEqual(missing, []);
});

/** Each parseCommand command's flag parser (its -flags.ts): train's is its own (its switches, --port and config keys). */
const PARSERS: Readonly<Record<string, { parse(argv: string[]): unknown }>> = {
  quickstart: quickstartFlags, prepare: prepareFlags, eval: evalFlags, generate: generateFlags, classify: classifyFlags, export: exportFlags, doctor: doctorFlags, dashboard: dashboardFlags,
};

/**
 * The flags `command`'s parser takes: the options its parse gives node's parseArgs (through parseCommand), caught as it
 * reads `--help`, whatever form its source writes them in (a reading of the source missed `fp16: {…}`, `"json": {…}` or a
 * shared options object); train's, its switches (SWITCHES) and --port.
 */
async function parsedFlags(command: string): Promise<string[]> {
  if (command === 'train') {
    const src = fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'train-flags.ts'), 'utf8');
    return [...JSON.parse(/^const SWITCHES = (\[.*\]);$/m.exec(src)![1]!.replace(/'/g, '"')) as string[], 'port', 'help'];
  }
  const util = createRequire(import.meta.url)('node:util') as typeof import('node:util');
  const parseArgs = util.parseArgs;
  let options: string[] = [];
  util.parseArgs = ((config?: ParseArgsConfig) => {
    options = Object.keys(config?.options ?? {});
    return parseArgs(config);
  }) as typeof parseArgs;
  syncBuiltinESMExports(); // the `import { parseArgs } from 'node:util'` of args.ts now calls it
  try {
    await PARSERS[command]!.parse(['--help']);
  } finally {
    util.parseArgs = parseArgs;
    syncBuiltinESMExports();
  }
  return options;
}

test("each command's --help lists the flags its parser takes, and its parser takes each flag its --help lists", async () => {
  // a usage text and its parser drift apart unseen: a flag added to the parser and not to --help, or one --help
  // still explains that the parser dropped (an "unknown option" for a flag the help shows)
  const wrong: string[] = [];
  for (const command of COMMANDS) {
    const { out } = await cli([command, '--help']);
    // the option column of --help: the flags of the lines that explain them ("  --min-chars N, --max-chars N   …")
    const listed = new Set(out.split('\n').filter((l) => /^ {2}--[a-z]/.test(l))
      .flatMap((l) => [...l.trim().split(/\s{2,}/)[0]!.matchAll(/--([a-z][a-z0-9-]*[a-z0-9])\b(?![.\w])/g)].map((m) => m[1]!)));
    const parsed = await parsedFlags(command);
    assert.ok(parsed.length >= 2 && listed.size >= 1, `${command}: parser ${parsed.join(', ')}; --help ${[...listed].join(', ')}`);
    for (const flag of parsed) if (flag !== 'help' && !listed.has(flag)) wrong.push(`${command}: --${flag} is parsed but not in --help`);
    for (const flag of listed) {
      if (!parsed.includes(flag)) wrong.push(`${command}: --${flag} is in --help but not parsed`);
      // and the command itself takes it: not an unknown option
      else if (/unknown option/.test((await cli([command, `--${flag}`])).err)) wrong.push(`${command}: --${flag} is refused as unknown`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("generate --help says what generation_config.json's pad_token_id and bos_token_id get: not read, as the README says, not a warning", async () => {
  // --help said they "are warned of when set", but generate reads neither and says nothing of them (the quickstart's model sets bos_token_id)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-help-genconfig-'));
  try {
    fs.writeFileSync(path.join(dir, 'generation_config.json'), '{"bos_token_id": 1, "pad_token_id": 0, "num_beams": 4}');
    assert.deepEqual(readGenerationConfig(dir).unsupported, ['num_beams 4']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const { out } = await cli(['generate', '--help']);
  const flat = out.replace(/\s+/g, ' ');
  assert.match(flat, /a prompt holding the pad_token_id \(no EOS id nor the BOS\) is refused, as HF.s generate\(\) masks that token out of it; bos_token_id is not read/);
  assert.doesNotMatch(flat, /bos_token_id and settings generate has not/);
});

test('prepare --help says the default of each length limit, as the other flags show theirs: none (no limit) but --max-chars', async () => {
  // before: --min-chars, --min-tokens and --max-tokens showed no default (they mean no limit); --max-chars alone had one
  const { out } = await cli(['prepare', '--help']);
  const text = out.replace(/\s+/g, ' ');
  assert.match(text, /--min-chars N, --max-chars N length limits in characters \(all text fields together; default no --min-chars, --max-chars 1000000,/);
  assert.match(text, /--min-tokens N, --max-tokens N length limits in tokens, as the trainer builds the sequence \(default none: no limit\)/);
});

test("the quickstart's duration is one claim in the top-level help and the header comments, and the README's measured times are within it", async () => {
  // the help said "in about a minute or two", src/cli/quickstart.ts and src/quickstart.ts "in about a minute"
  const root = path.join(import.meta.dirname, '..', '..');
  const line = (await cli(['--help'])).out.split('\n').find((l) => /^ {2}quickstart /.test(l)) ?? '';
  const claim = /in under (one|two|three) minutes?/.exec(line);
  assert.ok(claim, `no "in under N minutes" in: ${line}`);
  for (const file of ['src/cli/quickstart.ts', 'src/quickstart.ts']) {
    assert.ok(fs.readFileSync(path.join(root, file), 'utf8').split('\n')[0]!.includes(claim[0]), `${file}'s header comment says "${claim[0]}"`);
  }
  const bound = 60 * ['one', 'two', 'three'].indexOf(claim[1]!) + 60;
  const times = [...fs.readFileSync(path.join(root, 'README.md'), 'utf8').matchAll(/the quickstart (?:took )?(\d+) s\b/g)].map((m) => Number(m[1]));
  assert.ok(times.length >= 2, 'the README gives the quickstart\'s measured times');
  assert.deepEqual(times.filter((s) => s >= bound), [], `README times past ${claim[0]}`);
});

test('train --resume without a folder names the run folder it takes, not only a config file', async () => {
  // it said "a config file is required: mistral-tune train CONFIG.yaml", though --help's second line is train RUN_DIR --resume
  const r = await cli(['train', '--resume']);
  assert.equal(r.code, 2);
  assert.match(r.err, /mistral-tune train RUN_DIR --resume/);
  assert.match((await cli(['train'])).err, /a config file is required: mistral-tune train CONFIG\.yaml/);
});

test("each command's usage lines, before the first blank line, start at the margin as `mistral-tune COMMAND`", async () => {
  // train's second form (train RUN_DIR --resume) stood indented by 7 spaces, as if under a "usage: " that is not printed
  for (const command of COMMANDS) {
    const head = (await cli([command, '--help'])).out.split('\n\n')[0]!.split('\n');
    for (const line of head) assert.ok(line.startsWith(`mistral-tune ${command} `) || line === `mistral-tune ${command}`, `${command}: ${JSON.stringify(line)}`);
  }
});

test('an unknown command, or a flag where the command goes, is one line on stderr, exit 2; no command at all prints the usage', async () => {
  // `mistral-tune --wat` printed "unknown command" and then the whole usage: 16 lines for one mistake
  const hint = 'run mistral-tune --help for the commands';
  assert.deepEqual(await cli(['--wat']), { code: 2, out: '', err: `error: unknown command "--wat": ${hint}\n` });
  assert.deepEqual(await cli(['trian', 'x.yaml']), { code: 2, out: '', err: `error: unknown command "trian" (did you mean "train"?): ${hint}\n` });
  // a command written as a flag gets its name suggested
  assert.deepEqual(await cli(['--eval', '--model', 'm']), { code: 2, out: '', err: `error: unknown command "--eval" (did you mean "eval"?): ${hint}\n` });
  assert.deepEqual(await cli(['help', 'nosuch']), { code: 2, out: '', err: `error: unknown command "nosuch": ${hint}\n` });
  // what other tools call a command (a server for the dashboard, finetune for train): no spelling is near it
  assert.deepEqual(await cli(['serve', '--run', 'r']), { code: 2, out: '', err: `error: unknown command "serve" (did you mean "dashboard"?): ${hint}\n` });
  assert.deepEqual(await cli(['finetune', 'x.yaml']), { code: 2, out: '', err: `error: unknown command "finetune" (did you mean "train"?): ${hint}\n` });
  // `mistral-tune version`, as go, cargo and docker spell it: the flag (was no hint)
  assert.deepEqual(await cli(['version']), { code: 2, out: '', err: `error: unknown command "version" (did you mean "--version"?): ${hint}\n` });
  // and a flag of another converter, export's --gguf: its format here
  assert.deepEqual(await cli(['export', '--gguf', '--run', 'r']), { code: 2, out: '', err: 'error: unknown option --gguf (did you mean --format gguf?) (see mistral-tune export --help)\n' });
  const bare = await cli([]);
  assert.equal(bare.code, 2);
  assert.equal(bare.out, '');
  assert.match(bare.err, /^usage: mistral-tune <command>/);
});
