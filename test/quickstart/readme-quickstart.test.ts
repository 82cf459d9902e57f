import { readFile, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

/**
 * The README's quick start, run literally in a fresh clone, as a new user would: its first command
 * (`npm ci && npx meshdev up`) without a terminal, a request to the ingress it prints, then its
 * `npx meshdev down`. CI runs this first, on a machine from which .ci/cold-start removed every
 * meshdev image, the builder cache and the Docker engine: it proves the cold path and prints its
 * timings. On a developer's machine it runs warm.
 */

/** The quick start's commands: the lines of the README's first `sh` block, comments stripped. */
async function quickStartCommands(): Promise<string[]> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '');
}

/** The line after `up`'s summary that names how to stop it: `stop it with: npx meshdev down`. */
const STOP_LINE = /^stop it with: (.+)$/m;

let clone: string | undefined;
let up: ResultPromise | undefined;

/**
 * Ctrl-C as a terminal sends it: to the whole process group (the shell, npm, npx and meshdev), not
 * just to the shell, which would leave meshdev running.
 */
function interrupt(child: ResultPromise, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/** Everything this test started goes, whatever happened. */
afterAll(async () => {
  if (up !== undefined && up.exitCode === undefined) {
    interrupt(up, 'SIGINT');
    await Promise.race([up.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    interrupt(up, 'SIGKILL');
  }
  if (clone !== undefined) {
    await execa('npx', ['meshdev', 'down'], { cwd: clone, reject: false, stdin: 'ignore' });
    await rm(clone, { recursive: true, force: true });
  }
});

describe('README quick start', () => {
  it('goes from a fresh clone to a mesh that answers, and down again', { timeout: 900_000 }, async () => {
    const commands = await quickStartCommands();
    expect(commands[0]).toBe('npm ci && npx meshdev up');
    const timings: Array<[string, number]> = [];

    // A fresh clone of what is committed, plus uncommitted changes to tracked files, so that a
    // developer tests their work: `git stash create` makes that commit without touching their tree
    // (with an identity of its own: a CI machine may have none). Where it cannot, HEAD is cloned.
    const identity = ['-c', 'user.name=meshdev quickstart test', '-c', 'user.email=quickstart@meshdev.invalid'];
    const stashed = await execa('git', [...identity, 'stash', 'create'], { cwd: REPO_ROOT, reject: false });
    const stash = stashed.exitCode === 0 ? stashed.stdout.trim() : '';
    if (stashed.exitCode !== 0) {
      process.stdout.write(
        `git stash create failed (${stashed.stderr.trim() || `exit ${stashed.exitCode}`}): cloning HEAD\n`,
      );
    }
    clone = await mkdtemp(join(tmpdir(), 'meshdev-quickstart-'));
    await execa('git', ['clone', '--quiet', '--no-checkout', REPO_ROOT, clone]);
    await execa('git', ['checkout', '--quiet', stash === '' ? 'HEAD' : stash], { cwd: clone });

    // `npm ci && npx meshdev up`, exactly, through a shell, with no terminal: `up` then prints its
    // progress and summary and keeps following the status until interrupted.
    const started = Date.now();
    let output = '';
    let npmDoneAt: number | undefined;
    up = execa('sh', ['-c', commands[0]!], {
      cwd: clone,
      // A process group of its own, as a terminal's foreground job is (see interrupt).
      detached: true,
      stdin: 'ignore',
      all: true,
      buffer: false,
      reject: false,
      env: { NO_COLOR: '1' },
    });
    const summary = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no summary within 12 minutes:\n${output.slice(-4000)}`)),
        720_000,
      );
      up!.all!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (npmDoneAt === undefined && /starting mesh /.test(output)) npmDoneAt = Date.now();
        const m = /mesh \S+ is up[\s\S]*?stop it with: .+\n/.exec(output);
        if (m !== null) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      });
      void up!.then((r) => {
        clearTimeout(timer);
        reject(
          new Error(`\`${commands[0]}\` ended (exit ${r.exitCode}) before the mesh was up:\n${output.slice(-4000)}`),
        );
      });
    });
    const upDoneAt = Date.now();
    timings.push(['npm ci (with build)', (npmDoneAt ?? started) - started]);
    timings.push(['npx meshdev up', upDoneAt - (npmDoneAt ?? started)]);

    // The ingress it printed answers through the mesh: every service named in the answer.
    const ingress = /ingress\s+(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(summary)?.[1];
    expect(ingress, summary).toBeDefined();
    const res = await fetch(ingress!, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    const body = await res.text();
    for (const service of ['gateway', 'catalog', 'pricing', 'inventory']) expect(body).toContain(`${service}-`);

    // What it says it did with the images, and how to stop it: a line the user can paste.
    const stop = STOP_LINE.exec(summary)?.[1];
    expect(stop).toBe('npx meshdev down');
    // Ctrl-C: meshdev stops following and says the mesh keeps running (the shell and npm around
    // it end by the signal, as they do in a terminal).
    interrupt(up, 'SIGINT');
    await Promise.race([up, new Promise((r) => setTimeout(r, 15_000))]);
    await new Promise((r) => setTimeout(r, 500));
    expect(output).toMatch(/stopped following; the mesh keeps running \(`npx meshdev down` stops it\)/);
    expect((await execa('pgrep', ['-g', String(up.pid!)], { reject: false })).stdout.trim()).toBe('');

    const downStarted = Date.now();
    const down = await execa('sh', ['-c', stop!], { cwd: clone, stdin: 'ignore', all: true, reject: false });
    expect(down.exitCode, down.all).toBe(0);
    timings.push(['npx meshdev down', Date.now() - downStarted]);
    const left = await execa('docker', ['ps', '-aq', '--filter', 'label=com.docker.compose.project=meshdev-shop']);
    expect(left.stdout.trim()).toBe('');

    const steps = [...output.matchAll(/^\s*built (\S+) in ([\d.]+) s$/gm)].map(
      (m) => [m[1]!, Number(m[2]) * 1000] as [string, number],
    );
    const pulled = [...output.matchAll(/^\s*pulled (\S+)/gm)].map((m) => m[1]!);
    const lines = [
      '',
      `README quick start (${steps.length > 0 ? 'cold: images built' : pulled.length > 0 ? 'images pulled' : 'warm: images present'})`,
      ...timings.map(([what, ms]) => `  ${what.padEnd(44)} ${(ms / 1000).toFixed(1).padStart(6)} s`),
      ...steps.map(([image, ms]) => `    built ${image.padEnd(38)} ${(ms / 1000).toFixed(1).padStart(6)} s`),
      ...pulled.map((image) => `    pulled ${image}`),
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
});
