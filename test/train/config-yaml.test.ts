// The training config as YAML text: line ends, encodings, invalid or non-plain YAML, several documents, merge keys,
// a data file given as the config — each refused in one line at its file:line:column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';
import { loadTrainConfig } from '../../src/train/config.ts';
import { tempDir } from '../temp-dir.ts';
import { file } from './config-file.ts';
import { FIXTURES, literal } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');

/** A check that the config `head` + text is refused with exactly `file:at: what`. */
function slipsAfter(head: string): (text: string, at: string, what: string) => void {
  return (text, at, what) => {
    const f = file(head + text);
    assert.throws(() => loadTrainConfig(f), { message: `${f}:${at}: ${what}` }, JSON.stringify(text));
  };
}

test('a carriage return alone ends a line (classic Mac line ends), as YAML says', () => {
  const cfg = loadTrainConfig(file('model: m\rdata:\r  train: t\rmax_steps: 2\r'));
  assert.equal(cfg.max_steps, 2);
  assert.equal(loadTrainConfig(file('model: m\r\ndata: {train: t}\r\nmax_steps: 3\r\n')).max_steps, 3);
  assert.throws(() => loadTrainConfig(file('model: m\rdata: {train: t}\rseed: -1\r')), /c\.yaml:3:1: seed:/);
});

test('invalid YAML is one line: file:line:column and the parser\'s first line', () => {
  // (a quote left open, this test's slip before, is named in our words: below)
  const f = file('model: m\ndata: {train: t}\nlora:\n  r: @4\n  alpha: 8\n');
  assert.throws(() => loadTrainConfig(f), (e: Error) => {
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, new RegExp(`^${literal(f)}:\\d+:\\d+: invalid YAML: \\S.*[^:]$`));
    return true;
  });
});

test('a key indented a space too far in or out, or by a tab, is named at its line with the indentation to write, not in the parser\'s words', () => {
  const head = 'model: m\ndata:\n  train: t\nlora:\n  r: 4\n';
  const slip = slipsAfter(head);
  // before: "c.yaml:5:6: invalid YAML: Nested mappings are not allowed in compact mappings" (at r's value, the line above)
  slip('   alpha: 8\n', '6:4', '"alpha" is indented 3 spaces, more than "r" above it (2), whose value is given (4): line it up with r, at 2 spaces');
  // before: "c.yaml:6:1: invalid YAML: All mapping items must start at the same column"
  slip(' alpha: 8\n', '6:2', '"alpha" is indented 1 space, between lora\'s keys (2) and the top-level keys (0): indent it 2 spaces to keep it under lora, or 0 for a top-level key');
  // before: "c.yaml:6:1: invalid YAML: Tabs are not allowed as indentation"
  slip('\talpha: 8\n', '6:1', 'a tab indents "alpha": YAML indents with spaces only: indent it with spaces (2, as "r" above)');
  slip('seed: 1\n\tmax_steps: 2\n', '7:1', 'a tab indents "max_steps": YAML indents with spaces only: indent it with spaces (0, as "seed" above)');
  slip('optimizer:\n\tlr: 1e-4\n', '7:1', 'a tab indents "lr": YAML indents with spaces only: indent it with spaces (2 under optimizer:)');
  // the first key of a section sets its column; a later one out of line with it is the slip
  slip('optimizer:\n    lr: 1e-4\n  eps: 1e-6\n', '8:3', '"eps" is indented 2 spaces, between optimizer\'s keys (4) and the top-level keys (0): indent it 4 spaces to keep it under optimizer, or 0 for a top-level key');
  // a list under a key, at its column or further in, is no slip; a key out of line after it is
  slip('  target_modules:\n  - q_proj\n  - v_proj\n alpha: 8\n', '9:2', '"alpha" is indented 1 space, between lora\'s keys (2) and the top-level keys (0): indent it 2 spaces to keep it under lora, or 0 for a top-level key');
  // the first key after the model's line
  const f = file('model: m\n data:\n  train: t\n');
  assert.throws(() => loadTrainConfig(f), { message: `${f}:2:2: "data" is indented 1 space, more than "model" above it (0), whose value is given (m): line it up with model, at 0 spaces` });
  // a block scalar's lines are its text, not keys; a slip after it is still found
  const h = file('model: m\ndata: {train: t}\noutput_dir: >-\n  runs/\n     x\n seed: 4\n');
  assert.throws(() => loadTrainConfig(h), { message: `${h}:6:2: "seed" is indented 1 space, more than "output_dir" above it (0), whose value is given (>-): line it up with output_dir, at 0 spaces` });
  // train --dry-run says the same line, and exits 2
  const g = file(`${head} alpha: 8\n`);
  const r = spawnSync(process.execPath, [BIN, 'train', g, '--dry-run'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, `error: ${g}:6:2: "alpha" is indented 1 space, between lora's keys (2) and the top-level keys (0): indent it 2 spaces to keep it under lora, or 0 for a top-level key\n`);
});

test('a bracket left open, one too many or of the other kind, a comma left out inside { }, or a Python tuple\'s ( ) is named at its line with what to write', () => {
  const head = 'model: m\ndata: {train: t}\n';
  const slip = slipsAfter(head);
  // before: "c.yaml:4:1: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }" (the next line)
  slip('lora: {r: 8, alpha: 16\nseed: 3\n', '3:7', 'a { left open (YAML reads on past the line for its }): close it on its line, lora: {r: 8, alpha: 16}');
  slip('lora: {r: 8, alpha: 16', '3:7', 'a { left open (YAML reads on past the line for its }): close it on its line, lora: {r: 8, alpha: 16}');
  slip('lora:\n  target_modules: [q_proj, v_proj  # two\nseed: 3\n', '4:19', 'a [ left open (YAML reads on past the line for its ]): close it on its line, target_modules: [q_proj, v_proj]');
  slip('lora: {r: 8, target_modules: [q_proj, v_proj}\n', '3:45', 'a } where the [ before it is still open: close that first, ]}');
  // before: "Unexpected flow-map-end token in YAML stream: "}""
  slip('lora: {r: 8, alpha: 16}}\n', '3:24', 'a } with no { open before it: remove it');
  // before: "Block collections are not allowed within flow collections"
  slip('optimizer: {lr: 1e-4 betas: [0.9, 0.99]}\n', '3:22', 'a comma is missing before betas: inside { } the items are separated by commas: write 1e-4, betas:');
  // before: "Nested mappings are not allowed in compact mappings"
  slip('lora: (r: 8, alpha: 16)\n', '3:7', 'YAML has no parentheses for a mapping or a list: write {r: 8, alpha: 16}');
  // a bracket in quotes is text; a mapping over two lines, indented, is YAML's
  assert.equal(loadTrainConfig(file('model: m\ndata: {train: "a[1.jsonl"}\nlora: {r: 8,\n  alpha: 4}\n')).lora.alpha, 4);
});

test('a decimal comma inside { } (lora: {dropout: 0,05}), two entries to YAML, says the number to write, in a file or a flag', () => {
  const slip = slipsAfter('model: m\ndata: {train: t}\n');
  // before: 'unknown key "lora.5"' alone (a block mapping's dropout: 0,05, one string, had its hint)
  slip('lora: {dropout: 0,05}\n', '3:17', 'lora.dropout: inside { } a comma separates entries, so YAML read 0,05 as dropout: 0 and a key 05: write dropout: 0.05 (a decimal point)');
  slip('optimizer: {lr: 2,5e-4, weight_decay: 0}\n', '3:17', 'optimizer.lr: inside { } a comma separates entries, so YAML read 2,5e-4 as lr: 2 and a key 5e-4: write lr: 2.5e-4 (a decimal point)');
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['lora', '{dropout: 0,05}']]),
    { message: '--lora: dropout: inside { } a comma separates entries, so YAML read 0,05 as dropout: 0 and a key 05: write dropout: 0.05 (a decimal point)' });
  // a comma between two keys is no decimal comma: `r: 8,alpha: 16` is two entries, as written
  assert.equal(loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {r: 8,alpha: 16}\n')).lora.alpha, 16);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {r: 8, 16}\n')), /unknown key "lora\.16"$/);
  // a whole-number key is told no fraction to write (was "write r: 8.16", which r refuses), in a file or a flag
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {r: 8,16}\n')), /:3:13: unknown key "lora\.16"$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['lora', '{r: 8,16}']]), { message: '--lora: unknown key "lora.16"' });
});

