// The refusal of a backend that close() has run on (the CUDA backend gives its memory and context back, a model's
// weights with it), named by the library function given it: a model reused after its backend's close failed inside,
// "alloc on a closed CUDA backend" (a plain Error) or a CUDA error, and saveModelFolder wrote the freed memory's bytes.
import { UserError } from '../util/errors.ts';
import type { Backend } from './backend.ts';

/** Throws a UserError naming `fn` when `backend` (the one `what` is on, or is) was closed. */
export function needOpenBackend(fn: string, backend: Backend, what: 'model' | 'options.backend' | 'backend'): void {
  if (backend.isClosed !== true) return;
  if (what === 'model') throw new UserError("the model's backend is closed (close() gave its memory back, the model's weights with it): load the model again on an open backend (createBackend), and close that when done with the model", fn);
  throw new UserError(`${what} is closed (close() gave its memory back): give an open one (createBackend('${backend.name}'))`, fn);
}
