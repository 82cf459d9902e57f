/**
 * Reading configuration from environment variables with messages that say which variable was
 * wrong and what was expected, so a bad knob in mesh.yaml shows up as one clear line in the
 * container's log instead of a NaN somewhere later.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export class EnvError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'EnvError';
  }
}

function present(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function envString(env: Env, name: string, fallback: string): string {
  return present(env, name) ?? fallback;
}

export function envRequired(env: Env, name: string, what: string): string {
  const value = present(env, name);
  if (value === undefined) throw new EnvError(name, `${name} is not set: expected ${what}`);
  return value;
}

export function envNumber(
  env: Env,
  name: string,
  fallback: number,
  range: { min: number; max: number; integer?: boolean },
): number {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const kind = range.integer ? 'an integer' : 'a number';
  if (
    !Number.isFinite(value) ||
    (range.integer && !Number.isInteger(value)) ||
    value < range.min ||
    value > range.max
  ) {
    throw new EnvError(
      name,
      `${name}=${JSON.stringify(raw)} is invalid: expected ${kind} from ${range.min} to ${range.max}`,
    );
  }
  return value;
}

export function envBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  throw new EnvError(name, `${name}=${JSON.stringify(raw)} is invalid: expected true/false (or 1/0)`);
}

/** An http(s) base URL such as the local sidecar's outbound listener; trailing slashes removed. */
export function envUrl(env: Env, name: string, what: string): string {
  const raw = envRequired(env, name, what);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EnvError(name, `${name}=${JSON.stringify(raw)} is not a URL: expected ${what}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EnvError(name, `${name}=${JSON.stringify(raw)} must be an http:// or https:// URL (${what})`);
  }
  return raw.replace(/\/+$/, '');
}
