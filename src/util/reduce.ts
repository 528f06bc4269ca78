// Max and min over arrays of any length (Math.max(...xs) overflows the call stack past ~125k items).

export function maxOf<T>(xs: Iterable<T>, f: (x: T) => number, init = -Infinity): number {
  let m = init;
  for (const x of xs) {
    const v = f(x);
    if (v > m) m = v;
  }
  return m;
}

export function minOf<T>(xs: Iterable<T>, f: (x: T) => number, init = Infinity): number {
  return -maxOf(xs, (x) => -f(x), -init);
}
