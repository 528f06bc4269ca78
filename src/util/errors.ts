// User-facing errors: what was wrong, where (file:line or key path), and what to do.
// The CLI prints these without a stack trace; anything else is a bug and keeps its stack.

export class UserError extends Error {
  override readonly name = 'UserError';
  /** The message without its place: what a caller that names the place otherwise re-raises it with. */
  readonly what: string;
  constructor(message: string, readonly where?: string) {
    super(where ? `${where}: ${message}` : message);
    this.what = message;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
