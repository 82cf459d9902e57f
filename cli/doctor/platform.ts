import { INVOCATION_FACTS, invocationFor } from '../invocation.js';

/** Whether `doctor --fix` may install things here. Pure: the caller reads uid, os-release and PATH. */

export interface PlatformFacts {
  /** process.getuid(); undefined on platforms without uids (Windows). */
  readonly uid: number | undefined;
  /** Content of /etc/os-release, undefined when absent. */
  readonly osRelease: string | undefined;
  readonly hasAptGet: boolean;
}

export type FixEligibility =
  { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly fix: string };

export function osReleaseField(osRelease: string, field: string): string | undefined {
  const m = new RegExp(`^${field}=(.*)$`, 'm').exec(osRelease);
  return m?.[1]?.trim().replace(/^"(.*)"$/, '$1');
}

export function isDebianLike(osRelease: string | undefined): boolean {
  if (osRelease === undefined) return false;
  const ids = [osReleaseField(osRelease, 'ID'), ...(osReleaseField(osRelease, 'ID_LIKE') ?? '').split(/\s+/)];
  return ids.some((id) => id === 'debian' || id === 'ubuntu');
}

export function fixEligibility(facts: PlatformFacts, meshdevOnPath = INVOCATION_FACTS.meshdevOnPath): FixEligibility {
  const { cli, rootCli } = invocationFor({ meshdevOnPath, uid: facts.uid });
  if (!isDebianLike(facts.osRelease) || !facts.hasAptGet) {
    const name =
      facts.osRelease === undefined ? 'this system' : (osReleaseField(facts.osRelease, 'PRETTY_NAME') ?? 'this system');
    return {
      ok: false,
      reason: `\`${cli} doctor --fix\` installs with apt on Debian/Ubuntu; ${name} is not one.`,
      fix: `Install the missing prerequisites listed above with your system tools, then run \`${cli} doctor\` again.`,
    };
  }
  if (facts.uid !== 0) {
    return {
      ok: false,
      reason: `\`${cli} doctor --fix\` installs system packages and starts dockerd, which needs root.`,
      fix: `Run it with sudo: \`${rootCli} doctor --fix\`.`,
    };
  }
  return { ok: true };
}
