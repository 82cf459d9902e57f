import { describeAction } from '../../control/describe.js';
import { faultAction, ownNames } from '../../control/index.js';
import { draftKindSpec } from '../fault-adapter.js';
import type { FaultDraft, MeshCommand } from './types.js';

/** Commands that take something away from the mesh ask first, unless the UI was started with --yes. */
export function isDestructive(command: MeshCommand): boolean {
  switch (command.type) {
    case 'kill':
    case 'stop':
    case 'restart':
    case 'pause':
    case 'partition':
      return true;
    case 'scale':
      return command.delta < 0;
    case 'quit':
      return command.down;
    default:
      return false;
  }
}

/**
 * A fault the form or a preset is about to add, in the words `fault ls` and the fault list use for
 * the document it becomes (the domain's describeAction); a draft whose values the domain would
 * refuse is named by its kind (the form shows why it cannot be sent).
 */
export function describeDraft(f: FaultDraft): string {
  const pct = f.percent >= 100 ? '' : ` ${f.percent}%`;
  const ttl = ` for ${Math.round(f.ttlMs / 1000)}s`;
  let what: string = f.kind;
  try {
    what = describeAction(faultAction(draftKindSpec(f.kind, f.value), false, ownNames()));
  } catch {
    // Left as the kind's name.
  }
  return `${what}${pct}${ttl}`;
}

/** One line naming what a command does, for confirmation prompts and the event log. */
export function describeCommand(command: MeshCommand): string {
  switch (command.type) {
    case 'kill':
    case 'stop':
    case 'start':
    case 'restart':
    case 'pause':
    case 'unpause':
      return `${command.type} ${command.instance}`;
    case 'add-fault':
      return `fault ${command.target}: ${describeDraft(command.fault)}`;
    case 'clear-faults':
      return `clear faults on ${command.target}`;
    case 'clear-all-faults':
      return 'clear all faults and partitions';
    case 'partition':
      return `partition ${command.from} from ${command.to} for ${Math.round(command.ttlMs / 1000)}s`;
    case 'scale':
      return `scale ${command.service} ${command.delta > 0 ? 'up' : 'down'} by one`;
    case 'set-rate':
      return `set traffic to ${command.rate} req/s`;
    case 'pause-traffic':
      return 'pause traffic';
    case 'resume-traffic':
      return 'resume traffic';
    case 'quit':
      return command.down ? 'quit and bring the mesh down' : 'quit';
  }
}

/** Presets of the fault menu: the common cases in one keypress, then the form for anything else. */
export const FAULT_PRESETS: ReadonlyArray<{ readonly label: string; readonly draft: FaultDraft }> = [
  { label: 'abort 503, 100%, 60s', draft: { kind: 'abort', value: 503, percent: 100, ttlMs: 60_000 } },
  { label: 'abort 503, 50%, 60s', draft: { kind: 'abort', value: 503, percent: 50, ttlMs: 60_000 } },
  { label: 'delay 500ms, 100%, 60s', draft: { kind: 'delay', value: 500, percent: 100, ttlMs: 60_000 } },
  { label: 'delay 2s, 25%, 60s', draft: { kind: 'delay', value: 2000, percent: 25, ttlMs: 60_000 } },
  { label: 'reset connections, 100%, 60s', draft: { kind: 'reset', value: undefined, percent: 100, ttlMs: 60_000 } },
  { label: 'blackhole, 60s', draft: { kind: 'blackhole', value: undefined, percent: 100, ttlMs: 60_000 } },
  { label: 'bandwidth 10 kB/s, 60s', draft: { kind: 'bandwidth', value: 10_000, percent: 100, ttlMs: 60_000 } },
];
