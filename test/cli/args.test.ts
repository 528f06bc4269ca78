// Integer and port options read decimal digits only: Number() alone would take "0x50" as 80, "1e3" as 1000, "0b11" as 3.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { intOption, numberOption, parseCommand, portOption } from '../../src/cli/args.ts';
import { isUserError } from '../../src/util/errors.ts';

test('intOption and portOption: decimal digits (spaces around, a sign) or a one-line error naming the flag and value', () => {
  assert.equal(intOption('seed', ' 42 ', 0, 0), 42);
  assert.equal(intOption('seed', '+7', 0, 0), 7);
  assert.equal(intOption('seed', undefined, 5, 0), 5);
  assert.equal(portOption('8080'), 8080);
  assert.equal(portOption('0'), 0);
  for (const bad of ['0x50', '1e3', '0b11', '0o7', '7.0', '', ' ', '12abc', 'Infinity']) {
    assert.throws(() => intOption('max-new-tokens', bad, 1), (e) => isUserError(e) && e.message === `--max-new-tokens must be a positive integer, got "${bad}"`, bad);
    assert.throws(() => portOption(bad), (e) => isUserError(e) && /^--port must be an integer from 0 to 65535/.test(e.message), bad);
  }
  assert.throws(() => intOption('seed', '-1', 0, 0), /--seed must be an integer ≥ 0, got "-1"/);
  assert.throws(() => portOption('65536'), /got "65536"/);
});

test('a positional argument where a command takes none is named, with --run X when the command reads a run folder', () => {
  const withRun = { run: { type: 'string' as const }, out: { type: 'string' as const } };
  assert.throws(() => parseCommand('export', ['runs/x', '--out', 'y'], withRun),
    (e) => isUserError(e) && e.message === 'unexpected argument "runs/x": export takes no positional arguments; a run folder is given as --run runs/x (see mistral-tune export --help)');
  assert.throws(() => parseCommand('generate', ['hello'], { model: { type: 'string' as const } }),
    (e) => isUserError(e) && e.message === 'unexpected argument "hello": generate takes no positional arguments (see mistral-tune generate --help)');
});

test('a positional argument is hinted as what it likely is: an unquoted prompt, a data file, a prompt or text, --out; not --run when --run is given (was: "a run folder is given as --run What is …")', () => {
  const gen = { run: { type: 'string' as const }, model: { type: 'string' as const }, prompt: { type: 'string' as const } };
  const message = (command: string, argv: string[], options: Parameters<typeof parseCommand>[2]): string => {
    try { parseCommand(command, argv, options); } catch (e) { assert.ok(isUserError(e)); return e.message; }
    assert.fail('no error');
  };
  assert.equal(message('generate', ['--run', 'runs/x', 'What is the capital of Peru?'], gen),
    'unexpected argument "What is the capital of Peru?": generate takes no positional arguments; a prompt is given as --prompt "What is the capital of Peru?" (see mistral-tune generate --help)');
  assert.equal(message('generate', ['--model', 'm', '--prompt', 'What', 'is', 'the', 'capital', '--seed', '1'], { ...gen, seed: { type: 'string' as const } }),
    'unexpected argument "is": generate takes no positional arguments; a value with spaces is quoted as one argument: --prompt "What is the capital" (see mistral-tune generate --help)');
  assert.equal(message('generate', ['--model', 'm', '--prompt=What', 'is', 'it'], gen),
    'unexpected argument "is": generate takes no positional arguments; a value with spaces is quoted as one argument: --prompt "What is it" (see mistral-tune generate --help)');
  // the weights named (--model) and the prompt given: a word that is no folder is no run folder either
  assert.equal(message('generate', ['--model', 'm', '--prompt', 'hi', '--seed', '1', 'extra'], { ...gen, seed: { type: 'string' as const } }),
    'unexpected argument "extra": generate takes no positional arguments (see mistral-tune generate --help)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-args-')), data = path.join(dir, 'test.jsonl');
  fs.writeFileSync(data, '{"text": "a"}\n');
  const ev = { run: { type: 'string' as const }, data: { type: 'string' as const } };
  assert.equal(message('eval', ['--run', 'runs/x', data], ev), `unexpected argument "${data}": eval takes no positional arguments; a data file is given as --data ${data} (see mistral-tune eval --help)`);
  assert.equal(message('eval', [dir, '--data', data], ev), `unexpected argument "${dir}": eval takes no positional arguments; a run folder is given as --run ${dir} (see mistral-tune eval --help)`);
  assert.equal(message('export', ['--run', 'runs/x', 'out-folder'], { run: { type: 'string' as const }, out: { type: 'string' as const } }),
    'unexpected argument "out-folder": export takes no positional arguments; the output is given as --out out-folder (see mistral-tune export --help)');
  assert.equal(message('classify', ['--run', dir, 'France'], { run: { type: 'string' as const }, text: { type: 'string' as const } }),
    'unexpected argument "France": classify takes no positional arguments; a text is given as --text "France" (see mistral-tune classify --help)');
  // an unquoted text of several words, no text flag given: all its words, quoted (was --text "Kenya", --prompt "hello")
  assert.equal(message('classify', ['--run', dir, 'Kenya', 'is', 'big', '--json'], { run: { type: 'string' as const }, text: { type: 'string' as const }, json: { type: 'boolean' as const } }),
    'unexpected argument "Kenya": classify takes no positional arguments; a text is given as --text "Kenya is big" (see mistral-tune classify --help)');
  assert.equal(message('generate', ['--run', 'runs/x', 'hello', 'world'], gen),
    'unexpected argument "hello": generate takes no positional arguments; a prompt is given as --prompt "hello world" (see mistral-tune generate --help)');
  fs.rmSync(dir, { recursive: true });
});

