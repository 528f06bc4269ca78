// mistral-tune dashboard's argument checks, in-process: the first mistake in command-line order is the one line said
// (a flag's bad value before a run folder given after it, and the other way round), and "no run directories" only once
// every argument is right; a folder of runs is said to be one only after every check. The flags before any run folder
// are checked by dashboard-flags.ts's parse (before the server loads), those after one by dashboard.ts, in the same order.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { run } from '../../src/cli/dashboard.ts';
import { parse } from '../../src/cli/dashboard-flags.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { RUN_GEN } from './helpers.ts';

test('dashboard reports the first mistake in command-line order; no runs found is said after every argument', async () => {
  const PORTED = '--allow-host: "box.lan:8765" has a port; give the name alone (box.lan): the Host check compares names, whatever the port';
  const cases: Array<[string[], string]> = [
    [['--allow-host', 'box.lan:8765'], PORTED], // no runs/ here: the flag typed is the mistake to say
    [['--allow-host', 'box.lan:8765', '/nonexistent/run'], PORTED],
    [['/nonexistent/run', '--allow-host', 'box.lan:8765'], '/nonexistent/run: no such run directory'],
    [['--port', 'abc', '--allow-host', 'a b'], '--port must be an integer from 0 to 65535 (0: any free port), got "abc"'],
    [['--allow-host', 'a b', '--port', 'abc'], '--allow-host: "a b" is no host name or address; give one such as mybox.lan'],
    [[path.dirname(RUN_GEN), '--host', ''], '--host needs an address, e.g. 127.0.0.1 or 0.0.0.0'],
    // an empty argument (an unset variable quoted, "$RUN") named nothing: "no such run directory"
    [[''], 'an empty run directory argument ("") names no folder: give a run folder (the output_dir of a train run)'],
  ];
  const cwd = process.cwd();
  process.chdir(tempDir('mt-dash-order-')); // a folder without runs/
  try {
    for (const [args, message] of cases) {
      // every check is made before run's first await; those of the flags before any run folder by parse, before the server loads
      const { result, stderr } = captureStderr(async () => run(parse(args)!));
      await assert.rejects(result, { name: 'UserError', message }, args.join(' '));
      assert.equal(stderr, '', `${args.join(' ')}: the error is the first line`);
    }
  } finally {
    process.chdir(cwd);
  }
});