test('a quote never closed is named where it opens, with the line closed, not at the end of the file', () => {
  const slip = slipsAfter('model: m\ndata: {train: t}\n');
  const open = (q: string): string => `a ${q} left open (YAML reads on past the line, to the end of the file, for its closing ${q}): close it on its line`;
  // before: "c.yaml:6:1: invalid YAML: Missing closing \"quote" (the file's end, three lines below)
  slip('output_dir: "runs/x\nseed: 1\nmax_steps: 2\n', '3:13', `${open('"')}, output_dir: "runs/x"`);
  slip("seed: 1\nname: 'it''s\nmax_steps: 2\n", '4:7', `${open("'")}, name: 'it''s'`);
  slip('name: "a\\"\nseed: 1\n', '3:7', `${open('"')}, name: "a\\""`);
  // a bracket after the quote would be closed in the wrong place: no line to write
  slip('lora:\n  target_modules: ["q_proj, v_proj]\nseed: 1\n', '4:20', open('"'));
  // a quoted value over two lines, closed, and a quote in a plain value or a comment, are YAML's
  const cfg = loadTrainConfig(file("model: m\ndata: {train: t}\noutput_dir: \"runs/\n  x\"  # it's\nseed: 2\n"));
  assert.deepEqual([cfg.output_dir.endsWith('runs/ x'), cfg.seed], [true, 2]);
});

test('a bracket in a block scalar, a plain value or a comment is text: a slip after it is named, not the bracket', () => {
  const head = 'model: m\ndata: {train: t}\n';
  const slip = (text: string, at: string, what: RegExp): void => {
    const f = file(head + text);
    assert.throws(() => loadTrainConfig(f), (e: Error) => {
      assert.equal(e.message.slice(0, f.length + at.length + 2), `${f}:${at}:`, JSON.stringify(text));
      assert.match(e.message, what, JSON.stringify(text));
      return true;
    });
  };
  const alpha = /"alpha" is indented 1 space, between lora's keys \(2\) and the top-level keys \(0\)/;
  // before: "a { left open …: close it on its line, Answer {yes or no}" at the block scalar's line
  slip('system: |\n  Answer {yes or no\nlora:\n  r: 4\n alpha: 8\n', '7:2', alpha);
  // before: "a } where the [ before it is still open: close that first, ]}" at the text's line
  slip('system: |\n  match [a-z}\nlora:\n  r: 4\n alpha: 8\n', '7:2', alpha);
  slip('note: x[a}\nlora:\n  r: 4\n alpha: 8\n', '6:2', alpha);
  slip('note: a long\n  [text on two lines\nlora:\n  r: 4\n alpha: 8\n', '7:2', alpha);
  slip('lora:  # see {1\n  r: 4\n alpha: 8\n', '5:2', alpha);
  // a { at its line's end opens a mapping over lines by intent: the line not indented into it is the parser's to name
  // (was "close it on its line, lora: {}")
  slip('lora: {\n  r: 8,\nalpha: 16}\n', '5:1', /invalid YAML: Flow map in block collection must be sufficiently indented and end with a \}$/);
});

