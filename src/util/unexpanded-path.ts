// A path that still holds what a shell expands — a leading ~ (the home folder) or $NAME / ${NAME} (an environment
// variable) — was written where no shell read it: a YAML config, a quoted argument, or --out=~/x (a shell expands ~
// only at the start of a word). Taken as it is, it names a folder called "~" or "$HOME" under the current one, where
// a run or an export would silently land; so it is refused, saying what the shell would have made of it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const TILDE = /^~(?=\/|$)/;
const VARIABLE = /\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g;

/**
 * Why the path `p` (relative to `base`) is refused, or null: it holds a `~` or `$NAME` that no shell expanded in a part
 * that does not exist as written (a folder really named so is taken, and so is a new output inside it: `runs/$x/out`
 * where `runs/$x` is there).
 */
export function unexpandedPath(p: string, base: string): string | null {
  const tilde = TILDE.test(p);
  const found = tilde ? [{ index: 0, text: '~' }] : [...p.matchAll(VARIABLE)].map((m) => ({ index: m.index!, text: m[0] }));
  for (const { index, text } of found) {
    // the path through the part that holds it: a folder so named that is there is the user's own
    const end = p.slice(index).search(path.sep === '/' ? /\// : /[\\/]/);
    const part = path.resolve(base, end === -1 ? p : p.slice(0, index + end));
    if (fs.existsSync(part)) continue;
    const what = tilde ? '~ (the home folder)' : `${text} (an environment variable)`;
    return `"${p}" holds ${what}, which no shell expanded here, so it would name a folder "${path.basename(part)}" under ${path.dirname(part)}: write the path itself${guess(p, tilde)}`;
  }
  return null;
}

/** What a shell would have made of `p`, when every variable in it is set: ", e.g. /home/me/runs/x". */
function guess(p: string, tilde: boolean): string {
  let unset = false;
  const expanded = (tilde ? os.homedir() + p.slice(1) : p).replace(VARIABLE, (_, braced: string | undefined, bare: string | undefined) => {
    const value = process.env[braced ?? bare!];
    if (value === undefined) unset = true;
    return value ?? '';
  });
  return unset ? '' : ` (${expanded})`;
}
