import type { Apt } from './apt.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'missing';

export interface CheckResult {
  /**
   * `fail`: a required prerequisite is missing; `missing`: an optional one is; `warn`: present and
   * working, but something should change (a Node.js past its end of life). A warning never makes
   * `meshdev doctor` fail, and `--fix` leaves it to the user.
   */
  readonly status: CheckStatus;
  /** What was found (a version) or what is wrong. */
  readonly detail: string;
  /** A fix specific to what was found (e.g. permission denied on the socket); else the check's `fix`. */
  readonly fix?: string;
}

export interface FixContext {
  readonly apt: Apt;
  /** One line per sub-step, for long fixes (installing, waiting for dockerd). */
  readonly progress: (line: string) => void;
}

/** One prerequisite: how to check it, the command that fixes it, and (for `--fix`) how to apply that. */
export interface Check {
  readonly name: string;
  readonly title: string;
  /** Required checks make `meshdev doctor` exit 1; optional ones are reported only. */
  readonly required: boolean;
  /** Why meshdev needs it (shown with `missing` and `warn`). */
  readonly purpose: string;
  /** The exact commands a user runs (as root, unless the check only warns) to fix it. */
  readonly fix: string;
  run(): Promise<CheckResult>;
  /** Installs/starts what is missing; returns a one-line summary of what it did. */
  apply?(ctx: FixContext): Promise<string>;
}