test('an indentation slip past comments and blank lines, of a quoted key, after a list or in a block scalar\'s text is named as what it is', () => {
  const head = 'model: m\ndata: {train: t}\n';
  const slip = slipsAfter(head);
  // before: the parser's "All mapping items must start at the same column" at the blank line 5
  slip('lora:\n  r: 4\n\n  # the scale\n\n alpha: 8\n', '8:2', '"alpha" is indented 1 space, between lora\'s keys (2) and the top-level keys (0): indent it 2 spaces to keep it under lora, or 0 for a top-level key');
  slip('lora:\n  r: 4\n  # the scale\n   alpha: 8\n', '6:4', '"alpha" is indented 3 spaces, more than "r" above it (2), whose value is given (4): line it up with r, at 2 spaces');
  // before: "\"\"" is indented 3 spaces, more than "\"\"" above it
  slip('lora:\n  "r": 4\n   \'alpha\': 8\n', '5:4', '"alpha" is indented 3 spaces, more than "r" above it (2), whose value is given (4): line it up with r, at 2 spaces');
  // a quoted value, and a list of them over lines, are shown as written (before: "whose value is given ([\"\", \"\"])")
  slip('lora:\n  target_modules: ["q_proj", \'v_proj\']\n   r: 8\n', '5:4', '"r" is indented 3 spaces, more than "target_modules" above it (2), whose value is given (["q_proj", \'v_proj\']): line it up with target_modules, at 2 spaces');
  slip('lora:\n  target_modules: ["q_proj",  # first\n    "v#[x"]\n   r: 8\n', '6:4', '"r" is indented 3 spaces, more than "target_modules" above it (2), whose value is given (["q_proj", "v#[x"]): line it up with target_modules, at 2 spaces');
  slip('lora:\n  - "q#x": 4\n     r: 8\n', '5:6', '"r" is indented 5 spaces, more than "q#x" above it (4), whose value is given (4): line it up with q#x, at 4 spaces');
  // before: "indent it 4 spaces to keep it under target_modules" (a list, which holds no key)
  slip('lora:\n  target_modules:\n    - q_proj\n    - v_proj\n   r: 8\n', '7:4', '"r" is indented 3 spaces, between target_modules\'s items (4) and lora\'s keys (2): indent it 2 spaces for a key of lora');
  // before: "\"shallow\" is indented 2 spaces, more than \"system\" above it (0), whose value is given (|): line it up with system"
  slip('system: |\n    deep\n  shallow\nseed: 1\n', '5:3', 'a line of system\'s text (|) is indented 2 spaces, less than its first line (4): YAML takes the text\'s indentation from its first line: indent it 4 spaces');
  // `|2` gives its text's indentation: a line further in than that is text
  slip('system: |2\n    deep\n  shallow\nseed: 1\n  x: 2\n', '7:3', '"x" is indented 2 spaces, more than "seed" above it (0), whose value is given (1): line it up with seed, at 0 spaces');
  slip('system: |\n  a\n\tb\nseed: 1\n', '5:1', 'a tab indents a line of system\'s text (|): YAML indents with spaces only: indent it 2 spaces, as its first line');
});

test('an indentation slip after a list or mapping in brackets over several lines is named at its line, as after one on one line', () => {
  const head = 'model: m\ndata: {train: t,\n  val: v}\nlora:\n  target_modules: [q_proj,  # the query [\n    v_proj]\n';
  const slip = slipsAfter(head);
  // before: "invalid YAML: Nested mappings are not allowed in compact mappings" (at r's value), "All mapping items must
  // start at the same column" at column 1, "Tabs are not allowed as indentation": the walk stopped at the "[" left open
  slip('   r: 8\n', '7:4', '"r" is indented 3 spaces, more than "target_modules" above it (2), whose value is given ([q_proj, v_proj]): line it up with target_modules, at 2 spaces');
  slip(' r: 8\n', '7:2', '"r" is indented 1 space, between lora\'s keys (2) and the top-level keys (0): indent it 2 spaces to keep it under lora, or 0 for a top-level key');
  slip('  r: 8\n alpha: 4\n', '8:2', '"alpha" is indented 1 space, between lora\'s keys (2) and the top-level keys (0): indent it 2 spaces to keep it under lora, or 0 for a top-level key');
  slip('\talpha: 8\n', '7:1', 'a tab indents "alpha": YAML indents with spaces only: indent it with spaces (2, as "target_modules" above)');
  slip('seed: 1\n max_steps: 2\n', '8:2', '"max_steps" is indented 1 space, more than "seed" above it (0), whose value is given (1): line it up with seed, at 0 spaces');
  // a bracket in quotes is text; one never closed is still the bracket's slip
  slip('  r: 8\n  alpha: [4\n', '8:10', 'a [ left open (YAML reads on past the line for its ]): close it on its line, alpha: [4]');
  const ok = loadTrainConfig(file(`${head}  r: 8\n  dropout: 0.1\nseed: 2\n`));
  assert.deepEqual([ok.lora.target_modules, ok.lora.r, ok.seed], [['q_proj', 'v_proj'], 8, 2]);
});

