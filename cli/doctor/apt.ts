import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_DEBIAN_MIRROR, parseDebianMirror, privateAptOptions, privateSourcesList } from './apt-sources.js';
import { mustRun } from './exec.js';

/** Where the private apt state lives: lists and downloads for suites the system does not use. */
export const PRIVATE_APT_DIR = '/var/cache/meshdev/apt';
export const PRIVATE_SUITES = ['trixie', 'bullseye'] as const;
export type PrivateSuite = (typeof PRIVATE_SUITES)[number];

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };
const APT_TIMEOUT_MS = 15 * 60_000;

/** The mirror configured on this machine (deb822 file first, then the one-line sources.list). */
export async function systemDebianMirror(): Promise<string> {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    try {
      const mirror = parseDebianMirror(await readFile(file, 'utf8'));
      if (mirror !== undefined) return mirror;
    } catch {
      // missing file: try the next one
    }
  }
  return DEFAULT_DEBIAN_MIRROR;
}

/**
 * apt for `doctor --fix`: the system's own sources for bookworm packages (updated at most once per
 * run), and a private state for the trixie/bullseye downloads (also updated at most once).
 */
export class Apt {
  private systemUpdated = false;
  private privateUpdated = false;

  constructor(private readonly privateDir: string = PRIVATE_APT_DIR) {}

  async install(packages: readonly string[]): Promise<void> {
    if (!this.systemUpdated) {
      await mustRun('apt-get', ['update'], { env: APT_ENV, timeoutMs: APT_TIMEOUT_MS });
      this.systemUpdated = true;
    }
    await mustRun('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
      env: APT_ENV,
      timeoutMs: APT_TIMEOUT_MS,
    });
  }

  /**
   * Downloads one package from a suite the system does not track and unpacks it (dpkg -x, no
   * maintainer scripts run, nothing registered with dpkg). Returns the directory it was unpacked to.
   */
  async fetchFromSuite(pkg: string, suite: PrivateSuite): Promise<string> {
    const aptOptions = await this.privateOptions();
    const work = join(this.privateDir, 'work', `${pkg}-${suite}`);
    await rm(work, { recursive: true, force: true });
    await mkdir(join(work, 'root'), { recursive: true });
    // `pkg/suite` picks that suite's version even when another suite has a newer one.
    const spec = `${pkg}/${suite}`;
    await mustRun('apt-get', [...aptOptions, 'download', spec], { cwd: work, env: APT_ENV, timeoutMs: APT_TIMEOUT_MS });
    const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
    if (deb === undefined) throw new Error(`apt-get download ${spec} left no .deb in ${work}`);
    await mustRun('dpkg', ['-x', join(work, deb), join(work, 'root')]);
    return join(work, 'root');
  }

  /** Removes the downloaded .debs and unpacked trees (the lists stay, for the next run). */
  async cleanup(): Promise<void> {
    await rm(join(this.privateDir, 'work'), { recursive: true, force: true });
  }

  private async privateOptions(): Promise<string[]> {
    const dir = this.privateDir;
    const options = privateAptOptions(dir);
    if (!this.privateUpdated) {
      await mkdir(join(dir, 'lists', 'partial'), { recursive: true });
      await mkdir(join(dir, 'cache', 'archives', 'partial'), { recursive: true });
      await writeFile(join(dir, 'sources.list'), privateSourcesList(await systemDebianMirror(), PRIVATE_SUITES));
      await mustRun('apt-get', [...options, 'update'], { env: APT_ENV, timeoutMs: APT_TIMEOUT_MS });
      this.privateUpdated = true;
    }
    return options;
  }
}

/** Copies an executable into place atomically (a half-copied binary is never on PATH). */
export async function installExecutable(source: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.meshdev-tmp`;
  await copyFile(source, tmp);
  await chmod(tmp, 0o755);
  await rename(tmp, target);
}
