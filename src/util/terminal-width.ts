// How many terminal columns a text takes, for tables whose cells hold user text (eval's per-class table and confusion
// matrix name the classes): a Chinese, Japanese or Korean character or a full-width form takes two (Unicode's East Asian
// Wide and Fullwidth, as wcwidth counts them), a combining mark, a zero-width joiner or a variation selector none.

/** Code point ranges [first, last] that take two columns. */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf],
  [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe30, 0xfe4f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff], [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200f\ufe00-\ufe0f]$/u;

/** The columns `text` takes on a terminal. */
export function terminalWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ZERO_WIDTH.test(ch)) continue;
    width += WIDE.some(([first, last]) => c >= first && c <= last) ? 2 : 1;
  }
  return width;
}

/** `text` padded with spaces after it to `columns` terminal columns (padEnd by width, not by UTF-16 units). */
export function padEndColumns(text: string, columns: number): string {
  return text + ' '.repeat(Math.max(0, columns - terminalWidth(text)));
}

/** `text` padded with spaces before it to `columns` terminal columns. */
export function padStartColumns(text: string, columns: number): string {
  return ' '.repeat(Math.max(0, columns - terminalWidth(text))) + text;
}
