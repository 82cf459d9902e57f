import type { Command } from 'commander';
import { durationText, parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { meshdevCommand } from '../invocation.js';
import type { FaultField, FaultKind, FaultKindSpec, FaultSpec, FieldNaming } from '../control/index.js';
import { DEFAULT_FAULT_TTL_MS, FAULT_KINDS, pickFaultKind } from '../control/index.js';
import { describeFault, formatFaultTable, formatRejectedDocuments } from '../control/describe.js';
import { parseCount, parseHeaderMatch, parsePercent, parseRate, parseStatus } from '../values.js';
import { FaultId, faultRuleKey } from '../../proxy/schema/faults.js';
import { addMeshOptions, loadControl, print } from './control-options.js';
import type { ControlFlags } from './control-options.js';

/** Flags of `meshdev fault add`, as commander gives them (strings; repeatable ones as arrays). */
export interface FaultAddFlags {
  delay?: string;
  jitter?: string;
  abort?: string;
  reset?: boolean;
  blackhole?: boolean;
  bandwidth?: string;
  flaky?: string;
  status?: string;
  tcp?: boolean;
  percent?: string;
  path?: string;
  header?: string[];
  source?: string;
  from?: string;
  ttl?: string;
  id?: string;
}

/** How each kind of fault is asked for on the command line: its flags, and the typed values they give. */
const KIND_FLAGS: {
  readonly [K in FaultKind]: {
    readonly options: readonly (readonly [flags: string, help: string])[];
    readonly given: (f: FaultAddFlags) => boolean;
    readonly read: (f: FaultAddFlags) => Extract<FaultKindSpec, { kind: K }>;
  };
} = {
  delay: {
    options: [
      ['--delay <duration>', 'hold requests this long before forwarding (e.g. 200ms)'],
      ['--jitter <duration>', 'with --delay: plus or minus up to this much'],
    ],
    given: (f) => f.delay !== undefined,
    read: (f) => ({
      kind: 'delay',
      fixedMs: parseDuration(f.delay!, '--delay'),
      ...(f.jitter === undefined ? {} : { jitterMs: parseDuration(f.jitter, '--jitter') }),
    }),
  },
  abort: {
    options: [['--abort <status>', 'answer with this HTTP status (200-599) instead of forwarding']],
    given: (f) => f.abort !== undefined,
    read: (f) => ({ kind: 'abort', status: parseStatus(f.abort!, '--abort') }),
  },
  reset: {
    options: [['--reset', 'reset the connection (TCP RST), no response']],
    given: (f) => f.reset === true,
    read: () => ({ kind: 'reset' }),
  },
  blackhole: {
    options: [['--blackhole', 'accept and never answer (the client times out)']],
    given: (f) => f.blackhole === true,
    read: () => ({ kind: 'blackhole' }),
  },
  bandwidth: {
    options: [['--bandwidth <rate>', 'pace responses to this rate (e.g. 10KiB/s, 1MB/s)']],
    given: (f) => f.bandwidth !== undefined,
    read: (f) => ({ kind: 'bandwidth', bytesPerSecond: parseRate(f.bandwidth!, '--bandwidth') }),
  },
  flaky: {
    options: [
      ['--flaky <n>', 'fail the first N requests of each caller (connections with --tcp), then let traffic pass'],
      ['--status <status>', 'with --flaky: the HTTP status those requests get (default 503)'],
    ],
    given: (f) => f.flaky !== undefined,
    read: (f) => ({
      kind: 'flaky',
      first: parseCount(f.flaky!, '--flaky'),
      ...(f.status === undefined ? {} : { failStatus: parseStatus(f.status, '--status') }),
    }),
  },
};

/** Each field of a fault spec as the command line names it (the flag whose text gave it). */
const FLAG_OF: Readonly<Record<FaultField, string>> = {
  target: 'TARGET',
  delay: '--delay',
  fixedMs: '--delay',
  jitterMs: '--jitter',
  abort: '--abort',
  status: '--abort',
  reset: '--reset',
  blackhole: '--blackhole',
  bandwidth: '--bandwidth',
  bytesPerSecond: '--bandwidth',
  flaky: '--flaky',
  first: '--flaky',
  failStatus: '--status',
  tcp: '--tcp',
  percent: '--percent',
  pathPrefix: '--path',
  headers: '--header',
  source: '--source',
  from: '--from',
  ttlMs: '--ttl',
  id: '--id',
};

/** Messages name the flags, and quote the values as typed. */
export function flagNaming(flags: FaultAddFlags): FieldNaming<FaultField> {
  return {
    name: (field) => FLAG_OF[field],
    text: (field) => {
      const value = (flags as Record<string, unknown>)[FLAG_OF[field].slice(2)];
      return typeof value === 'string' ? value : undefined;
    },
  };
}

/** `meshdev fault add TARGET` flags -> a fault spec: which kind, and every value parsed from its text. Pure. */
export function faultSpecFromFlags(target: string, flags: FaultAddFlags): FaultSpec {
  const given = FAULT_KINDS.filter((k) => KIND_FLAGS[k].given(flags));
  const stray: { field: FaultField; needs: FaultKind }[] =
    flags.jitter !== undefined && flags.delay === undefined ? [{ field: 'jitterMs', needs: 'delay' }] : [];
  if (flags.status !== undefined && flags.flaky === undefined) stray.push({ field: 'failStatus', needs: 'flaky' });
  const kind = pickFaultKind(
    given,
    stray,
    flagNaming(flags),
    `e.g. ${meshdevCommand('fault add catalog --abort 503 --percent 50 --ttl 2m')}`,
  );
  const kindSpec = (KIND_FLAGS[kind].read as (f: FaultAddFlags) => FaultKindSpec)(flags);
  return {
    target,
    ...kindSpec,
    ...(flags.tcp ? { tcp: true } : {}),
    ...(flags.percent === undefined ? {} : { percent: parsePercent(flags.percent, '--percent') }),
    ...(flags.path === undefined ? {} : { pathPrefix: flags.path }),
    ...(flags.header === undefined || flags.header.length === 0
      ? {}
      : { headers: Object.fromEntries(flags.header.map((h) => parseHeaderMatch(h, '--header'))) }),
    ...(flags.source === undefined ? {} : { source: flags.source }),
    ...(flags.from === undefined ? {} : { from: flags.from }),
    ...(flags.ttl === undefined ? {} : { ttlMs: parseDuration(flags.ttl, '--ttl') }),
    ...(flags.id === undefined ? {} : { id: flags.id }),
  };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerFault(program: Command): void {
  const fault = program
    .command('fault')
    .description(`Inject proxy faults (${FAULT_KINDS.join(', ')}) that every sidecar applies live.`);

  const add = fault
    .command('add')
    .description(
      `Add a fault on TARGET (a service, service@version or instance id). It lasts --ttl (default ${durationText(DEFAULT_FAULT_TTL_MS)}); the\n` +
        'sidecars drop it by themselves when it expires.\n' +
        'e.g. meshdev fault add catalog-2 --delay 2s   |   meshdev fault add catalog --abort 503 --percent 50 --ttl 1m',
    )
    .argument('<target>');
  for (const k of FAULT_KINDS) for (const [flags, help] of KIND_FLAGS[k].options) add.option(flags, help);
  addMeshOptions(
    add
      .option('--tcp', 'the TCP (L4) variant: --delay, --reset, --bandwidth or --flaky on a tcp upstream')
      .option('--percent <n>', 'share of matching requests that get the fault (0-100)', undefined)
      .option('--path <prefix>', 'only requests whose path starts with this')
      .option('--header <name=value>', 'only requests with this header value (repeatable)', collect)
      .option('--source <service>', 'only requests from this calling service')
      .option('--from <service>', 'only calls from SERVICE (towards a whole service: applied in its sidecars)')
      .option('--ttl <duration>', `how long the fault lasts (1s-24h; default ${durationText(DEFAULT_FAULT_TTL_MS)})`)
      .option('--id <id>', 'choose the fault id (default: generated)')
      .option('--json', 'machine-readable output'),
  ).action(async (target: string, opts: FaultAddFlags & ControlFlags & { json?: boolean }) => {
    const spec = faultSpecFromFlags(target, opts);
    const control = await loadControl(opts);
    const doc = await control.addFault(spec, { naming: flagNaming(opts) });
    const at = new Date().toISOString();
    print(opts.json, `${at} added fault ${doc.id}: ${describeFault(doc)}`, {
      at,
      key: faultRuleKey(control.kvName, doc.id),
      fault: doc,
    });
  });

  addMeshOptions(
    fault
      .command('ls')
      .description('List faults and partitions (expired ones are shown until removed).')
      .option('--json', 'machine-readable output'),
  ).action(async (opts: ControlFlags & { json?: boolean }) => {
    const control = await loadControl(opts);
    const set = await control.listFaults();
    const now = Date.now();
    let text = formatFaultTable(set.faults, set.partitions, now);
    if (set.headerFaults.enabled) {
      text += `\nheader faults: enabled (max ${set.headerFaults.maxActive} active${set.headerFaults.allowAtIngress ? ', allowed at the ingress' : ''})`;
    }
    if (set.problems.length > 0) text += `\n\n${formatRejectedDocuments(set.problems)}`;
    print(opts.json, text, { at: new Date(now).toISOString(), ...set });
  });

  addMeshOptions(
    fault
      .command('rm')
      .description('Remove a fault by id, or every fault with --all.')
      .argument('[id]')
      .option('--all', 'remove every fault (invalid documents included)')
      .option('--json', 'machine-readable output'),
  ).action(async (id: string | undefined, opts: ControlFlags & { all?: boolean; json?: boolean }) => {
    if ((id === undefined) === !opts.all) throw new UsageError('give a fault ID or --all (not both)');
    if (id !== undefined && !FaultId.safeParse(id).success) {
      throw new UsageError(`ID: "${id}" is not a fault id (lower-case letters, digits, ".", "_", "-"), e.g. f-3fa9c2`);
    }
    const control = await loadControl(opts);
    if (opts.all) {
      const ids = await control.clearAllFaults();
      const at = new Date().toISOString();
      print(opts.json, `${at} removed ${ids.length} fault(s)${ids.length > 0 ? `: ${ids.join(', ')}` : ''}`, {
        at,
        removed: ids,
      });
      return;
    }
    if (!(await control.removeFault(id!))) {
      const existing = (await control.listFaults()).faults.map((f) => f.id);
      throw new UsageError(`no fault "${id}"; faults: ${existing.length === 0 ? 'none' : existing.join(', ')}`);
    }
    const at = new Date().toISOString();
    print(opts.json, `${at} removed fault ${id}`, { at, removed: [id] });
  });

  addMeshOptions(
    fault
      .command('headers')
      .description(
        'Enable or disable per-request faults chosen by headers (x-meshdev-fault-delay-ms, x-meshdev-fault-abort), for tests.',
      )
      .argument('<on|off>')
      .option('--max <n>', 'header faults in progress at once per sidecar', '100')
      .option('--allow-at-ingress', 'let outside requests carry them through the ingress (stripped there otherwise)')
      .option('--json', 'machine-readable output'),
  ).action(async (state: string, opts: ControlFlags & { max: string; allowAtIngress?: boolean; json?: boolean }) => {
    if (state !== 'on' && state !== 'off') throw new UsageError(`expected "on" or "off", got "${state}"`);
    const control = await loadControl(opts);
    const settings = await control.setHeaderFaults(
      {
        enabled: state === 'on',
        maxActive: /^\d+$/.test(opts.max) ? Number(opts.max) : NaN,
        allowAtIngress: opts.allowAtIngress ?? false,
      },
      { name: () => '--max', text: () => opts.max },
    );
    const at = new Date().toISOString();
    print(
      opts.json,
      `${at} header faults ${state}${state === 'on' ? ` (max ${settings.maxActive} active${settings.allowAtIngress ? ', allowed at the ingress' : ''})` : ''}`,
      { at, headerFaults: settings },
    );
  });
}
