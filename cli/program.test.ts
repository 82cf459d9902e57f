import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { COMMAND_NAMES, buildProgram, commandOf, refuseRepeatedOptions } from './program.js';

describe('program', () => {
  it('knows, for every command the CLI has, which module registers it', async () => {
    const all = await buildProgram();
    expect(all.commands.map((c) => c.name()).sort()).toEqual([...COMMAND_NAMES].sort());
  });
  it('loads only the module of the command it runs', async () => {
    expect((await buildProgram(['status', '--json'])).commands.map((c) => c.name())).toEqual(['status']);
    expect((await buildProgram(['--yes', 'heal'])).commands.map((c) => c.name())).toEqual(['partition', 'heal']);
    expect((await buildProgram(['help'])).commands.length).toBe(COMMAND_NAMES.length);
    expect((await buildProgram(['stauts'])).commands.length).toBe(COMMAND_NAMES.length); // suggestions need all
  });
  it('finds the command word', () => {
    expect(commandOf(['--help'])).toBeUndefined();
    expect(commandOf(['kill', 'catalog-2'])).toBe('kill');
    expect(commandOf([])).toBeUndefined();
  });
});

describe('refuseRepeatedOptions', () => {
  const parse = async (argv: string[]) => {
    let seen: Record<string, unknown> = {};
    const program = new Command('t').exitOverride();
    program
      .command('run')
      .option('--ttl <d>', 'ttl', '10m')
      .option('--header <h>', 'repeatable', (v: string, prev: string[] = []) => [...prev, v])
      .option('--json', 'flag')
      .action((opts: Record<string, unknown>) => {
        seen = opts;
      });
    refuseRepeatedOptions(program);
    await program.parseAsync(argv, { from: 'user' });
    return seen;
  };
  it('refuses a one-value option given twice, naming it and both values', async () => {
    await expect(parse(['run', '--ttl', '1m', '--ttl', '2m'])).rejects.toThrow(UsageError);
    await expect(parse(['run', '--ttl=1m', '--ttl', '2m'])).rejects.toThrow(
      '--ttl: given twice ("1m" and "2m"); give it once',
    );
  });
  it('keeps defaults, single values and repeatable options as they were', async () => {
    expect(await parse(['run'])).toEqual({ ttl: '10m' });
    expect(await parse(['run', '--ttl', '1m', '--json', '--json'])).toEqual({ ttl: '1m', json: true });
    expect(await parse(['run', '--header', 'a=1', '--header', 'b=2'])).toEqual({ ttl: '10m', header: ['a=1', 'b=2'] });
  });
  it('applies to every command of the real program', async () => {
    const program = await buildProgram();
    const ttl = program.commands.find((c) => c.name() === 'fault')!.commands.find((c) => c.name() === 'add')!;
    expect(ttl.options.find((o) => o.long === '--ttl')!.parseArg).toBeDefined();
  });
});

describe('--json', () => {
  /** Commands whose output is not one result: a stream, a server, a dashboard, or a document already. */
  const WITHOUT_JSON = {
    logs: 'a stream of log lines',
    proxy: 'a server; it logs JSON lines',
    ui: 'an interactive dashboard',
    compose: 'prints the Compose file (YAML) itself',
    schema: 'prints a JSON Schema always',
  };
  it('is an option of every command that prints a result', async () => {
    const leaves = (c: Command, prefix: string[]): string[][] =>
      c.commands.length === 0
        ? [[...prefix, c.name()]]
        : c.commands.flatMap((sub) => leaves(sub, c.parent === null ? [] : [...prefix, c.name()]));
    const program = await buildProgram();
    const find = (path: string[]) =>
      path.reduce<Command>((c, name) => c.commands.find((s) => s.name() === name)!, program);
    const all = leaves(program, []).map((p) => p.join(' '));
    const withJson = all.filter((p) => find(p.split(' ')).options.some((o) => o.long === '--json'));
    expect(all.filter((p) => !withJson.includes(p)).sort()).toEqual(Object.keys(WITHOUT_JSON).sort());
  });
});