test('a config of two YAML documents names the second one\'s "---", not the parser\'s advice to its callers', () => {
  const f = file('model: m\ndata: {train: t}\n---\nseed: 3\n');
  assert.throws(() => loadTrainConfig(f), { message: `${f}:3:1: invalid YAML: a config is one YAML document, but "---" starts a second one here` });
  // a "---" that starts or ends the config, with nothing but comments after it, is no second document (was refused)
  assert.equal(loadTrainConfig(file('---\nmodel: m\ndata: {train: t}\nseed: 2\n---\n# end\n\n')).seed, 2);
});

test('a data file given as the config (train prepared/train.jsonl) says to give it as data.train', () => {
  const dir = tempDir('mt-cfg-data-');
  const jsonl = path.join(dir, 'train.jsonl');
  fs.writeFileSync(jsonl, '{"text": "a"}\n{"text": "b"}\n');
  assert.throws(() => loadTrainConfig(jsonl), { message: `${jsonl}:2:1: invalid YAML: Unexpected flow-map-start at node end (a data file? train takes a YAML config; data goes in data.train, e.g. --data.train ${jsonl})` });
  const json = path.join(dir, 'rows.json');
  fs.writeFileSync(json, '[{"text": "a"}]\n');
  assert.throws(() => loadTrainConfig(json), { message: `${json}: the config must be a YAML mapping of keys to values (a data file? train takes a YAML config; data goes in data.train, e.g. --data.train ${json})` });
});

test('a YAML tag the parser cannot resolve (!!js/function) is a one-line error at its line:column naming the tags read, not a YAMLWarning on stderr and a string', () => {
  const f = file('model: m\ndata: {train: t}\nseed: !!js/function "function () {}"\n');
  assert.throws(() => loadTrainConfig(f), { message: `${f}:3:7: a YAML tag (!!js/function): a config reads only YAML 1.2's core tags (!!str, !!int, !!float, !!bool, !!null); write the value without it` });
});

test('a tag a config does not read (!foo 3) is named at the tag\'s file:line:column, not at its value\'s, wherever it is written', () => {
  // before: the column of the value after the tag (`max_steps: !foo 3` at the 3)
  const head = 'model: m\ndata: {train: t}\n';
  const at = (text: string, line: number, col: number, tag: string): void => {
    const f = file(head + text);
    assert.throws(() => loadTrainConfig(f), { message: `${f}:${line}:${col}: a YAML tag (${tag}): a config reads only YAML 1.2's core tags (!!str, !!int, !!float, !!bool, !!null); write the value without it` }, text);
  };
  at('max_steps: !foo 3\n', 3, 12, '!foo');
  at('lora:\n  r: !foo 3\n', 4, 6, '!foo');
  at('lora: {target_modules: [q_proj, !m v_proj]}\n', 3, 33, '!m');
  at('seed: &s !foo 3\n', 3, 10, '!foo'); // an anchor before it
  at('output_dir: "!x"\neval: |\n  !y\nseed: !!int 3 # !z\nmax_steps: !foo 3\n', 7, 12, '!foo'); // "!" in text and comments is no tag
  const mapping = file(head + 'lora: !l\n  r: 4\n'); // on a mapping, written on the line before it
  assert.throws(() => loadTrainConfig(mapping), { message: `${mapping}:3:7: a !l mapping: write a plain one ({key: value})` });
});

test('YAML 1.2 core tags are read as the core schema says (!!float 16 is 16); one its value does not fit, and !!str on a number, say what to write', () => {
  const head = 'model: m\ndata: {train: t}\n';
  // before: "invalid YAML: Unresolved tag: tag:yaml.org,2002:float" (the library's !!float wants a dot or an exponent)
  const cfg = loadTrainConfig(file(head + 'batch_size: !!float 16\noptimizer: {lr: !!float 1e-4}\n'), [['grad_accum', '!!float 2']]);
  assert.deepEqual([cfg.batch_size, cfg.optimizer.lr, cfg.grad_accum], [16, 1e-4, 2]);
  const f = file(head + 'seed: !!int 3.0\n');
  assert.throws(() => loadTrainConfig(f), { message: `${f}:3:7: a YAML !!int tag on "3.0", which is no int in YAML 1.2: write the value without the tag (or one the tag takes)` });
  assert.throws(() => loadTrainConfig(file(head), [['seed', '!!bool yes']]), { message: '--seed: a YAML !!bool tag on "yes", which is no bool in YAML 1.2: write the value without the tag (or one the tag takes)' });
  // before: "(write it without quotes: …)", of quotes it does not have
  const s = file(head + 'batch_size: !!str 8\n');
  assert.throws(() => loadTrainConfig(s), { message: `${s}:3:1: batch_size: must be a number (got !!str 8) (write it without the !!str tag, which makes it a string where a number is wanted)` });
});

test('YAML nested past 64 lists or mappings is one line at its file:line:column, not "Maximum call stack size exceeded"', () => {
  const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
  const message = "lists or mappings nested 64 deep: a config's keys are a few levels deep at most (lora: {r: 8}); remove the extra nesting";
  const flow = file(`model: m\ndata: {train: t}\nlora: {target_modules: ${deep(20_000)}}\n`);
  assert.throws(() => loadTrainConfig(flow), { message: `${flow}:3:86: ${message}` });
  const block = file(`model: m\n${Array.from({ length: 3000 }, (_, i) => `${'  '.repeat(i)}k${i}:\n`).join('')}`);
  assert.throws(() => loadTrainConfig(block), { message: `${block}:66:129: ${message}` });
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\n'), [['lora.target_modules', deep(20_000)]]), { message: `--lora.target_modules: ${message}` });
});

