// Byte counts as messages give them.

/** `bytes` in GiB with one decimal: "13.5 GiB". */
export function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}
