// An on/off environment variable: 1 or 0, unset or empty for its default; anything else a one-line error naming the
// variable and what each value does.
import { UserError } from './errors.ts';

export interface EnvSwitch {
  /** The value when the variable is unset or empty. */
  default: boolean;
  /** What 1 does, and (optionally) what 0 does, for the error's words. */
  on: string;
  off?: string;
}

export function envSwitch(env: NodeJS.ProcessEnv, name: string, s: EnvSwitch): boolean {
  const v = env[name] || (s.default ? '1' : '0');
  if (v !== '0' && v !== '1') throw new UserError(`${name}=${v}: expected 1 (${s.on}) or 0${s.off ? ` (${s.off})` : ''}`);
  return v === '1';
}
