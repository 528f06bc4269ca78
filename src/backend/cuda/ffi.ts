// Opens a CUDA library with koffi: the file findLibrary() picks, else the system loader's cache by soname;
// a failure is a UserError saying what was missing or broken and where it looked.
import { createRequire } from 'node:module';
import { UserError } from '../../util/errors.ts';
import { findLibrary, libraryHint, newerThanDriver, notFoundError, type LibrarySpec, type SearchOptions } from './find-libs.ts';

export type Koffi = typeof import('koffi');
export type KoffiLibrary = ReturnType<Koffi['load']>;
/** A bound C function: koffi converts the arguments and the result. */
export type KoffiFunction = (...args: unknown[]) => unknown;

export interface OpenOptions extends SearchOptions {
  /** After the folders, try the bare soname through the system loader's cache (default true). */
  systemCache?: boolean;
}

export function loadKoffi(): Koffi {
  try {
    return createRequire(import.meta.url)('koffi') as Koffi;
  } catch (e) {
    throw new UserError(`the koffi package (FFI) did not load: ${(e as Error).message}`);
  }
}

export interface OpenedLibrary {
  readonly koffi: Koffi;
  readonly lib: KoffiLibrary;
  /** The file opened, or the soname when the system cache resolved it. */
  readonly file: string;
}

/** Finds and opens `spec`; throws a UserError listing every place looked at when it cannot. */
export function openLibrary(spec: LibrarySpec, opts: OpenOptions = {}): OpenedLibrary {
  const koffi = loadKoffi();
  const found = findLibrary(spec, opts);
  const { file } = found;
  if (file) {
    try {
      return { koffi, lib: koffi.load(file), file };
    } catch (e) {
      throw new UserError(`${spec.what} found at ${file} but it failed to load: ${oneLine(e)}; ${libraryHint(spec, opts.maxMajor)}`);
    }
  }
  // the sonames of a CUDA the driver runs (maxMajor), which the error names as the ones asked for
  const sonames = spec.sonames.filter((n) => !newerThanDriver(spec, Number(/\.so\.(\d+)$/.exec(n)?.[1]), opts.maxMajor));
  if (opts.systemCache !== false) {
    for (const soname of sonames) {
      try {
        return { koffi, lib: koffi.load(soname), file: soname };
      } catch {
        // reported below with the folders
      }
    }
  }
  throw notFoundError(spec, found, opts.systemCache !== false ? [`the system loader cache (ldconfig: ${sonames.join(', ')})`] : []);
}

/**
 * Binds each of `signatures` ("int nvrtcVersion(int *major, int *minor)") in `lib`, opened from `file`. A file of the
 * right name that lacks one (another version, a partial copy, another library) is a one-line UserError naming the file
 * and the function, where koffi's plain Error crashed doctor with a stack trace.
 */
export function bindAll<K extends string>(lib: KoffiLibrary, file: string, spec: LibrarySpec, signatures: Readonly<Record<K, string>>): Record<K, KoffiFunction> {
  const bound = {} as Record<K, KoffiFunction>;
  for (const key of Object.keys(signatures) as K[]) {
    const name = /(\w+)\s*\(/.exec(signatures[key])![1]!;
    try {
      bound[key] = lib.func(signatures[key]) as KoffiFunction;
    } catch (e) {
      if (!/^Cannot find function/.test(oneLine(e))) throw e; // a signature koffi cannot read is a bug here, not the file's
      throw new UserError(`has no function ${name}, which ${spec.what} exports: another version of it, or a partial copy; ${spec.hint}`, file);
    }
  }
  return bound;
}

/** Binds the first of `names` the library exports (newer _v2 entry points first) with `signature` ("int %s(int)"). */
export function bindFirst(lib: KoffiLibrary, names: string[], signature: string): KoffiFunction {
  let last: unknown;
  for (const name of names) {
    try {
      return lib.func(signature.replace('%s', name)) as KoffiFunction;
    } catch (e) {
      last = e;
    }
  }
  throw new UserError(`none of ${names.join(', ')} found in the library: ${oneLine(last)}`);
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

