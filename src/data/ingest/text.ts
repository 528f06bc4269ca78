// Plain-text files: the whole file is one record (line 1), or with textSplit 'blank-lines' every block
// of non-blank lines is one record, whose line is the block's first line.
import { readLines } from '../../util/lines.ts';
import type { RawItem, ReadOptions } from './types.ts';

export function* readText(file: string, opts: ReadOptions = {}): Generator<RawItem> {
  const key = opts.textField ?? 'text';
  const item = (line: number, lines: string[]): RawItem => {
    const text = lines.join('\n');
    return { line, raw: text, value: { [key]: text } };
  };
  let lines: string[] = [];
  let start = 0;
  if (opts.textSplit !== 'blank-lines') {
    for (const { text } of readLines(file)) {
      opts.onBytes?.(Buffer.byteLength(text) + 1);
      lines.push(text);
    }
    yield item(1, lines);
    return;
  }
  for (const { text, lineNo } of readLines(file)) {
    opts.onBytes?.(Buffer.byteLength(text) + 1);
    if (text.trim() === '') {
      if (start > 0) yield item(start, lines);
      lines = [];
      start = 0;
      continue;
    }
    if (start === 0) start = lineNo;
    lines.push(text);
  }
  if (start > 0) yield item(start, lines);
}
