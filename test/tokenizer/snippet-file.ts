// A file of named Jinja snippets, as the differential probes read them (fixtures/jinja-probe-cases.txt,
// scripts/hf-check/jinja-diff-snippets.txt): each "## name" line starts a case, the lines after it are its template
// (one trailing blank line dropped).
import * as fs from 'node:fs';

/** The cases of the snippet file `file`, in order. */
export function readSnippetFile(file: string): { name: string; template: string }[] {
  const cases: { name: string; lines: string[] }[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('## ')) cases.push({ name: line.slice(3).trim(), lines: [] });
    else cases.at(-1)?.lines.push(line);
  }
  return cases.map(({ name, lines }) => ({ name, template: (lines.at(-1) === '' ? lines.slice(0, -1) : lines).join('\n') }));
}
