import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The services as they run in the container: bundled by esbuild into one file (as
 * compose/bundle-runtime.mjs does for services/entry.ts) and started as a process. Checks that
 * the code bundles, that a bad variable exits 2 with one clear line, and that SIGTERM exits 0.
 */

const here = fileURLToPath(new URL('.', import.meta.url));
let dir = '';
let bundle = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshdev-services-bundle-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    `const [role, name] = process.argv.slice(2);
if (role === 'service') await (await import(${JSON.stringify(join(here, 'index.ts'))})).runDemoService(name ?? '');
else await (await import(${JSON.stringify(join(here, '../loadgen/main.ts'))})).runLoadgenFromEnv();
`,
  );
  bundle = join(dir, 'runtime.mjs');
  await build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'silent',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}, 30_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the bundle; `whenStarted` gets the first stdout line and may signal the process. */
function run(
  args: string[],
  env: Record<string, string>,
  whenStarted?: (line: string, kill: () => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    const out = { stdout: '', stderr: '' };
    const deadline = setTimeout(() => child.kill('SIGKILL'), 8000);
    let started = false;
    child.stdout.on('data', (d: Buffer) => {
      out.stdout += String(d);
      if (!started && out.stdout.includes('\n') && whenStarted) {
        started = true;
        whenStarted(out.stdout.split('\n')[0]!, () => child.kill('SIGTERM'));
      }
    });
    child.stderr.on('data', (d: Buffer) => (out.stderr += String(d)));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(deadline);
      resolve({ code, ...out });
    });
  });
}

describe('the bundled runtime', () => {
  it('serves, and exits 0 on SIGTERM', async () => {
    let answer: unknown;
    const result = await run(['service', 'inventory'], { PORT: '0', MESHDEV_INSTANCE: 'inventory-7' }, (line, kill) => {
      const port = /listen=127\.0\.0\.1:(\d+)/.exec(line)?.[1];
      void fetch(`http://127.0.0.1:${port}/stock/p-1001`)
        .then((r) => r.json())
        .then((body) => (answer = body))
        .finally(kill);
    });
    expect(result.code).toBe(0);
    expect(answer).toMatchObject({ instance: 'inventory-7', stock: { productId: 'p-1001' } });
    expect(result.stdout).toMatch(/level=info msg=started service=inventory instance=inventory-7 version=v1/);
    expect(result.stdout).toMatch(/msg=stopping instance=inventory-7 signal=SIGTERM/);
  });

  it('exits 2 naming the variable when the configuration is wrong', async () => {
    const service = await run(['service', 'catalog'], {
      PORT: '0',
      PRICING_URL: 'http://127.0.0.1:1',
      INVENTORY_URL: 'nope',
    });
    expect(service.code).toBe(2);
    expect(service.stderr).toMatch(
      /level=error msg="cannot start" service=catalog error="INVENTORY_URL=\\"nope\\" is not a URL/,
    );

    const loadgen = await run(['loadgen'], { METRICS_PORT: '0' });
    expect(loadgen.code).toBe(2);
    expect(loadgen.stderr).toContain('TARGET_URL is not set');
  });

  it('runs the load generator until SIGTERM', async () => {
    const result = await run(
      ['loadgen'],
      { TARGET_URL: 'http://127.0.0.1:1/products', RATE: '5', METRICS_PORT: '0', HOST: '127.0.0.1' },
      (_line, kill) => setTimeout(kill, 300),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/msg=started service=loadgen .*target=http:\/\/127.0.0.1:1\/products rate=5/);
  });
});