test('a path flag holding a ~ or $NAME no shell expanded (--out=~/x, a quoted "$HOME/x") is refused naming the flag', () => {
  const opts = { out: { type: 'string' as const }, input: { type: 'string' as const, multiple: true }, prompt: { type: 'string' as const } };
  assert.throws(() => parseCommand('prepare', ['--out=~/x'], opts), (e) => isUserError(e) && e.message.startsWith('--out: "~/x" holds ~ (the home folder), which no shell expanded here'));
  assert.throws(() => parseCommand('prepare', ['--input', 'a.jsonl', '--input', '$HOME/b.jsonl'], opts), (e) => isUserError(e) && e.message.startsWith('--input: "$HOME/b.jsonl" holds $HOME (an environment variable)'));
  // text is not a path
  assert.equal(parseCommand<{ prompt: string }>('generate', ['--prompt=~/x $HOME'], opts).values.prompt, '~/x $HOME');
});

test("a path given as an argument (prepare's inputs, dashboard's runs, train's config) holding a ~ or $NAME no shell expanded is refused as a flag's is (was: \"no such file\")", async () => {
  const opts = { out: { type: 'string' as const }, input: { type: 'string' as const, multiple: true } };
  assert.throws(() => parseCommand('prepare', ['--input', 'a.jsonl', '~/b.jsonl', '--out', 'o'], opts, true),
    (e) => isUserError(e) && e.message.startsWith('"~/b.jsonl" holds ~ (the home folder), which no shell expanded here'));
  assert.throws(() => parseCommand('dashboard', ['$HOME/runs'], {}, true), (e) => isUserError(e) && e.message.startsWith('"$HOME/runs" holds $HOME (an environment variable)'));
  const { parse } = await import('../../src/cli/train-flags.ts');
  await assert.rejects(parse(['~/c.yaml', '--dry-run']), (e) => isUserError(e) && e.message.startsWith('"~/c.yaml" holds ~ (the home folder), which no shell expanded here'));
  await assert.rejects(parse(['--resume', '--', '$HOME/runs/x']), (e) => isUserError(e) && e.message.startsWith('"$HOME/runs/x" holds $HOME'));
  assert.equal((await parse(['c.yaml', '--max_steps', '3']))!.file, 'c.yaml');
});

test('a one-value flag given twice with different values is refused naming both; the same value twice, or a repeatable flag, is taken', () => {
  const opts = { task: { type: 'string' as const }, input: { type: 'string' as const, multiple: true }, json: { type: 'boolean' as const } };
  assert.throws(() => parseCommand('prepare', ['--task', 'classification', '--input', 'a', '--task=generation'], opts),
    (e) => isUserError(e) && e.message === '--task is given twice, "classification" and "generation": give it once');
  const ok = parseCommand<{ task: string; input: string[] }>('prepare', ['--task', 'generation', '--task', 'generation', '--input', 'a', '--input', 'b', '--json', '--json'], opts);
  assert.equal(ok.values.task, 'generation');
  assert.deepEqual(ok.values.input, ['a', 'b']);
});

test('numberOption reads decimal numbers only: "" or " " was 0 (--temperature= sampled greedily), "0x10" was 16', () => {
  assert.equal(numberOption('temperature', ' 0.7 ', 0), 0.7);
  assert.equal(numberOption('temperature', '.5', 0), 0.5);
  assert.equal(numberOption('top-p', '1e-1', 1), 0.1);
  assert.equal(numberOption('x', '-2', 0), -2);
  assert.equal(numberOption('x', '3.', 0), 3);
  for (const bad of ['', ' ', '0x10', '0b1', 'Infinity', '1e999', '1,5,1', 'abc', '.', '1e']) {
    assert.throws(() => numberOption('temperature', bad, 0), (e) => isUserError(e) && e.message === `--temperature must be a number, got "${bad}"`, bad);
  }
  // a decimal comma says the number to write (was the bare refusal)
  assert.throws(() => numberOption('temperature', '1,5', 0), { message: '--temperature must be a number, got "1,5" (write 1.5: a decimal point)' });
  assert.throws(() => numberOption('top-p', '0,9', 1), { message: '--top-p must be a number, got "0,9" (write 0.9: a decimal point)' });
});

