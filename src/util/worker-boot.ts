// The entry source of a worker thread that runs one of our modules (new Worker(source, {eval: true})): in
// development, run through tsx, a worker does not inherit the main thread's --import hooks, so the entry registers
// tsx first and imports the module's .ts; built (dist/), it imports the compiled .js. A failed start runs
// `onFailure`, source with the error as `e` and the worker's `workerData` in scope, so that the caller waiting on
// the worker hears of it instead of waiting on.
const DEV = import.meta.url.endsWith('.ts');
const TSX = DEV ? import.meta.resolve('tsx/esm/api') : ''; // resolved here: the worker's code has no module path

/** The thread module `name` (without extension) beside the module at `base` (its import.meta.url). */
export function threadModule(name: string, base: string): URL {
  return new URL(`./${name}${DEV ? '.ts' : '.js'}`, base);
}

export function workerBoot(thread: URL, onFailure: string): string {
  return `
const { workerData } = require('node:worker_threads');
(${DEV} ? import(${JSON.stringify(TSX)}).then((tsx) => tsx.register()) : Promise.resolve())
  .then(() => import(${JSON.stringify(thread.href)}))
  .catch((e) => {
    ${onFailure}
  });
`;
}
