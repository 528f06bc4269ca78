// How many arguments by position jinja2's filters take after the value (their Python signatures, environment and
// context not counted): more fail there with a TypeError, so here too, where the filter functions would ignore
// them ([1, 2] | first(2) is 1, 'a' | default(1, 2, 3) is 'a'). Filters with *args (map, select, format) are absent.
const MOST: Record<string, number> = {
  string: 0, length: 0, count: 0, first: 0, last: 0, list: 0, items: 0, title: 0, capitalize: 0, upper: 0, lower: 0,
  reverse: 0, escape: 0, e: 0, safe: 0, forceescape: 0, wordcount: 0, urlencode: 0, pprint: 0, striptags: 0,
  trim: 1, float: 1, center: 1, attr: 1, filesizeformat: 1, xmlattr: 1,
  join: 2, default: 2, d: 2, int: 2, max: 2, min: 2, unique: 2, sum: 2, round: 2, batch: 2, slice: 2,
  sort: 3, dictsort: 3, indent: 3, replace: 3, groupby: 3,
  tojson: 4, truncate: 4, wordwrap: 4,
};

/** Fails as jinja2 does when the filter `name` is given more than its arguments. */
export function checkFilterArity(name: string, given: number): void {
  const most = MOST[name];
  if (most !== undefined && given > most) {
    throw new Error(`the filter ${name} takes ${most === 0 ? 'no argument' : `at most ${most} argument${most === 1 ? '' : 's'}`} after the value, got ${given} (jinja2's TypeError)`);
  }
}
