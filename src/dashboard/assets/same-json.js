// Whether two values parsed from JSON (a run's report, config or test row, as the events carry them) hold the same
// content: each event parses them anew, so the same report comes as another object at every files event.

/**
 * `a` and `b` equal as JSON values: the same numbers, strings, booleans and nulls, arrays of equal items, objects of the
 * same keys in the same order with equal values. Walked with a stack of its own, not by recursion: a test row nested
 * thousands of levels deep is compared, not a stack overflow.
 */
export function sameJson(a, b) {
  const stack = [[a, b]];
  while (stack.length) {
    const [x, y] = stack.pop();
    if (x === y) continue;
    if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object' || Array.isArray(x) !== Array.isArray(y)) return false;
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    if (kx.length !== ky.length) return false;
    for (let i = 0; i < kx.length; i++) {
      if (kx[i] !== ky[i]) return false;
      stack.push([x[kx[i]], y[ky[i]]]);
    }
  }
  return true;
}
