/**
 * Parsers for the version lines the prerequisites print. Pure, so the odd formats (Debian's
 * `2.26.1-4`, upstream's `v2.27.0`, the Python v1 `docker-compose version 1.29.2, build ...`) are
 * pinned down by unit tests rather than discovered on a user's machine.
 */

export interface ComposeVersion {
  readonly version: string;
  readonly major: number;
  /** True for the Go rewrite (Compose v2+): the only one with `up --wait` and the plugin form. */
  readonly isV2: boolean;
}

/** `docker compose version` output -> version, or undefined when it is not Compose at all. */
export function parseComposeVersion(output: string): ComposeVersion | undefined {
  const m = /(?:docker compose|docker-compose) version:?\s*v?(\d+)\.(\d+)\.(\d+)([^\s,]*)/i.exec(output);
  if (!m) return undefined;
  const major = Number(m[1]);
  return { version: `${m[1]}.${m[2]}.${m[3]}${m[4] ?? ''}`, major, isV2: major >= 2 };
}

/** `docker version --format {{.Server.Version}}` -> `20.10.24+dfsg1`; undefined when empty. */
export function parseServerVersion(output: string): string | undefined {
  const v = output.trim().split('\n')[0]?.trim();
  return v !== undefined && /^\d+\.\d+/.test(v) ? v : undefined;
}

/** `consul version` -> `1.8.7`. */
export function parseConsulVersion(output: string): string | undefined {
  return /Consul v(\d+\.\d+\.\d+\S*)/.exec(output)?.[1];
}

/** `prometheus --version` -> `2.42.0+ds`. */
export function parsePrometheusVersion(output: string): string | undefined {
  return /prometheus, version (\d+\.\d+\.\d+\S*)/.exec(output)?.[1];
}

/** `debootstrap --version` -> `1.0.128+nmu2+deb12u2`. */
export function parseDebootstrapVersion(output: string): string | undefined {
  return /debootstrap (\d+\.\d+\S*)/.exec(output)?.[1];
}

/** Why `docker version` could not reach the engine, from its stderr: decides which fix to print. */
export type EngineFailure = 'permission-denied' | 'not-running' | 'other';

export function classifyEngineFailure(stderr: string): EngineFailure {
  if (/permission denied/i.test(stderr)) return 'permission-denied';
  if (
    /cannot connect to the docker daemon|is the docker daemon running|no such file or directory|connection refused/i.test(
      stderr,
    )
  )
    return 'not-running';
  return 'other';
}
