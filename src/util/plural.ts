// A count with its noun, singular for one: "1 example", "2 examples" — what a line a user reads says of a one-record file.

/** `n` and the noun, in the plural (`plural`, default noun + "s") unless n is 1. */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