test('quoted values that are deep YAML ("- - - … x") are refused as strings in one line; the advice does not parse them', () => {
  // the advice read each quoted number as YAML to say "write it without quotes": the first overflowed the parser's
  // stack (caught), the second killed node (FATAL ERROR: RegExpCompiler Allocation failed, exit 134). A process of its
  // own: one whose regular expressions earlier tests had compiled only overflowed, and gave the right error.
  const deep = `"${'- '.repeat(3000)}x"`;
  const f = file(`model: m\ndata: {train: t}\nmax_steps: ${deep}\nseed: ${deep}\n`);
  const r = spawnSync(process.execPath, [BIN, 'train', f, '--dry-run'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr.slice(0, 500));
  assert.match(r.stderr, new RegExp(`^error: ${literal(f)}:3:1: max_steps: must be a number \\(got the string "- - -.*; ${literal(f)}:4:1: seed: must be a number .*\n$`));
});

test('YAML that is not plain (!!omap, !!set, !!binary, a date, a list as a key) is refused at its file:line:column, not read as something else', () => {
  const head = 'model: m\ndata: {train: t}\n';
  const refused = (text: string, line: number, col: number, what: RegExp): void => {
    const f = file(head + text);
    assert.throws(() => loadTrainConfig(f), (e: Error) => e.message.startsWith(`${f}:${line}:${col}: `) && what.test(e.message) && !e.message.includes('\n'), text);
  };
  // an ordered map was read as an empty mapping: lora.r silently the default 8
  refused('lora: !!omap [r: 4]\n', 3, 7, /a !!omap list: write a plain mapping or list$/);
  refused('lora: {target_modules: !!set {q_proj, v_proj}}\n', 3, 24, /a !!set mapping/);
  // bytes: each of a Buffer's methods was reported as an unknown key
  refused('output_dir: !!binary aGVsbG8=\n', 3, 13, /a !!binary value, which no config key takes$/);
  refused('seed: !!timestamp 2001-12-14\n', 3, 7, /a date \(YAML reads 2001-12-14 as one\): quote it/);
  const dated = file('%YAML 1.1\n---\n' + head + 'output_dir: 2001-12-14\n'); // YAML 1.1 reads it as a date unasked
  assert.throws(() => loadTrainConfig(dated), (e: Error) => e.message.startsWith(`${dated}:5:13: a date`));
  refused('? [a, b]\n: c\n', 3, 3, /a key that is a list or mapping/);
  // a flag's value is held to the same, blamed on the flag
  assert.throws(() => loadTrainConfig(file(head), [['lora', '!!omap [r: 4]']]), /--lora: a !!omap list/);
  // plain YAML, tags that give plain values, anchors and aliases are read as before
  const cfg = loadTrainConfig(file(head + 'lora: &l {r: 4, alpha: 8}\noutput_dir: !!str runs/x\nseed: !!int "3"\neval: {batch_size: 2}\n'));
  assert.equal(cfg.lora.r, 4);
  assert.equal(cfg.seed, 3);
});

test('a YAML merge key (<<: *defaults) is named as one, not given a did-you-mean; a short unknown key gets none it shares nothing with', () => {
  const f = file('defaults_lora: &d {r: 4}\nmodel: m\ndata: {train: t}\nlora:\n  <<: *d\n');
  assert.throws(() => loadTrainConfig(f), (e: Error) => e.message.includes('unknown key "lora.<<": YAML merge keys (<<: *anchor) are not read; write the keys themselves') && !e.message.includes('did you mean "lora.r"'));
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {xy: 1}\n')), (e: Error) => e.message.includes('unknown key "lora.xy"') && !e.message.includes('did you mean'));
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t}\nlora: {rr: 1}\n')), /unknown key "lora\.rr" \(did you mean "lora\.r"\?\)/);
});

test('a config that is not UTF-8 text is refused where it is, not read with U+FFFD in a path', () => {
  const dir = tempDir('mt-config-enc-');
  const latin1 = path.join(dir, 'latin1.yaml');
  fs.writeFileSync(latin1, Buffer.from('model: caf\xe9\ndata: {train: t}\n', 'latin1'));
  // was: model "caf\uFFFD", then "model folder not found"
  assert.throws(() => loadTrainConfig(latin1), { message: `${latin1}:1:11: bytes that are not UTF-8: save the config as UTF-8` });
  // a config that ends inside a character (a copy cut short) was told to be saved as UTF-8, which it is
  for (const [name, end] of [['cut', ''], ['cut-lf', '\n'], ['cut-crlf', '\r\n']]) {
    const cut = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(cut, Buffer.concat([Buffer.from('model: m\ndata: {train: t}\nrun_name: "'), Buffer.from([0xe2, 0x82]), Buffer.from(end)]));
    assert.throws(() => loadTrainConfig(cut), { message: `${cut}:3:12: the file ends inside a UTF-8 character (byte 12 of line 3 begins one, whose other ` +
      'bytes are missing): cut short? An incomplete download or copy: download or copy it again' }, name);
  }
  // a Latin-1 config whose one accented letter ends it is as likely as one cut short: both are said
  const cafe = path.join(dir, 'cafe.yaml');
  fs.writeFileSync(cafe, Buffer.from('model: m\ndata: {train: t}\nrun_name: caf\xe9', 'latin1'));
  assert.throws(() => loadTrainConfig(cafe), { message: `${cafe}:3:14: the file ends inside a UTF-8 character (byte 14 of line 3 begins one, whose other ` +
    "bytes are missing): cut short? An incomplete download or copy: download or copy it again — or it is Windows-1252 text ending in 'é' (its one byte " +
    'that is not ASCII): convert it, iconv -f WINDOWS-1252 -t UTF-8' });
  // a config whose last line is cut after a line in Latin-1: its encoding is what is wrong
  const both = path.join(dir, 'both.yaml');
  fs.writeFileSync(both, Buffer.concat([Buffer.from('model: caf\xe9\nrun_name: "', 'latin1'), Buffer.from([0xe2, 0x82])]));
  assert.throws(() => loadTrainConfig(both), { message: `${both}:1:11: bytes that are not UTF-8: save the config as UTF-8` });
  const utf16 = path.join(dir, 'utf16.yaml');
  fs.writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('model: m\ndata: {train: t}\n', 'utf16le')]));
  // was: "the config must be a YAML mapping of keys to values"
  assert.throws(() => loadTrainConfig(utf16), /utf16\.yaml: this is UTF-16 text .*convert it to UTF-8 first \(iconv -f UTF-16 -t UTF-8 \S+utf16\.yaml > converted\.yaml: the mark gives the byte order\)$/);
  const bom = path.join(dir, 'bom.yaml');
  fs.writeFileSync(bom, '\ufeffmodel: m\r\ndata: {train: t}\r\nseed: 4\r\n');
  assert.equal(loadTrainConfig(bom).seed, 4);
});

