import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import * as z from 'zod';
import { Topology } from '../../proxy/schema/index.js';
import { UsageError } from '../errors.js';

/** JSON Schema of `mesh.yaml`, for editor completion (yaml-language-server, VS Code). */
export function topologyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(Topology, { io: 'input', unrepresentable: 'any' }),
    title: 'meshdev topology (mesh.yaml)',
  };
}

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of mesh.yaml (for editor completion)')
    .option('--write <file>', 'write it to a file instead of stdout')
    .option('--quiet', 'print nothing when writing a file')
    .action((opts: { write?: string; quiet?: boolean }) => {
      const text = `${JSON.stringify(topologyJsonSchema(), null, 2)}\n`;
      if (opts.write === undefined) {
        process.stdout.write(text);
        return;
      }
      if (opts.write.trim() === '') throw new UsageError('--write: give a file name, e.g. mesh.schema.json');
      writeFileSync(opts.write, text);
      if (!opts.quiet) process.stdout.write(`wrote ${opts.write}\n`);
    });
}
