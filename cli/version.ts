import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** The package root: the nearest meshdev package.json above this file, from `cli/` (tests), `dist/cli/` (API) or `dist/bin/chunks/` (the bundled binary). */
export const PACKAGE_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'meshdev') return dir;
    } catch {
      // not here; keep climbing
    }
    dir = dirname(dir);
  }
  throw new Error('meshdev: cannot find its own package.json');
})();

export const VERSION: string = (
  JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