test('a null key (~, null or nothing before the colon) is refused at its file:line:column, not as unknown key "" at the file alone', () => {
  for (const [text, col] of [['~: x\n', 1], ['null: x\n', 1], ['lora:\n  ~: 4\n', 3], ['? \n: x\n', 3]] as const) {
    const f = file(`model: m\ndata: {train: t}\n${text}`);
    const line = text.startsWith('lora') ? 4 : 3;
    assert.throws(() => loadTrainConfig(f), (e: Error) => e.message === `${f}:${line}:${col}: a null key (~, null or none before the colon): keys are plain words`, text);
  }
});

test('a key given twice names the key and the line of its first, not the parser\'s bare "Map keys must be unique"', () => {
  const f = file('model: m\ndata: {train: t}\nlora:\n  r: 4\n  alpha: 8\n  r: 16\n');
  assert.throws(() => loadTrainConfig(f), { message: `${f}:6:3: lora.r is given twice (first at line 4): give it once` });
  // a whole section twice: YAML would not merge them
  const g = file('model: m\ndata:\n  train: t\nseed: 1\ndata:\n  val: v\n');
  assert.throws(() => loadTrainConfig(g), { message: `${g}:5:1: data is given twice (first at line 2): give it once, with all its keys under the one data:` });
  // a value that YAML reads as a mapping (a colon in a path) given for a key that was not one: no section to merge
  const k = file('model: m\ndata: {train: t}\noutput_dir: a\noutput_dir: runs/a: b\n');
  assert.throws(() => loadTrainConfig(k), { message: `${k}:4:1: output_dir is given twice (first at line 3): give it once` });
  // in a flow mapping too, on one line
  const h = file('model: m\ndata: {train: t, train: u}\n');
  assert.throws(() => loadTrainConfig(h), { message: `${h}:2:18: data.train is given twice (first at line 2): give it once` });
});

