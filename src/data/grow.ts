// Growing a typed array: a copy of twice the length (or `size`), with the old contents at the start. The
// per-record tables of prepare (kept records, content entries, near-duplicate signatures) all grow so.

export type GrowableArray = Int8Array | Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array;

/** A new array of the same type and `size` elements (default: double), holding `a`'s elements first. */
export function grow<T extends GrowableArray>(a: T, size = a.length * 2): T {
  if (size < a.length) throw new Error(`grow: ${size} is smaller than the current ${a.length} elements`);
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