test('an unknown option gets a did-you-mean among the command\'s flags; a switch given a value says it takes none', () => {
  const opts = { prompt: { type: 'string' as const }, 'max-new-tokens': { type: 'string' as const }, json: { type: 'boolean' as const } };
  assert.throws(() => parseCommand('generate', ['--promt', 'hi'], opts), { message: 'unknown option --promt (did you mean --prompt?) (see mistral-tune generate --help)' });
  assert.throws(() => parseCommand('generate', ['--max_new_tokens', '3'], opts), { message: 'unknown option --max_new_tokens (did you mean --max-new-tokens?) (see mistral-tune generate --help)' });
  // a command's hints name what another tool's flag is here, ahead of the nearest spelling (--gguf is 3 edits from --help)
  const hints = { gguf: '--format gguf', quantize: '--quant' };
  assert.throws(() => parseCommand('export', ['--gguf'], { help: { type: 'boolean' }, format: { type: 'string' }, quant: { type: 'string' } }, false, hints),
    { message: 'unknown option --gguf (did you mean --format gguf?) (see mistral-tune export --help)' });
  assert.throws(() => parseCommand('export', ['--QUANTIZE=q8_0'], { quant: { type: 'string' } }, false, hints),
    { message: 'unknown option --QUANTIZE (did you mean --quant?) (see mistral-tune export --help)' });
  assert.throws(() => parseCommand('generate', ['--zzz'], opts), { message: 'unknown option --zzz (see mistral-tune generate --help)' });
  // the start of one flag's name, as argparse users abbreviate (was: no hint, --in being 3 edits from --input)
  const prepareOpts = { input: { type: 'string' as const }, out: { type: 'string' as const }, overwrite: { type: 'boolean' as const }, 'near-threshold': { type: 'string' as const } };
  assert.throws(() => parseCommand('prepare', ['--in', 'data'], prepareOpts), { message: 'unknown option --in (did you mean --input?) (see mistral-tune prepare --help)' });
  assert.throws(() => parseCommand('prepare', ['--near', '0.9'], prepareOpts), { message: 'unknown option --near (did you mean --near-threshold?) (see mistral-tune prepare --help)' });
  assert.throws(() => parseCommand('generate', ['--max-new', '3'], opts), { message: 'unknown option --max-new (did you mean --max-new-tokens?) (see mistral-tune generate --help)' });
  // the start of two (--ov is one; --o of --out and --overwrite none) is no answer by itself
  assert.throws(() => parseCommand('prepare', ['--ov'], prepareOpts), { message: 'unknown option --ov (did you mean --overwrite?) (see mistral-tune prepare --help)' });
  // was "--json needs a value"
  assert.throws(() => parseCommand('doctor', ['--json=true'], opts), { message: '--json takes no value: give --json alone, or leave it out (see mistral-tune doctor --help)' });
  assert.throws(() => parseCommand('generate', ['--prompt'], opts), { message: '--prompt needs a value (see mistral-tune generate --help)' });
});

test("train's --KEY= with an empty value (an unset shell variable) is refused: YAML would read it as null and unset the key", async () => {
  const { parse } = await import('../../src/cli/train-flags.ts');
  for (const argv of [['c.yaml', '--max_steps='], ['c.yaml', '--optimizer.lr', ''], ['c.yaml', '--data.val', ' ']]) {
    await assert.rejects(parse(argv), (e) => isUserError(e) && /^--(max_steps|optimizer\.lr|data\.val) is given an empty value: give it a value, or null to unset it/.test(e.message), argv.join(' '));
  }
});

test('train: the start of one of its flags is suggested (--res, --over), as for the other commands', async () => {
  const { parse } = await import('../../src/cli/train-flags.ts');
  await assert.rejects(parse(['c.yaml', '--res']), { message: /^unknown option --res: did you mean --resume\? / });
  await assert.rejects(parse(['c.yaml', '--over']), { message: /^unknown option --over: did you mean --overwrite\? / });
  await assert.rejects(parse(['c.yaml', '--dryrun']), { message: /^unknown option --dryrun: did you mean --dry-run\? / }); // the nearest still
});

test('a $NAME in a folder that is there (a project folder really named "q$x") is no unexpanded variable: a new --out inside it is taken', () => {
  // before: `--out "DIR/q$x/new"` was refused as naming a folder "$x", for the export's folder did not exist yet
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-dollar-'));
  try {
    fs.mkdirSync(path.join(dir, 'q$x'));
    const opts = { out: { type: 'string' as const } };
    const out = path.join(dir, 'q$x', 'new');
    assert.equal(parseCommand<{ out: string }>('export', ['--out', out], opts).values.out, out);
    assert.throws(() => parseCommand('export', ['--out', path.join(dir, 'q$x', '$NOPE_X', 'new')], opts),
      (e) => isUserError(e) && e.message.startsWith(`--out: "${path.join(dir, 'q$x', '$NOPE_X', 'new')}" holds $NOPE_X (an environment variable), which no shell expanded here, so it would name a folder "$NOPE_X" under ${path.join(dir, 'q$x')}: `));
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
