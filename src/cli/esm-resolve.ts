// A bare package name (`--import some-pkg`, `--import @scope/pkg/sub`) resolved as Node resolves an --import: by its
// ESM resolution from the folder the process started in, whose "exports" conditions are "node", "import", the
// process's --conditions and "default" (require.resolve takes "require": a dual package's CommonJS file, and a package
// that exports for "import" only was an ERR_PACKAGE_PATH_NOT_EXPORTED). Node 20 offers no synchronous resolve from
// another folder without a flag (import.meta.resolve's second argument), so this follows its algorithm
// (https://nodejs.org/api/esm.html#resolution-algorithm-specification): the folder's own package by its name
// (PACKAGE_SELF_RESOLVE), else node_modules up the tree; "exports" (conditions, subpaths, "*" patterns, arrays), else
// "main" and index.js as Node's legacy main resolve. A specifier this does not cover ("#imports") is left to require.resolve.
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

type Exports = string | null | Exports[] | { [key: string]: Exports };

/** The conditions Node's ESM loader matches an "exports" target by, with the process's --conditions / -C. */
export function importConditions(argv: readonly string[]): string[] {
  const user = argv.flatMap((a, i) => (a === '--conditions' || a === '-C') && argv[i + 1] !== undefined ? [argv[i + 1]!]
    : a.startsWith('--conditions=') ? [a.slice(13)] : []);
  // Node 22.12+ (require(esm) on) matches "module-sync" too
  const moduleSync = (process.features as { require_module?: boolean }).require_module ? ['module-sync'] : [];
  return ['node', 'import', ...moduleSync, ...user];
}

/** `specifier` (a bare package name, with a subpath or not) as the URL Node's --import loads, from `folder`; null where this does not apply. */
export function resolveBarePackage(specifier: string, folder: string, conditions: readonly string[]): string | null {
  if (isBuiltin(specifier)) return `node:${specifier}`;
  const m = /^((?:@[^/\\%]+\/)?[^./\\%@][^/\\%]*)(\/.*)?$/.exec(specifier);
  if (!m) return null;
  const [, name, rest] = m;
  const subpath = `.${rest ?? ''}`;
  const self = selfPackage(folder);
  if (self !== null && self.json.name === name && self.json.exports !== undefined && self.json.exports !== null) {
    return exportsResolve(self.dir, subpath, self.json.exports as Exports, conditions, specifier);
  }
  for (let dir = path.resolve(folder); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'node_modules', name!);
    if (isDir(pkg)) {
      const json = readPackageJson(pkg) ?? {};
      if (json.exports !== undefined && json.exports !== null) return exportsResolve(pkg, subpath, json.exports as Exports, conditions, specifier);
      if (subpath === '.') return legacyMain(pkg, json.main, specifier);
      return existingFile(path.join(pkg, subpath), specifier);
    }
    if (path.dirname(dir) === dir) throw notFound(specifier, folder);
  }
}

/** PACKAGE_EXPORTS_RESOLVE: the target of `subpath` in `exports`, matched by the conditions. */
function exportsResolve(pkg: string, subpath: string, exports: Exports, conditions: readonly string[], specifier: string): string {
  const keys = exports !== null && typeof exports === 'object' && !Array.isArray(exports) ? Object.keys(exports) : [];
  const subpaths = keys.length > 0 && keys[0]!.startsWith('.');
  const map: Record<string, Exports> = subpaths ? exports as Record<string, Exports> : { '.': exports };
  let target: string | null = null;
  if (Object.hasOwn(map, subpath) && !subpath.includes('*')) target = targetResolve(pkg, map[subpath]!, null, conditions);
  else {
    // the longest matching "prefix*suffix" key (PATTERN_KEY_COMPARE)
    const matches = Object.keys(map).filter((k) => {
      const star = k.indexOf('*');
      return star >= 0 && star === k.lastIndexOf('*') && subpath.startsWith(k.slice(0, star)) && subpath !== k.slice(0, star) &&
        subpath.endsWith(k.slice(star + 1)) && subpath.length >= k.length;
    }).sort((a, b) => b.indexOf('*') - a.indexOf('*') || b.length - a.length);
    if (matches.length > 0) {
      const k = matches[0]!, star = k.indexOf('*');
      target = targetResolve(pkg, map[k]!, subpath.slice(star, subpath.length - (k.length - star - 1)), conditions);
    }
  }
  if (target === null) throw Object.assign(new Error(`package subpath '${subpath}' is not defined by "exports" in ${path.join(pkg, 'package.json')} (imported by --import ${specifier})`), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  return existingFile(target, specifier);
}

/** PACKAGE_TARGET_RESOLVE: a file path, or null where nothing matches (a null target, no matching condition). */
function targetResolve(pkg: string, target: Exports, star: string | null, conditions: readonly string[]): string | null {
  if (typeof target === 'string') {
    if (!target.startsWith('./')) return null; // a target outside the package (or a bare name) Node refuses
    return path.join(pkg, star === null ? target : target.replaceAll('*', star));
  }
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = targetResolve(pkg, t, star, conditions);
      if (r !== null) return r;
    }
    return null;
  }
  if (target === null) return null;
  for (const [key, value] of Object.entries(target)) {
    if (key !== 'default' && !conditions.includes(key)) continue;
    const r = targetResolve(pkg, value, star, conditions);
    // Node stops at a matching condition whose target is null (ERR_PACKAGE_PATH_NOT_EXPORTED); this falls through to
    // the next key. Only an exports map Node already refused reaches it: the main thread fails on it at start-up.
    if (r !== null) return r;
  }
  return null;
}

/** LEGACY_MAIN_RESOLVE: "main" with Node's extensions and index files, else index.js. */
function legacyMain(pkg: string, main: unknown, specifier: string): string {
  const tries = typeof main === 'string' && main !== ''
    ? ['', '.js', '.json', '.node', '/index.js', '/index.json', '/index.node'].map((x) => path.join(pkg, main + x)) : [];
  tries.push(...['index.js', 'index.json', 'index.node'].map((f) => path.join(pkg, f)));
  const found = tries.find((f) => isFile(f));
  if (found === undefined) throw notFound(specifier, pkg);
  return pathToFileURL(found).href;
}

/** The nearest package.json above `folder` (the folder's package scope) and its folder; null where there is none. */
function selfPackage(folder: string): { dir: string; json: Record<string, unknown> } | null {
  for (let dir = path.resolve(folder); ; dir = path.dirname(dir)) {
    if (path.basename(dir) === 'node_modules') return null;
    const json = readPackageJson(dir);
    if (json !== null) return { dir, json };
    if (path.dirname(dir) === dir) return null;
  }
}

function readPackageJson(dir: string): Record<string, unknown> | null {
  const file = path.join(dir, 'package.json');
  if (!isFile(file)) return null;
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  return json !== null && typeof json === 'object' && !Array.isArray(json) ? json as Record<string, unknown> : {};
}

function existingFile(file: string, specifier: string): string {
  if (!isFile(file)) throw notFound(specifier, file);
  return pathToFileURL(file).href;
}

function notFound(specifier: string, where: string): Error {
  return Object.assign(new Error(`cannot find package or file '${specifier}' (--import) from ${where}`), { code: 'ERR_MODULE_NOT_FOUND' });
}

const isFile = (f: string): boolean => fs.statSync(f, { throwIfNoEntry: false })?.isFile() ?? false;
const isDir = (f: string): boolean => fs.statSync(f, { throwIfNoEntry: false })?.isDirectory() ?? false;
