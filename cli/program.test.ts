import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, buildProgram, commandOf } from './program.js';

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
