// Bundles everything that runs inside containers (sidecar, demo services, load generator) into
// dist/runtime/, so the runtime image needs no node_modules and no npm inside the build.
//
// Split into chunks: the entry (meshdev-runtime.mjs) loads only the role it runs, so a sidecar
// never parses express or the load generator. Minified: V8 keeps every loaded script's source in
// the heap, and a single non-ASCII character in a kept comment makes the whole source a two-byte
// string (a 2 MB bundle then costs 4 MB in every process). Source maps stay beside the chunks.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

await rm('dist/runtime', { recursive: true, force: true });
await build({
  entryPoints: { 'meshdev-runtime': 'services/entry.ts' },
  outdir: 'dist/runtime',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  minify: true,
  charset: 'ascii',
  legalComments: 'none',
  logLevel: 'warning',
  // Some CommonJS dependencies (express) call require() on Node built-ins.
  banner: {
    js: "import { createRequire as __meshdevCreateRequire } from 'node:module'; const require = __meshdevCreateRequire(import.meta.url);",
  },
});
