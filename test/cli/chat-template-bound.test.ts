// A model's chat template that does exponential work inside one expression (a list doubled 40 times, then
// printed or |tojson'd) cannot hang generate: it renders on a worker thread with a capped heap that is
// terminated at the deadline, and the command ends with one line naming tokenizer_config.json (exit 2).
// Each CLI run goes through main() in this process (in-process-cli.ts: the same exit status, stdout and stderr; the
// renderer is a worker thread of the command's thread either way), where a process cost ~1 CPU-s of start-up, and is
// bounded by its test's timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTokenizerModel } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn } from './in-process-cli.ts';

const dir = tempDir('mt-template-bound-');
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
const model = await makeTokenizerModel(path.join(dir, 'model'));
const cfgFile = path.join(model, 'tokenizer_config.json');
const messages = path.join(dir, 'messages.json');
fs.writeFileSync(messages, JSON.stringify([{ role: 'user', content: 'Hi' }]));

// through a namespace: a plain {% set %} in a loop lasts one iteration (as in jinja2), so it would not accumulate
const DOUBLING = '{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}{% set x = ns.x %}OUT';

for (const [name, out] of [['printed', '{{ x }}'], ['|tojson', '{{ x | tojson }}']] as const) {
  test(`a template doubling a list 40 times and ${name} stops at the deadline`, { timeout: 30_000 }, async () => {
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, chat_template: DOUBLING.replace('OUT', out) }));
    const r = await cliIn(process.cwd(), ['generate', '--model', model, '--messages', messages, '--max-new-tokens', '1']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    assert.equal(errors.length, 1, r.stderr);
    assert.equal(errors[0]!.startsWith(`error: ${cfgFile}: chat_template: chat template stopped: `), true, errors[0]);
  });
}
