// Plain-text files: the whole file is one record (line 1), or with textSplit 'blank-lines' every block
// of non-blank lines is one record, whose line is the block's first line. A record holding a line that
// is not UTF-8 text is rejected (invalid_utf8 or binary, naming the first such line).
import { readLines } from '../../util/lines.ts';
import type { Rejection } from '../record.ts';
import { defectRejection, type RawItem, type ReadOptions } from './types.ts';

export function* readText(file: string, opts: ReadOptions = {}): Generator<RawItem> {
  const key = opts.textField ?? 'text';
  let error: Rejection | undefined;
  const item = (line: number, lines: string[]): RawItem => {
    const text = lines.join('\n');
    const it: RawItem = error ? { line, raw: text, error } : { line, raw: text, value: { [key]: text } };
    error = undefined;
    return it;
  };
  let lines: string[] = [];
  let start = 0;
  if (opts.textSplit !== 'blank-lines') {
    for (const { text, lineNo, defect } of readLines(file)) {
      opts.onBytes?.(Buffer.byteLength(text) + 1);
      if (defect) error ??= defectRejection(defect, lineNo);
      lines.push(text);
    }
    yield item(1, lines);
    return;
  }
  for (const { text, lineNo, defect } of readLines(file)) {
    opts.onBytes?.(Buffer.byteLength(text) + 1);
    if (text.trim() === '') {
      if (start > 0) yield item(start, lines);
      lines = [];
      start = 0;
      continue;
    }
    if (start === 0) start = lineNo;
    if (defect) error ??= defectRejection(defect, lineNo);
    lines.push(text);
  }
  if (start > 0) yield item(start, lines);
}
