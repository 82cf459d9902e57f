// Bundles everything that runs inside containers (sidecar, demo services, load generator) into
// dist/runtime/, so the runtime image needs no node_modules and no npm inside the build.
//
// Split into chunks: the entry (meshdev-runtime.mjs) loads only the role it runs, so a sidecar
// never parses express or the load generator. Options shared with the CLI's bundle (minified,
// ASCII: why in node-bundle.mjs). Source maps stay beside the chunks.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { NODE_BUNDLE, splitInto } from './node-bundle.mjs';

await rm('dist/runtime', { recursive: true, force: true });
await build({
  ...NODE_BUNDLE,
  ...splitInto('dist/runtime'),
  entryPoints: { 'meshdev-runtime': 'services/entry.ts' },
});
