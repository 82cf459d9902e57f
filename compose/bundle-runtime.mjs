// Bundles everything that runs inside containers (sidecar, demo services, load generator) into one
// self-contained file, so the runtime image needs no node_modules and no npm inside the build.
import { build } from 'esbuild';

await build({
  entryPoints: ['services/entry.ts'],
  outfile: 'dist/runtime/meshdev-runtime.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  minify: false,
  logLevel: 'warning',
  // Some CommonJS dependencies (express) call require() on Node built-ins.
  banner: {
    js: "import { createRequire as __meshdevCreateRequire } from 'node:module'; const require = __meshdevCreateRequire(import.meta.url);",
  },
});
