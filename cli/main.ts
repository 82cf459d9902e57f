import { setFlagsFromString } from 'node:v8';
import { runtimeV8FlagsFor } from './heap.js';
import { commandOf, main } from './program.js';

const argv = process.argv.slice(2);
const v8Flags = runtimeV8FlagsFor(commandOf(argv));
if (v8Flags !== undefined) setFlagsFromString(v8Flags);
process.exitCode = await main(argv);