test('a key with no space after its colon (lr:1e-4), which YAML reads as text, says to add the space, not what the text is refused as', () => {
  const head = 'model: m\ndata: {train: t}\n';
  // a section's keys, read as one string: data's advice was "write data: {train: train:x.jsonl}"
  assert.throws(() => loadTrainConfig(file('model: m\ndata:\n  train:x.jsonl\n')), /c\.yaml:2:1: data: must be a mapping of keys to values \(got the string "train:x\.jsonl"\) \(YAML needs a space after a key's colon: write train: x\.jsonl\)$/);
  assert.throws(() => loadTrainConfig(file(`${head}optimizer:\n  lr:1e-4\n  eps:1e-8\n`)), /optimizer: .* \(YAML needs a space after a key's colon: write lr: 1e-4 and eps: 1e-8\)$/);
  // in a flow mapping, one key "r:16"
  assert.throws(() => loadTrainConfig(file(`${head}lora: {r:16}\n`)), /c\.yaml:3:8: unknown key "lora\.r:16" \(YAML needs a space after a key's colon: write r: 16\)$/);
  // the parser's refusal at a line that is such a key
  assert.throws(() => loadTrainConfig(file(`${head}max_steps:10\n`)), /c\.yaml:3:1: invalid YAML: .* \(YAML needs a space after a key's colon: write max_steps: 10\)$/);
  assert.throws(() => loadTrainConfig(file(`max_steps:10\n${head}`)), /c\.yaml:1:1: invalid YAML: .* \(YAML needs a space after a key's colon: write max_steps: 10\)$/);
  // a colon in a value that is not a key's (a URL, a Windows path, a word that is no key of the section) is no such key
  assert.throws(() => loadTrainConfig(file('model: m\ndata: s3:bucket/train.jsonl\n')), /c\.yaml:2:1: data: .* \(the data files are its keys: write data: \{train: s3:bucket\/train\.jsonl\}, or /);
  assert.throws(() => loadTrainConfig(file(`${head}optimizer: http://x\n`)), (e: Error) => !e.message.includes('space after'));
});

test('list items with no space after the dash (-q_proj), which YAML folds into one string, say to add the space', () => {
  const head = 'model: m\ndata: {train: t}\n';
  // was: "name them: [q_proj, k_proj, …]", as if the projections were misspelt
  assert.throws(() => loadTrainConfig(file(`${head}lora:\n  target_modules:\n    -q_proj\n    -v_proj\n`)),
    /c\.yaml:4:3: lora\.target_modules: a list of projections, or "all-linear", not the string "-q_proj -v_proj": YAML needs a space after a list item's dash: write - q_proj on each line, or \[q_proj, v_proj\]$/);
  // was: "a list: write [-neg, -pos]"
  assert.throws(() => loadTrainConfig(file(`${head}task: classification\nlabels:\n  -neg\n  -pos\n`)),
    /c\.yaml:4:1: labels: must be a list .* \(YAML needs a space after a list item's dash: write - neg on each line, or \[neg, pos\]\)$/);
  // numbers on lines of their own (`-1`, `-0.9`) are negatives, not items missing a space: the list is of the negatives
  assert.throws(() => loadTrainConfig(file(`${head}task: classification\nlabels:\n  -1\n  -2\n`)),
    /c\.yaml:4:1: labels: must be a list \(got the string "-1 -2"\) \(a list: write \[-1, -2\]\)$/);
  assert.throws(() => loadTrainConfig(file(`${head}optimizer:\n  betas:\n    -0.9\n    -0.999\n`)),
    /c\.yaml:4:3: optimizer\.betas: must be a list \(got the string "-0\.9 -0\.999"\) \(a list: write \[-0\.9, -0\.999\]\)$/);
});

test('an empty config (no text, comments alone, {}) is said to be empty, in one line naming the file', () => {
  // was: "model: missing (…); data: missing (…)"
  for (const text of ['', '\n\n', '# a config\n', '{}\n', '---\n']) {
    const f = file(text);
    assert.throws(() => loadTrainConfig(f), { message: `${f}: the config is empty: write at least model: (a model folder) and data: {train: FILE}` }, JSON.stringify(text));
  }
  // flags that give the keys still run it: the empty file adds none
  assert.equal(loadTrainConfig(file(''), [['model', 'm'], ['data.train', 't'], ['max_steps', '3']]).max_steps, 3);
});

test('an integer with a leading zero (seed: 010: 10 here, octal 8 to PyYAML) is warned of once, at its key and line', () => {
  const warnings = (text: string, overrides: Array<[string, string]> = []): string[] => {
    const { result, stderr } = captureStderr(() => loadTrainConfig(file(`model: m\ndata: {train: t}\n${text}`), overrides));
    assert.equal(typeof result, 'object');
    return stderr.split('\n').filter((l) => l.startsWith('warning: '));
  };
  assert.deepEqual(warnings('seed: 010\nlora: {r: 016}\n').map((l) => l.replace(/^warning: \S*c\.yaml/, '')).sort(), [
    ':3:1: seed: 010 has a leading zero: read as 10; PyYAML (YAML 1.1) reads 010 as octal 8 (write 10, or 0o10 for 8)',
    ':4:8: lora.r: 016 has a leading zero: read as 16; PyYAML (YAML 1.1) reads 016 as octal 14 (write 16, or 0o16 for 14)',
  ]);
  // once: the same file read again (a command reads its config more than once) says it no more
  const f = file('model: m\ndata: {train: t}\nseed: 010\n');
  const { stderr } = captureStderr(() => [loadTrainConfig(f), loadTrainConfig(f)]);
  assert.equal(stderr.split('\n').filter((l) => l.startsWith('warning: ')).length, 1, stderr);
  // by a flag: named by the flag
  assert.deepEqual(warnings('', [['seed', '010']]), ['warning: --seed: 010 has a leading zero: read as 10; PyYAML (YAML 1.1) reads 010 as octal 8 (write 10, or 0o10 for 8)']);
  // read alike by both (07, 00), not an integer (010.5), YAML 1.2's own octal (0o10), a string: no warning
  assert.deepEqual(warnings('seed: 07\nlora: {r: 08}\nmax_steps: 0o10\noptimizer: {lr: 010.5}\noutput_dir: "010"\n'), []);
});

test('an alias of no anchor above it, and aliases that expand too far, are named at the alias\'s line (was the file alone)', () => {
  const head = 'model: m\ndata: {train: t}\n';
  const refused = (text: string, message: string): void => {
    const f = file(head + text);
    assert.throws(() => loadTrainConfig(f), { message: `${f}:${message}` }, JSON.stringify(text));
  };
  // before: "c.yaml: invalid YAML: Unresolved alias (the anchor must be set before the alias): s"
  refused('seed: *s\nmax_steps: &s 3\n', '3:7: *s is an alias of no anchor &s above it: write &s before the value to repeat (or quote "*s" for the text)');
  refused('lora:\n  r: 4\n  alpha: *r\n', '5:10: *r is an alias of no anchor &r above it: write &r before the value to repeat (or quote "*r" for the text)');
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdef'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`), `g: [${Array(9).fill('*f').join(', ')}]`];
  refused(bomb.join('\n') + '\n', '4:8: the aliases expand past the parser\'s bound (its guard against YAML\'s "billion laughs", aliases of aliases that grow without end): write the values themselves');
  // 101 aliases of one number repeat no alias: the same bound, not said as aliases of aliases
  refused(`x: &a 1\nl: [${Array(101).fill('*a').join(', ')}]\n`, '4:5: the aliases expand past the parser\'s bound (its guard against YAML\'s "billion laughs", aliases of aliases that grow without end): write the values themselves');
  // an anchor above its alias is read
  assert.equal(loadTrainConfig(file(`${head}seed: &s 3\nmax_steps: *s\n`)).max_steps, 3);
});

test('an integer with a leading zero in a %YAML 1.1 document, read as octal there as PyYAML reads it, is not warned of as read in decimal', () => {
  // before: "seed: 010 has a leading zero: read as 10" where it was read as 8
  const { result, stderr } = captureStderr(() => loadTrainConfig(file('%YAML 1.1\n---\nmodel: m\ndata: {train: t}\nseed: 010\n')));
  assert.equal(result.seed, 8);
  assert.equal(stderr, '');
});

test('labels folded from lines, or written as text of "- " items, are refused naming the key and line, never read as one class', () => {
  const head = 'model: m\ndata: {train: t}\ntask: classification\n';
  const refused = (text: string, message: string): void => {
    const f = file(head + text);
    assert.throws(() => loadTrainConfig(f), { message: `${f}:${message}` }, JSON.stringify(text));
  };
  // before: labels ["neg - pos", "neutral"], two classes where three were meant, without a word
  refused('labels:\n- neg\n - pos\n- neutral\n', '5:3: labels.0: YAML read lines 5-6 as this one item, "neg - pos": an item\'s "- " indented further than the one above continues it: line up the dashes');
  refused('labels:\n  - neg\n  - pos\n     - neutral\n', '6:5: labels.1: YAML read lines 6-7 as this one item, "pos - neutral": an item\'s "- " indented further than the one above continues it: line up the dashes');
  // before: "(a list: write [neg, -, pos])", a class named "-"
  const asList = '(a list: write [neg, pos], or each item on a line of its own as "- neg" under the key, which has nothing after its colon (no | or >))';
  refused('labels: neg - pos\n', `4:1: labels: must be a list (got the string "neg - pos") ${asList}`);
  refused('labels:\n  neg\n  - pos\n', `4:1: labels: must be a list (got the string "neg - pos") ${asList}`);
  refused('labels: >\n  - neg\n  - pos\n', `4:1: labels: must be a list (got the string "- neg - pos\\n") ${asList}`);
  // a class name with " - " in it, on its line, is a name; so is one that YAML folds from lines without a dash
  assert.deepEqual(loadTrainConfig(file(`${head}labels:\n  - neg\n  - very - positive\n`)).labels, ['neg', 'very - positive']);
});

test('YAML 1.1 habits a config reads otherwise are said: a list item a space further in (folded into the item above), 0b101 (binary in YAML 1.1)', () => {
  const head = 'model: m\ndata: {train: t}\n';
  // before: "(only the projections of each decoder layer are adapted)"
  const f = file(`${head}lora:\n  target_modules:\n    - q_proj\n     - v_proj\n`);
  assert.throws(() => loadTrainConfig(f), { message: `${f}:5:7: lora.target_modules.0: YAML read lines 5-6 as this one item, "q_proj - v_proj": an item's "- " indented further than the one above continues it: line up the dashes` });
  // before: "seed: must be a number (got the string "0b101")" alone
  const g = file(`${head}seed: 0b101\n`);
  assert.throws(() => loadTrainConfig(g), { message: `${g}:3:1: seed: must be a number (got the string "0b101") (write 5: YAML 1.2 reads "0b101" as a string, where YAML 1.1 read binary)` });
  // 0x1F and 0o17 are YAML 1.2's integers
  assert.equal(loadTrainConfig(file(`${head}seed: 0x1F\n`)).seed, 31);
  assert.equal(loadTrainConfig(file(`${head}seed: 0o17\n`)).seed, 15);
});

test('a top-level key that only holds an anchor for aliases below is told to put the anchor where it is first used, not a "did you mean"', () => {
  // before: 'unknown key "x-lr" (did you mean "optimizer.lr"?)', and "loras" was "did you mean lora"
  const head = 'model: m\ndata: {train: t}\n';
  for (const [text, key, anchor] of [['x-lr: &lr 0.001\noptimizer:\n  lr: *lr\n', 'x-lr', 'lr'], ['loras: &l {r: 8}\nlora: *l\n', 'loras', 'l']] as const) {
    const f = file(head + text);
    assert.throws(() => loadTrainConfig(f), {
      message: `${f}:3:1: unknown key "${key}": it holds the anchor &${anchor}, and every key of a config is read as a setting: ` +
        `put &${anchor} on the first value that *${anchor} repeats (key: &${anchor} VALUE) and leave "${key}" out`,
    });
  }
  // a known key with an anchor is read, its alias too
  assert.equal(loadTrainConfig(file(`${head}seed: &s 3\nmax_steps: *s\n`)).max_steps, 3);
});

test('a config\'s YAML is parsed once, its depth checked on the same tokens (a config of 700,000 labels was parsed twice: 28 s of 81)', () => {
  const parse = YAML.Parser.prototype.parse;
  let parses = 0;
  YAML.Parser.prototype.parse = function* (this: YAML.Parser, ...args: Parameters<typeof parse>) {
    parses++;
    yield* parse.apply(this, args);
  };
  try {
    const cfg = loadTrainConfig(file('model: m\ndata: {train: t}\ntask: classification\nlabels: [neg, pos]\nseed: &s 3\nmax_steps: *s\n'));
    assert.deepEqual([cfg.labels, cfg.max_steps], [['neg', 'pos'], 3]);
    assert.equal(parses, 1);
    // an error is said as before, at its line and column
    const f = file('model: m\ndata: {train: t}\nlora: {r: 4\n');
    assert.throws(() => loadTrainConfig(f), (e: Error) => e.message.startsWith(`${f}:`) && !e.message.includes('\n'));
    // too deep is refused before it is composed
    assert.throws(() => loadTrainConfig(file(`model: m\nx: ${'['.repeat(100)}${']'.repeat(100)}\n`)), /c\.yaml:2:\d+: /);
  } finally {
    YAML.Parser.prototype.parse = parse;
  }
});
